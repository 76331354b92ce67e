"""Writes ``cdktf.out`` from the environment files all at once, or not at all.

Which stacks an app holds is main.py's to say (``build``): this module knows the stack base class and
the files written beside every stack, not the stacks themselves.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from modules.framework import App
from modules.layout import BASELINE_FILE, LINT_SUPPRESSIONS_FILE, STACK_FILE, STACKS_DIR, SUPPRESSIONS_FILE
from modules.settings import EnvironmentConfig, load_environments
from modules.stack import Stack
from modules.workspace_files import write_workspace_files


def _write_json(path: Path, document: object) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_checkov_files(stacks: Sequence[Stack], outdir: Path, published_name: str) -> None:
    """Renders the suppressions declared in Python into what checkov reads.

    checkov ignores skip comments in Terraform JSON, but honours a baseline (a list of resource
    addresses with the check ids accepted on each): ``checkov -d cdktf.out`` picks it up through
    ``cdktf.out/.checkov.yaml``. checkov matches a baseline entry by resource and check id, not by
    file; the gate (scripts/ops/gate.py) reads the per-stack lists instead, so it matches per stack and
    also fails on a suppression that no longer matches any finding.
    """
    failed_checks = []
    for stack in stacks:
        stack_dir = outdir / STACKS_DIR / stack.node.id
        suppressions = [
            {"resource": item.address, "check_id": item.check_id, "reason": item.reason}
            | ({"plan_only": True} if item.plan_only else {})
            for item in stack.suppressions
        ]
        _write_json(stack_dir / SUPPRESSIONS_FILE, suppressions)
        accepted = stack.lint_suppressions
        lint = [{"resource": item.address, "issue": item.check_id, "reason": item.reason} for item in accepted]
        _write_json(stack_dir / LINT_SUPPRESSIONS_FILE, lint)
        by_resource: dict[str, list[str]] = {}
        for item in stack.suppressions:
            for address in item.checkov_addresses:
                by_resource.setdefault(address, []).append(item.check_id)
        if by_resource:
            failed_checks.append(
                {
                    "file": f"/{STACKS_DIR}/{stack.node.id}/{STACK_FILE}",
                    "findings": [
                        {"resource": resource, "check_ids": sorted(ids)}
                        for resource, ids in sorted(by_resource.items())
                    ],
                }
            )
    _write_json(outdir / BASELINE_FILE, {"failed_checks": failed_checks})
    (outdir / ".checkov.yaml").write_text(
        "# Written by synthesis: `checkov -d cdktf.out` (run from the repository root) applies the\n"
        "# suppressions declared next to their resources in modules/ (see README, 'checkov suppressions').\n"
        "# They show as SKIPPED; with a baseline, checkov lists no passed checks (its own behaviour).\n"
        "framework:\n  - terraform_json\n"
        "skip-download: true\n"
        f"baseline: {published_name}/{BASELINE_FILE}\n"
        "output-baseline-as-skipped: true\n"
        "external-checks-dir:\n  - policies/checkov\n",
        encoding="utf-8",
    )


# Adds every stack of the app: (app, the environments' settings, the local endpoint or None) -> stacks.
StackBuilder = Callable[[App, Sequence[EnvironmentConfig], "str | None"], list[Stack]]


def synthesize(environments: Path, outdir: Path, local_endpoint: str | None, build: StackBuilder) -> list[Stack]:
    """Validates every environment file, synthesizes into a temporary directory, then swaps it in.

    Raises ConfigError before anything is written; on any failure ``outdir`` stays as it was.
    ``local_endpoint`` (loopback only) points every stack at a local AWS emulator.
    """
    configs = load_environments(environments)
    outdir = outdir.absolute()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; cdktf.out is an ordinary directory
    try:
        app = App(outdir=str(staging))
        stacks = build(app, configs, local_endpoint)
        if stacks:  # files skipped beside the environment files: printed with the warnings, once
            stacks[0].warnings.extend(configs.notices)
        app.synth()
        write_checkov_files(stacks, staging, outdir.name)
        for stack in stacks:
            write_workspace_files(stack, staging / STACKS_DIR / stack.node.id)
        _swap(staging, outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return stacks


def _swap(staging: Path, outdir: Path) -> None:
    """Replaces ``outdir`` with ``staging``: two renames on one file system."""
    previous = outdir.with_name(f".{outdir.name}.previous-{os.getpid()}")
    if outdir.exists():
        outdir.rename(previous)
    try:
        staging.rename(outdir)
    except OSError:
        if previous.exists():
            previous.rename(outdir)
        raise
    shutil.rmtree(previous, ignore_errors=True)
