"""Destructive-change guard: refuses a plan that deletes or replaces data in a protected environment.

    python scripts/guard.py check PLAN_JSON --stack prod [--allow-destroy ADDRESS ...]
    python scripts/guard.py protected STACK          exit 0 when STACK is protected, 1 otherwise
    python scripts/guard.py stateful STACK_DIR       the resources of a synthesized stack that hold data

An environment is protected when its environment file sets database.deletion_protection = true; the
bootstrap stack (the state backend) always is. `check` exits 0 when the plan is acceptable, 3 when it
would delete or replace a stateful resource not named by --allow-destroy, with a table of them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Resources whose deletion loses data or access to it.
STATEFUL_TYPES = frozenset({
    "aws_rds_cluster", "aws_rds_cluster_instance", "aws_elasticache_replication_group", "aws_kms_key",
    "aws_ecr_repository", "aws_secretsmanager_secret", "aws_s3_bucket", "aws_dynamodb_table", "aws_backup_vault",
})
REFUSED = 3


@dataclass(frozen=True)
class Destruction:
    address: str
    resource_type: str
    action: str  # "delete" or "replace"


def destructions(plan: dict) -> list[Destruction]:
    """Stateful resources the plan deletes or replaces, in plan order."""
    found = []
    for change in plan.get("resource_changes", []):
        actions = change.get("change", {}).get("actions", [])
        if change.get("mode", "managed") != "managed" or "delete" not in actions:
            continue
        if change["type"] in STATEFUL_TYPES:
            found.append(Destruction(change["address"], change["type"], "replace" if "create" in actions else "delete"))
    return found


def refused(plan: dict, protected: bool, allowed: Iterable[str]) -> list[Destruction]:
    if not protected:
        return []
    allowed = set(allowed)
    return [item for item in destructions(plan) if item.address not in allowed]


def is_protected(stack: str, environments: Path = ROOT / "environments") -> bool:
    if stack.startswith("bootstrap"):
        return True
    from modules.settings import load_environment  # the settings, without synthesizing anything

    return load_environment(environments / f"{stack}.toml").protected


def stateful_resources(stack_json: dict) -> list[str]:
    return [
        f"{kind}.{name}"
        for kind, blocks in sorted(stack_json.get("resource", {}).items())
        if kind in STATEFUL_TYPES
        for name in sorted(blocks)
    ]


def check(plan_file: Path, stack: str, allowed: list[str]) -> int:
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    protected = is_protected(stack)
    blocked = refused(plan, protected, allowed)
    if not blocked:
        destroyed = destructions(plan)
        if destroyed:
            state = "protected, allowed by --allow-destroy" if protected else "not protected"
            print(f"guard: {len(destroyed)} stateful resource(s) deleted or replaced ({stack} is {state}):")
            for item in destroyed:
                print(f"  {item.action:<8} {item.resource_type:<36} {item.address}")
        return 0
    print(f"guard: refusing: this plan would destroy data in {stack} (deletion_protection is on):")
    print(f"  {'action':<8} {'type':<36} address")
    for item in blocked:
        print(f"  {item.action:<8} {item.resource_type:<36} {item.address}")
    flags = " ".join(f"--allow-destroy {item.address}" for item in blocked)
    print(f"If this is intended, run again with: {flags}")
    return REFUSED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="check a plan")
    check_parser.add_argument("plan", type=Path, help="terraform show -json <planfile> output")
    check_parser.add_argument("--stack", required=True)
    check_parser.add_argument("--allow-destroy", action="append", default=[], metavar="ADDRESS")
    commands.add_parser("protected", help="is the stack protected?").add_argument("stack")
    commands.add_parser("stateful", help="resources holding data").add_argument("stack_dir", type=Path)
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.plan, args.stack, args.allow_destroy)
    if args.command == "protected":
        return 0 if is_protected(args.stack) else 1
    for address in stateful_resources(json.loads((args.stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))):
        print(address)
    return 0


if __name__ == "__main__":
    sys.exit(main())
