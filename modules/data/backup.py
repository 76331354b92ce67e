"""AWS Backup for the database: daily recovery points in a KMS-encrypted vault.

Aurora's automated backups are deleted with the cluster; AWS Backup recovery points are not, so a
mistaken destroy (or a compromised Terraform run) does not take every copy of the data with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.framework import Construct, aws
from modules.security.iam import service_role
from modules.settings.naming import BACKUP_NAME, IAM_ROLE, resource_name


@dataclass(frozen=True, kw_only=True)
class BackupSettings:
    name_prefix: str
    retention_days: int
    schedule: str = "cron(0 5 * * ? *)"  # daily, 05:00 UTC: after Aurora's own backup window


class DatabaseBackup(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: BackupSettings,
        resource_arns: list[str],
        kms_key_arn: str,
        partition: str,
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = settings.name_prefix
        self.vault = aws.backup_vault.BackupVault(
            self,
            "vault",
            name=resource_name(prefix, "backup", BACKUP_NAME),
            kms_key_arn=kms_key_arn,
        )
        plan = aws.backup_plan.BackupPlan(
            self,
            "plan",
            name=resource_name(prefix, "daily", BACKUP_NAME),
            rule=[
                aws.backup_plan.BackupPlanRule(
                    rule_name="daily",
                    target_vault_name=self.vault.name,
                    schedule=settings.schedule,
                    start_window=60,
                    completion_window=360,
                    lifecycle=aws.backup_plan.BackupPlanRuleLifecycle(delete_after=settings.retention_days),
                )
            ],
        )
        role = service_role(
            self,
            "role",
            name=resource_name(prefix, "backup", IAM_ROLE),
            service="backup.amazonaws.com",
            description="AWS Backup takes and restores the database's recovery points",
        )
        for name, policy in (
            ("backup_policy", "AWSBackupServiceRolePolicyForBackup"),
            ("restore_policy", "AWSBackupServiceRolePolicyForRestores"),
        ):
            aws.iam_role_policy_attachment.IamRolePolicyAttachment(
                self, name, role=role.name, policy_arn=f"arn:{partition}:iam::aws:policy/service-role/{policy}"
            )
        aws.backup_selection.BackupSelection(
            self,
            "selection",
            name=resource_name(prefix, "database", BACKUP_NAME),
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=resource_arns,
        )
        self.vault_name: str = self.vault.name
