"""Correct on AWS, the state backend and the budget's tag: a state bucket unique to the account that only
its account may own (item 4), S3 lockfile locking alone (the locking decision), and budgets that measure
something because one bootstrap per account activates the cost allocation tag they filter on (item 12)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from click.testing import CliRunner

from bootstrap.stack import BootstrapStack
from main import synthesize
from modules.framework import Testing as CdktfTesting
from modules.settings import ConfigError, load_environments
from modules.settings.backends import cost_tag_warnings
from modules.stack import Stack
from modules.state.backend import StateBackendSettings
from scripts.ops import backends, bucket_owner, flows
from scripts.ops.cli import cli
from scripts.ops.console import OpsError
from tests.config_helpers import set_key
from tests.conftest import ENVIRONMENTS, resources

ACCOUNT = "111111111111"
BUCKET = f"cerberus-tfstate-{ACCOUNT}-us-east-1"
OLD_BUCKET = "cerberus-tfstate-us-east-1"  # the name before the account id
OWNER = "${data.aws_caller_identity.state_account.account_id}"


def with_accounts(environments: Path, activate_in: str | None = None) -> Path:
    """Every environment file names account 111111111111; ``activate_in`` switches the tag on there."""
    for path in sorted(environments.glob("*.toml")):
        if not path.name.startswith("_"):
            set_key(path, "environment", "account_id", f'"{ACCOUNT}"')
    if activate_in:
        set_key(environments / f"{activate_in}.toml", "budget", "activate_cost_allocation_tag", "true")
    return environments


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Stack]]:
    """The shipped environments in account 111111111111, stage activating the tag, synthesized once."""
    root = tmp_path_factory.mktemp("real")
    environments = with_accounts(Path(shutil.copytree(ENVIRONMENTS, root / "environments")), activate_in="stage")
    stacks = synthesize(environments, root / "cdktf.out")
    return root / "cdktf.out", stacks


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Stack]]:
    """The shipped environments (no account_id) in local mode, synthesized once."""
    outdir = tmp_path_factory.mktemp("local") / "cdktf.out"
    return outdir, synthesize(ENVIRONMENTS, outdir, "http://127.0.0.1:4566")


def document(synthesized: tuple[Path, list[Stack]], stack: str) -> dict[str, Any]:
    return json.loads((synthesized[0] / "stacks" / stack / "cdk.tf.json").read_text(encoding="utf-8"))


def warnings(synthesized: tuple[Path, list[Stack]], stack: str) -> list[str]:
    return next(item.warnings for item in synthesized[1] if item.node.id == stack)


# 4. State bucket names unique to the account, owned by it.


@pytest.mark.parametrize("stack", ["stage", "prod"])
def test_the_state_bucket_carries_the_account_id_and_the_backend_refuses_other_accounts(real, stack: str) -> None:
    backend = document(real, stack)["terraform"]["backend"]["s3"]
    assert backend["bucket"] == BUCKET and backend["allowed_account_ids"] == [ACCOUNT]
    assert resources(document(real, "bootstrap"), "aws_s3_bucket")["state_bucket"]["bucket"] == BUCKET


@pytest.mark.parametrize("stack", ["stage", "prod"])
def test_without_account_id_the_backend_names_no_bucket_that_anyone_could_own(stack_json, outdir, stack) -> None:
    assert "bucket" not in stack_json(stack)["terraform"]["backend"]["s3"]
    hcl = (outdir / "stacks" / stack / "backend.hcl").read_text(encoding="utf-8")
    assert "No bucket: set account_id under [environment]" in hcl and OLD_BUCKET not in hcl


def test_local_mode_runs_without_account_id(local) -> None:
    for stack in ("stage", "prod"):
        assert document(local, stack)["terraform"]["backend"]["s3"]["bucket"] == OLD_BUCKET
    flows.refuse_state_moves(local=True, name="stage")  # no account needed, nothing refused


def test_local_mode_pins_no_account_the_emulator_does_not_have() -> None:
    stack = BootstrapStack(
        CdktfTesting.app(), "bootstrap", local_endpoint="http://127.0.0.1:4566",
        settings=StateBackendSettings(project="cerberus", region="us-east-1", account_id=ACCOUNT),
    )  # fmt: skip
    provider = json.loads(CdktfTesting.synth(stack))["provider"]["aws"][0]
    assert "allowed_account_ids" not in provider  # the emulator answers as its own account, whatever the file says


def test_every_bucket_setting_names_the_account_that_must_own_the_bucket(real) -> None:
    bootstrap = document(real, "bootstrap")
    for kind in ("aws_s3_bucket_versioning", "aws_s3_bucket_server_side_encryption_configuration",
                 "aws_s3_bucket_lifecycle_configuration", "aws_s3_bucket_logging"):  # fmt: skip
        settings = resources(bootstrap, kind)
        assert settings and all(body["expected_bucket_owner"] == OWNER for body in settings.values()), kind


@pytest.mark.parametrize(
    "args", [["bootstrap"], ["plan", "stage"], ["deploy", "stage"], ["destroy", "stage"], ["cdktf", "diff", "stage"]]
)
def test_a_command_against_aws_without_account_id_is_refused_with_file_key_and_fix(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def nothing(*_: object, **__: object) -> None:
        raise AssertionError("nothing may run without the account")

    monkeypatch.setattr(backends, "ROOT", tmp_path)  # a fresh clone: nothing bootstrapped
    monkeypatch.setattr(flows, "open_session", nothing)
    monkeypatch.delenv("LOCAL_AWS_ENDPOINT", raising=False)  # set, it would point cdktf.sh at a local AWS
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "error: environments/stage.toml: environment.account_id: not set: a deploy to AWS needs it" in result.output
    assert 'set account_id = "<12 digits>" under [environment]' in result.output
    assert "cerberus-tfstate-<account_id>-us-east-1" in result.output


@pytest.fixture
def moto_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto in this process, as the local AWS runs it (the project's additions installed), account
    123456789012, and a client for a second account that took a bucket name first."""
    from moto import mock_aws

    from scripts.ops.emulator import additions

    for variable in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(variable)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        additions.install()
        session = botocore.session.get_session()
        sts = session.create_client("sts", region_name="us-east-1")
        credentials = sts.assume_role(RoleArn="arn:aws:iam::999999999999:role/squatter", RoleSessionName="squatter")
        keys = credentials["Credentials"]
        yield session.create_client(
            "s3", region_name="us-east-1", aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"], aws_session_token=keys["SessionToken"],
        )  # fmt: skip


def test_the_owner_check_refuses_a_bucket_another_account_owns(moto_account) -> None:
    mine, taken = "cerberus-tfstate-123456789012-us-east-1", "cerberus-tfstate-123456789012-eu-west-1"
    botocore.session.get_session().create_client("s3", region_name="us-east-1").create_bucket(Bucket=mine)
    moto_account.create_bucket(Bucket=taken)  # the second account took the name first
    bucket_owner.check_state_bucket(mine, "us-east-1", "123456789012")
    with pytest.raises(OpsError, match=f"s3://{taken} .* is not owned by account 123456789012") as refused:
        bucket_owner.check_state_bucket(taken, "us-east-1", "123456789012")
    assert refused.value.code == 3
    with pytest.raises(OpsError, match="does not exist: create the state backend first"):
        bucket_owner.check_state_bucket("cerberus-tfstate-123456789012-us-west-2", "us-east-1", "123456789012")
    with pytest.raises(OpsError, match="credentials are for account 123456789012, the environment files name 1111"):
        bucket_owner.check_state_bucket(mine, "us-east-1", ACCOUNT)


def test_no_terraform_init_against_aws_before_s3_says_who_owns_the_bucket(
    accounts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = tmp_path / "cdktf.out" / "stacks" / "stage"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text("{}")
    asked = []

    def squatted(bucket: str, region: str, account_id: str) -> None:
        asked.append((bucket, region, account_id))
        raise OpsError("refusing: not owned", 3)

    def terraform(*_: object, **__: object) -> int:
        raise AssertionError("terraform init ran before the owner check")

    monkeypatch.setattr(bucket_owner, "check_state_bucket", squatted)
    monkeypatch.setattr(flows, "terraform", terraform)
    session = flows.Session(False, dict(os.environ), tmp_path / "cdktf.out", tmp_path)
    with pytest.raises(OpsError, match="not owned"):
        flows.make_plan(session, "stage", [])
    assert asked == [(BUCKET, "us-east-1", ACCOUNT)]


def test_an_error_inside_the_owner_check_refuses_naming_the_check(
    accounts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only S3's answers: anything that goes wrong while asking refuses, and terraform init never runs."""
    stack = tmp_path / "cdktf.out" / "stacks" / "stage"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text("{}")

    def broken(*_: object, **__: object) -> None:
        raise KeyError("Owner")

    def terraform(*_: object, **__: object) -> int:
        raise AssertionError("terraform init ran after the owner check failed")

    monkeypatch.setattr(bucket_owner, "check_state_bucket", broken)
    monkeypatch.setattr(flows, "terraform", terraform)
    session = flows.Session(False, dict(os.environ), tmp_path / "cdktf.out", tmp_path)
    with pytest.raises(OpsError, match="safety check 'does stage's account own its state bucket\\?' failed.*KeyError"):
        flows.make_plan(session, "stage", [])


def bootstrapped(root: Path, bucket: str | None) -> None:
    """A bootstrap state as terraform writes it (what the check reads): the state bucket, or none."""
    (root / "bootstrap").mkdir(parents=True, exist_ok=True)
    resource = {"type": "aws_s3_bucket", "name": "state_bucket", "instances": [{"attributes": {"bucket": bucket}}]}
    state = {"version": 4, "resources": [resource] if bucket else []}
    (root / "bootstrap" / "terraform.tfstate").write_text(json.dumps(state), encoding="utf-8")


def test_state_in_the_bucket_named_without_the_account_moves_on_purpose_step_by_step(
    tmp_path: Path, environments: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENTS_DIR", str(environments))
    monkeypatch.setattr(backends, "ROOT", tmp_path)
    bootstrapped(tmp_path, OLD_BUCKET)
    backends.record_deploy("stage")  # deployed before the account id was required
    with_accounts(environments)
    with pytest.raises(OpsError) as refused:
        backends.refuse_state_moves(environments=False)  # what bootstrap checks
    message = str(refused.value)
    assert f"holds the state backend {OLD_BUCKET}, named before state buckets carried the account id" in message
    stack = "terraform -chdir=cdktf.out/stacks/bootstrap"
    assert f"{stack} state list | grep '^aws_s3_bucket' | xargs {stack} state rm && ./scripts/bootstrap.sh" in message
    bootstrapped(tmp_path, None)  # the old buckets forgotten by the bootstrap state, as the message says
    backends.refuse_state_moves(environments=False)  # bootstrap may now create the account-unique bucket
    with pytest.raises(OpsError) as moving:
        backends.refuse_state_moves()  # plan and deploy: the environment's own state moves next
    assert f"-backend-config=bucket={OLD_BUCKET}" in str(moving.value) and "init -migrate-state" in str(moving.value)


def test_a_record_from_before_s3_lockfiles_moves_no_state(
    tmp_path: Path, accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backends, "ROOT", tmp_path)
    backends.record_deploy("stage")
    record = json.loads((tmp_path / "bootstrap" / "backends.json").read_text(encoding="utf-8"))
    record["environments"]["stage"]["dynamodb_table"] = "cerberus-tfstate-lock"  # as older records hold it
    (tmp_path / "bootstrap" / "backends.json").write_text(json.dumps(record), encoding="utf-8")
    backends.refuse_state_moves()


# Locking: S3 lockfiles alone, Terraform >= 1.10 everywhere.


@pytest.mark.parametrize("stack", ["bootstrap", "stage", "prod"])
def test_every_stack_requires_the_terraform_that_s3_lockfiles_need(outdir: Path, stack: str) -> None:
    # In versions.tf beside cdk.tf.json: checkov's terraform_json parser stops at a plain value in the
    # JSON terraform block. Terraform reads both files (the gate's terraform validate included).
    versions = (outdir / "stacks" / stack / "versions.tf").read_text(encoding="utf-8")
    assert 'terraform {\n  required_version = ">= 1.10"' in versions


@pytest.mark.parametrize("stack", ["stage", "prod"])
def test_environments_lock_with_s3_lockfiles_alone(real, stack: str) -> None:
    backend = document(real, stack)["terraform"]["backend"]["s3"]
    assert backend["use_lockfile"] is True and "dynamodb_table" not in backend


# 12. Budgets on a cost allocation tag that one bootstrap per account activates.


def test_one_bootstrap_per_account_activates_the_tag_the_budgets_filter_on(real) -> None:
    (tag,) = resources(document(real, "bootstrap"), "aws_ce_cost_allocation_tag").values()
    assert (tag["tag_key"], tag["status"]) == ("environment", "Active")
    for stack in ("stage", "prod"):
        (budget,) = resources(document(real, stack), "aws_budgets_budget").values()
        assert budget["cost_filter"] == [{"name": "TagKeyValue", "values": [f"user:{tag['tag_key']}${stack}"]}]
        assert not [line for line in warnings(real, stack) if "cost allocation tag" in line]


def test_the_tag_is_not_activated_by_default_and_synthesis_says_the_budgets_measure_nothing(stack_json, local) -> None:
    assert not resources(stack_json("bootstrap"), "aws_ce_cost_allocation_tag")
    for stack in ("stage", "prod"):
        (line,) = [line for line in warnings(local, stack) if "budget.filter_by_environment_tag" in line]
        assert line.startswith(f"environments/{stack}.toml: budget.filter_by_environment_tag: the budget counts only")
        assert "activate_cost_allocation_tag = true" in line and "payer account" in line


def test_local_mode_leaves_the_activation_out(tmp_path: Path) -> None:
    settings = StateBackendSettings(
        project="cerberus", region="us-east-1", account_id=ACCOUNT, activate_cost_allocation_tag=True
    )
    stack = BootstrapStack(CdktfTesting.app(), "bootstrap", local_endpoint="http://127.0.0.1:4566", settings=settings)
    assert "aws_ce_cost_allocation_tag" not in json.loads(CdktfTesting.synth(stack))["resource"]
    assert any("not activated in local mode" in line for line in stack.warnings)


def test_the_switch_needs_the_account_and_belongs_to_one_environment_per_account(
    environments: Path, tmp_path: Path
) -> None:
    set_key(environments / "stage.toml", "budget", "activate_cost_allocation_tag", "true")
    with pytest.raises(
        ConfigError, match=r"stage.toml: budget.activate_cost_allocation_tag = true: expected environment.account_id"
    ):
        synthesize(environments, tmp_path / "cdktf.out")
    with_accounts(environments, activate_in="prod")
    with pytest.raises(ConfigError, match="stage.toml: .*expected it in one environment per account: prod activates"):
        synthesize(environments, tmp_path / "cdktf.out")
    assert not (tmp_path / "cdktf.out").exists()


def test_a_budget_in_an_account_nobody_activates_is_warned_about(environments: Path) -> None:
    with_accounts(environments, activate_in="stage")
    set_key(environments / "prod.toml", "environment", "account_id", '"222222222222"')
    assert sorted(cost_tag_warnings(load_environments(environments))) == ["prod"]
    set_key(environments / "prod.toml", "budget", "filter_by_environment_tag", "false")  # counts the whole account
    assert cost_tag_warnings(load_environments(environments)) == {}


@pytest.mark.slow
def test_an_earlier_bootstraps_lock_table_is_forgotten_and_stays(
    outdir: Path, shared_local_aws: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the local AWS: a deletion-protected lock table at the old address, then the bootstrap's
    versions.tf without the table: the plan forgets it (the guard accepts), the table stays in AWS."""
    from modules.local_aws import provider_settings
    from scripts.ops import guard, plan_scan

    endpoint = shared_local_aws["LOCAL_AWS_ENDPOINT"]
    env = {**shared_local_aws, "TF_CLI_CONFIG_FILE": str(tmp_path / "cli.tfrc"), "TF_IN_AUTOMATION": "1"}
    (tmp_path / "cli.tfrc").write_text(
        'provider_installation {\n  filesystem_mirror {\n    path = "/opt/tf-plugins"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n'
    )
    table = {"name": "legacy-tfstate-lock", "billing_mode": "PAY_PER_REQUEST", "hash_key": "LockID",
             "attribute": [{"name": "LockID", "type": "S"}], "deletion_protection_enabled": True}  # fmt: skip
    provider = {"aws": [{"region": "us-east-1", **provider_settings(endpoint)}]}
    config = {"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}}},
              "provider": provider, "resource": {"aws_dynamodb_table": {"state_lock": table}}}  # fmt: skip
    (tmp_path / "main.tf.json").write_text(json.dumps(config))

    def terraform(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["terraform", f"-chdir={tmp_path}", *args, "-no-color"], env=env,
                              capture_output=True, text=True, check=False)  # fmt: skip

    assert terraform("init", "-input=false").returncode == 0
    assert terraform("apply", "-auto-approve", "-input=false").returncode == 0
    del config["resource"]
    (tmp_path / "main.tf.json").write_text(json.dumps(config))
    shutil.copy(outdir / "stacks" / "bootstrap" / "versions.tf", tmp_path / "versions.tf")
    assert terraform("plan", "-input=false", "-out=forget.tfplan").returncode == 0
    (tmp_path / "plan.json").write_text(terraform("show", "-json", "forget.tfplan").stdout)
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert [(c["address"], c["change"]["actions"]) for c in plan["resource_changes"]] == [
        ("aws_dynamodb_table.state_lock", ["forget"])
    ]
    assert guard.check(tmp_path / "plan.json", "bootstrap", True, ())  # nothing stateful destroyed
    plan_scan.print_summary("bootstrap", plan)
    assert "no longer managed, left in AWS: aws_dynamodb_table.state_lock" in capsys.readouterr().out
    assert terraform("apply", "-input=false", "forget.tfplan").returncode == 0
    dynamodb = botocore.session.get_session().create_client(
        "dynamodb", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="test",
        aws_secret_access_key="test",
    )  # fmt: skip
    assert dynamodb.describe_table(TableName="legacy-tfstate-lock")["Table"]["DeletionProtectionEnabled"] is True
    assert terraform("plan", "-input=false", "-detailed-exitcode").returncode == 0  # nothing left to do
