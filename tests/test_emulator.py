"""The project's local AWS (scripts/ops/emulator) through the real AWS provider: one emulator for the module,
a configuration with the resource shapes moto alone cannot apply (valkey user group, parameter group,
replication group, cache subnet group, budget subscribers, backup selection) or reads back otherwise than it
was written (backup tags, security group rule descriptions, Aurora's engine_lifecycle_support and Performance
Insights) applied, planned again with no change, destroyed; then AWS's rules (error codes), what moto did not
keep, and the test hooks through boto3."""

from __future__ import annotations

import json
import os
import re
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
    assert "Resources: 20 added" in apply.stdout
    # The instance's CA is AWS's default: no modify and reboot, each waited on, after the create.
    assert "aws_rds_cluster_instance.db: Modifying" not in apply.stdout
    plan = terraform(terraform_env, workdir, "plan", "-detailed-exitcode", *variables)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout
    members = client(emulator, "elasticache").describe_cache_clusters(CacheClusterId="emu-valkey-002")
    assert members["CacheClusters"][0]["CacheParameterGroup"]["CacheParameterGroupName"] == "emu-valkey8"
    destroy = terraform(terraform_env, workdir, "destroy", "-auto-approve", *variables)
    assert destroy.returncode == 0, destroy.stdout + destroy.stderr
    assert "Resources: 20 destroyed" in destroy.stdout


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


def test_a_cache_subnet_group_is_modified_and_deleted_once_unused(emulator: dict[str, Any]) -> None:
    ec2, elasticache = client(emulator, "ec2"), client(emulator, "elasticache")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{n}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]
        for n, zone in ((1, "a"), (2, "b"), (3, "c"))
    ]
    ids = [subnet["SubnetId"] for subnet in subnets]
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName="subnets", CacheSubnetGroupDescription="first", SubnetIds=ids[:2]
    )
    modified = elasticache.modify_cache_subnet_group(
        CacheSubnetGroupName="subnets", CacheSubnetGroupDescription="second", SubnetIds=ids[1:]
    )["CacheSubnetGroup"]
    assert modified["CacheSubnetGroupDescription"] == "second" and modified["VpcId"] == vpc
    group = elasticache.describe_cache_subnet_groups(CacheSubnetGroupName="subnets")["CacheSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == sorted(ids[1:])
    elasticache.create_replication_group(
        ReplicationGroupId="in-subnets", ReplicationGroupDescription="uses the group", CacheSubnetGroupName="subnets"
    )
    delete = elasticache.delete_cache_subnet_group
    assert error_code(delete, CacheSubnetGroupName="subnets") == "CacheSubnetGroupInUse"
    elasticache.delete_replication_group(ReplicationGroupId="in-subnets")
    delete(CacheSubnetGroupName="subnets")
    describe = elasticache.describe_cache_subnet_groups
    assert error_code(describe, CacheSubnetGroupName="subnets") == "CacheSubnetGroupNotFoundFault"
    assert error_code(delete, CacheSubnetGroupName="subnets") == "CacheSubnetGroupNotFoundFault"


def test_a_final_snapshot_name_an_earlier_delete_took_is_refused(emulator: dict[str, Any]) -> None:
    elasticache = client(emulator, "elasticache")
    for attempt in (1, 2):
        elasticache.create_replication_group(ReplicationGroupId="snapped", ReplicationGroupDescription=f"try {attempt}")
        delete = elasticache.delete_replication_group
        if attempt == 1:
            delete(ReplicationGroupId="snapped", FinalSnapshotIdentifier="snapped-final")
        else:
            assert error_code(delete, ReplicationGroupId="snapped", FinalSnapshotIdentifier="snapped-final") == (
                "SnapshotAlreadyExistsFault"
            )
            delete(ReplicationGroupId="snapped", FinalSnapshotIdentifier="snapped-final-2")
    names = [item["SnapshotName"] for item in elasticache.describe_snapshots()["Snapshots"]]
    assert sorted(name for name in names if name.startswith("snapped-")) == ["snapped-final", "snapped-final-2"]


def test_a_deleted_backup_plans_name_can_be_used_again(emulator: dict[str, Any]) -> None:
    backup = client(emulator, "backup")
    plan = {"BackupPlanName": "again", "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "Default"}]}
    first = backup.create_backup_plan(BackupPlan=plan)["BackupPlanId"]
    assert error_code(backup.create_backup_plan, BackupPlan=plan) == "AlreadyExistsException"
    backup.delete_backup_plan(BackupPlanId=first)
    second = backup.create_backup_plan(BackupPlan=plan)["BackupPlanId"]
    assert second != first and backup.get_backup_plan(BackupPlanId=first)["DeletionDate"]


def signed_get(emulator: dict[str, Any], service: str, path: str) -> dict[str, Any]:
    """A GET as the Go SDK sends it (no trailing slash); moto routes on the signature's service."""
    scope = f"test/20260101/us-east-1/{service}/aws4_request"
    request = urllib.request.Request(
        f"{emulator['endpoint']}{path}",
        headers={"Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_backup_tags_given_at_create_are_listed(emulator: dict[str, Any]) -> None:
    backup = client(emulator, "backup")
    vault = backup.create_backup_vault(BackupVaultName="tagged", BackupVaultTags={"project": "emu"})
    plan = backup.create_backup_plan(
        BackupPlan={"BackupPlanName": "tagged", "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "tagged"}]},
        BackupPlanTags={"environment": "test"},
    )
    for arn, tags in ((vault["BackupVaultArn"], {"project": "emu"}), (plan["BackupPlanArn"], {"environment": "test"})):
        assert backup.list_tags(ResourceArn=arn)["Tags"] == tags
        assert signed_get(emulator, "backup", f"/tags/{arn}")["Tags"] == tags
    backup.delete_backup_plan(BackupPlanId=plan["BackupPlanId"])
    backup.delete_backup_vault(BackupVaultName="tagged")
    again = backup.create_backup_vault(BackupVaultName="tagged")
    assert backup.list_tags(ResourceArn=again["BackupVaultArn"])["Tags"] == {}
    backup.delete_backup_vault(BackupVaultName="tagged")


def test_aurora_reads_back_lifecycle_support_and_performance_insights(emulator: dict[str, Any]) -> None:
    rds = client(emulator, "rds")
    rds.create_db_cluster(
        DBClusterIdentifier="insights",
        Engine="aurora-postgresql",
        EngineVersion="16.6",
        MasterUsername="app",
        MasterUserPassword=PASSWORD,
        EngineLifecycleSupport="open-source-rds-extended-support-disabled",
        ServerlessV2ScalingConfiguration={"MinCapacity": 0, "MaxCapacity": 2},
    )
    key = "arn:aws:kms:us-east-1:123456789012:key/insights"
    rds.create_db_instance(
        DBInstanceIdentifier="insights-1",
        DBClusterIdentifier="insights",
        Engine="aurora-postgresql",
        DBInstanceClass="db.serverless",
        EnablePerformanceInsights=True,
        PerformanceInsightsKMSKeyId=key,
    )
    cluster = rds.describe_db_clusters(DBClusterIdentifier="insights")["DBClusters"][0]
    assert cluster["EngineLifecycleSupport"] == "open-source-rds-extended-support-disabled"
    assert "ScalingConfigurationInfo" not in cluster  # serverless v1 only
    instance = rds.describe_db_instances(DBInstanceIdentifier="insights-1")["DBInstances"][0]
    assert instance["EngineLifecycleSupport"] == "open-source-rds-extended-support-disabled"
    assert instance["PerformanceInsightsEnabled"] is True
    assert instance["PerformanceInsightsKMSKeyId"] == key
    assert instance["PerformanceInsightsRetentionPeriod"] == 7  # AWS's default
    assert instance["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"
    rds.modify_db_instance(
        DBInstanceIdentifier="insights-1", EnablePerformanceInsights=True, PerformanceInsightsRetentionPeriod=31
    )
    assert (
        rds.describe_db_instances(DBInstanceIdentifier="insights-1")["DBInstances"][0][
            "PerformanceInsightsRetentionPeriod"
        ]
        == 31
    )
    rds.modify_db_instance(DBInstanceIdentifier="insights-1", EnablePerformanceInsights=False)
    instance = rds.describe_db_instances(DBInstanceIdentifier="insights-1")["DBInstances"][0]
    assert instance["PerformanceInsightsEnabled"] is False and "PerformanceInsightsKMSKeyId" not in instance
    rds.create_db_cluster(
        DBClusterIdentifier="defaulted", Engine="aurora-postgresql", MasterUsername="app", MasterUserPassword=PASSWORD
    )
    defaulted = rds.describe_db_clusters(DBClusterIdentifier="defaulted")["DBClusters"][0]
    assert defaulted["EngineLifecycleSupport"] == "open-source-rds-extended-support"


def test_a_serverless_v2_cluster_keeps_its_data_api_endpoint_and_the_data_api_accepts_sql(
    emulator: dict[str, Any],
) -> None:
    """AWS's Data API serves Aurora Serverless v2 and provisioned clusters: the HTTP endpoint asked for at
    creation is reported back (moto alone reports false, a diff on every plan). The Data API takes the SQL
    of the deploy's database-user step; it runs none (tests/test_database_user.py runs it on PostgreSQL)."""
    rds = client(emulator, "rds")
    created = rds.create_db_cluster(
        DBClusterIdentifier="data-api",
        Engine="aurora-postgresql",
        EngineVersion="16.6",
        MasterUsername="master",
        ManageMasterUserPassword=True,
        EnableHttpEndpoint=True,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0, "MaxCapacity": 2},
    )["DBCluster"]
    assert rds.describe_db_clusters(DBClusterIdentifier="data-api")["DBClusters"][0]["HttpEndpointEnabled"] is True
    rds.create_db_cluster(
        DBClusterIdentifier="no-data-api", Engine="aurora-postgresql", MasterUsername="m", MasterUserPassword=PASSWORD
    )
    assert rds.describe_db_clusters(DBClusterIdentifier="no-data-api")["DBClusters"][0]["HttpEndpointEnabled"] is False
    client(emulator, "rds-data").execute_statement(
        resourceArn=created["DBClusterArn"],
        secretArn=created["MasterUserSecret"]["SecretArn"],
        database="cerberus",
        sql="GRANT rds_iam TO app",
    )


def test_security_group_rules_keep_their_descriptions(emulator: dict[str, Any]) -> None:
    ec2 = client(emulator, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    app = ec2.create_security_group(GroupName="described-app", Description="app", VpcId=vpc)["GroupId"]
    cache = ec2.create_security_group(GroupName="described-cache", Description="cache", VpcId=vpc)["GroupId"]
    port = {"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379}
    pair = {"GroupId": app, "Description": "Valkey from the app"}
    ec2.authorize_security_group_ingress(GroupId=cache, IpPermissions=[{**port, "UserIdGroupPairs": [pair]}])
    ranges = [{"CidrIp": "10.41.0.0/24", "Description": "from the subnet"}]
    ec2.authorize_security_group_ingress(GroupId=cache, IpPermissions=[{**port, "IpRanges": ranges}])
    egress = {**port, "UserIdGroupPairs": [{"GroupId": cache, "Description": "Valkey to the cache"}]}
    added = ec2.authorize_security_group_egress(GroupId=app, IpPermissions=[egress])["SecurityGroupRules"]
    assert [rule["Description"] for rule in added] == ["Valkey to the cache"]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [cache, app]}])
    described = {rule.get("Description") for rule in rules["SecurityGroupRules"]}
    assert {"Valkey from the app", "from the subnet", "Valkey to the cache"} <= described
    # A description does not make a rule another one.
    other = {**port, "UserIdGroupPairs": [{"GroupId": app, "Description": "other words"}]}
    assert (
        error_code(ec2.authorize_security_group_ingress, GroupId=cache, IpPermissions=[other])
        == "InvalidPermission.Duplicate"
    )


def test_an_interface_the_instance_did_not_create_is_detached_when_it_terminates(emulator: dict[str, Any]) -> None:
    """As AWS does: the NAT instance's fixed interface is available once the instance is gone, so its deletion
    needs no detach (a detach of it left the provider polling a gone attachment for about 150 s)."""
    ec2 = client(emulator, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.0.0/24")["Subnet"]["SubnetId"]
    fixed = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t4g.nano",
                                 NetworkInterfaces=[{"NetworkInterfaceId": fixed, "DeviceIndex": 0}])  # fmt: skip
    instance_id = instance["Instances"][0]["InstanceId"]
    described = ec2.describe_network_interfaces(NetworkInterfaceIds=[fixed])["NetworkInterfaces"][0]
    assert described["Status"] == "in-use" and described["Attachment"]["InstanceId"] == instance_id
    ec2.terminate_instances(InstanceIds=[instance_id])
    described = ec2.describe_network_interfaces(NetworkInterfaceIds=[fixed])["NetworkInterfaces"][0]
    assert described["Status"] == "available" and "Attachment" not in described, described
    terminated = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert terminated["State"]["Name"] == "terminated" and "PrivateIpAddress" not in terminated, terminated
    ec2.delete_network_interface(NetworkInterfaceId=fixed)
    gone = error_code(ec2.describe_network_interfaces, NetworkInterfaceIds=[fixed])
    assert gone == "InvalidNetworkInterfaceID.NotFound"


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


def ecs_service(emulator: dict[str, Any], cluster: str, **given: Any) -> dict[str, Any]:
    """A service of one task definition in a new cluster (EC2 launch type: moto checks no subnet then)."""
    ecs = client(emulator, "ecs")
    ecs.create_cluster(clusterName=cluster)
    container = [{"name": "app", "image": "app:1", "memory": 512}]
    task = ecs.register_task_definition(family=cluster, containerDefinitions=container)["taskDefinition"]
    return ecs.create_service(cluster=cluster, serviceName="app", taskDefinition=task["taskDefinitionArn"],
                              desiredCount=2, **given)["service"]  # fmt: skip


def test_a_scalable_targets_tags_are_kept_listed_and_changed(emulator: dict[str, Any]) -> None:
    ecs_service(emulator, "scaled")
    scaling = client(emulator, "application-autoscaling")
    target = {
        "ServiceNamespace": "ecs",
        "ResourceId": "service/scaled/app",
        "ScalableDimension": "ecs:service:DesiredCount",
    }
    tags = {"environment": "test", "owner": "platform"}
    arn = scaling.register_scalable_target(**target, MinCapacity=1, MaxCapacity=3, Tags=tags)["ScalableTargetARN"]
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"environment": "test", "owner": "platform"}
    # Registering the target again changes its capacity, not its tags.
    scaling.register_scalable_target(**target, MinCapacity=2, MaxCapacity=4, Tags={"other": "x"})
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"environment": "test", "owner": "platform"}
    scaling.tag_resource(ResourceARN=arn, Tags={"owner": "team", "cost": "1"})
    scaling.untag_resource(ResourceARN=arn, TagKeys=["environment"])
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"owner": "team", "cost": "1"}
    too_many = {f"key{index}": "v" for index in range(51)}
    assert error_code(scaling.tag_resource, ResourceARN=arn, Tags=too_many) == "ValidationException"
    scaling.deregister_scalable_target(**target)
    assert error_code(scaling.list_tags_for_resource, ResourceARN=arn) == "ResourceNotFoundException"
    assert error_code(scaling.list_tags_for_resource, ResourceARN="not-an-arn") == "ValidationException"


def test_an_ecs_service_reports_what_it_was_given_and_its_tasks_run(emulator: dict[str, Any]) -> None:
    given = ecs_service(
        emulator, "given", enableECSManagedTags=True, healthCheckGracePeriodSeconds=60,
        availabilityZoneRebalancing="DISABLED", propagateTags="SERVICE",
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}, "maximumPercent": 150},
    )  # fmt: skip
    ecs = client(emulator, "ecs")
    described = ecs.describe_services(cluster="given", services=["app"])["services"][0]
    for service in (given, described):
        assert service["enableECSManagedTags"] is True
        assert service["healthCheckGracePeriodSeconds"] == 60
        assert service["availabilityZoneRebalancing"] == "DISABLED"
        assert service["deploymentConfiguration"] == {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 150,
            "minimumHealthyPercent": 100,
        }
        assert (service["runningCount"], service["pendingCount"]) == (2, 0)
        assert [deployment["rolloutState"] for deployment in service["deployments"]] == ["COMPLETED"]
    # AWS's values for what the request left out.
    plain = ecs_service(emulator, "plain")
    assert plain["enableECSManagedTags"] is False and plain["enableExecuteCommand"] is False
    assert plain["availabilityZoneRebalancing"] == "ENABLED"
    assert plain["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": False, "rollback": False}
    assert "healthCheckGracePeriodSeconds" not in plain  # no load balancer
    # A new task definition: the deployment that replaces the tasks completes with it; the tasks still run.
    container = [{"name": "app", "image": "app:2", "memory": 512}]
    second = ecs.register_task_definition(family="given", containerDefinitions=container)["taskDefinition"]
    ecs.update_service(cluster="given", service="app", taskDefinition=second["taskDefinitionArn"])
    updated = ecs.describe_services(cluster="given", services=["app"])["services"][0]
    assert (updated["runningCount"], updated["desiredCount"]) == (2, 2)
    assert [(item["taskDefinition"], item["rolloutState"]) for item in updated["deployments"]] == [
        (second["taskDefinitionArn"], "COMPLETED")
    ]
    assert ecs.describe_clusters(clusters=["given"])["clusters"][0]["runningTasksCount"] == 2


def distribution_config(reference: str, **behavior: Any) -> dict[str, Any]:
    custom = {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}
    origin = {"Id": "alb", "DomainName": "alb.example.com", "CustomOriginConfig": custom}
    return {
        "CallerReference": reference, "Comment": reference, "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {"TargetOriginId": "alb", "ViewerProtocolPolicy": "redirect-to-https", **behavior},
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
    }  # fmt: skip


def test_a_distribution_reads_back_without_settings_it_was_not_given(emulator: dict[str, Any]) -> None:
    cloudfront = client(emulator, "cloudfront")
    policy = {"CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"}
    created = cloudfront.create_distribution(DistributionConfig=distribution_config("with-policy", **policy))
    config = cloudfront.get_distribution(Id=created["Distribution"]["Id"])["Distribution"]["DistributionConfig"]
    assert "ForwardedValues" not in config["DefaultCacheBehavior"]
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == policy["CachePolicyId"]
    certificate = config["ViewerCertificate"]
    assert certificate["CloudFrontDefaultCertificate"] is True
    assert not {"ACMCertificateArn", "IAMCertificateId", "SSLSupportMethod"} & set(certificate), certificate
    # Legacy cache settings are kept as given.
    legacy = {"ForwardedValues": {"QueryString": True, "Cookies": {"Forward": "all"}}, "MinTTL": 0}
    created = cloudfront.create_distribution(DistributionConfig=distribution_config("legacy", **legacy))
    config = cloudfront.get_distribution(Id=created["Distribution"]["Id"])["Distribution"]["DistributionConfig"]
    forwarded = config["DefaultCacheBehavior"]["ForwardedValues"]
    assert forwarded["QueryString"] is True and forwarded["Cookies"]["Forward"] == "all"


def test_a_hosted_zones_id_has_aws_form(emulator: dict[str, Any]) -> None:
    """An environment file can name a zone the local AWS made (modules/settings/app.py checks the form)."""
    from modules.settings.app import HOSTED_ZONE_ID

    route53 = client(emulator, "route53")
    for index in range(5):
        zone = route53.create_hosted_zone(Name=f"zone{index}.example.com", CallerReference=f"zone{index}")
        zone_id = zone["HostedZone"]["Id"].removeprefix("/hostedzone/")
        assert re.fullmatch(HOSTED_ZONE_ID, zone_id), zone_id
        assert route53.get_hosted_zone(Id=zone_id)["HostedZone"]["Name"] == f"zone{index}.example.com."


def test_a_certificate_has_the_key_algorithm_it_was_requested_with(emulator: dict[str, Any]) -> None:
    acm = client(emulator, "acm")
    for algorithm in ("EC_prime256v1", "EC_secp384r1", "RSA_2048"):
        arn = acm.request_certificate(DomainName=f"{algorithm.lower()}.example.com", ValidationMethod="DNS",
                                      KeyAlgorithm=algorithm)["CertificateArn"]  # fmt: skip
        assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["KeyAlgorithm"] == algorithm
    plain = acm.request_certificate(DomainName="plain.example.com", ValidationMethod="DNS")["CertificateArn"]
    assert acm.describe_certificate(CertificateArn=plain)["Certificate"]["KeyAlgorithm"] == "RSA_2048"
    unsupported = {"DomainName": "x.example.com", "ValidationMethod": "DNS", "KeyAlgorithm": "RSA_4096"}
    assert error_code(acm.request_certificate, **unsupported) == "ValidationException"


def test_the_boot_id_names_this_start_of_the_emulator(emulator: dict[str, Any]) -> None:
    from scripts.ops.local_aws import boot_id

    first = hook(emulator, "boot-id", {})["boot_id"]
    assert len(first) == 32 and boot_id(emulator["endpoint"]) == first


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
