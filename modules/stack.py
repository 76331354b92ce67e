"""The stack base class: readable Terraform addresses and checkov suppressions declared in Python."""

from __future__ import annotations

from dataclasses import dataclass

from modules.framework import Construct, TerraformElement, TerraformResource, TerraformStack


@dataclass(frozen=True, order=True)
class Suppression:
    """A checkov finding accepted on one resource, with the reason a reviewer reads."""

    address: str
    check_id: str
    reason: str


class Stack(TerraformStack):
    """A Terraform workspace whose addresses are the construct path (``aws_rds_cluster.db``).

    Construct ids named ``this`` (the primary resource of a construct, as in terraform-aws-modules)
    are dropped from the address, so users grep for ``aws_rds_cluster.db``, not a hash.
    """

    def __init__(self, scope: Construct, stack_id: str) -> None:
        super().__init__(scope, stack_id)
        self._suppressions: list[tuple[TerraformResource, str, str]] = []

    def _allocate_logical_id(self, tf_element: TerraformElement) -> str:
        parts = tf_element.node.path.split("/")[1:]  # drop the stack
        kept = [part for part in parts if part != "this"] or parts
        return "_".join(part.replace("-", "_") for part in kept)

    def suppress(self, resource: TerraformResource, check_id: str, reason: str) -> None:
        """Accepts checkov's ``check_id`` on ``resource`` alone; the reason is shown in every report."""
        if len(reason.split()) < 5:
            raise ValueError(f"suppressing {check_id} needs a reason a reviewer can check, not {reason!r}")
        self._suppressions.append((resource, check_id, reason))
        resource.add_override(f"//.checkov_skip.{check_id}", reason)

    @property
    def suppressions(self) -> list[Suppression]:
        return sorted(
            Suppression(f"{resource.terraform_resource_type}.{self.get_logical_id(resource)}", check_id, reason)
            for resource, check_id, reason in self._suppressions
        )


def suppress(resource: TerraformResource, check_id: str, reason: str) -> None:
    """Module-level form for constructs: finds the resource's stack."""
    stack = TerraformStack.of(resource)
    if not isinstance(stack, Stack):
        raise TypeError(f"{resource.node.path} is not in a modules.stack.Stack")
    stack.suppress(resource, check_id, reason)
