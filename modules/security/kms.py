"""Customer-managed KMS keys: rotation on, an explicit key policy, a 30-day deletion window."""

from __future__ import annotations

from collections.abc import Sequence

from modules.framework import Construct, Fn, aws
from modules.stack import suppress


class EncryptionKey(Construct):
    """One CMK and its alias. Access goes through IAM (the account root statement) and the grants AWS
    services create for their callers; ``service_statements`` add the few services that use the key
    as themselves (CloudWatch Logs, CloudWatch alarms publishing to an encrypted topic). ``provider``: another
    region's provider configuration (a key is regional)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alias: str,
        description: str,
        account_id: str,
        partition: str,
        service_statements: Sequence[dict[str, object]] = (),
        provider: aws.provider.AwsProvider | None = None,
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
        statements.extend(service_statements)
        policy = Fn.jsonencode({"Version": "2012-10-17", "Statement": statements})
        self.key = aws.kms_key.KmsKey(
            self,
            "this",
            description=description,
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy,
            provider=provider,
        )
        aws.kms_alias.KmsAlias(self, "alias", name=f"alias/{alias}", target_key_id=self.key.key_id, provider=provider)
        self._accept_key_policy_findings(statements)
        self.arn: str = self.key.arn
        self.key_id: str = self.key.key_id

    def _accept_key_policy_findings(self, statements: Sequence[dict[str, object]]) -> None:
        """parliament reads a key policy as an identity policy; these findings follow from that."""
        suppress(
            self.key,
            "PARLIAMENT.RESOURCE_STAR",
            'In a key policy "*" is the key itself, not every resource; parliament reads it as an identity policy',
        )
        if any("kms:EncryptionContext:" in str(item.get("Condition", "")) for item in statements):
            suppress(
                self.key,
                "PARLIAMENT.MISMATCHED_TYPE",
                "kms:EncryptionContext keys hold strings, and the CloudWatch Logs context is a log group ARN "
                "compared with ArnLike, as AWS's key policy for encrypted log groups writes it",
            )
            suppress(
                self.key,
                "PARLIAMENT.UNKNOWN_CONDITION_FOR_ACTION",
                "AWS's documented key policy for CloudWatch Logs grants kms:Describe* under the encryption "
                "context condition; DescribeKey carries no context, so that part grants nothing",
            )


def logs_statement(region: str, account_id: str, partition: str) -> dict[str, object]:
    """CloudWatch Logs encrypts this account's log groups with the key (and only those)."""
    return {
        "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        "Resource": "*",
        "Condition": {
            "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account_id}:log-group:*"}
        },
    }


def service_use_statement(sid: str, service: str, account_id: str, *, via_service: str) -> dict[str, object]:
    """A service principal (e.g. cloudwatch.amazonaws.com) uses the key for this account's resources, and
    only through ``via_service`` (kms:ViaService, e.g. sns.us-east-1.amazonaws.com: the service that
    calls KMS on the principal's behalf when the principal publishes to an encrypted topic)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id, "kms:ViaService": via_service}},
    }
