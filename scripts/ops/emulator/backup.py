"""Backup additions: backup selections, recovery points (StartBackupJob creates one, as a finished job
would), AWS's rule that a vault holding recovery points cannot be deleted, and ListTags for the path the
AWS SDKs send (moto 5.2.5 reads the ARN only from `/tags/{arn}/`, with the trailing slash boto3 adds and the
Go SDK does not, so the provider read no tags back); a deleted vault or plan leaves no tags behind."""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import unquote

from moto.backup import urls
from moto.backup.exceptions import InvalidRequestException, ResourceNotFoundException
from moto.backup.models import BackupBackend
from moto.backup.responses import BackupResponse
from moto.core.utils import unix_time
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition

from scripts.ops.emulator.patching import add_members, replace

VAULT_NOT_EMPTY = "Backup vault cannot be deleted because it contains recovery points."
PLAN_HAS_SELECTIONS = "Related backup plan selections must be deleted prior to backup plan deletion."
URL_PATHS = {
    "{0}/backup/plans/(?P<plan>[^/]+)/selections/$": BackupResponse.dispatch,
    "{0}/backup/plans/(?P<plan>[^/]+)/selections/(?P<selection>[^/]+)$": BackupResponse.dispatch,
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$": BackupResponse.dispatch,
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/(?P<arn>.+)$": BackupResponse.dispatch,
    "{0}/backup-jobs$": BackupResponse.dispatch,
}


class BackupAdditionsBackend:
    @property
    def selections(self: Any) -> dict[str, dict[str, Any]]:
        selections: dict[str, dict[str, Any]] = self.__dict__.setdefault("_selections", {})
        return selections

    @property
    def recovery_points(self: Any) -> dict[str, dict[str, Any]]:
        points: dict[str, dict[str, Any]] = self.__dict__.setdefault("_recovery_points", {})
        return points

    def create_backup_selection(
        self: Any, plan_id: str, selection: dict[str, Any], request_id: str | None
    ) -> dict[str, Any]:
        if plan_id not in self.plans or self.plans[plan_id].deletion_date is not None:
            raise ResourceNotFoundException(f"Backup plan {plan_id} not found")
        record = {
            "SelectionId": str(mock_random.uuid4()),
            "BackupPlanId": plan_id,
            "BackupSelection": selection,
            "CreationDate": unix_time(),
            "CreatorRequestId": request_id,
        }
        self.selections[record["SelectionId"]] = record
        return record

    def get_backup_selection(self: Any, plan_id: str, selection_id: str) -> dict[str, Any]:
        record: dict[str, Any] | None = self.selections.get(selection_id)
        if record is None or record["BackupPlanId"] != plan_id:
            raise ResourceNotFoundException(f"Backup selection {selection_id} not found in plan {plan_id}")
        return record

    def delete_backup_selection(self: Any, plan_id: str, selection_id: str) -> None:
        self.get_backup_selection(plan_id, selection_id)
        del self.selections[selection_id]

    def list_backup_selections(self: Any, plan_id: str) -> list[dict[str, Any]]:
        return [r for r in self.selections.values() if r["BackupPlanId"] == plan_id]

    def add_recovery_point(
        self: Any, vault_name: str, resource_arn: str, iam_role_arn: str | None = None
    ) -> dict[str, Any]:
        vault = self.describe_backup_vault(vault_name)
        prefix = f"arn:{get_partition(self.region_name)}:backup:{self.region_name}:{self.account_id}"
        arn = f"{prefix}:recovery-point:{mock_random.uuid4()}"
        point = {
            "RecoveryPointArn": arn,
            "BackupVaultName": vault_name,
            "BackupVaultArn": vault.backup_vault_arn,
            "ResourceArn": resource_arn,
            "IamRoleArn": iam_role_arn,
            "Status": "COMPLETED",
            "CreationDate": unix_time(),
            "CompletionDate": unix_time(),
            "EncryptionKeyArn": vault.encryption_key_arn,
            "IsEncrypted": bool(vault.encryption_key_arn),
        }
        self.recovery_points[arn] = point
        vault.num_of_recovery_points += 1
        return point

    def delete_recovery_point(self: Any, vault_name: str, arn: str) -> None:
        point = self.recovery_points.get(arn)
        if point is None or point["BackupVaultName"] != vault_name:
            raise ResourceNotFoundException(f"Recovery point {arn} not found in vault {vault_name}")
        del self.recovery_points[arn]
        self.vaults[vault_name].num_of_recovery_points -= 1


class BackupAdditionsResponse:
    def _body(self: Any) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}

    def _segment(self: Any, after: str) -> str:
        parts = self.path.rstrip("/").split("/")
        return unquote(parts[parts.index(after) + 1])

    def create_backup_selection(self: Any) -> str:
        body = self._body()
        record = self.backup_backend.create_backup_selection(
            self._segment("plans"), body.get("BackupSelection", {}), body.get("CreatorRequestId")
        )
        return json.dumps({key: record[key] for key in ("SelectionId", "BackupPlanId", "CreationDate")})

    def get_backup_selection(self: Any) -> str:
        record = self.backup_backend.get_backup_selection(self._segment("plans"), self._segment("selections"))
        return json.dumps(record)

    def delete_backup_selection(self: Any) -> str:
        self.backup_backend.delete_backup_selection(self._segment("plans"), self._segment("selections"))
        return "{}"

    def list_backup_selections(self: Any) -> str:
        records = self.backup_backend.list_backup_selections(self._segment("plans"))
        listed = [
            {**{k: v for k, v in r.items() if k != "BackupSelection"}, **_selection_summary(r["BackupSelection"])}
            for r in records
        ]
        return json.dumps({"BackupSelectionsList": listed})

    def start_backup_job(self: Any) -> str:
        body = self._body()
        point = self.backup_backend.add_recovery_point(
            body.get("BackupVaultName"), body.get("ResourceArn"), body.get("IamRoleArn")
        )
        job = {"BackupJobId": str(mock_random.uuid4()), "RecoveryPointArn": point["RecoveryPointArn"]}
        return json.dumps({**job, "CreationDate": point["CreationDate"], "IsParent": False})

    def list_recovery_points_by_backup_vault(self: Any) -> str:
        vault_name = self._segment("backup-vaults")
        self.backup_backend.describe_backup_vault(vault_name)
        points = [p for p in self.backup_backend.recovery_points.values() if p["BackupVaultName"] == vault_name]
        return json.dumps({"RecoveryPoints": points})

    def delete_recovery_point(self: Any) -> str:
        arn = unquote(self.path.split("/recovery-points/", 1)[1])
        self.backup_backend.delete_recovery_point(self._segment("backup-vaults"), arn)
        return "{}"

    def list_tags(self: Any) -> str:
        arn = unquote(self.path.split("/tags/", 1)[1]).rstrip("/")
        return json.dumps({"Tags": self.backup_backend.list_tags(resource_arn=arn)})


def _selection_summary(selection: dict[str, Any]) -> dict[str, Any]:
    return {"SelectionName": selection.get("SelectionName"), "IamRoleArn": selection.get("IamRoleArn")}


def refuse_non_empty_vault(original: Any) -> Any:
    @functools.wraps(original)
    def delete_backup_vault(self: Any, backup_vault_name: str) -> None:
        if any(p["BackupVaultName"] == backup_vault_name for p in self.recovery_points.values()):
            raise InvalidRequestException(VAULT_NOT_EMPTY)
        vault = self.vaults.get(backup_vault_name)
        original(self, backup_vault_name)
        if vault is not None:
            self.tagger.delete_all_tags_for_resource(vault.backup_vault_arn)

    return delete_backup_vault


def refuse_plan_with_selections(original: Any) -> Any:
    @functools.wraps(original)
    def delete_backup_plan(self: Any, backup_plan_id: str) -> Any:
        if self.list_backup_selections(backup_plan_id):
            raise InvalidRequestException(PLAN_HAS_SELECTIONS)
        deleted = original(self, backup_plan_id)
        self.tagger.delete_all_tags_for_resource(deleted[1])
        return deleted

    return delete_backup_plan


def names_unique_among_active_plans(original: Any) -> Any:
    """AWS keeps a deleted plan readable (with its DeletionDate) but lets its name be used again; moto
    refuses the name forever, so an environment destroyed and deployed again could not get its plan."""

    @functools.wraps(original)
    def create_backup_plan(self: Any, *args: Any, **kwargs: Any) -> Any:
        deleted = {key: plan for key, plan in self.plans.items() if plan.deletion_date is not None}
        for key in deleted:
            del self.plans[key]
        try:
            return original(self, *args, **kwargs)
        finally:
            self.plans.update(deleted)

    return create_backup_plan


def install() -> None:
    add_members(BackupBackend, BackupAdditionsBackend)
    add_members(BackupResponse, BackupAdditionsResponse)
    replace(BackupBackend, "delete_backup_vault", refuse_non_empty_vault(BackupBackend.delete_backup_vault))
    replace(BackupBackend, "delete_backup_plan", refuse_plan_with_selections(BackupBackend.delete_backup_plan))
    replace(BackupBackend, "create_backup_plan", names_unique_among_active_plans(BackupBackend.create_backup_plan))
    # Flask paths: no "/?" (moto drops only "$"); a rule ending in "/" matches with or without the slash.
    merged = {**URL_PATHS, **urls.url_paths}
    urls.url_paths.clear()
    urls.url_paths.update(merged)
