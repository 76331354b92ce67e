"""The bootstrap stack: the state backend every environment stack stores its state in.

It keeps its own state locally (``bootstrap/terraform.tfstate``, outside ``cdktf.out`` so synthesis
never removes it): the backend cannot store the state of its own creation.
"""

from __future__ import annotations

from collections.abc import Sequence

from modules.framework import Construct, LocalBackend
from modules.protection import protect
from modules.security.github_oidc import GithubOidcProvider
from modules.settings import ConfigError, EnvironmentConfig
from modules.settings.backends import bootstrap_stacks, mixed_account_problems, state_file
from modules.stack import Stack
from modules.state.backend import StateBackend, StateBackendSettings


def backend_settings(configs: Sequence[EnvironmentConfig]) -> dict[str, StateBackendSettings]:
    """One bootstrap stack per distinct backend (project, account, region) the environments use, tagged
    only with the tags all of its environments share (modules/settings/backends.py names them). Refuses
    (ConfigError) account_id set on only some environments of one project and region."""
    problems = mixed_account_problems(configs)
    if problems:
        raise ConfigError(problems)
    return {
        stack_id: StateBackendSettings(
            project=backend.project, region=backend.region, account_id=backend.account_id, tags=backend.tags
        )
        for stack_id, backend in bootstrap_stacks(configs).items()
    }


def local_state_path(stack_id: str) -> str:
    """Relative to the synthesized workspace, cdktf.out/stacks/<stack>/: bootstrap/terraform.tfstate,
    or bootstrap/<stack>.tfstate when the environments use several backends."""
    return f"../../../{state_file(stack_id)}"


class BootstrapStack(Stack):
    def __init__(
        self,
        scope: Construct,
        stack_id: str,
        *,
        settings: StateBackendSettings,
        local_endpoint: str | None = None,
        github_oidc: bool = False,
    ) -> None:
        super().__init__(scope, stack_id, local_endpoint=local_endpoint)
        LocalBackend(self, path=local_state_path(stack_id))
        self.aws_provider(
            region=settings.region,
            account_id=settings.account_id,
            tags={**(settings.tags or {}), "project": settings.project, "managed-by": "cdktf", "stack": stack_id},
        )
        backend = StateBackend(self, "state", settings=settings)
        if github_oidc:  # the one bootstrap of its account that owns it (modules.settings.backends)
            self.outputs({"github_oidc_provider_arn": (GithubOidcProvider(self, "github_oidc").arn, "GitHub OIDC")})
        protect(self, protected=True)  # the backend holds every environment's state: always protected
        self.outputs(
            {
                "state_bucket_name": (backend.state.name, "S3 bucket holding every environment's state"),
                "state_bucket_arn": (backend.state.arn, "ARN of the state bucket"),
                "access_log_bucket_name": (backend.logs.name, "Bucket receiving the state bucket's access logs"),
                "lock_table_name": (backend.lock_table.name, "DynamoDB table for state locks (LockID)"),
                "state_kms_key_arn": (backend.key.arn, "CMK encrypting the state bucket and lock table"),
                "region": (settings.region, "Region of the backend"),
            }
        )
