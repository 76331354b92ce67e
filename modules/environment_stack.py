"""One environment's Terraform workspace: provider, S3 backend and everything the environment runs."""

from __future__ import annotations

from modules.config import EnvironmentConfig
from modules.framework import Construct, S3Backend, aws
from modules.naming import lock_table_name, state_bucket_name, state_key, state_key_alias
from modules.network import DefaultNetwork
from modules.stack import Stack


class EnvironmentStack(Stack):
    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        env = config.environment
        super().__init__(scope, env.name)
        self.config = config
        S3Backend(
            self,
            bucket=state_bucket_name(env.project, env.region, env.account_id),
            key=state_key(env.name),
            region=env.region,
            encrypt=True,
            kms_key_id=state_key_alias(env.project),
            dynamodb_table=lock_table_name(env.project),
        )
        # Native S3 locking (Terraform >= 1.10); the DynamoDB table stays for older clients during migration.
        self.add_override("terraform.backend.s3.use_lockfile", True)
        aws.provider.AwsProvider(
            self,
            "aws",
            region=env.region,
            allowed_account_ids=[env.account_id] if env.account_id else None,
            default_tags=[
                aws.provider.AwsProviderDefaultTags(
                    tags={**env.tags, "project": env.project, "environment": env.name, "managed-by": "cdktf"}
                )
            ],
        )
        self.network = DefaultNetwork(self, "network")
