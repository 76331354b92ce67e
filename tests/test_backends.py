"""State backends: no silent state moves (scripts/ops/backends.py), account_id set on all or none of
a project's environments in one region, and the bootstrap stack tagged only with what all of its
environments share (modules/settings/backends.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from main import synthesize
from modules.settings import ConfigError, load_environments
from modules.settings.backends import shared_tags
from scripts.ops import backends, flows
from scripts.ops.cli import cli
from scripts.ops.console import OpsError
from tests.config_helpers import set_key


def names(environments: Path) -> list[str]:
    return [config.name for config in load_environments(environments)]


def add_environment(environments: Path, name: str, region: str) -> None:
    text = (environments / "stage.toml").read_text(encoding="utf-8").replace('name = "stage"', f'name = "{name}"')
    (environments / f"{name}.toml").write_text(text, encoding="utf-8")
    set_key(environments / f"{name}.toml", "environment", "region", json.dumps(region))


def bootstrap_state(root: Path, file: str, bucket: str) -> Path:
    """A local bootstrap state as terraform writes it (only what the check reads)."""
    path = root / "bootstrap" / file
    path.parent.mkdir(parents=True, exist_ok=True)
    resource = {"type": "aws_s3_bucket", "name": "state_bucket", "instances": [{"attributes": {"bucket": bucket}}]}
    path.write_text(json.dumps({"version": 4, "resources": [resource]}), encoding="utf-8")
    return path


@pytest.fixture
def checkout(environments: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout whose shipped environments were bootstrapped (one backend, bootstrap/terraform.tfstate)."""
    monkeypatch.setenv("ENVIRONMENTS_DIR", str(environments))
    monkeypatch.setattr(backends, "ROOT", tmp_path)
    bootstrap_state(tmp_path, "terraform.tfstate", "cerberus-tfstate-us-east-1")
    return tmp_path


def test_a_fresh_clone_has_nothing_to_compare(environments: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ENVIRONMENTS_DIR", str(environments))
    add_environment(environments, "eu", "eu-west-1")
    assert backends.state_moves(tmp_path) == []


def test_the_bootstrapped_layout_unchanged_moves_nothing(checkout: Path) -> None:
    backends.refuse_state_moves()


def test_a_second_region_renames_the_bootstrap_stack_and_is_refused_with_the_mv(
    checkout: Path, environments: Path
) -> None:
    add_environment(environments, "eu", "eu-west-1")
    with pytest.raises(OpsError) as refused:
        backends.refuse_state_moves()
    assert refused.value.code == 3
    assert "mv bootstrap/terraform.tfstate bootstrap/bootstrap-cerberus-us-east-1.tfstate" in str(refused.value)
    (checkout / "bootstrap" / "terraform.tfstate").rename(
        checkout / "bootstrap" / "bootstrap-cerberus-us-east-1.tfstate"
    )
    backends.refuse_state_moves()  # moved on purpose: nothing left to say


def test_a_second_account_renames_it_too(checkout: Path, environments: Path) -> None:
    for name in names(environments):
        set_key(environments / f"{name}.toml", "environment", "account_id", '"111111111111"')
    with pytest.raises(OpsError, match="named before state buckets carried the account id"):  # renamed
        backends.refuse_state_moves()
    set_key(environments / "prod.toml", "environment", "account_id", '"222222222222"')
    with pytest.raises(OpsError, match="stack bootstrap-cerberus-111111111111-us-east-1.* or "):
        backends.refuse_state_moves()


def test_every_command_that_reaches_aws_refuses_before_anything_runs(
    checkout: Path, environments: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_environment(environments, "eu", "eu-west-1")

    def nothing(*args: object, **kwargs: object) -> None:
        raise AssertionError("nothing may run before the state-move check")

    monkeypatch.setattr(flows, "open_session", nothing)
    for args in (["bootstrap"], ["plan", "stage"], ["deploy", "stage"], ["destroy", "stage"], ["cdktf", "diff"],
                 ["backends"]):  # fmt: skip
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 3, (args, result.output)
        assert "mv bootstrap/terraform.tfstate" in result.output, args


def test_a_deployed_environment_whose_backend_changes_is_refused_with_migrate_state(
    checkout: Path, environments: Path
) -> None:
    backends.record_deploy("stage")
    set_key(environments / "stage.toml", "environment", "region", '"eu-west-1"')
    set_key(environments / "prod.toml", "environment", "region", '"eu-west-1"')
    with pytest.raises(OpsError) as refused:
        backends.refuse_state_moves()
    message = str(refused.value)
    assert "stage was deployed with its state in s3://cerberus-tfstate-us-east-1/stage/terraform.tfstate" in message
    assert "init -migrate-state" in message and "-backend-config=bucket=cerberus-tfstate-us-east-1" in message
    (checkout / "bootstrap" / "terraform.tfstate").unlink()  # the old backend's stack retired by hand
    backends.accept_current()  # after the move on purpose
    backends.refuse_state_moves()
    assert json.loads((checkout / "bootstrap" / "backends.json").read_text())["environments"]["stage"]["region"] == (
        "eu-west-1"
    )


def test_bootstrap_records_its_stacks(checkout: Path) -> None:
    backends.record_bootstrap()
    record = json.loads((checkout / "bootstrap" / "backends.json").read_text())
    assert record["bootstrap_stacks"] == {
        "bootstrap": {
            "bucket": "cerberus-tfstate-us-east-1",
            "region": "us-east-1",
            "state": "bootstrap/terraform.tfstate",
        }
    }


def test_account_id_on_only_some_environments_of_one_region_is_refused(environments: Path, tmp_path: Path) -> None:
    set_key(environments / "prod.toml", "environment", "account_id", '"222222222222"')
    with pytest.raises(ConfigError) as refused:
        synthesize(environments, tmp_path / "cdktf.out")
    without = [name for name in names_of_files(environments) if name != "prod"]
    assert len(refused.value.problems) == len(without)
    for problem, name in zip(refused.value.problems, without, strict=True):
        assert problem.startswith(f"environments/{name}.toml: environment.account_id: expected it set, as in prod")
    assert not (tmp_path / "cdktf.out").exists()


def names_of_files(environments: Path) -> list[str]:
    return sorted(path.stem for path in environments.glob("*.toml") if not path.name.startswith("_"))


def test_the_state_backend_gets_only_the_tags_all_its_environments_share(environments: Path, tmp_path: Path) -> None:
    for name in names_of_files(environments):
        set_key(environments / f"{name}.toml", "environment", "tags", '{ team = "platform", tier = "' + name + '" }')
    set_key(environments / "prod.toml", "environment", "tags", '{ team = "platform", cost-center = "prod-1234" }')
    synthesize(environments, tmp_path / "cdktf.out")
    bootstrap = json.loads((tmp_path / "cdktf.out" / "stacks" / "bootstrap" / "cdk.tf.json").read_text())
    tags = bootstrap["provider"]["aws"][0]["default_tags"][0]["tags"]
    assert tags == {"team": "platform", "project": "cerberus", "managed-by": "cdktf", "stack": "bootstrap"}
    prod = json.loads((tmp_path / "cdktf.out" / "stacks" / "prod" / "cdk.tf.json").read_text())
    assert prod["provider"]["aws"][0]["default_tags"][0]["tags"]["cost-center"] == "prod-1234"


def test_shared_tags_keep_only_equal_pairs() -> None:
    assert shared_tags([{"a": "1", "b": "2"}, {"a": "1", "b": "3"}, {"a": "1"}]) == {"a": "1"}
    assert shared_tags([{"a": "1"}]) == {"a": "1"} and shared_tags([]) == {}
