"""The bootstrap stack: the state backend every environment stack stores its state in.

It keeps its own state locally (``bootstrap/terraform.tfstate``, outside ``cdktf.out`` so synthesis
never removes it): the backend cannot store the state of its own creation.
"""

from __future__ import annotations

from collections.abc import Sequence

from modules.framework import Construct, LocalBackend
from modules.protection import protect
from modules.settings import EnvironmentConfig
from modules.stack import Stack
from modules.state.backend import StateBackend, StateBackendSettings


def backend_settings(configs: Sequence[EnvironmentConfig]) -> dict[str, StateBackendSettings]:
    """One bootstrap stack per distinct backend (project, account, region) the environments use."""
    backends: dict[tuple[str, str, str], StateBackendSettings] = {}
    for config in configs:
        env = config.environment
        key = (env.project, env.account_id, env.region)
        backends.setdefault(
            key, StateBackendSettings(project=env.project, region=env.region, account_id=env.account_id, tags=env.tags)
        )
    if len(backends) == 1:
        return {"bootstrap": next(iter(backends.values()))}
    return {
        "-".join(part for part in ("bootstrap", project, account, region) if part): settings
        for (project, account, region), settings in sorted(backends.items())
    }


def local_state_path(stack_id: str) -> str:
    """Relative to the synthesized workspace, cdktf.out/stacks/<stack>/: bootstrap/terraform.tfstate,
    or bootstrap/<stack>.tfstate when the environments use several backends."""
    name = "terraform" if stack_id == "bootstrap" else stack_id
    return f"../../../bootstrap/{name}.tfstate"


class BootstrapStack(Stack):
    def __init__(
        self, scope: Construct, stack_id: str, *, settings: StateBackendSettings, local_endpoint: str | None = None
    ) -> None:
        super().__init__(scope, stack_id, local_endpoint=local_endpoint)
        LocalBackend(self, path=local_state_path(stack_id))
        self.aws_provider(
            region=settings.region,
            account_id=settings.account_id,
            tags={**(settings.tags or {}), "project": settings.project, "managed-by": "cdktf", "stack": stack_id},
        )
        backend = StateBackend(self, "state", settings=settings)
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
