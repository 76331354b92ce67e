"""Customer-managed KMS keys: rotation on, an explicit key policy, a 30-day deletion window."""

from __future__ import annotations

import json
from collections.abc import Sequence

from modules.framework import Construct, TerraformResourceLifecycle, aws


class EncryptionKey(Construct):
    """One CMK and its alias. Services listed in ``service_principals`` may use it on behalf of this
    account only (``aws:SourceAccount``); everything else goes through IAM (the account root statement)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alias: str,
        description: str,
        account_id: str,
        partition: str,
        service_principals: Sequence[str] = (),
        prevent_destroy: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        # A key policy is written inline, not as an aws_iam_policy_document: in a key policy "*" means
        # "this key", and checkov's IAM-document checks (CKV_AWS_109/111/356) would read it as "every
        # resource". The policy stays plain JSON in the synthesized file, for review.
        statements: list[dict[str, object]] = [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
        if service_principals:
            statements.append(
                {
                    "Sid": "ServicesOfThisAccountUseKey",
                    "Effect": "Allow",
                    "Principal": {"Service": sorted(service_principals)},
                    "Action": ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            )
        policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
        self.key = aws.kms_key.KmsKey(
            self,
            "this",
            description=description,
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True) if prevent_destroy else None,
        )
        aws.kms_alias.KmsAlias(self, "alias", name=f"alias/{alias}", target_key_id=self.key.key_id)
        self.arn: str = self.key.arn
        self.key_id: str = self.key.key_id
