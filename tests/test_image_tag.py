"""The image tag given on the command line (deploy.sh <env> <tag>, plan.sh --image-tag, hence -var
image_tag=) follows [app] image_tag's rule, modules.settings.app.image_tag_problem: refused with exit 2
before anything runs. The stack's image_tag variable carries the same rule, so a hand-run
`terraform plan -var image_tag='$(x)'` is refused too."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from modules.settings import ConfigError, load_environment
from modules.settings.app import IMAGE_TAG, image_tag_problem
from scripts.ops import flows
from scripts.ops.cli import cli
from scripts.ops.environments import BadEnvironmentError, parse_image_tag
from tests.config_helpers import set_key
from tests.conftest import ROOT
from tests.test_ops import _stub_terraform

GOOD = ["v1.2.3", "latest", "_x", "1", "a" * 128, "release_2024.01-rc.1", "V1.2.3-ALPHA"]
BAD = ["$(x)", "", ".hidden", "-rf", "a" * 129, "v1 2", "v1;rm", "v1/2", "tag\n", "ünïcode", "v1:2", "`id`", "a\x00"]


@pytest.mark.parametrize("tag", GOOD)
def test_a_valid_tag_is_accepted_on_the_command_line_and_in_the_file(tag: str, environments: Path) -> None:
    assert parse_image_tag(tag) == tag
    set_key(environments / "stage.toml", "app", "image_tag", json.dumps(tag))
    assert load_environment(environments / "stage.toml").app.image_tag == tag


@pytest.mark.parametrize("tag", BAD)
def test_a_bad_tag_is_refused_on_the_command_line_and_in_the_file_by_the_same_rule(
    tag: str, environments: Path
) -> None:
    problem = image_tag_problem(tag)
    assert problem
    with pytest.raises(BadEnvironmentError) as refused:
        parse_image_tag(tag)
    assert refused.value.code == 2 and problem in str(refused.value)
    set_key(environments / "stage.toml", "app", "image_tag", json.dumps(tag))
    with pytest.raises(ConfigError, match="app.image_tag"):
        load_environment(environments / "stage.toml")


def _nothing_may_run(*args: object, **kwargs: object) -> None:
    raise AssertionError("nothing may run after a refused image tag")


@pytest.mark.parametrize(
    "args", [["deploy", "stage", "$(x)", "--local"], ["plan", "stage", "--image-tag", ".x"], ["deploy", "prod", ""]]
)
def test_the_cli_refuses_a_bad_tag_with_exit_2_before_anything_runs(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flows, "open_session", _nothing_may_run)
    monkeypatch.setattr(flows, "is_protected", _nothing_may_run)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "image tag" in result.output and "a Docker tag" in result.output


def test_the_flows_refuse_a_bad_tag_whoever_calls_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flows, "open_session", _nothing_may_run)
    monkeypatch.setattr(flows, "is_protected", _nothing_may_run)
    for call in (lambda: flows.deploy("stage", "$(x)", True, True, ()), lambda: flows.plan("stage", True, "-x", ())):
        with pytest.raises(BadEnvironmentError):
            call()


def test_deploy_sh_refuses_a_bad_tag_before_any_terraform_or_local_aws(tmp_path: Path) -> None:
    env, calls = _stub_terraform(tmp_path)
    env["LOCAL_DIR"] = str(tmp_path / "local")
    result = subprocess.run(
        [str(ROOT / "scripts" / "deploy.sh"), "stage", "v1;rm -rf /", "--local", "--yes"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "image tag 'v1;rm -rf /'" in result.stderr
    assert not calls.exists() and not (tmp_path / "local").exists()


def test_the_image_tag_variable_validates_with_the_same_pattern(stack_json) -> None:
    for stack in ("stage", "prod"):
        (validation,) = stack_json(stack)["variable"]["image_tag"]["validation"]
        assert validation["condition"] == f'${{can(regex("^{IMAGE_TAG}$", var.image_tag))}}'


def test_terraform_evaluates_the_variable_condition_as_python_does(stack_json, tmp_path: Path) -> None:
    """The condition is RE2 in Terraform: evaluated by terraform console for every tag above."""
    (validation,) = stack_json("stage")["variable"]["image_tag"]["validation"]
    expression = validation["condition"].removeprefix("${").removesuffix("}")
    each = ", ".join(expression.replace("var.image_tag", json.dumps(tag)) for tag in GOOD + BAD)
    result = subprocess.run(
        ["terraform", f"-chdir={tmp_path}", "console"], input=f"jsonencode([{each}])\n", capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(json.loads(result.stdout)) == [True] * len(GOOD) + [False] * len(BAD)
