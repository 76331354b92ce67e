"""Byte-compare of the synthesized stacks with tests/golden/: an unintended change to the generated
Terraform fails here. Regenerate on purpose with `python scripts/golden.py` and review the diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"


def test_every_stack_has_a_golden_copy(outdir: Path) -> None:
    stacks = sorted(path.name for path in (outdir / "stacks").iterdir())
    assert sorted(path.name.removesuffix(".tf.json.golden") for path in GOLDEN.glob("*.golden")) == stacks


@pytest.mark.parametrize("stack", ["bootstrap", "stage", "prod"])
def test_stack_matches_its_golden_copy(outdir: Path, stack: str) -> None:
    produced = (outdir / "stacks" / stack / "cdk.tf.json").read_bytes()
    expected = (GOLDEN / f"{stack}.tf.json.golden").read_bytes()
    assert produced == expected, f"{stack} changed: review it, then run python scripts/golden.py"
