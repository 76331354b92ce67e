"""Regenerates the golden copies of the synthesized stacks that tests/test_golden.py compares.

    python scripts/golden.py

Run it on purpose after a change to the generated Terraform, and review the diff of tests/golden/
in the same commit: that diff is the change users will see in their plans.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import modules.framework  # noqa: E402,F401  (first: lazy provider bindings)
from main import synthesize  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        outdir = Path(scratch) / "cdktf.out"
        stacks = synthesize(ROOT / "environments", outdir)
        shutil.rmtree(GOLDEN, ignore_errors=True)
        GOLDEN.mkdir(parents=True)
        for stack in stacks:
            shutil.copy(outdir / "stacks" / stack.node.id / "cdk.tf.json", GOLDEN / f"{stack.node.id}.tf.json.golden")
    print(f"wrote {len(stacks)} golden stacks to {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
