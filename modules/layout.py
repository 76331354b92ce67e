"""Where synthesis writes what: the one owner of the file names that synthesis, the gate, the plan
scan and the operations flow share. Plain Python: importing it never loads the framework."""

from __future__ import annotations

from pathlib import Path

STACKS_DIR = "stacks"
STACK_FILE = "cdk.tf.json"
SUPPRESSIONS_FILE = "checkov-suppressions.json"
BASELINE_FILE = "checkov-baseline.json"
LINT_SUPPRESSIONS_FILE = "iam-lint-suppressions.json"  # parliament findings accepted, with reasons
PLAN_SUMMARY_FILE = "plan-summary.md"  # beside plan.tfplan: the reviewed summary (plan.sh, deploy.sh, CI)


def reports_dir(outdir: Path, kind: str) -> Path:
    """Where checkov's reports on a synthesized output go: ``reports/<kind>`` beside that output (the
    repository's ``reports/`` for ``./cdktf.out``, ``.cache/local/reports`` for the local AWS's), so runs
    on different outputs (a local deploy beside a real plan, parallel test workers) never share a file."""
    return outdir.parent / "reports" / kind
