"""A saved plan: what it adds, changes, replaces and destroys by resource type, and its checkov scan
(terraform_plan) with the same suppressions as the JSON gate."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from modules.layout import STACK_FILE
from scripts.ops.gate import addresses_by_checkov_name, checkov, declared_suppressions

_INDEX = re.compile(r"\[[^\]]*\]$")
COLUMNS = ("add", "change", "replace", "destroy")


def action_of(actions: list[str]) -> str:
    if "delete" in actions and "create" in actions:
        return "replace"
    if "delete" in actions:
        return "destroy"
    if "create" in actions:
        return "add"
    if "update" in actions:
        return "change"
    return "no-op"


def summary(plan: dict[str, Any]) -> tuple[Counter[str], dict[str, Counter[str]]]:
    totals: Counter[str] = Counter()
    by_type: dict[str, Counter[str]] = {}
    for change in plan.get("resource_changes", []):
        if change.get("mode", "managed") != "managed":
            continue
        action = action_of(change["change"]["actions"])
        totals[action] += 1
        by_type.setdefault(change["type"], Counter())[action] += 1
    return totals, by_type


def print_summary(stack: str, plan: dict[str, Any]) -> None:
    totals, by_type = summary(plan)
    print(f"plan for {stack}: " + ", ".join(f"{totals[c]} to {c}" for c in COLUMNS))
    forgotten = [change["address"] for change in plan.get("resource_changes", [])
                 if "forget" in change["change"]["actions"]]  # fmt: skip
    if forgotten:  # removed blocks: Terraform stops managing them, AWS keeps them
        print(f"  no longer managed, left in AWS: {', '.join(forgotten)}")
    changed = {kind: counts for kind, counts in sorted(by_type.items()) if any(counts[c] for c in COLUMNS)}
    if changed:
        print(f"  {'resource type':<50}" + "".join(f"{c:>9}" for c in COLUMNS))
        for kind, counts in changed.items():
            print(f"  {kind:<50}" + "".join(f"{counts[c]:>9}" for c in COLUMNS))


def scan(stack_dir: Path, plan_file: Path, reports: Path) -> bool:
    """checkov (terraform_plan) on the plan; True when nothing unsuppressed was found."""
    findings = checkov(plan_file, reports, framework="terraform_plan")
    declared = declared_suppressions(stack_dir)
    names = addresses_by_checkov_name(json.loads((stack_dir / STACK_FILE).read_text(encoding="utf-8")))
    failed, suppressed = [], []
    for check in findings["failed_checks"]:
        resource = _INDEX.sub("", check["resource"])
        resource = names.get(resource, resource)
        if (resource, check["check_id"]) in declared:
            suppressed.append(check)
        else:
            failed.append(f"{check['check_id']} {check['resource']}: {check['check_name']}")
    passed = len(findings["passed_checks"])
    print(f"checkov (terraform_plan): {passed} passed, {len(failed)} failed, {len(suppressed)} suppressed")
    for line in failed:
        print(f"  FAILED {line}")
    if findings["parsing_errors"]:
        print(f"  checkov could not parse {findings['parsing_errors']}")
        return False
    return not failed and passed > 0
