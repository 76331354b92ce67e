"""The operations command line (python -m scripts.ops): environment arguments parsed once, every safety
check failing closed, and refusals that come before any terraform runs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from scripts.ops import cdktf, flows, gate, guard, plan_scan
from scripts.ops.cli import cli
from scripts.ops.console import OpsError
from scripts.ops.environments import BadEnvironmentError, known_environments, parse_environment
from tests.conftest import ROOT

PLAN = ROOT / "tests" / "fixtures" / "prod-plan-replaces-aurora.json"


@pytest.fixture
def envs(tmp_path: Path) -> Path:
    """An environments folder with the files editors and backups leave behind."""
    folder = tmp_path / "environments"
    folder.mkdir()
    for name in ("_defaults.toml", "prod.toml", "stage.toml", ".#stage.toml", "stage.toml~", "notes.txt"):
        (folder / name).write_text("")
    return folder


def test_known_environments_skip_defaults_hidden_and_backup_files(envs: Path) -> None:
    assert known_environments(envs) == ["prod", "stage"]


@pytest.mark.parametrize("argument", ["prod", "stage"])
def test_a_known_name_is_exactly_that_environment(envs: Path, argument: str) -> None:
    assert parse_environment(argument, envs) == argument


@pytest.mark.parametrize("argument", ["prod/", "./prod", "PROD", "prod.toml", "environments/prod.toml", "prd", " prod"])
def test_a_near_miss_is_refused_naming_the_closest(envs: Path, argument: str) -> None:
    with pytest.raises(BadEnvironmentError, match="did you mean prod\\?") as refused:
        parse_environment(argument, envs)
    assert refused.value.code == 2


@pytest.mark.parametrize("argument", ["bootstrap", "bootstrap-x", "bootstrap2", "BOOTSTRAP", "bootstrap/"])
def test_the_state_backend_names_are_reserved(envs: Path, argument: str) -> None:
    with pytest.raises(BadEnvironmentError, match="reserved") as refused:
        parse_environment(argument, envs)
    assert refused.value.code == 2


@pytest.mark.parametrize(("argument", "message"), [("", "no environment given"), ("qa", "unknown environment 'qa'")])
def test_nothing_or_an_unknown_name_is_refused_listing_the_known(envs: Path, argument: str, message: str) -> None:
    with pytest.raises(BadEnvironmentError, match=message) as refused:
        parse_environment(argument, envs)
    assert "known environments: prod, stage" in str(refused.value)
    assert "did you mean" not in str(refused.value)


def _boom(*args: object, **kwargs: object) -> bool:
    raise RuntimeError("settings unreadable")


def _no_terraform(*args: object, **kwargs: object) -> None:
    raise AssertionError("nothing may run after a failed safety check")


@pytest.mark.usefixtures("accounts")
def test_destroy_refuses_when_the_protection_check_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flows, "is_protected", _boom)
    monkeypatch.setattr(flows, "open_session", _no_terraform)
    with pytest.raises(OpsError, match="'is stage protected\\?' failed.*RuntimeError: settings unreadable") as refused:
        flows.destroy("stage", yes=True, local=False)
    assert refused.value.code == 1


@pytest.mark.usefixtures("accounts")
def test_deploy_refuses_when_the_protection_check_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flows, "is_protected", _boom)
    monkeypatch.setattr(flows, "open_session", _no_terraform)
    with pytest.raises(OpsError, match="is stage protected"):
        flows.deploy("stage", None, yes=True, local=False, allowed=())


def _planned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> flows.Session:
    """plan_and_check up to the checks: synthesis and terraform replaced by the recorded prod plan."""
    monkeypatch.setattr(flows, "synthesize", lambda session: None)
    monkeypatch.setattr(flows, "stack_dir", lambda session, name: tmp_path)
    monkeypatch.setattr(flows, "make_plan", lambda session, name, args: (tmp_path, PLAN))
    return flows.Session(False, dict(os.environ), tmp_path, tmp_path)


def test_deploy_refuses_when_the_plan_scan_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    session = _planned(monkeypatch, tmp_path)
    monkeypatch.setattr(plan_scan, "scan", _boom)
    monkeypatch.setattr(flows, "is_protected", lambda name: False)
    with pytest.raises(OpsError, match="'plan scan of .*' failed.*RuntimeError") as refused:
        flows.plan_and_check(session, "stage", [], ())
    assert refused.value.code == 1


def test_deploy_refuses_when_checkov_writes_no_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    session = _planned(monkeypatch, tmp_path)

    def no_report(*args: object, **kwargs: object) -> None:
        raise gate.CheckovError("checkov wrote no report (exit 2)")

    monkeypatch.setattr(plan_scan, "checkov", no_report)
    monkeypatch.setattr(flows, "is_protected", lambda name: False)
    with pytest.raises(OpsError, match="CheckovError: checkov wrote no report"):
        flows.plan_and_check(session, "stage", [], ())


def test_deploy_refuses_when_the_guard_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    session = _planned(monkeypatch, tmp_path)
    monkeypatch.setattr(flows, "scan_ok", lambda directory, plan_json: True)
    monkeypatch.setattr(flows, "is_protected", lambda name: True)
    monkeypatch.setattr(guard, "check", _boom)
    with pytest.raises(OpsError, match="'guard on the plan of prod' failed.*RuntimeError"):
        flows.plan_and_check(session, "prod", [], ())


def test_a_guard_refusal_exits_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    session = _planned(monkeypatch, tmp_path)
    monkeypatch.setattr(flows, "scan_ok", lambda directory, plan_json: True)
    monkeypatch.setattr(flows, "is_protected", lambda name: True)
    with pytest.raises(OpsError) as refused:
        flows.plan_and_check(session, "prod", [], ())
    assert refused.value.code == 3


def test_the_guard_command_refuses_when_the_protection_check_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    import scripts.ops.cli as cli_module

    monkeypatch.setattr(cli_module, "is_protected", _boom)
    result = CliRunner().invoke(cli, ["guard", "protected", "prod"])
    assert result.exit_code == 1 and "is prod protected?" in result.output
    result = CliRunner().invoke(cli, ["guard", "check", str(PLAN), "--stack", "stage"])
    assert result.exit_code == 1 and "is stage protected?" in result.output


def test_cdktf_deploy_refuses_when_the_protection_check_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cdktf, "is_protected", _boom)
    with pytest.raises(OpsError, match="is stage protected"):
        cdktf.refuse_unsafe(["deploy", "stage"])


def test_the_cdktf_app_refuses_when_its_gate_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cdktf, "_synthesize", lambda outdir, hcl: 0)
    monkeypatch.setattr(gate, "run_gate", _boom)
    with pytest.raises(OpsError, match="checkov gate on the synthesized stacks"):
        cdktf.cdktf_app()


@pytest.mark.parametrize(
    ("args", "refused"),
    [
        (["deploy", "stage"], False),
        (["destroy", "stage", "--auto-approve"], False),
        (["diff", "prod"], False),
        (["synth"], False),
        (["deploy", "prod"], True),
        (["deploy", "stage", "prod"], True),
        (["deploy", "*"], True),
        (["deploy", "{stage,prod}"], True),
        (["deploy"], True),
        (["destroy", "prod"], True),
        (["deploy", "bootstrap"], True),
        (["deploy", "stage", "--skip-synth"], True),
        (["deploy", "stage", "--app", "python main.py"], True),
        (["deploy", "stage", "--app=python main.py"], True),
        (["watch", "--auto-approve"], True),
    ],
)
def test_cdktf_refuses_what_would_skip_deploy_sh(args: list[str], refused: bool) -> None:
    if refused:
        with pytest.raises(OpsError) as error:
            cdktf.refuse_unsafe(args)
        assert error.value.code == 3 and "./scripts/" in str(error.value)
    else:
        cdktf.refuse_unsafe(args)


def test_cdktf_refuses_the_cli_options_set_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDKTF_SKIP_SYNTH", "true")
    with pytest.raises(OpsError, match="CDKTF_SKIP_SYNTH"):
        cdktf.refuse_unsafe(["deploy", "stage"])


def _stub_terraform(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A terraform first on the PATH that records every call."""
    calls = tmp_path / "terraform-calls"
    stub = tmp_path / "bin" / "terraform"
    stub.parent.mkdir()
    stub.write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\n[ "$1" = version ] && echo "Terraform v1.11.4" && exit 0\nexit 1\n'
    )
    stub.chmod(0o755)
    return {**os.environ, "PATH": f"{stub.parent}:{os.environ['PATH']}"}, calls


@pytest.mark.parametrize("argument", ["prod/", "PROD", "prod.toml", "bootstrap"])
def test_destroy_sh_refuses_a_bad_name_before_any_terraform_runs(tmp_path: Path, argument: str) -> None:
    env, calls = _stub_terraform(tmp_path)
    env["LOCAL_DIR"] = str(tmp_path / "local")
    result = subprocess.run(
        [str(ROOT / "scripts" / "destroy.sh"), argument, "--local"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert ("did you mean prod?" if argument != "bootstrap" else "reserved") in result.stderr
    assert not calls.exists(), calls.read_text()
    assert not (tmp_path / "local").exists()  # no local AWS was started either


def test_cdktf_sh_refuses_deploying_prod_before_the_cli_runs(tmp_path: Path) -> None:
    env, calls = _stub_terraform(tmp_path)
    result = subprocess.run(
        [str(ROOT / "scripts" / "cdktf.sh"), "deploy", "prod", "--auto-approve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "prod, which is protected; use ./scripts/deploy.sh prod" in result.stderr
    assert not calls.exists()


def test_scripts_keep_their_help(tmp_path: Path) -> None:
    for script, words in (
        ("deploy.sh", "--allow-destroy"),
        ("destroy.sh", "Tears an environment down"),
        ("plan.sh", "--image-tag"),
        ("bootstrap.sh", "--yes"),
        ("local-aws.sh", "--port"),
    ):
        result = subprocess.run([str(ROOT / "scripts" / script), "--help"], capture_output=True, text=True, check=False)
        assert result.returncode == 0 and words in result.stdout, script


def test_a_bad_option_is_a_bad_argument() -> None:
    result = CliRunner().invoke(cli, ["plan", "stage", "--no-such-option"])
    assert result.exit_code == 2


def test_the_guard_check_table_is_unchanged() -> None:
    result = CliRunner().invoke(cli, ["guard", "check", str(PLAN), "--stack", "prod"])
    assert result.exit_code == 3
    assert "--allow-destroy aws_rds_cluster.db" in result.output
    assert json.loads(PLAN.read_text())["resource_changes"]
