"""Destructive-change guard: refuses a plan that deletes or replaces data in a protected environment,
or moves a data store to other subnets or another VPC (``move``: a subnet group updated, a store's
subnet group or a security group's VPC changed), which AWS rejects halfway through an apply.

An environment is protected when its settings say so (environments.is_protected); the bootstrap stack
(the state backend) always is. A refused plan exits 3 with a table of what it would destroy and the
``--allow-destroy`` flags that would accept it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.layout import STACK_FILE
from modules.settings.protection import PLACEMENT
from scripts.ops.console import BAD_ARGUMENT, OpsError

# Resources whose deletion loses data or access to it.
STATEFUL_TYPES = frozenset({
    "aws_rds_cluster", "aws_rds_cluster_instance", "aws_elasticache_replication_group", "aws_kms_key",
    "aws_ecr_repository", "aws_secretsmanager_secret", "aws_s3_bucket", "aws_dynamodb_table", "aws_backup_vault",
})  # fmt: skip


@dataclass(frozen=True)
class Destruction:
    address: str
    resource_type: str
    action: str  # "delete", "replace" or "move"


def destructions(plan: dict[str, Any]) -> list[Destruction]:
    """Stateful resources the plan deletes or replaces, and data stores it moves, in plan order."""
    found = []
    for change in plan.get("resource_changes", []):
        actions = change.get("change", {}).get("actions", [])
        if change.get("mode", "managed") != "managed":
            continue
        if "delete" in actions and change["type"] in STATEFUL_TYPES:
            action = "replace" if "create" in actions else "delete"
            found.append(Destruction(change["address"], change["type"], action))
        elif _moves(change["type"], change.get("change", {})):
            found.append(Destruction(change["address"], change["type"], "move"))
    return found


def _moves(resource_type: str, change: dict[str, Any]) -> bool:
    """An update or deletion of a subnet group, or a change of the attributes that place a data store."""
    if resource_type not in PLACEMENT:
        return False
    actions = set(change.get("actions", []))
    attributes = PLACEMENT[resource_type]
    if attributes is None:
        return bool({"update", "delete"} & actions)
    if not ("update" in actions or {"create", "delete"} <= actions):
        return False  # created or deleted: not a move (deletions of data are reported as such)
    before, after = change.get("before") or {}, change.get("after") or {}
    unknown = change.get("after_unknown") or {}
    return any(before.get(name) != after.get(name) or unknown.get(name) for name in attributes)


def refused(plan: dict[str, Any], protected: bool, allowed: Iterable[str]) -> list[Destruction]:
    if not protected:
        return []
    accepted = set(allowed)
    return [item for item in destructions(plan) if item.address not in accepted]


def stateful_resources(stack_json: dict[str, Any]) -> list[str]:
    return [
        f"{kind}.{name}"
        for kind, blocks in sorted(stack_json.get("resource", {}).items())
        if kind in STATEFUL_TYPES
        for name in sorted(blocks)
    ]


def stateful_in(stack_dir: Path) -> list[str]:
    return stateful_resources(json.loads((stack_dir / STACK_FILE).read_text(encoding="utf-8")))


def review(plan: dict[str, Any], stack: str, protected: bool, allowed: Iterable[str]) -> bool:
    """Prints what the plan destroys; True when acceptable, False (with the table) when refused."""
    blocked = refused(plan, protected, allowed)
    if not blocked:
        destroyed = destructions(plan)
        if destroyed:
            state = "protected, allowed by --allow-destroy" if protected else "not protected"
            print(f"guard: {len(destroyed)} stateful resource(s) deleted or replaced ({stack} is {state}):")
            for item in destroyed:
                print(f"  {item.action:<8} {item.resource_type:<36} {item.address}")
        return True
    print(f"guard: refusing: this plan would destroy data in {stack}, or move it where AWS cannot (it is protected):")
    print(f"  {'action':<8} {'type':<36} address")
    for item in blocked:
        print(f"  {item.action:<8} {item.resource_type:<36} {item.address}")
    flags = " ".join(f"--allow-destroy {item.address}" for item in blocked)
    if any(item.action == "move" for item in blocked):
        print(
            "A data store cannot move to another network in place: snapshot it, restore the snapshot into the new "
            'network, then switch (README.md, "Moving a protected environment to a dedicated VPC").'
        )
    print(f"If this is intended, run again with: {flags}")
    return False


def check(plan_file: Path, stack: str, protected: bool, allowed: Iterable[str]) -> bool:
    return review(read_plan_json(plan_file), stack, protected, allowed)


def read_plan_json(plan_file: Path) -> Any:
    """The plan as `terraform show -json` writes it; a one-line refusal (exit 2) naming the file and why it
    cannot be read: a binary plan (a zip archive), bytes that are not UTF-8, text that is not JSON."""
    show = "give the JSON of `terraform show -json <plan>`"
    try:
        return json.loads(plan_file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        why = "a binary plan" if error.object[:4] == b"PK\x03\x04" else f"not UTF-8 at byte {error.start}"
        raise OpsError(f"{plan_file}: not a plan in JSON ({why}): {show}", BAD_ARGUMENT) from error
    except ValueError as error:
        raise OpsError(f"{plan_file}: not a plan in JSON ({error}): {show}", BAD_ARGUMENT) from error
    except OSError as error:
        raise OpsError(f"{plan_file}: cannot be read ({error.strerror or error})", BAD_ARGUMENT) from error
