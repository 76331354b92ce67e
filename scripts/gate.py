"""The quality gate on a synthesized cdktf.out: terraform validate and checkov on every stack.

    python scripts/gate.py [--outdir cdktf.out] [--reports reports] [--stacks a,b]

Fails (exit 1) when a stack file is missing, terraform validate fails, checkov cannot parse a file,
checkov runs no check on a stack, a finding is not suppressed, or a suppression declared in Python no
longer matches any finding (a stale suppression hides nothing and misleads reviewers).
Terraform must be initialized with the CLI configuration scripts/lib.sh writes (provider mirror or
registry, shared plugin cache).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CUSTOM_CHECKS = ROOT / "policies" / "checkov"
SUPPRESSIONS_FILE = "checkov-suppressions.json"


@dataclass
class StackResult:
    name: str
    resources: int = 0
    data_sources: int = 0
    outputs: int = 0
    validate: str = "not run"
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.stale or self.problems) and self.validate == "valid"


def run(command: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, text=True, capture_output=True, check=False, **kwargs)  # type: ignore[call-overload]


def terraform_init(stack_dir: Path) -> str | None:
    """None when it worked, else why not."""
    init = run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], stack_dir)
    if init.returncode != 0:
        return "init failed: " + " ".join((init.stderr or init.stdout).split())[-500:]
    return None


def terraform_validate(stack_dir: Path) -> str:
    validate = run(["terraform", "validate", "-json", "-no-color"], stack_dir)
    try:
        report = json.loads(validate.stdout)
    except json.JSONDecodeError:
        return "validate failed: " + (validate.stderr or validate.stdout).strip()[:500]
    if report.get("valid"):
        return "valid"
    messages = [f"{d.get('summary')}: {d.get('detail', '')}".strip() for d in report.get("diagnostics", [])]
    return "invalid: " + " | ".join(messages)


def checkov(target: Path, reports: Path, framework: str = "terraform_json") -> dict:
    """One checkov run (its start-up dominates: one run covers every stack) over a directory, or a
    plan JSON file with ``framework="terraform_plan"``; reports in JSON, SARIF and JUnit."""
    reports.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "checkov.main",
        "--directory" if target.is_dir() else "--file", str(target),
        "--framework", framework,
        "--skip-download",
        "--compact",
        "--output", "json", "--output", "sarif", "--output", "junitxml",
        "--output-file-path", str(reports),
    ]
    if CUSTOM_CHECKS.is_dir():
        command += ["--external-checks-dir", str(CUSTOM_CHECKS)]
    environment = {**os.environ, "CKV_PARSE_ERROR_FAIL": "true", "BC_API_KEY": "", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": ""}
    result = run(command, ROOT, env=environment)
    report_file = reports / "results_json.json"
    if not report_file.exists():
        raise SystemExit(f"checkov wrote no report (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    document = json.loads(report_file.read_text(encoding="utf-8"))
    reports_list = document if isinstance(document, list) else [document]
    merged = {"passed_checks": [], "failed_checks": [], "parsing_errors": []}
    for item in reports_list:
        results = item.get("results", {})
        merged["passed_checks"] += results.get("passed_checks", [])
        merged["failed_checks"] += results.get("failed_checks", [])
        merged["parsing_errors"] += results.get("parsing_errors", [])
    return merged


def addresses_by_checkov_name(document: dict) -> dict[str, str]:
    """checkov's names for a stack's blocks -> Terraform addresses. checkov's terraform_json runner
    names the findings of its Python checks ``resource.<name>`` / ``data.<name>`` and those of its
    graph checks ``<type>.<name>``; logical names are unique within a stack (they are construct paths)."""
    names: dict[str, str] = {}
    for kind, blocks in document.get("resource", {}).items():
        for name in blocks:
            names[f"resource.{name}"] = names[f"{kind}.{name}"] = f"{kind}.{name}"
    for kind, blocks in document.get("data", {}).items():
        for name in blocks:
            names[f"data.{name}"] = names[f"data.{kind}.{name}"] = f"data.{kind}.{name}"
    return names


def _stack_of(file_path: str) -> str:
    parts = Path(file_path.lstrip("/")).parts
    return parts[0] if parts else ""


def evaluate(outdir: Path, stacks: list[str], reports: Path, timings: dict[str, float] | None = None) -> list[StackResult]:
    timings = {} if timings is None else timings
    results = {name: StackResult(name) for name in stacks}
    addresses: dict[str, dict[str, str]] = {}
    stacks_dir = outdir / "stacks"
    for name, result in results.items():
        stack_file = stacks_dir / name / "cdk.tf.json"
        if not stack_file.exists():
            result.problems.append(f"{stack_file} is missing")
            continue
        document = json.loads(stack_file.read_text(encoding="utf-8"))
        result.resources = sum(len(items) for items in document.get("resource", {}).values())
        result.data_sources = sum(len(items) for items in document.get("data", {}).values())
        result.outputs = len(document.get("output", {}))
        addresses[name] = addresses_by_checkov_name(document)

    present = [name for name, result in results.items() if not result.problems]

    def timed(phase: str, work, *args):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        try:
            return work(*args)
        finally:
            timings[phase] = timings.get(phase, 0.0) + time.monotonic() - started

    phase_started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        scan = pool.submit(timed, "checkov (all stacks, one process)", checkov, stacks_dir, reports)
        # The plugin cache is not safe for concurrent terraform init: the inits run one after the
        # other (~0.5 s each once the cache is filled), the validations in parallel with checkov.
        validations: dict[str, concurrent.futures.Future[str]] = {}
        for name in present:
            failure = timed(f"terraform init {name}", terraform_init, stacks_dir / name)
            if failure:
                results[name].validate = failure
            else:
                validations[name] = pool.submit(timed, f"terraform validate {name}", terraform_validate, stacks_dir / name)
        for name, future in validations.items():
            results[name].validate = future.result()
        findings = scan.result()
    timings["validate + checkov (concurrent, wall)"] = time.monotonic() - phase_started

    for error in findings["parsing_errors"]:
        stack = _stack_of(os.path.relpath(error, stacks_dir))
        if stack not in results:
            raise SystemExit(f"checkov could not parse {error}")
        results[stack].problems.append(f"checkov could not parse {error}")
    accepted: dict[str, dict[tuple[str, str], str]] = {}
    for name in present:
        declared = json.loads((stacks_dir / name / SUPPRESSIONS_FILE).read_text(encoding="utf-8"))
        accepted[name] = {(item["resource"], item["check_id"]): item["reason"] for item in declared}
    matched: set[tuple[str, str, str]] = set()
    for check in findings["passed_checks"]:
        stack = _stack_of(check["file_path"])
        if stack in results:
            results[stack].passed += 1
    for check in findings["failed_checks"]:
        stack = _stack_of(check["file_path"])
        if stack not in results:
            continue
        resource = addresses[stack].get(check["resource"], check["resource"])
        key = (resource, check["check_id"])
        line = f"{check['check_id']} {resource}: {check['check_name']}"
        if key in accepted.get(stack, {}):
            results[stack].suppressed.append(f"{check['check_id']} {resource}: {accepted[stack][key]}")
            matched.add((stack, *key))
        else:
            results[stack].failed.append(line)
    for stack, declared in accepted.items():
        for resource, check_id in declared:
            if (stack, resource, check_id) not in matched:
                results[stack].stale.append(f"{check_id} {resource}: declared, but checkov reports no such finding")
        if results[stack].passed + len(results[stack].failed) + len(results[stack].suppressed) == 0:
            results[stack].problems.append("checkov ran no check on this stack (wrong framework?)")
    return list(results.values())


def print_summary(results: list[StackResult], seconds: float) -> None:
    print(f"{'stack':<12} {'resources':>9} {'data':>5} {'outputs':>7}  {'validate':<9} {'passed':>6} {'failed':>6} {'suppressed':>10} {'stale':>5}")
    for result in results:
        validate = result.validate if result.validate in ("valid", "not run") else "INVALID"
        print(
            f"{result.name:<12} {result.resources:>9} {result.data_sources:>5} {result.outputs:>7}  {validate:<9} "
            f"{result.passed:>6} {len(result.failed):>6} {len(result.suppressed):>10} {len(result.stale):>5}"
        )
    for result in results:
        for label, lines in (("FAILED", result.failed), ("STALE", result.stale), ("PROBLEM", result.problems)):
            for line in lines:
                print(f"{result.name}: {label} {line}")
        if result.validate not in ("valid", "not run"):
            print(f"{result.name}: terraform {result.validate}")
    verdict = "passed" if all(result.ok for result in results) else "FAILED"
    print(f"gate {verdict} in {seconds:.1f} s ({len(results)} stacks)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outdir", type=Path, default=ROOT / "cdktf.out")
    parser.add_argument("--reports", type=Path, default=ROOT / "reports" / "checkov")
    parser.add_argument("--synth-seconds", type=float, help="how long synthesis took, for timings.json")
    parser.add_argument("--stacks", help="comma-separated stack names (default: every stack in the manifest)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    manifest = args.outdir / "manifest.json"
    if args.stacks:
        stacks = args.stacks.split(",")
    elif manifest.exists():
        stacks = sorted(json.loads(manifest.read_text(encoding="utf-8"))["stacks"])
    else:
        print(f"error: {manifest} is missing: synthesize first (./scripts/synth.sh)", file=sys.stderr)
        return 1
    timings: dict[str, float] = {}
    if args.synth_seconds is not None:
        timings["synthesis (python main.py)"] = args.synth_seconds
    results = evaluate(args.outdir, stacks, args.reports, timings)
    (args.reports / "timings.json").write_text(json.dumps(timings, indent=2) + "\n", encoding="utf-8")
    (args.reports / "summary.json").write_text(
        json.dumps([result.__dict__ | {"ok": result.ok} for result in results], indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    print_summary(results, time.monotonic() - started)
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
