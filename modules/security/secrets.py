"""Application secrets in Secrets Manager, generated without ever being written down.

``SECRET_KEY`` (the JWT signing key) is drawn by Secrets Manager's GetRandomPassword through an
*ephemeral* resource and written with the *write-only* ``secret_string_wo``: the value appears neither
in the synthesized JSON nor in the Terraform state. Bump ``SECRET_KEY_VERSION`` (or
``secret_key_version`` in the environment file) to rotate it: every session signed with the old key ends.
"""

from __future__ import annotations

from modules.framework import Construct, TerraformStack, aws
from modules.settings.naming import GENERAL, fit
from modules.stack import suppress


class AppSecrets(Construct):
    """The application's own secrets (the database credentials are RDS's, in its managed secret)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        kms_key_arn: str,
        secret_key_version: int,
    ) -> None:
        super().__init__(scope, construct_id)
        generator = "secret_key"
        TerraformStack.of(self).add_override(
            f"ephemeral.aws_secretsmanager_random_password.{generator}",
            {"password_length": 64, "exclude_punctuation": True, "require_each_included_type": True},
        )
        self.secret_key = aws.secretsmanager_secret.SecretsmanagerSecret(
            self,
            "secret_key",
            name=fit(f"{name_prefix}/app/secret-key", GENERAL),
            description=f"{name_prefix}: SECRET_KEY, the application's JWT signing key",
            kms_key_id=kms_key_arn,
        )
        aws.secretsmanager_secret_version.SecretsmanagerSecretVersion(
            self,
            "secret_key_value",
            secret_id=self.secret_key.id,
            secret_string_wo=f"${{ephemeral.aws_secretsmanager_random_password.{generator}.random_password}}",
            secret_string_wo_version=secret_key_version,
        )
        suppress(
            self.secret_key,
            "CKV2_AWS_57",
            "A JWT signing key has no rotation Lambda: rotating it ends every session, so it is a deliberate "
            "step (bump secret_key_version), not a schedule",
        )
        self.secret_key_arn: str = self.secret_key.arn
