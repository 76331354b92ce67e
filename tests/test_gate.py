"""The gate on real output: terraform validate with the real provider, checkov with suppressions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from modules.stack import Suppression
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def run_gate(outdir: Path, reports: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.ops", "gate", "--outdir", str(outdir), "--reports", str(reports), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_every_stack_validates_and_passes_checkov(outdir: Path, tmp_path: Path) -> None:
    result = run_gate(outdir, tmp_path / "reports")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = {item["name"]: item for item in json.loads((tmp_path / "reports" / "summary.json").read_text())}
    assert set(summary) >= {"bootstrap", "stage", "prod"}
    for name, item in summary.items():
        assert item["validate"] == "valid", name
        assert item["failed"] == [] and item["stale"] == [] and item["passed"] > 0, name
    assert len(summary["bootstrap"]["suppressed"]) == 5
    for name, item in summary.items():  # parliament, the second IAM linter, ran on every stack
        assert item["iam_documents"] >= 3 and item["iam_failed"] == [] and item["iam_stale"] == [], name
    for report in ("results_json.json", "results_sarif.sarif", "results_junitxml.xml"):
        assert (tmp_path / "reports" / report).stat().st_size > 0


def test_checkov_itself_honours_the_rendered_baseline(outdir: Path, tmp_path: Path) -> None:
    """The plain scan of cdktf.out from the repository root: cdktf.out/.checkov.yaml brings in the baseline."""
    workdir = tmp_path / "repo"
    workdir.mkdir()
    shutil.copytree(outdir, workdir / "cdktf.out")
    (workdir / "policies").symlink_to(ROOT / "policies")

    def scan() -> dict[str, list[dict]]:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "checkov.main",
                "-d",
                "cdktf.out",
                "--skip-download",
                "--framework",
                "terraform_json",
                "-o",
                "json",
            ],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env={**os.environ, "CKV_PARSE_ERROR_FAIL": "true"},
        )
        document = json.loads(result.stdout)
        reports = document if isinstance(document, list) else [document]
        return {
            kind: [check for report in reports for check in report["results"][kind]]
            for kind in ("failed_checks", "skipped_checks")
        }

    declared = [
        Suppression(item["resource"], item["check_id"], item["reason"])
        for path in sorted((outdir / "stacks").glob("*/checkov-suppressions.json"))
        for item in json.loads(path.read_text())
        if not item.get("plan_only")  # found only in a plan scan (e.g. a public IP known after apply)
    ]
    # checkov names a finding <type>.<name> (graph checks) or resource.<name> (Python checks).
    accepted = {(address, item.check_id) for item in declared for address in item.checkov_addresses}

    with_baseline = scan()
    assert with_baseline["failed_checks"] == []
    skipped = [(check["resource"], check["check_id"]) for check in with_baseline["skipped_checks"]]
    assert len(skipped) == len(declared) and set(skipped) <= accepted
    (workdir / "cdktf.out" / ".checkov.yaml").unlink()
    without_baseline = [(check["resource"], check["check_id"]) for check in scan()["failed_checks"]]
    assert len(without_baseline) == len(declared) and set(without_baseline) <= accepted


def test_an_unsuppressed_finding_and_a_stale_suppression_both_fail_the_gate(outdir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cdktf.out"
    (copy / "stacks").mkdir(parents=True)
    shutil.copytree(outdir / "stacks" / "bootstrap", copy / "stacks" / "bootstrap")
    suppressions_file = copy / "stacks" / "bootstrap" / "checkov-suppressions.json"
    declared = json.loads(suppressions_file.read_text())
    dropped = next(item for item in declared if item["check_id"] == "CKV_AWS_145")
    declared.remove(dropped)
    declared.append(
        {
            "resource": "aws_dynamodb_table.state_lock",
            "check_id": "CKV_AWS_28",
            "reason": "a reason that no longer applies to anything",
        }
    )
    suppressions_file.write_text(json.dumps(declared))
    result = run_gate(copy, tmp_path / "reports", "--stacks", "bootstrap")
    assert result.returncode == 1
    assert "bootstrap: FAILED CKV_AWS_145 aws_s3_bucket.state_logs" in result.stdout
    assert "bootstrap: STALE CKV_AWS_28 aws_dynamodb_table.state_lock" in result.stdout


def test_an_iam_finding_nobody_accepted_fails_the_gate(outdir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cdktf.out"
    (copy / "stacks").mkdir(parents=True)
    shutil.copytree(outdir / "stacks" / "bootstrap", copy / "stacks" / "bootstrap")
    (copy / "stacks" / "bootstrap" / "iam-lint-suppressions.json").write_text("[]")
    result = run_gate(copy, tmp_path / "reports", "--stacks", "bootstrap")
    assert result.returncode == 1
    assert "bootstrap: IAM FAILED RESOURCE_STAR aws_kms_key.state_key" in result.stdout


def test_a_missing_stack_fails_the_gate(outdir: Path, tmp_path: Path) -> None:
    result = run_gate(outdir, tmp_path / "reports", "--stacks", "bootstrap,qa")
    assert result.returncode == 1
    assert "qa: PROBLEM" in result.stdout and "cdk.tf.json is missing" in result.stdout
