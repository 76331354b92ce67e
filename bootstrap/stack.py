"""The bootstrap stack: the state backend every environment stack stores its state in.

It keeps its own state locally (``bootstrap/terraform.tfstate``, outside ``cdktf.out`` so synthesis
never removes it): the backend cannot store the state of its own creation.

Locking is S3's lockfile alone (Terraform >= 1.10). Bootstraps from before that decision hold a DynamoDB
lock table (``aws_dynamodb_table.state_lock``, deletion-protected): a ``removed`` block makes Terraform
forget it without destroying it, and the README says how to delete it once no old checkout locks with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from modules.framework import Construct, LocalBackend, aws
from modules.protection import protect
from modules.security.github_oidc import GithubOidcProvider
from modules.settings import ConfigError, EnvironmentConfig
from modules.settings.backends import bootstrap_stacks, cost_tag_problems, mixed_account_problems, state_file
from modules.settings.budget import COST_ALLOCATION_TAG
from modules.stack import Stack
from modules.state.backend import StateBackend, StateBackendSettings


def backend_settings(configs: Sequence[EnvironmentConfig]) -> dict[str, StateBackendSettings]:
    """One bootstrap stack per distinct backend (project, account, region) the environments use, tagged
    only with the tags all of its environments share (modules/settings/backends.py names them). Refuses
    (ConfigError) account_id set on only some environments of one project and region, and the account-wide
    cost allocation tag activated by more than one environment of an account."""
    problems = mixed_account_problems(configs) + cost_tag_problems(configs)
    if problems:
        raise ConfigError(problems)
    return {
        stack_id: StateBackendSettings(
            project=backend.project,
            region=backend.region,
            account_id=backend.account_id,
            tags=backend.tags,
            activate_cost_allocation_tag=backend.activates_cost_tag,
        )
        for stack_id, backend in bootstrap_stacks(configs).items()
    }


def local_state_path(stack_id: str) -> str:
    """Relative to the synthesized workspace, cdktf.out/stacks/<stack>/: bootstrap/terraform.tfstate,
    or bootstrap/<stack>.tfstate when the environments use several backends."""
    return f"../../../{state_file(stack_id)}"


LEGACY_LOCK_TABLE = "aws_dynamodb_table.state_lock"


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
        # Bootstraps before S3 lockfile locking created this table: forget it (it is deletion-protected and
        # may still hold an old checkout's lock), never destroy it. Nothing happens where it never existed.
        self.forgotten.append(LEGACY_LOCK_TABLE)
        self._cost_allocation_tag(settings)
        protect(self, protected=True)  # the backend holds every environment's state: always protected
        self.outputs(
            {
                "state_bucket_name": (backend.state.name, "S3 bucket holding every environment's state"),
                "state_bucket_arn": (backend.state.arn, "ARN of the state bucket"),
                "access_log_bucket_name": (backend.logs.name, "Bucket receiving the state bucket's access logs"),
                "state_kms_key_arn": (backend.key.arn, "CMK encrypting the state bucket"),
                "region": (settings.region, "Region of the backend"),
            }
        )

    def _cost_allocation_tag(self, settings: StateBackendSettings) -> None:
        """Activates the account's `environment` cost allocation tag, which the budgets filter on, when one of
        this backend's environments asks (one per account). The emulator has no Cost Explorer API: local mode
        leaves it out."""
        if not settings.activate_cost_allocation_tag:
            return
        if self.local_endpoint:
            self.warnings.append(
                f"{self.node.id}: the {COST_ALLOCATION_TAG} cost allocation tag is not activated in local mode "
                "(the local AWS has no Cost Explorer API)"
            )
            return
        aws.ce_cost_allocation_tag.CeCostAllocationTag(
            self, "cost_allocation_tag", tag_key=COST_ALLOCATION_TAG, status="Active"
        )
