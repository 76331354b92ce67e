"""The cdktf CLI drives the same app: `cdktf synth` writes the same stacks as `python main.py`, and the
app (synthesis + the checkov gate) stops a deploy that fails the scan before Terraform runs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_cdktf_synth_writes_every_stack(outdir: Path, tmp_path: Path) -> None:
    target = tmp_path / "cli.out"
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "cdktf"), "synth", "--output", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "CHECKPOINT_DISABLE": "1", "PIPENV_VENV_IN_PROJECT": "1", "PIPENV_VERBOSITY": "-1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for stack in ("bootstrap", "stage", "prod"):
        produced = target / "stacks" / stack / "cdk.tf.json"
        assert produced.read_bytes() == (outdir / "stacks" / stack / "cdk.tf.json").read_bytes(), stack


def test_cdktf_synth_hcl_writes_valid_terraform(tmp_path: Path) -> None:
    """`cdktf synth --hcl` output is something users can keep: it validates like the JSON."""
    target = tmp_path / "hcl.out"
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "cdktf"), "synth", "--hcl", "--output", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "CHECKPOINT_DISABLE": "1", "PIPENV_VENV_IN_PROJECT": "1", "PIPENV_VERBOSITY": "-1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for stack in ("bootstrap", "stage", "prod"):
        workspace = target / "stacks" / stack
        assert (workspace / "cdk.tf").exists() and not (workspace / "cdk.tf.json").exists()
        for command in (["init", "-backend=false", "-input=false", "-no-color"], ["validate", "-json", "-no-color"]):
            run = subprocess.run(
                ["terraform", f"-chdir={workspace}", *command], capture_output=True, text=True, timeout=300, check=False
            )
            assert run.returncode == 0, run.stdout + run.stderr
        assert '"valid": true' in run.stdout and '"error_count": 0' in run.stdout
    # The block cdktf's HCL renderer drops is written beside it.
    assert (
        'ephemeral "aws_secretsmanager_random_password" "secret_key"'
        in (target / "stacks" / "prod" / "ephemeral.tf").read_text()
    )


def test_cdktf_deploy_of_a_stack_failing_the_scan_stops_before_terraform(tmp_path: Path) -> None:
    """cdktf.json's app is synthesis + the checkov gate: `npx cdktf deploy stage` (no script in between)
    of a stage whose logs are kept 30 days (CKV_AWS_338 wants a year) never reaches terraform."""
    environments = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", environments)
    stage = environments / "stage.toml"
    stage.write_text(stage.read_text().replace("[environment]\n", "[environment]\nlog_retention_days = 30\n", 1))
    calls = tmp_path / "terraform-calls"
    stub = tmp_path / "bin" / "terraform"
    stub.parent.mkdir()
    stub.write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\n[ "$1" = version ] && echo "Terraform v1.11.4" && exit 0\nexit 1\n'
    )
    stub.chmod(0o755)
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "cdktf"), "deploy", "stage", "--auto-approve", "--output",
         str(tmp_path / "cli.out")],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "CHECKPOINT_DISABLE": "1", "PIPENV_VENV_IN_PROJECT": "1", "PIPENV_VERBOSITY": "-1",
             "ENVIRONMENTS_DIR": str(environments), "PATH": f"{stub.parent}:{os.environ['PATH']}"},
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "stage: FAILED CKV_AWS_338" in output and "refusing: the checkov gate failed" in output
    # The CLI asks terraform for its version; it never gets to init, plan or apply.
    recorded = calls.read_text().splitlines() if calls.exists() else []
    assert [call for call in recorded if call.split()[0] not in ("version", "-v", "-version")] == [], recorded
