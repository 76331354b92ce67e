"""Synthesizes the bootstrap stack and one stack per environments/<name>.toml into cdktf.out/."""

from __future__ import annotations

import time

STARTED = time.monotonic()

import dataclasses  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

import modules.framework  # noqa: E402,F401  (first: makes the AWS provider bindings load lazily)
from bootstrap.stack import BootstrapStack, backend_settings  # noqa: E402
from modules import app  # noqa: E402
from modules.environment_stack import EnvironmentStack  # noqa: E402
from modules.framework import App  # noqa: E402
from modules.local_aws import LocalEndpointError, checked_endpoint  # noqa: E402
from modules.settings import ConfigError, EnvironmentConfig  # noqa: E402
from modules.settings.backends import cost_tag_warnings, github_oidc_owners  # noqa: E402
from modules.stack import Stack  # noqa: E402

ROOT = Path(__file__).resolve().parent


def build(cdktf_app: App, configs: Sequence[EnvironmentConfig], local_endpoint: str | None) -> list[Stack]:
    """The whole app: one state-backend stack per backend the environments use, one stack per environment."""
    oidc_owners = github_oidc_owners(configs)
    stacks: list[Stack] = [
        BootstrapStack(
            cdktf_app,
            stack_id,
            local_endpoint=local_endpoint,
            settings=dataclasses.replace(settings, deny_insecure_transport=not local_endpoint),
            github_oidc=stack_id in oidc_owners,
        )
        for stack_id, settings in backend_settings(configs).items()
    ]
    unmeasured = cost_tag_warnings(configs)  # budgets on a cost allocation tag nobody activates
    for config in configs:
        stack = EnvironmentStack(cdktf_app, config, local_endpoint=local_endpoint)
        stack.warnings.extend([unmeasured[config.name]] if config.name in unmeasured else [])
        stacks.append(stack)
    return stacks


def synthesize(environments: Path, outdir: Path, local_endpoint: str | None = None) -> list[Stack]:
    """Every stack from the environment files in ``environments``, into ``outdir`` (all or nothing)."""
    return app.synthesize(environments, outdir, local_endpoint, build)


def main() -> int:
    outdir = Path(os.environ.get("CDKTF_OUTDIR", ROOT / "cdktf.out"))
    # ENVIRONMENTS_DIR points synthesis at another set of environment files (tests, experiments).
    environments = Path(os.environ.get("ENVIRONMENTS_DIR", ROOT / "environments"))
    local_endpoint = os.environ.get("LOCAL_AWS_ENDPOINT") or None
    try:
        if local_endpoint:
            local_endpoint = checked_endpoint(local_endpoint)
            if outdir.resolve() == (ROOT / "cdktf.out").resolve():
                raise LocalEndpointError(
                    "LOCAL_AWS_ENDPOINT is set: local mode never writes cdktf.out (set CDKTF_OUTDIR)"
                )
        stacks = synthesize(environments, outdir, local_endpoint)
    except LocalEndpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ConfigError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(
            f"{len(error.problems)} problem(s) in the environment files; {outdir} was left as it was.", file=sys.stderr
        )
        return 2
    for warning in (line for stack in stacks for line in stack.warnings):
        print(f"warning: {warning}", file=sys.stderr)
    names = ", ".join(stack.node.id for stack in stacks)
    print(f"synthesized {names} into {os.path.relpath(outdir)} in {time.monotonic() - STARTED:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
