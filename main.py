"""Synthesizes the bootstrap stack and one stack per environments/<name>.toml into cdktf.out/."""

from __future__ import annotations

import time

STARTED = time.monotonic()

import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import modules.framework  # noqa: E402,F401  (first: makes the AWS provider bindings load lazily)
from modules.app import synthesize  # noqa: E402
from modules.config import ConfigError  # noqa: E402

ROOT = Path(__file__).resolve().parent


def main() -> int:
    outdir = Path(os.environ.get("CDKTF_OUTDIR", ROOT / "cdktf.out"))
    # ENVIRONMENTS_DIR points synthesis at another set of environment files (tests, experiments).
    environments = Path(os.environ.get("ENVIRONMENTS_DIR", ROOT / "environments"))
    try:
        stacks = synthesize(environments, outdir)
    except ConfigError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(error.problems)} problem(s) in the environment files; {outdir} was left as it was.", file=sys.stderr)
        return 2
    names = ", ".join(stack.node.id for stack in stacks)
    print(f"synthesized {names} into {os.path.relpath(outdir)} in {time.monotonic() - STARTED:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
