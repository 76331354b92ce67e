"""The cdktf CLI drives the same app: `cdktf synth` writes the same stacks as `python main.py`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_cdktf_synth_writes_every_stack(outdir: Path, tmp_path: Path) -> None:
    target = tmp_path / "cli.out"
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "cdktf"), "synth", "--output", str(target)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
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
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "CHECKPOINT_DISABLE": "1", "PIPENV_VENV_IN_PROJECT": "1", "PIPENV_VERBOSITY": "-1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for stack in ("bootstrap", "stage", "prod"):
        workspace = target / "stacks" / stack
        assert (workspace / "cdk.tf").exists() and not (workspace / "cdk.tf.json").exists()
        for command in (["init", "-backend=false", "-input=false", "-no-color"], ["validate", "-json", "-no-color"]):
            run = subprocess.run(["terraform", f"-chdir={workspace}", *command], capture_output=True, text=True, timeout=300, check=False)
            assert run.returncode == 0, run.stdout + run.stderr
        assert '"valid": true' in run.stdout and '"error_count": 0' in run.stdout
    # The block cdktf's HCL renderer drops is written beside it.
    assert 'ephemeral "aws_secretsmanager_random_password" "secret_key"' in (target / "stacks" / "prod" / "ephemeral.tf").read_text()
