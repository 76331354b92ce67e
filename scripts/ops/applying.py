"""Applying a saved plan: on the local AWS, what could not be created and why; before a destroy, final
snapshot names that no earlier destroy has taken."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modules.settings.protection import KEPT_BY_DESTROY, LEFT_TO_AWS_BY_DESTROY
from scripts.ops.console import OpsError

# What the local AWS (moto and this project's additions) cannot create, and why; anything else that
# fails to apply there is a real failure.
LOCAL_GAPS = {
    "aws_apprunner_": "the local AWS has no App Runner (too large to emulate honestly)",
}
# Resources whose deletion takes a final snapshot named by ``final_snapshot_identifier``.
SNAPSHOTTED = ("aws_rds_cluster", "aws_elasticache_replication_group")
SUFFIX_VARIABLE = "final_snapshot_suffix"
_ERROR_WITH = re.compile(r"^Error: (?P<error>.+?)\n(?:.*\n)*?\s*with (?P<address>[\w.\[\]\"-]+),", re.MULTILINE)

Terraform = Callable[..., int]


def errors_by_address(log: str) -> dict[str, str]:
    """Terraform's first error line for each address an apply failed on."""
    found: dict[str, str] = {}
    for match in _ERROR_WITH.finditer(log):
        found.setdefault(match.group("address"), " ".join(match.group("error").split())[:200])
    return found


def state_addresses(directory: Path, env: dict[str, str]) -> set[str]:
    result = subprocess.run(
        ["terraform", f"-chdir={directory}", "state", "list"], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise OpsError(f"terraform state list failed: {result.stderr.strip()[-500:]}")
    return {line.strip() for line in result.stdout.splitlines() if line.strip()}


def planned_creates(plan: dict[str, Any]) -> list[str]:
    return [
        change["address"]
        for change in plan.get("resource_changes", [])
        if change.get("mode", "managed") == "managed" and "create" in change["change"]["actions"]
    ]


def not_applied(plan: dict[str, Any], in_state: set[str], log: str) -> list[tuple[str, str, bool]]:
    """(address, reason, expected) for each planned resource missing from the state after an apply;
    ``expected`` when it is a known gap of the local AWS or only waits on one."""
    errors = errors_by_address(log)
    missing = [address for address in planned_creates(plan) if address not in in_state]
    rows = []
    for address in missing:
        kind = address.split(".")[0]
        gap = next((reason for prefix, reason in LOCAL_GAPS.items() if kind.startswith(prefix)), None)
        if address in errors:
            rows.append((address, f"{gap}: {errors[address]}" if gap else errors[address], gap is not None))
        else:
            rows.append((address, gap or "not attempted: it depends on a resource that failed", True))
    unexpected_errors = [row for row in rows if not row[2]]
    if not unexpected_errors:
        return rows
    # A dependent of a real failure is not "expected" either.
    return [(address, reason, expected and address in errors) for address, reason, expected in rows]


def report_not_applied(rows: list[tuple[str, str, bool]]) -> None:
    if not rows:
        print("local AWS: every planned resource was applied")
        return
    print(f"local AWS: {len(rows)} planned resource(s) not applied:")
    width = max(len(address) for address, _, _ in rows)
    for address, reason, _ in rows:
        print(f"  {address:<{width}}  {reason}")


def apply_locally(terraform: Terraform, directory: Path, env: dict[str, str], plan: dict[str, Any]) -> None:
    """Applies the saved plan to the local AWS; lists what it could not create. Fails on anything that
    is not a known gap of the local AWS (or waits on one)."""
    terraform(directory, "apply", "-input=false", "-no-color", "plan.tfplan", log="apply.log")
    log = (directory / "apply.log").read_text(encoding="utf-8")
    rows = not_applied(plan, state_addresses(directory, env), log)
    report_not_applied(rows)
    unexpected = [address for address, _, expected in rows if not expected]
    if unexpected:
        raise OpsError(f"applying to the local AWS failed beyond its known gaps: {', '.join(unexpected)}")


# Created in the first apply of a deploy that creates the database, beside it: what waits longest on AWS
# (the provider's fixed waits, e.g. 30 s before it first polls a replication group or a load balancer,
# and AWS's own minutes) and what the app's service needs before it starts. None of them depends on the
# service, so their waits overlap the database's instead of following them.
FIRST_WITH_THE_DATABASE = (
    "aws_elasticache_replication_group",
    "aws_instance",
    "aws_lb",
    "aws_cloudfront_distribution",
)


def new_databases(plan: dict[str, Any]) -> list[str]:
    """The database instances a plan creates (with the cluster they depend on): applied first, so the app's
    database user exists before the service starts."""
    return [address for address in planned_creates(plan) if address.split(".")[0] == "aws_rds_cluster_instance"]


def first_apply(plan: dict[str, Any]) -> list[str]:
    """What a deploy that creates the database applies first (with everything these depend on): the new
    database instances and the slow resources created beside them; empty when no database is new."""
    databases = new_databases(plan)
    if not databases:
        return []
    slow = [address for address in planned_creates(plan) if address.split(".")[0] in FIRST_WITH_THE_DATABASE]
    return databases + slow


def snapshot_suffix(now: float | None = None) -> str:
    """``-20261130-231800``: a final snapshot name no earlier destroy of the environment has taken."""
    return time.strftime("-%Y%m%d-%H%M%S", time.gmtime(now))


def snapshotted_in_state(directory: Path, env: dict[str, str]) -> list[str]:
    return sorted(address for address in state_addresses(directory, env) if address.split(".")[0] in SNAPSHOTTED)


def kept_in_state(directory: Path, env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Address -> state values of each resource a destroy keeps or leaves to AWS, and so takes out of the
    state first (modules/settings/protection.py)."""
    result = subprocess.run(
        ["terraform", f"-chdir={directory}", "show", "-json"], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise OpsError(f"terraform show failed: {result.stderr.strip()[-500:]}")
    state: dict[str, Any] = json.loads(result.stdout or "{}")
    resources = state.get("values", {}).get("root_module", {}).get("resources", [])
    return {
        item["address"]: item.get("values", {})
        for item in resources
        if item.get("mode") == "managed"
        and (item["address"] in KEPT_BY_DESTROY or item.get("type") in LEFT_TO_AWS_BY_DESTROY)
    }


def only_snapshot_names_change(plan: dict[str, Any]) -> list[str]:
    """What a targeted plan would change besides the final snapshot names (empty: safe to apply)."""
    other = []
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions == ["no-op"] or change.get("mode") == "data":
            continue
        before, after = change["change"].get("before") or {}, change["change"].get("after") or {}
        changed = sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
        if actions != ["update"] or changed != ["final_snapshot_identifier"]:
            other.append(f"{change['address']} ({'/'.join(actions)}: {', '.join(changed) or 'nothing'})")
    return other


def read_plan(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document
