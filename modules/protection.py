"""Protection as one concept: ``[environment].protected`` turns into everything it means, here alone.

An aspect visits every resource of a stack at synthesis, so no construct decides on its own whether
its data is protected, and a resource added later is covered the day it is added. For each resource
whose type holds data (modules/settings/protection.py, shared with the destructive-change guard):

- protected: ``prevent_destroy``, deletion protection where AWS has it (RDS, load balancers), the longest secret
  recovery window, and nothing deleted that still holds images or recovery points;
- unprotected: destroy succeeds in one run and a deploy right after succeeds too (secrets deleted at
  once, the repository and the backup vault emptied on delete); the database still leaves a final
  snapshot. The checkov findings that follow are suppressed here, with the reason, so a reviewer sees
  them next to the switch that caused them.
"""

from __future__ import annotations

from modules.framework import Aspects, IAspect, IConstruct, TerraformResource, TerraformResourceLifecycle, implements
from modules.settings.protection import SECRET_RECOVERY_DAYS, STATEFUL_TYPES
from modules.stack import Stack, suppress


@implements(IAspect)
class Protection:
    """Applies one environment's protection switch to every stateful resource of its stack."""

    def __init__(self, *, protected: bool) -> None:
        self.protected = protected

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformResource):
            return
        kind = node.terraform_resource_type
        if kind == "aws_lb":
            node.enable_deletion_protection = self.protected  # type: ignore[attr-defined]  # an Lb
            if not self.protected:
                suppress(
                    node,
                    "CKV_AWS_150",
                    "The environment file sets protected = false: this environment's load balancer is "
                    "disposable by choice",
                )
            return
        if kind not in STATEFUL_TYPES:
            return
        if self.protected:
            # Keeps what the construct already set (ignore_changes, replace_triggered_by).
            kept = node.lifecycle
            node.lifecycle = TerraformResourceLifecycle(
                prevent_destroy=True,
                ignore_changes=kept.ignore_changes if kept else None,
                replace_triggered_by=kept.replace_triggered_by if kept else None,
                create_before_destroy=kept.create_before_destroy if kept else None,
            )
        if kind == "aws_rds_cluster":
            node.deletion_protection = self.protected  # type: ignore[attr-defined]  # an RdsCluster
            if not self.protected:
                suppress(
                    node,
                    "CKV_AWS_139",
                    "The environment file sets protected = false: this environment is disposable by choice "
                    "(final snapshot still taken)",
                )
        elif kind == "aws_s3_bucket" and not self.protected:
            # Unprotected: a bucket holding access logs is deleted with them, or destroy would stop there.
            node.force_destroy = True  # type: ignore[attr-defined]
        elif kind == "aws_secretsmanager_secret":
            node.recovery_window_in_days = SECRET_RECOVERY_DAYS[self.protected]  # type: ignore[attr-defined]
        elif kind == "aws_ecr_repository":
            # Unprotected: a repository holding images is deleted with them, or destroy would stop there.
            node.force_delete = not self.protected  # type: ignore[attr-defined]
        elif kind == "aws_backup_vault":
            # Unprotected: the vault's recovery points go with it (AWS refuses to delete a vault holding
            # any); the database's final snapshot is what destroy keeps.
            node.force_destroy = not self.protected  # type: ignore[attr-defined]


def protect(stack: Stack, *, protected: bool) -> None:
    """Every stateful resource of ``stack`` follows ``protected`` (see the module's docstring)."""
    Aspects.of(stack).add(Protection(protected=protected))
