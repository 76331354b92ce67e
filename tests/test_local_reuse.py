"""Local mode reuses what it can prove unchanged: a synthesis whose inputs and outputs are as it left them,
and a bootstrap already applied to this very start of the local AWS. Anything else runs again."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scripts.ops import flows
from tests.conftest import ENVIRONMENTS


@pytest.fixture
def session(tmp_path: Path) -> flows.Session:
    environments = tmp_path / "environments"
    shutil.copytree(ENVIRONMENTS, environments)
    env = {"LOCAL_AWS_ENDPOINT": "http://127.0.0.1:1", "ENVIRONMENTS_DIR": str(environments)}
    return flows.Session(True, env, tmp_path / "local" / "cdktf.out", tmp_path / "local")


@pytest.fixture
def syntheses(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """Each synthesis flows starts: its environment; it writes a manifest and one stack, and warns once."""
    calls: list[dict[str, str]] = []

    def run(command: list[str], env: dict[str, str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append(env)
        outdir = Path(env["CDKTF_OUTDIR"])
        shutil.rmtree(outdir, ignore_errors=True)
        (outdir / "stacks" / "stage").mkdir(parents=True)
        (outdir / "manifest.json").write_text("{}")
        (outdir / "stacks" / "stage" / "cdk.tf.json").write_text(json.dumps({"n": len(calls)}))
        return subprocess.CompletedProcess(command, 0, "warning: stage: a warning\nsynthesized stage\n")

    monkeypatch.setattr(flows.subprocess, "run", run)
    return calls


def test_an_unchanged_synthesis_is_reused_and_its_warnings_shown_again(
    session: flows.Session, syntheses: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    flows.synthesize(session)
    flows.synthesize(session)
    assert len(syntheses) == 1
    assert capsys.readouterr().err.count("warning: stage: a warning") == 2


@pytest.mark.parametrize("change", ["environment file", "endpoint", "output"])
def test_a_change_to_what_synthesis_reads_or_wrote_synthesizes_again(
    session: flows.Session, syntheses: list[dict[str, str]], change: str
) -> None:
    flows.synthesize(session)
    if change == "environment file":
        stage = Path(session.env["ENVIRONMENTS_DIR"]) / "stage.toml"
        stage.write_text(stage.read_text() + "\n# edited\n")
    elif change == "endpoint":
        session.env["LOCAL_AWS_ENDPOINT"] = "http://127.0.0.1:2"
    else:
        (session.outdir / "stacks" / "stage" / "cdk.tf.json").write_text("{}")
    flows.synthesize(session)
    assert len(syntheses) == 2


def test_outside_local_mode_every_run_synthesizes(session: flows.Session, syntheses: list[dict[str, str]]) -> None:
    session.local = False
    flows.synthesize(session)
    flows.synthesize(session)
    assert len(syntheses) == 2


@pytest.fixture
def bootstrapped(session: flows.Session, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A bootstrap stack synthesized, applied once (each apply recorded), on a local AWS with a boot id."""
    (session.outdir / "stacks" / "bootstrap").mkdir(parents=True)
    (session.outdir / "stacks" / "bootstrap" / "cdk.tf.json").write_text('{"bucket": 1}')
    applies: list[str] = []

    def apply(_session: flows.Session, auto: bool) -> None:
        (session.local_dir / "bootstrap").mkdir(parents=True, exist_ok=True)
        (session.local_dir / "bootstrap" / "terraform.tfstate").write_text("{}")
        applies.append("applied")

    monkeypatch.setattr(flows, "apply_bootstrap", apply)
    monkeypatch.setattr(flows, "boot_id", lambda endpoint: "start-1")
    flows.bootstrap_locally(session)
    assert applies == ["applied"]
    return applies


def test_a_bootstrap_applied_to_this_start_of_the_local_aws_is_not_planned_again(
    session: flows.Session, bootstrapped: list[str]
) -> None:
    flows.bootstrap_locally(session)
    assert bootstrapped == ["applied"]


@pytest.mark.parametrize("change", ["another start", "other bootstrap", "no state", "no boot id"])
def test_anything_else_plans_the_bootstrap_again(
    session: flows.Session, bootstrapped: list[str], monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    if change == "another start":
        monkeypatch.setattr(flows, "boot_id", lambda endpoint: "start-2")
    elif change == "other bootstrap":
        (session.outdir / "stacks" / "bootstrap" / "cdk.tf.json").write_text('{"bucket": 2}')
    elif change == "no state":
        (session.local_dir / "bootstrap" / "terraform.tfstate").unlink()
    else:
        monkeypatch.setattr(flows, "boot_id", lambda endpoint: None)
    flows.bootstrap_locally(session)
    assert bootstrapped == ["applied", "applied"]
