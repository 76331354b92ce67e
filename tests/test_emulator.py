"""The project's local AWS (scripts/ops/emulator) through the real AWS provider: one emulator for the module,
a configuration with the resource shapes moto alone cannot apply (valkey user group, parameter group,
replication group, budget subscribers, backup selection) applied, planned again with no change, destroyed;
then AWS's rules (error codes) and the test hooks through boto3."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

FIXTURE = ROOT / "tests" / "fixtures" / "emulator" / "stack"
MIRROR = "/opt/tf-plugins"
PASSWORD = "a-long-enough-password-0123456789"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    log = tmp_path_factory.mktemp("emulator") / "stderr.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.ops.emulator", "--port", "0"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    if not first.startswith("LOCAL_AWS_ENDPOINT=http://127.0.0.1:"):
        process.kill()
        pytest.fail(f"unexpected first line {first!r}: {log.read_text()}")
    state: dict[str, Any] = {"endpoint": first.split("=", 1)[1], "process": process}
    yield state
    process.terminate()
    process.wait(timeout=30)
    process.stdout.close()


@pytest.fixture(scope="module")
def terraform_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("terraform")
    cache = Path(os.environ.get("EMULATOR_TEST_PLUGIN_CACHE", home / "plugins"))
    cache.mkdir(parents=True, exist_ok=True)
    config = home / "terraformrc"
    config.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n'
        f'    include = ["registry.terraform.io/hashicorp/aws"]\n  }}\n}}\nplugin_cache_dir = "{cache}"\n'
    )
    credentials = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}
    return {
        **os.environ,
        **credentials,
        "AWS_DEFAULT_REGION": "us-east-1",
        "TF_CLI_CONFIG_FILE": str(config),
        "TF_IN_AUTOMATION": "1",
    }


def terraform(env: dict[str, str], workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["terraform", f"-chdir={workdir}", *args, "-input=false", "-no-color"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def client(emulator: dict[str, Any], service: str) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=emulator["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def hook(emulator: dict[str, Any], name: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{emulator['endpoint']}/_emulator/{name}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def error_code(call: Any, **kwargs: Any) -> str:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"]


def test_the_stack_applies_plans_clean_and_destroys(
    emulator: dict[str, Any], terraform_env: dict[str, str], tmp_path: Path
) -> None:
    workdir = tmp_path / "stack"
    shutil.copytree(FIXTURE, workdir)
    variables = ("-var", f"endpoint={emulator['endpoint']}")
    init = terraform(terraform_env, workdir, "init")
    assert init.returncode == 0, init.stdout + init.stderr
    apply = terraform(terraform_env, workdir, "apply", "-auto-approve", *variables)
    assert apply.returncode == 0, apply.stdout + apply.stderr
    assert "Resources: 13 added" in apply.stdout
    plan = terraform(terraform_env, workdir, "plan", "-detailed-exitcode", *variables)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout
    members = client(emulator, "elasticache").describe_cache_clusters(CacheClusterId="emu-valkey-002")
    assert members["CacheClusters"][0]["CacheParameterGroup"]["CacheParameterGroupName"] == "emu-valkey8"
    destroy = terraform(terraform_env, workdir, "destroy", "-auto-approve", *variables)
    assert destroy.returncode == 0, destroy.stdout + destroy.stderr
    assert "Resources: 13 destroyed" in destroy.stdout


def make_user(elasticache: Any, user_id: str, user_name: str, **mode: Any) -> None:
    elasticache.create_user(UserId=user_id, UserName=user_name, Engine="redis", AccessString="off ~* -@all", **mode)


def test_user_group_rules_and_their_error_codes(emulator: dict[str, Any]) -> None:
    elasticache = client(emulator, "elasticache")
    password = {"AuthenticationMode": {"Type": "password", "Passwords": [PASSWORD]}}
    make_user(elasticache, "rules-default", "default", **password)
    make_user(elasticache, "rules-open", "default", AuthenticationMode={"Type": "no-password-required"})
    make_user(elasticache, "rules-app", "rules-app", **password)
    create = elasticache.create_user_group
    # A valkey group takes only users that authenticate (password or IAM).
    assert error_code(create, UserGroupId="g1", Engine="valkey", UserIds=["rules-open"]) == "InvalidParameterValue"
    assert error_code(create, UserGroupId="g2", Engine="valkey", UserIds=["rules-app"]) == "DefaultUserRequired"
    assert error_code(create, UserGroupId="g3", Engine="valkey", UserIds=["rules-default", "nobody"]) == "UserNotFound"
    assert (
        error_code(create, UserGroupId="g4", Engine="redis", UserIds=["rules-default", "rules-open"])
        == "DuplicateUserName"
    )
    create(UserGroupId="rules", Engine="valkey", UserIds=["rules-default", "rules-app"])
    assert (
        error_code(create, UserGroupId="rules", Engine="valkey", UserIds=["rules-default"]) == "UserGroupAlreadyExists"
    )
    modify = elasticache.modify_user_group
    assert error_code(modify, UserGroupId="rules", UserIdsToRemove=["rules-default"]) == "DefaultUserRequired"
    assert error_code(modify, UserGroupId="missing", UserIdsToAdd=["rules-app"]) == "UserGroupNotFound"
    user = elasticache.describe_users(UserId="rules-app")["Users"][0]
    assert user["UserGroupIds"] == ["rules"]
    # A redis group takes a no-password default user, as AWS does.
    create(UserGroupId="redis-rules", Engine="redis", UserIds=["rules-open"])


def test_create_and_modify_user_rules(emulator: dict[str, Any]) -> None:
    elasticache = client(emulator, "elasticache")
    create = elasticache.create_user
    base = {"Engine": "valkey", "AccessString": "on ~* +@all"}
    assert (
        error_code(
            create, UserId="v-open", UserName="v-open", AuthenticationMode={"Type": "no-password-required"}, **base
        )
        == "InvalidParameterCombination"
    )
    assert (
        error_code(create, UserId="v-iam", UserName="other", AuthenticationMode={"Type": "iam"}, **base)
        == "InvalidParameterCombination"
    )
    create(UserId="v-pw", UserName="v-pw", AuthenticationMode={"Type": "password", "Passwords": [PASSWORD]}, **base)
    elasticache.modify_user(
        UserId="v-pw",
        AccessString="on ~app:* +@read",
        AuthenticationMode={"Type": "password", "Passwords": [PASSWORD, PASSWORD + "x"]},
    )
    user = elasticache.describe_users(UserId="v-pw")["Users"][0]
    assert user["AccessString"] == "on ~app:* +@read" and user["Authentication"]["PasswordCount"] == 2
    assert (
        error_code(elasticache.modify_user, UserId="v-pw", AuthenticationMode={"Type": "no-password-required"})
        == "InvalidParameterValue"
    )
    assert error_code(elasticache.modify_user, UserId="nobody", AccessString="off") == "UserNotFound"


def test_a_vault_holding_a_recovery_point_cannot_be_deleted(emulator: dict[str, Any]) -> None:
    from botocore.exceptions import ClientError

    backup = client(emulator, "backup")
    backup.create_backup_vault(BackupVaultName="held")
    point = backup.start_backup_job(
        BackupVaultName="held",
        ResourceArn="arn:aws:rds:us-east-1:123456789012:cluster:db",
        IamRoleArn="arn:aws:iam::123456789012:role/backup",
    )["RecoveryPointArn"]
    hooked = hook(emulator, "recovery-point", {"vault": "held"})["RecoveryPointArn"]
    with pytest.raises(ClientError) as caught:
        backup.delete_backup_vault(BackupVaultName="held")
    assert caught.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "contains recovery points" in caught.value.response["Error"]["Message"]
    listed = backup.list_recovery_points_by_backup_vault(BackupVaultName="held")["RecoveryPoints"]
    assert {p["RecoveryPointArn"] for p in listed} == {point, hooked}
    for arn in (point, hooked):
        backup.delete_recovery_point(BackupVaultName="held", RecoveryPointArn=arn)
    backup.delete_backup_vault(BackupVaultName="held")


def test_the_version_hook_changes_what_is_reported(emulator: dict[str, Any]) -> None:
    rds = client(emulator, "rds")
    rds.create_db_cluster(
        DBClusterIdentifier="upgraded",
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="app",
        MasterUserPassword=PASSWORD,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="upgraded-1",
        DBClusterIdentifier="upgraded",
        Engine="aurora-postgresql",
        DBInstanceClass="db.serverless",
    )
    hook(emulator, "set-engine-version", {"service": "rds", "id": "upgraded", "engine_version": "16.6"})
    assert rds.describe_db_clusters(DBClusterIdentifier="upgraded")["DBClusters"][0]["EngineVersion"] == "16.6"
    assert rds.describe_db_instances(DBInstanceIdentifier="upgraded-1")["DBInstances"][0]["EngineVersion"] == "16.6"
    elasticache = client(emulator, "elasticache")
    elasticache.create_replication_group(
        ReplicationGroupId="upgraded",
        ReplicationGroupDescription="hook",
        Engine="valkey",
        EngineVersion="8.0",
        NumCacheClusters=2,
    )
    hook(emulator, "set-engine-version", {"service": "elasticache", "id": "upgraded", "engine_version": "8.1"})
    for member in ("upgraded-001", "upgraded-002"):
        cluster = elasticache.describe_cache_clusters(CacheClusterId=member)["CacheClusters"][0]
        assert cluster["EngineVersion"] == "8.1"


def test_a_non_loopback_host_is_refused() -> None:
    for host in ("0.0.0.0", "10.1.2.3", "example.com"):
        result = subprocess.run(
            [sys.executable, "-m", "scripts.ops.emulator", "--host", host, "--port", "0"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert "loopback" in result.stderr and result.stdout == ""


def test_the_emulator_is_gone_once_stopped(emulator: dict[str, Any]) -> None:
    process: subprocess.Popen[str] = emulator["process"]
    assert process.poll() is None
    process.terminate()
    assert process.wait(timeout=30) == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{emulator['endpoint']}/moto-api/data.json", timeout=5)
