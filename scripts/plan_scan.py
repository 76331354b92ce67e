"""Summarizes a saved plan and scans it with checkov, with the same suppressions as the JSON gate.

    python scripts/plan_scan.py --stack-dir cdktf.out/stacks/prod --plan plan.json [--reports DIR]

Prints what the plan adds, changes, replaces and destroys by resource type, then the checkov
(terraform_plan) result. Exit 1 when checkov reports a finding that is not suppressed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gate import SUPPRESSIONS_FILE, addresses_by_checkov_name, checkov  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
_INDEX = re.compile(r"\[[^\]]*\]$")


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


def summary(plan: dict) -> tuple[Counter, dict[str, Counter]]:
    totals: Counter = Counter()
    by_type: dict[str, Counter] = {}
    for change in plan.get("resource_changes", []):
        if change.get("mode", "managed") != "managed":
            continue
        action = action_of(change["change"]["actions"])
        totals[action] += 1
        by_type.setdefault(change["type"], Counter())[action] += 1
    return totals, by_type


def print_summary(stack: str, plan: dict) -> None:
    totals, by_type = summary(plan)
    columns = ("add", "change", "replace", "destroy")
    print(f"plan for {stack}: " + ", ".join(f"{totals[c]} to {c}" for c in columns))
    changed = {kind: counts for kind, counts in sorted(by_type.items()) if any(counts[c] for c in columns)}
    if changed:
        print(f"  {'resource type':<50}" + "".join(f"{c:>9}" for c in columns))
        for kind, counts in changed.items():
            print(f"  {kind:<50}" + "".join(f"{counts[c]:>9}" for c in columns))


def scan(stack_dir: Path, plan_file: Path, reports: Path) -> int:
    findings = checkov(plan_file, reports, framework="terraform_plan")
    declared = {
        (item["resource"], item["check_id"]): item["reason"]
        for item in json.loads((stack_dir / SUPPRESSIONS_FILE).read_text(encoding="utf-8"))
    }
    names = addresses_by_checkov_name(json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8")))
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
        return 1
    return 1 if failed or passed == 0 else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack-dir", type=Path, required=True)
    parser.add_argument("--plan", type=Path, required=True, help="terraform show -json <planfile> output")
    parser.add_argument("--reports", type=Path)
    parser.add_argument("--no-scan", action="store_true", help="summary only (a destroy plan has nothing to scan)")
    args = parser.parse_args(argv)
    plan = json.loads(args.plan.read_text(encoding="utf-8"))
    print_summary(args.stack_dir.name, plan)
    if args.no_scan:
        return 0
    reports = args.reports or ROOT / "reports" / "plan" / args.stack_dir.name
    return scan(args.stack_dir, args.plan, reports)


if __name__ == "__main__":
    sys.exit(main())
