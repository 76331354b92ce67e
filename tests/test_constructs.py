"""Each construct on its own: a minimal stack built with cdktf's Testing helpers, and its properties.

The whole-stack tests and the golden files stay the regression net; these say what each construct
promises, whatever stack it is put in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modules.compute import AppFirewall, Workload
from modules.compute.apprunner import AppRunnerService
from modules.compute.ecr import ContainerRepository, EcrSettings
from modules.data.aurora import PORT as POSTGRES_PORT
from modules.data.aurora import AuroraServerless
from modules.data.backup import BackupSettings, DatabaseBackup
from modules.data.valkey import PORT as VALKEY_PORT
from modules.data.valkey import ValkeyCache
from modules.framework import Testing as CdktfTesting
from modules.network.default_vpc import DefaultVpc
from modules.observability.alarms import AlarmTargets, ServiceAlarms
from modules.observability.budget import CostBudget
from modules.protection import protect
from modules.security.kms import EncryptionKey
from modules.security.secrets import AppSecrets
from modules.settings import load_environments
from modules.stack import Stack
from modules.state.backend import StateBackend, StateBackendSettings
from tests.conftest import ENVIRONMENTS

KEY = "arn:aws:kms:us-east-1:111111111111:key/test"
VPC = "vpc-0test"
SUBNETS = ["subnet-a", "subnet-b"]


@pytest.fixture(scope="module")
def stage() -> Any:
    return {config.name: config for config in load_environments(ENVIRONMENTS)}["stage"]


def synth(build: Callable[[Stack], object]) -> dict[str, Any]:
    """A stack holding only what ``build`` adds, synthesized to its Terraform JSON."""
    stack = Stack(CdktfTesting.app(), "test")
    build(stack)
    document: dict[str, Any] = json.loads(CdktfTesting.synth(stack))
    return document


def one(document: dict[str, Any], kind: str) -> dict[str, Any]:
    (body,) = document["resource"][kind].values()
    return body


def test_default_vpc_creates_nothing_and_offers_the_default_subnets() -> None:
    document = synth(lambda stack: DefaultVpc(stack, "network"))
    assert "resource" not in document
    assert document["data"]["aws_vpc"]["network_vpc"]["default"] is True
    assert "network_subnets" in document["data"]["aws_subnets"]


def test_allow_from_opens_the_listeners_port_on_both_sides_and_nothing_else(stage: Any) -> None:
    def build(stack: Stack) -> None:
        app = AppFirewall(stack, "app", name_prefix="p-stage", vpc_id=VPC, egress="HTTPS out")
        database = AuroraServerless(
            stack,
            "db",
            settings=stage.database,
            name_prefix="p-stage",
            vpc_id=VPC,
            subnet_ids=SUBNETS,
            kms_key_arn=KEY,
            region="us-east-1",
            partition="aws",
            account_id="123456789012",
            log_retention_days=365,
        )
        database.connections.allow_from(app.connections, ingress="in", egress="out")

    document = synth(build)
    ingress = document["resource"]["aws_vpc_security_group_ingress_rule"]
    egress = document["resource"]["aws_vpc_security_group_egress_rule"]
    assert list(ingress) == ["network_aurora_from_app"]
    assert (
        ingress["network_aurora_from_app"]["from_port"]
        == POSTGRES_PORT
        == ingress["network_aurora_from_app"]["to_port"]
    )
    assert ingress["network_aurora_from_app"]["referenced_security_group_id"] == "${aws_security_group.network_app.id}"
    assert sorted(egress) == ["network_app_to_aurora", "network_app_to_https"]
    assert egress["network_app_to_aurora"]["security_group_id"] == "${aws_security_group.network_app.id}"
    assert egress["network_app_to_https"]["from_port"] == 443


def test_aurora_is_serverless_encrypted_private_and_keeps_a_final_snapshot(stage: Any) -> None:
    document = synth(
        lambda stack: AuroraServerless(
            stack,
            "db",
            settings=stage.database,
            name_prefix="p-stage",
            vpc_id=VPC,
            subnet_ids=SUBNETS,
            kms_key_arn=KEY,
            region="us-east-1",
            partition="aws",
            account_id="123456789012",
            log_retention_days=30,
        )
    )
    cluster = one(document, "aws_rds_cluster")
    assert cluster["serverlessv2_scaling_configuration"]["min_capacity"] == stage.database.min_acu
    assert cluster["storage_encrypted"] is True and cluster["kms_key_id"] == KEY
    assert cluster["manage_master_user_password"] is True and "master_password" not in cluster
    assert cluster["skip_final_snapshot"] is False
    assert cluster["port"] == POSTGRES_PORT
    assert cluster["vpc_security_group_ids"] == ["${aws_security_group.network_aurora.id}"]
    instance = one(document, "aws_rds_cluster_instance")
    assert instance["publicly_accessible"] is False and instance["instance_class"] == "db.serverless"
    assert one(document, "aws_cloudwatch_log_group")["retention_in_days"] == 30


def test_valkey_is_encrypted_and_authenticates_its_app_with_iam(stage: Any) -> None:
    stacks: list[Stack] = []

    def build(stack: Stack) -> None:
        stacks.append(stack)
        ValkeyCache(
            stack,
            "cache",
            settings=stage.cache,
            name_prefix="p-stage",
            vpc_id=VPC,
            subnet_ids=SUBNETS,
            kms_key_arn=KEY,
            log_retention_days=365,
        )

    document = synth(build)
    group = one(document, "aws_elasticache_replication_group")
    assert group["transit_encryption_enabled"] is True and group["kms_key_id"] == KEY
    assert group["port"] == VALKEY_PORT and group["num_cache_clusters"] == 1 + stage.cache.replicas
    users = {user["user_name"]: user for user in document["resource"]["aws_elasticache_user"].values()}
    assert users["p-stage-valkey-app"]["authentication_mode"]["type"] == "iam"
    assert users["default"]["access_string"].startswith("off ")
    # AWS refuses no-password users in a VALKEY user group: the switched-off default user has a password.
    assert users["default"]["authentication_mode"]["type"] == "password"
    # Stage: one node, no failover, and the suppression that says so; the default user's secret has no
    # rotation (the user is off).
    assert sorted(item.check_id for item in stacks[0].suppressions) == ["CKV2_AWS_50", "CKV2_AWS_57"]


def test_backup_plan_keeps_the_databases_recovery_points_in_an_encrypted_vault() -> None:
    document = synth(
        lambda stack: DatabaseBackup(
            stack,
            "backup",
            settings=BackupSettings(name_prefix="p-stage", retention_days=7),
            resource_arns=["arn:aws:rds:us-east-1:111111111111:cluster:p"],
            kms_key_arn=KEY,
            partition="aws",
        )
    )
    assert one(document, "aws_backup_vault")["kms_key_arn"] == KEY
    (rule,) = one(document, "aws_backup_plan")["rule"]
    assert rule["lifecycle"]["delete_after"] == 7
    assert one(document, "aws_backup_selection")["resources"] == ["arn:aws:rds:us-east-1:111111111111:cluster:p"]


def test_repository_tags_are_immutable_and_images_scanned_and_encrypted() -> None:
    document = synth(
        lambda stack: ContainerRepository(stack, "ecr", settings=EcrSettings(name="p-stage"), kms_key_arn=KEY)
    )
    repository = one(document, "aws_ecr_repository")
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["image_scanning_configuration"]["scan_on_push"] is True
    assert repository["encryption_configuration"] == [{"encryption_type": "KMS", "kms_key": KEY}]


def test_key_rotates_and_its_policy_grants_the_account_and_the_named_services() -> None:
    statement = {"Sid": "X", "Effect": "Allow", "Principal": {"Service": "s.amazonaws.com"}, "Action": "kms:Decrypt"}
    document = synth(
        lambda stack: EncryptionKey(
            stack,
            "key",
            alias="p-stage",
            description="d",
            account_id="111111111111",
            partition="aws",
            service_statements=[statement],
        )
    )
    key = one(document, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    assert '"Sid" = "X"' in key["policy"] and "arn:aws:iam::111111111111:root" in key["policy"]
    assert one(document, "aws_kms_alias")["name"] == "alias/p-stage"


def test_secret_key_is_never_a_value_in_the_document() -> None:
    document = synth(
        lambda stack: AppSecrets(stack, "secrets", name_prefix="p-stage", kms_key_arn=KEY, secret_key_version=3)
    )
    version = one(document, "aws_secretsmanager_secret_version")
    assert version["secret_string_wo"].startswith("${ephemeral.") and version["secret_string_wo_version"] == 3
    assert "secret_string" not in version


def test_app_runner_service_takes_its_variables_and_secret_references_from_the_workload(stage: Any) -> None:
    workload = Workload(
        name_prefix="p-stage",
        image_repository_arn="arn:repo",
        image_repository_url="r.example",
        image_tag="v1",
        port=8000,
        health_check_path="/health",
        variables={"A": "1"},
        secrets={"S": "arn:secret:password::"},
        secret_arns=("arn:secret",),
        kms_key_arn=KEY,
        cache_connect_arns=("arn:cache",),
        database_connect_arns=("arn:dbuser",),
        subnet_ids=SUBNETS,
        security_group_id="sg-app",
        region="us-east-1",
    )
    document = synth(lambda stack: AppRunnerService(stack, "service", settings=stage.app, workload=workload))
    image = one(document, "aws_apprunner_service")["source_configuration"]["image_repository"]
    assert image["image_identifier"] == "r.example:v1"
    assert image["image_configuration"]["runtime_environment_variables"] == {"A": "1"}
    assert image["image_configuration"]["runtime_environment_secrets"] == {"S": "arn:secret:password::"}
    assert one(document, "aws_apprunner_vpc_connector")["security_groups"] == ["sg-app"]


def test_budget_and_alarms_notify_the_alert_recipients(stage: Any) -> None:
    emails = ("a@example.org", "b@example.org")
    targets = AlarmTargets(
        name_prefix="p-stage",
        apprunner_service_name="s",
        apprunner_service_id="i",
        aurora_cluster_id="c",
        aurora_capacity=(0, 2),
        valkey_node_ids=("p-stage-valkey-001",),
    )

    def build(stack: Stack) -> None:
        CostBudget(stack, "budget", settings=stage.budget, emails=emails, name_prefix="p-stage", environment="stage")
        ServiceAlarms(stack, "alarms", settings=stage.alarms, targets=targets, emails=emails, kms_key_arn=KEY)

    document = synth(build)
    for notification in one(document, "aws_budgets_budget")["notification"]:
        assert notification["subscriber_email_addresses"] == list(emails)
    subscriptions = document["resource"]["aws_sns_topic_subscription"].values()
    assert sorted(item["endpoint"] for item in subscriptions) == list(emails)
    alarms = document["resource"]["aws_cloudwatch_metric_alarm"]
    assert len(alarms) == 2 * (2 + 4 + 2)  # App Runner 2, Aurora 4, one Valkey node 2; warning and critical
    assert {alarm["alarm_actions"][0] for alarm in alarms.values()} == {"${aws_sns_topic.alarms_topic.arn}"}


def test_state_backend_locks_encrypts_and_logs() -> None:
    document = synth(
        lambda stack: StateBackend(stack, "state", settings=StateBackendSettings(project="p", region="us-east-1"))
    )
    buckets = {body["bucket"] for body in document["resource"]["aws_s3_bucket"].values()}
    assert buckets == {"p-tfstate-us-east-1", "p-tfstate-logs-us-east-1"}
    assert "aws_dynamodb_table" not in document["resource"]  # S3 lockfiles lock the state


@pytest.mark.parametrize("protected", [True, False])
def test_protection_aspect_sets_every_stateful_resource_from_one_switch(protected: bool) -> None:
    def build(stack: Stack) -> None:
        ContainerRepository(stack, "ecr", settings=EcrSettings(name="p-stage"), kms_key_arn=KEY)
        AppSecrets(stack, "secrets", name_prefix="p-stage", kms_key_arn=KEY, secret_key_version=1)
        protect(stack, protected=protected)

    document = synth(build)
    repository = one(document, "aws_ecr_repository")
    secret = one(document, "aws_secretsmanager_secret")
    assert repository.get("lifecycle", {}).get("prevent_destroy", False) is protected
    assert secret.get("lifecycle", {}).get("prevent_destroy", False) is protected
    # Unprotected: deleted at once, so the same environment can be deployed again right after a destroy.
    assert secret["recovery_window_in_days"] == (30 if protected else 0)
    assert repository["force_delete"] is not protected


def test_a_suppression_needs_a_reason_a_reviewer_can_check(tmp_path: Path) -> None:
    stack = Stack(CdktfTesting.app(), "test")
    repository = ContainerRepository(stack, "ecr", settings=EcrSettings(name="p"), kms_key_arn=KEY)
    with pytest.raises(ValueError, match="needs a reason"):
        stack.suppress(repository.repository, "CKV_AWS_1", "because")
