"""The stack base class: readable Terraform addresses and checkov suppressions declared in Python."""

from __future__ import annotations

from dataclasses import dataclass

from modules import local_aws
from modules.framework import (
    Construct,
    Node,
    TerraformDataSource,
    TerraformElement,
    TerraformOutput,
    TerraformStack,
    aws,
)
from modules.settings.literal import literal_map

LINT_PREFIX = "PARLIAMENT."
# S3 lockfile locking (the backend's use_lockfile) needs Terraform 1.10; removed blocks 1.7. Written to
# versions.tf beside cdk.tf.json (modules/workspace_files.py): checkov's terraform_json parser stops at a
# plain value in the terraform block (and at removed blocks), so the JSON cannot hold them.
REQUIRED_TERRAFORM = ">= 1.10"  # suppress(resource, "PARLIAMENT.RESOURCE_STAR", ...) accepts an IAM linter finding


@dataclass(frozen=True, order=True)
class Suppression:
    """A checkov finding accepted on one resource, with the reason a reviewer reads."""

    address: str  # Terraform's address: aws_rds_cluster.db, data.aws_availability_zones.db_zones
    check_id: str
    reason: str
    # Found only in a plan's scan (a value AWS computes, such as an instance's public address): the JSON
    # gate does not call it stale.
    plan_only: bool = False

    @property
    def checkov_addresses(self) -> tuple[str, ...]:
        """How checkov's terraform_json runner names the resource: graph checks use the Terraform
        address, Python checks ``resource.<name>`` / ``data.<name>``."""
        name = self.address.rsplit(".", 1)[1]
        short = f"data.{name}" if self.address.startswith("data.") else f"resource.{name}"
        return (self.address, short)


class Stack(TerraformStack):
    """A Terraform workspace whose addresses are the construct path (``aws_rds_cluster.db``).

    Construct ids named ``this`` (the primary resource of a construct, as in terraform-aws-modules)
    are dropped from the address, so users grep for ``aws_rds_cluster.db``, not a hash.
    """

    def __init__(self, scope: Construct, stack_id: str, *, local_endpoint: str | None = None) -> None:
        super().__init__(scope, stack_id)
        self.local_endpoint = local_endpoint
        self.warnings: list[str] = []  # printed by synthesis: worth reading, not worth stopping for
        # Addresses an earlier version of the stack created and this one no longer manages: Terraform forgets
        # them (removed blocks in versions.tf), never destroys them.
        self.forgotten: list[str] = []
        self._suppressions: list[tuple[TerraformElement, str, str, bool]] = []

    def _allocate_logical_id(self, tf_element: TerraformElement | Node) -> str:
        node = tf_element if isinstance(tf_element, Node) else tf_element.node
        parts = node.path.split("/")[1:]  # drop the stack
        kept = [part for part in parts if part != "this"] or parts
        return "_".join(part.replace("-", "_") for part in kept)

    def aws_provider(
        self, *, region: str, account_id: str, tags: dict[str, str], alias: str | None = None
    ) -> aws.provider.AwsProvider:
        """The AWS provider: pinned to the account when one is named (not in local mode: the emulator has
        its own account), default tags on everything (keys and values from the environment files, so kept
        literal). ``alias``: a second configuration (another region) that resources name as their provider."""
        provider = aws.provider.AwsProvider(
            self,
            f"aws_{alias}" if alias else "aws",
            region=region,
            alias=alias,
            allowed_account_ids=[account_id] if account_id and not self.local_endpoint else None,
            default_tags=[aws.provider.AwsProviderDefaultTags(tags=literal_map(tags))],
        )
        if self.local_endpoint:
            for key, value in local_aws.provider_settings(self.local_endpoint).items():
                provider.add_override(key, value)
        return provider

    def outputs(self, outputs: dict[str, tuple[object, str]]) -> None:
        """Terraform outputs from ``name -> (value, description)``."""
        for name, (value, description) in outputs.items():
            TerraformOutput(self, name, value=value, description=description)

    def suppress(self, resource: TerraformElement, check_id: str, reason: str, *, plan_only: bool = False) -> None:
        """Accepts checkov's ``check_id`` (or, as ``PARLIAMENT.<ISSUE>``, an IAM linter finding) on
        ``resource`` alone; the reason is shown in every report. ``plan_only``: checkov finds it only in
        a plan, where AWS's computed values are known."""
        if len(reason.split()) < 5:
            raise ValueError(f"suppressing {check_id} needs a reason a reviewer can check, not {reason!r}")
        self._suppressions.append((resource, check_id, reason, plan_only))
        tool = "parliament_skip" if check_id.startswith(LINT_PREFIX) else "checkov_skip"
        resource.add_override(f"//.{tool}.{check_id.removeprefix(LINT_PREFIX)}", reason)

    def _declared(self) -> list[Suppression]:
        return sorted(
            Suppression(_address(resource, self.get_logical_id(resource)), check_id, reason, plan_only)
            for resource, check_id, reason, plan_only in self._suppressions
        )

    @property
    def suppressions(self) -> list[Suppression]:
        """The checkov findings accepted in this stack."""
        return [item for item in self._declared() if not item.check_id.startswith(LINT_PREFIX)]

    @property
    def lint_suppressions(self) -> list[Suppression]:
        """The IAM linter's (parliament's) findings accepted in this stack, issue codes without prefix."""
        return [
            Suppression(item.address, item.check_id.removeprefix(LINT_PREFIX), item.reason)
            for item in self._declared()
            if item.check_id.startswith(LINT_PREFIX)
        ]


def _address(element: TerraformElement, logical_id: str) -> str:
    kind = element.terraform_resource_type  # type: ignore[attr-defined]
    return f"data.{kind}.{logical_id}" if isinstance(element, TerraformDataSource) else f"{kind}.{logical_id}"


def pin(element: TerraformElement, logical_id: str) -> None:
    """Keeps the Terraform address ``element`` had before it moved in the construct tree: a changed
    address makes Terraform destroy the resource and create it again (prod's database included)."""
    element.override_logical_id(logical_id)


def suppress(resource: TerraformElement, check_id: str, reason: str, *, plan_only: bool = False) -> None:
    """Module-level form for constructs: finds the resource's stack."""
    stack = TerraformStack.of(resource)
    if not isinstance(stack, Stack):
        raise TypeError(f"{resource.node.path} is not in a modules.stack.Stack")
    stack.suppress(resource, check_id, reason, plan_only=plan_only)
