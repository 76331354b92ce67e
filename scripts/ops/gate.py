"""The quality gate on a synthesized cdktf.out: terraform validate, checkov and parliament (the second
IAM linter, scripts/ops/iam_lint.py) on every stack.

Fails when a stack file is missing, terraform validate fails, checkov cannot parse a file, checkov runs
no check on a stack, a finding is not suppressed, or a suppression declared in Python no longer matches
any finding (a stale suppression hides nothing and misleads reviewers); the same for parliament's
findings on IAM policies. Terraform must be initialized
with the CLI configuration scripts/lib.sh writes (provider mirror or registry, shared plugin cache).
``validate=False`` is the static scan alone (what `cdktf synth`/`deploy` run through the app).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from modules.layout import LINT_SUPPRESSIONS_FILE, STACK_FILE, STACKS_DIR, SUPPRESSIONS_FILE
from scripts.ops import iam_lint

ROOT = Path(__file__).resolve().parents[2]
CUSTOM_CHECKS = ROOT / "policies" / "checkov"
HCL_STACK_FILE = "cdk.tf"
LOCK_FILE = ".terraform.lock.hcl"
T = TypeVar("T")


class CheckovError(RuntimeError):
    """checkov did not produce a report."""


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
    # parliament, the second IAM linter (scripts/ops/iam_lint.py): documents linted and its findings.
    iam_documents: int = 0
    iam_failed: list[str] = field(default_factory=list)
    iam_suppressed: list[str] = field(default_factory=list)
    iam_stale: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        failures = self.failed or self.stale or self.problems or self.iam_failed or self.iam_stale
        return not failures and self.validate in ("valid", "skipped")


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, text=True, capture_output=True, check=False, env=env)


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


def checkov_command(target: Path, reports: Path, framework: str) -> list[str]:
    command = [
        sys.executable, "-m", "checkov.main",
        "--directory" if target.is_dir() else "--file", str(target),
        "--framework", framework,
        "--skip-download",
        "--compact",
        "--output", "json", "--output", "sarif", "--output", "junitxml",
        "--output-file-path", str(reports),
    ]  # fmt: skip
    if CUSTOM_CHECKS.is_dir():
        command += ["--external-checks-dir", str(CUSTOM_CHECKS)]
    return command


def checkov(target: Path, reports: Path, framework: str = "terraform_json") -> dict[str, list[Any]]:
    """One checkov run (its start-up dominates: one run covers every stack) over a directory, or a
    plan JSON file with ``framework="terraform_plan"``; reports in JSON, SARIF and JUnit."""
    reports.mkdir(parents=True, exist_ok=True)
    report_file = reports / "results_json.json"
    report_file.unlink(missing_ok=True)  # never read an earlier run's verdict
    environment = {
        **os.environ,
        "CKV_PARSE_ERROR_FAIL": "true",
        "BC_API_KEY": "",
        "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "",
    }
    result = run(checkov_command(target, reports, framework), ROOT, env=environment)
    if not report_file.exists():
        raise CheckovError(f"checkov wrote no report (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    document = json.loads(report_file.read_text(encoding="utf-8"))
    merged: dict[str, list[Any]] = {"passed_checks": [], "failed_checks": [], "parsing_errors": []}
    for item in document if isinstance(document, list) else [document]:
        results = item.get("results", {})
        for kind in merged:
            merged[kind] += results.get(kind, [])
    return merged


def addresses_by_checkov_name(document: dict[str, Any]) -> dict[str, str]:
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


def declared_suppressions(stack_dir: Path) -> dict[tuple[str, str], str]:
    declared = json.loads((stack_dir / SUPPRESSIONS_FILE).read_text(encoding="utf-8"))
    return {(item["resource"], item["check_id"]): item["reason"] for item in declared}


def plan_only_suppressions(stack_dir: Path) -> set[tuple[str, str]]:
    """The suppressions of findings checkov makes only in a plan (values AWS computes)."""
    declared = json.loads((stack_dir / SUPPRESSIONS_FILE).read_text(encoding="utf-8"))
    return {(item["resource"], item["check_id"]) for item in declared if item.get("plan_only")}


def _stack_of(file_path: str) -> str:
    parts = Path(file_path.lstrip("/")).parts
    return parts[0] if parts else ""


def _read_stacks(stacks_dir: Path, results: dict[str, StackResult]) -> dict[str, dict[str, str]]:
    """Counts each stack's blocks; returns checkov's names -> addresses per stack (HCL output: none,
    checkov names its blocks by address there)."""
    addresses: dict[str, dict[str, str]] = {}
    for name, result in results.items():
        stack_file = stacks_dir / name / STACK_FILE
        if not stack_file.exists():
            if (stacks_dir / name / HCL_STACK_FILE).exists():
                addresses[name] = {}
                continue
            result.problems.append(f"{stack_file} is missing")
            continue
        document = json.loads(stack_file.read_text(encoding="utf-8"))
        result.resources = sum(len(items) for items in document.get("resource", {}).values())
        result.data_sources = sum(len(items) for items in document.get("data", {}).values())
        result.outputs = len(document.get("output", {}))
        addresses[name] = addresses_by_checkov_name(document)
    return addresses


def _timed(timings: dict[str, float], phase: str, work: Callable[..., T], *args: Any) -> T:
    started = time.monotonic()
    try:
        return work(*args)
    finally:
        timings[phase] = timings.get(phase, 0.0) + time.monotonic() - started


def _scan_and_validate(
    stacks_dir: Path, present: list[str], results: dict[str, StackResult], reports: Path, options: dict[str, Any]
) -> dict[str, list[Any]]:
    """checkov over every stack in one process, the validations beside it."""
    timings, framework = options["timings"], options["framework"]
    phase_started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        scan = pool.submit(
            _timed, timings, "checkov (all stacks, one process)", checkov, stacks_dir, reports, framework
        )
        # The plugin cache is not safe for concurrent writers: the inits run one after the other (~0.5 s
        # each once the cache is filled), the validations in parallel with checkov. An init with no lock
        # entry for the provider installs it into the cache again, removing the package a running
        # validation uses: each stack after the first starts from the first one's lock file, so its init
        # links the cached package and writes nothing there.
        validations: dict[str, concurrent.futures.Future[str]] = {}
        first_lock: Path | None = None
        for name in present if options["validate"] else []:
            lock = stacks_dir / name / LOCK_FILE
            if first_lock is not None and not lock.exists():
                shutil.copyfile(first_lock, lock)
            failure = _timed(timings, f"terraform init {name}", terraform_init, stacks_dir / name)
            if not failure and first_lock is None and lock.exists():
                first_lock = lock
            if failure:
                results[name].validate = failure
            else:
                phase = f"terraform validate {name}"
                validations[name] = pool.submit(_timed, timings, phase, terraform_validate, stacks_dir / name)
        for name, future in validations.items():
            results[name].validate = future.result()
        findings = scan.result()
    label = "validate + checkov (concurrent, wall)" if options["validate"] else "checkov (wall)"
    timings[label] = time.monotonic() - phase_started
    return findings


def _match(
    findings: dict[str, list[Any]],
    results: dict[str, StackResult],
    addresses: dict[str, dict[str, str]],
    accepted: dict[str, dict[tuple[str, str], str]],
) -> set[tuple[str, str, str]]:
    """Sorts the findings into passed, suppressed and failed per stack; returns the suppressions used."""
    matched: set[tuple[str, str, str]] = set()
    for check in findings["passed_checks"]:
        stack = _stack_of(check["file_path"])
        if stack in results:
            results[stack].passed += 1
    for check in findings["failed_checks"]:
        stack = _stack_of(check["file_path"])
        if stack not in results:
            continue
        resource = addresses.get(stack, {}).get(check["resource"], check["resource"])
        key = (resource, check["check_id"])
        if key in accepted.get(stack, {}):
            results[stack].suppressed.append(f"{check['check_id']} {resource}: {accepted[stack][key]}")
            matched.add((stack, *key))
        else:
            results[stack].failed.append(f"{check['check_id']} {resource}: {check['check_name']}")
    return matched


def evaluate(
    outdir: Path,
    stacks: list[str],
    reports: Path,
    timings: dict[str, float] | None = None,
    *,
    validate: bool = True,
    framework: str = "terraform_json",
) -> list[StackResult]:
    results = {name: StackResult(name, validate="not run" if validate else "skipped") for name in stacks}
    stacks_dir = outdir / STACKS_DIR
    addresses = _read_stacks(stacks_dir, results)
    present = [name for name, result in results.items() if not result.problems]
    timings = {} if timings is None else timings
    options = {"timings": timings, "framework": framework, "validate": validate}
    findings = _scan_and_validate(stacks_dir, present, results, reports, options)
    for error in findings["parsing_errors"]:
        stack = _stack_of(os.path.relpath(error, stacks_dir))
        if stack not in results:
            raise CheckovError(f"checkov could not parse {error}")
        results[stack].problems.append(f"checkov could not parse {error}")
    accepted = {name: declared_suppressions(stacks_dir / name) for name in present}
    matched = _match(findings, results, addresses, accepted)
    for stack, declared in accepted.items():
        plan_only = plan_only_suppressions(stacks_dir / stack)
        for resource, check_id in declared:
            if (stack, resource, check_id) not in matched and (resource, check_id) not in plan_only:
                results[stack].stale.append(f"{check_id} {resource}: declared, but checkov reports no such finding")
        if results[stack].passed + len(results[stack].failed) + len(results[stack].suppressed) == 0:
            results[stack].problems.append("checkov ran no check on this stack (wrong framework?)")
    if framework == "terraform_json":
        _timed(timings, "parliament (IAM policies)", _lint, stacks_dir, present, results)
    return list(results.values())


def _lint(stacks_dir: Path, present: list[str], results: dict[str, StackResult]) -> None:
    """parliament on every policy document of every stack, against the suppressions beside it."""
    for name in present:
        document = json.loads((stacks_dir / name / STACK_FILE).read_text(encoding="utf-8"))
        accepted = json.loads((stacks_dir / name / LINT_SUPPRESSIONS_FILE).read_text(encoding="utf-8"))
        linted = iam_lint.check(document, accepted)
        result = results[name]
        result.iam_documents = linted.documents
        result.iam_failed, result.iam_suppressed, result.iam_stale = linted.failed, linted.suppressed, linted.stale
        if linted.documents == 0 and "resource" in document:
            result.problems.append("parliament found no IAM policy document to lint")


def print_summary(results: list[StackResult], seconds: float) -> None:
    print(
        f"{'stack':<12} {'resources':>9} {'data':>5} {'outputs':>7}  {'validate':<9} "
        f"{'passed':>6} {'failed':>6} {'suppressed':>10} {'stale':>5}  {'iam docs/failed/accepted':>24}"
    )
    for result in results:
        validate = result.validate if result.validate in ("valid", "not run", "skipped") else "INVALID"
        print(
            f"{result.name:<12} {result.resources:>9} {result.data_sources:>5} {result.outputs:>7}  {validate:<9} "
            f"{result.passed:>6} {len(result.failed):>6} {len(result.suppressed):>10} {len(result.stale):>5}  "
            f"{f'{result.iam_documents}/{len(result.iam_failed)}/{len(result.iam_suppressed)}':>24}"
        )
    for result in results:
        for label, lines in (
            ("FAILED", result.failed),
            ("STALE", result.stale),
            ("PROBLEM", result.problems),
            ("IAM FAILED", result.iam_failed),
            ("IAM STALE", result.iam_stale),
        ):
            for line in lines:
                print(f"{result.name}: {label} {line}")
        if result.validate not in ("valid", "not run", "skipped"):
            print(f"{result.name}: terraform {result.validate}")
    verdict = "passed" if all(result.ok for result in results) else "FAILED"
    print(f"gate {verdict} in {seconds:.1f} s ({len(results)} stacks)")


def manifest_stacks(outdir: Path) -> list[str]:
    manifest = outdir / "manifest.json"
    if not manifest.exists():
        raise FileNotFoundError(f"{manifest} is missing: synthesize first (./scripts/synth.sh)")
    return sorted(json.loads(manifest.read_text(encoding="utf-8"))["stacks"])


def write_reports(reports: Path, results: list[StackResult], timings: dict[str, float]) -> None:
    (reports / "timings.json").write_text(json.dumps(timings, indent=2) + "\n", encoding="utf-8")
    (reports / "summary.json").write_text(
        json.dumps([result.__dict__ | {"ok": result.ok} for result in results], indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )


def run_gate(
    outdir: Path,
    reports: Path,
    stacks: list[str] | None = None,
    synth_seconds: float | None = None,
    *,
    validate: bool = True,
    framework: str = "terraform_json",
) -> bool:
    """The gate with its summary and reports; True when every stack passed."""
    started = time.monotonic()
    names = stacks or manifest_stacks(outdir)
    timings: dict[str, float] = {}
    if synth_seconds is not None:
        timings["synthesis (python main.py)"] = synth_seconds
    results = evaluate(outdir, names, reports, timings, validate=validate, framework=framework)
    write_reports(reports, results, timings)
    print_summary(results, time.monotonic() - started)
    return all(result.ok for result in results)
