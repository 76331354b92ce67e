"""The README: the two commands first, and generated tables that match the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("docs", ROOT / "scripts" / "docs.py")
docs = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(docs)  # type: ignore[union-attr]


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```", 2)[1]
    assert [line for line in first_block.splitlines()[1:] if line.strip()] == [
        "./scripts/synth.sh",
        "./scripts/test.sh",
    ]


def test_generated_tables_are_up_to_date(outdir: Path) -> None:
    current = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.render(current, outdir) == current, "run: python scripts/docs.py (after ./scripts/synth.sh)"
