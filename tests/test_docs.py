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
    """For the stacks the README lists and the shipped ones (with a golden copy): a user's own environment
    file need not be in the README."""
    current = (ROOT / "README.md").read_text(encoding="utf-8")
    table = current.split("<!-- BEGIN GENERATED: suppressions -->", 1)[1].split("<!-- END GENERATED", 1)[0]
    listed = {line.split("|")[1].strip() for line in table.splitlines()[3:] if line.startswith("|")}
    shipped = {path.name.removesuffix(".tf.json.golden") for path in (ROOT / "tests" / "golden").glob("*.golden")}
    stacks = listed | shipped
    assert docs.render(current, outdir, stacks) == current, "run: python scripts/docs.py (after ./scripts/synth.sh)"
