"""Regenerates the README's tables from the code: environment-file keys and checkov suppressions.

    python scripts/docs.py [--outdir cdktf.out] [--check]

--check exits 1 when README.md is out of date (the tests run it), instead of writing it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from collections.abc import Callable, Collection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modules.layout import STACKS_DIR, SUPPRESSIONS_FILE  # noqa: E402
from modules.settings.loader import SECTIONS  # noqa: E402
from modules.settings.schema import describe, documented_fields  # noqa: E402

README = ROOT / "README.md"


def settings_table() -> str:
    lines = []
    for section, settings_class in SECTIONS.items():
        lines += [
            f"**[{section}]**: {(settings_class.__doc__ or ':').split(':', 1)[1].strip()}",
            "",
            "| key | default | description |",
            "|---|---|---|",
        ]
        for key, description, default in documented_fields(settings_class):
            if default is dataclasses.MISSING:
                shown = "required"
            elif default is None:
                shown = "derived"
            else:
                shown = f"`{describe(default)}`"
            lines.append(f"| `{key}` | {shown} | {description} |")
        lines.append("")
    return "\n".join(lines).rstrip()


def suppressions_table(outdir: Path, stacks: Collection[str] | None = None) -> str:
    """Every stack's suppressions, or only those of ``stacks``."""
    lines = ["| stack | resource | check | reason |", "|---|---|---|---|"]
    for path in sorted((outdir / STACKS_DIR).glob(f"*/{SUPPRESSIONS_FILE}")):
        if stacks is not None and path.parent.name not in stacks:
            continue
        for item in json.loads(path.read_text(encoding="utf-8")):
            lines.append(f"| {path.parent.name} | `{item['resource']}` | {item['check_id']} | {item['reason']} |")
    return "\n".join(lines)


def _replacement(body: str) -> Callable[[re.Match[str]], str]:
    """What replaces a GENERATED block: its markers kept, ``body`` between them."""

    def replace(match: re.Match[str]) -> str:
        return f"{match.group(1)}{body}\n{match.group(2)}"

    return replace


def render(text: str, outdir: Path, stacks: Collection[str] | None = None) -> str:
    for name, body in (("settings", settings_table()), ("suppressions", suppressions_table(outdir, stacks))):
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED: {name} -->\n)(?:.*?\n)?(<!-- END GENERATED: {name} -->)", re.DOTALL
        )
        if not pattern.search(text):
            raise SystemExit(f"README.md has no GENERATED: {name} markers")
        text = pattern.sub(_replacement(body), text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outdir", type=Path, default=ROOT / "cdktf.out")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    wanted = render(current, args.outdir)
    if args.check:
        if current != wanted:
            print("README.md is out of date: run python scripts/docs.py after ./scripts/synth.sh", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
