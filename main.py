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
from modules.local_aws import LocalEndpointError, checked_endpoint  # noqa: E402

ROOT = Path(__file__).resolve().parent


def main() -> int:
    outdir = Path(os.environ.get("CDKTF_OUTDIR", ROOT / "cdktf.out"))
    # ENVIRONMENTS_DIR points synthesis at another set of environment files (tests, experiments).
    environments = Path(os.environ.get("ENVIRONMENTS_DIR", ROOT / "environments"))
    local_endpoint = os.environ.get("LOCAL_AWS_ENDPOINT") or None
    try:
        if local_endpoint:
            local_endpoint = checked_endpoint(local_endpoint)
            if outdir.resolve() == (ROOT / "cdktf.out").resolve():
                raise LocalEndpointError("LOCAL_AWS_ENDPOINT is set: local mode never writes cdktf.out (set CDKTF_OUTDIR)")
        stacks = synthesize(environments, outdir, local_endpoint)
    except LocalEndpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
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
