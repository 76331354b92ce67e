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
