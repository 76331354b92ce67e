"""Byte-compare of the synthesized stacks with tests/golden/: an unintended change to the generated
Terraform fails here. Regenerate on purpose with `python scripts/golden.py` and review the diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"


SHIPPED = sorted(path.name.removesuffix(".tf.json.golden") for path in GOLDEN.glob("*.golden"))


def test_every_golden_copy_is_a_stack_and_the_shipped_ones_have_one(outdir: Path) -> None:
    """A user's own environment files add stacks without golden copies; every copy still has its stack."""
    stacks = sorted(path.name for path in (outdir / "stacks").iterdir())
    assert set(SHIPPED) <= set(stacks) and {"bootstrap", "stage", "prod"} <= set(SHIPPED)


@pytest.mark.parametrize("stack", SHIPPED)
def test_stack_matches_its_golden_copy(outdir: Path, stack: str) -> None:
    produced = (outdir / "stacks" / stack / "cdk.tf.json").read_bytes()
    expected = (GOLDEN / f"{stack}.tf.json.golden").read_bytes()
    assert produced == expected, f"{stack} changed: review it, then run python scripts/golden.py"
