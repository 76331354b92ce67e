"""Data tier: the SPEC table values, network isolation, keys, protection of stateful resources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from main import synthesize
from tests.config_helpers import set_key
from tests.conftest import only, resources


def test_aurora_capacity_and_backups_follow_the_table(stack_json) -> None:
    stage, prod = only(stack_json("stage"), "aws_rds_cluster"), only(stack_json("prod"), "aws_rds_cluster")
    assert stage["serverlessv2_scaling_configuration"] == {
        "min_capacity": 0,
        "max_capacity": 2,
        "seconds_until_auto_pause": 300,
    }
    # Warm prod: no auto-pause at all.
    assert prod["serverlessv2_scaling_configuration"] == {"min_capacity": 0.5, "max_capacity": 8}
    assert (stage["backup_retention_period"], prod["backup_retention_period"]) == (1, 7)
    assert (stage["deletion_protection"], prod["deletion_protection"]) == (False, True)


def test_aurora_cluster_is_secure_by_default(stack_json) -> None:
    for name in ("stage", "prod"):
        cluster = only(stack_json(name), "aws_rds_cluster")
        assert cluster["engine"] == "aurora-postgresql" and cluster["engine_mode"] == "provisioned"
        assert cluster["engine_version"] == "16.6"
        assert cluster["engine_lifecycle_support"] == "open-source-rds-extended-support-disabled"
        assert cluster["manage_master_user_password"] is True and "master_password" not in cluster
        assert cluster["master_user_secret_kms_key_id"] == cluster["kms_key_id"] == "${aws_kms_key.key.arn}"
        assert cluster["storage_encrypted"] is True and cluster["iam_database_authentication_enabled"] is True
        assert cluster["enabled_cloudwatch_logs_exports"] == ["postgresql"]
        assert cluster["copy_tags_to_snapshot"] is True and cluster["skip_final_snapshot"] is False
        # Each destroy sets the suffix (scripts/ops/applying.py); a normal plan leaves it empty.
        suffix = "${var.final_snapshot_suffix}"
        assert cluster["final_snapshot_identifier"] == f"cerberus-{name}-aurora-cluster-final{suffix}"
        assert cluster["vpc_security_group_ids"] == ["${aws_security_group.network_aurora.id}"]
        parameters = {
            p["name"]: p["value"] for p in only(stack_json(name), "aws_rds_cluster_parameter_group")["parameter"]
        }
        assert parameters["rds.force_ssl"] == "1" and parameters["log_min_duration_statement"] == "1000"


def test_prod_has_a_reader_in_another_zone_and_stage_a_single_instance(stack_json) -> None:
    stage = resources(stack_json("stage"), "aws_rds_cluster_instance")
    prod = resources(stack_json("prod"), "aws_rds_cluster_instance")
    assert sorted(stage) == ["db_instance_1"] and sorted(prod) == ["db_instance_1", "db_instance_2"]
    zones = [instance["availability_zone"] for instance in prod.values()]
    # The zones of the network's isolated subnets, in order: the reader never shares the writer's zone.
    isolated = "[aws_subnet.network_isolated_0.availability_zone, aws_subnet.network_isolated_1.availability_zone]"
    assert zones == [f"${{element({isolated}, 0)}}", f"${{element({isolated}, 1)}}"]
    for instance in prod.values():
        assert instance["instance_class"] == "db.serverless" and instance["publicly_accessible"] is False
        assert (
            instance["performance_insights_enabled"] is True
            and instance["performance_insights_kms_key_id"] == "${aws_kms_key.key.arn}"
        )
        assert instance["monitoring_interval"] == 60 and instance["auto_minor_version_upgrade"] is True


def test_valkey_follows_the_table_and_is_encrypted_with_iam_auth(stack_json) -> None:
    stage = only(stack_json("stage"), "aws_elasticache_replication_group")
    prod = only(stack_json("prod"), "aws_elasticache_replication_group")
    assert (stage["node_type"], prod["node_type"]) == ("cache.t4g.micro", "cache.t4g.small")
    assert (stage["num_cache_clusters"], stage["automatic_failover_enabled"], stage["multi_az_enabled"]) == (
        1,
        False,
        False,
    )
    assert (prod["num_cache_clusters"], prod["automatic_failover_enabled"], prod["multi_az_enabled"]) == (2, True, True)
    for group in (stage, prod):
        assert group["engine"] == "valkey" and group["engine_version"] == "8.0"
        assert group["at_rest_encryption_enabled"] == "true" and group["kms_key_id"] == "${aws_kms_key.key.arn}"
        assert group["transit_encryption_enabled"] is True and group["transit_encryption_mode"] == "required"
        assert "auth_token" not in group and group["user_group_ids"] == [
            "${aws_elasticache_user_group.cache_users.user_group_id}"
        ]
        assert sorted(log["log_type"] for log in group["log_delivery_configuration"]) == ["engine-log", "slow-log"]
    users = resources(stack_json("prod"), "aws_elasticache_user")
    assert users["cache_default_user"]["access_string"].startswith("off")
    assert users["cache_app_user"]["authentication_mode"] == {"type": "iam"}
    assert users["cache_app_user"]["user_id"] == users["cache_app_user"]["user_name"]


def test_every_log_group_is_encrypted_and_kept_a_year(stack_json) -> None:
    for name in ("stage", "prod"):
        groups = resources(stack_json(name), "aws_cloudwatch_log_group")
        assert len(groups) == 4  # Aurora, Valkey's two, the VPC's flow logs
        for group in groups.values():
            assert group["kms_key_id"] == "${aws_kms_key.key.arn}" and group["retention_in_days"] == 365


def test_security_group_rules_are_exactly_the_intended_ones(stack_json) -> None:
    document = stack_json("prod")
    assert all(
        "ingress" not in group and "egress" not in group for group in resources(document, "aws_security_group").values()
    )
    rules = set()
    for kind in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
        for rule in resources(document, kind).values():
            assert rule["description"]
            peer = rule.get("referenced_security_group_id") or rule.get("cidr_ipv4")
            rules.add(
                (
                    kind.rsplit("_", 2)[1],
                    rule["security_group_id"],
                    rule["ip_protocol"],
                    rule["from_port"],
                    rule["to_port"],
                    peer,
                )
            )
    app, aurora, valkey = (f"${{aws_security_group.network_{name}.id}}" for name in ("app", "aurora", "valkey"))
    assert rules == {
        ("ingress", aurora, "tcp", 5432, 5432, app),
        ("ingress", valkey, "tcp", 6379, 6379, app),
        ("egress", app, "tcp", 5432, 5432, aurora),
        ("egress", app, "tcp", 6379, 6379, valkey),
        ("egress", app, "tcp", 443, 443, "0.0.0.0/0"),
    }


def test_environment_key_rotates_and_lets_only_logs_and_alarms_use_it_directly(stack_json) -> None:
    key = only(stack_json("prod"), "aws_kms_key")
    assert key["enable_key_rotation"] is True and key["deletion_window_in_days"] == 30
    policy = key["policy"]
    assert re.findall(r'"Sid" = "(\w+)"', policy) == [
        "AccountAdministersKeyThroughIam",
        "CloudWatchLogsEncryptsThisAccountsLogGroups",
        "CloudWatchAlarmsPublishToTheEncryptedTopic",
    ]
    assert (
        '"kms:EncryptionContext:aws:logs:arn" = "arn:${data.aws_partition.partition.partition}:logs:us-east-1:'
        '${data.aws_caller_identity.account.account_id}:log-group:*"'
    ) in policy
    assert (
        '"StringEquals" = {"aws:SourceAccount" = data.aws_caller_identity.account.account_id, '
        '"kms:ViaService" = "sns.us-east-1.amazonaws.com"}'
    ) in policy


STATEFUL = {
    "aws_rds_cluster": ["db"],
    "aws_rds_cluster_instance": ["db_instance_1"],
    "aws_elasticache_replication_group": ["cache"],
    "aws_kms_key": ["key"],
    "aws_ecr_repository": ["ecr"],
    "aws_secretsmanager_secret": ["secrets_secret_key"],
    "aws_backup_vault": ["backup_vault"],
}


@pytest.mark.parametrize(("stack", "protected"), [("prod", True), ("stage", False)])
def test_prod_stateful_resources_carry_prevent_destroy_and_stage_ones_do_not(
    stack_json, stack: str, protected: bool
) -> None:
    document = stack_json(stack)
    for kind, names in STATEFUL.items():
        for name in names:
            lifecycle = resources(document, kind)[name].get("lifecycle", {})
            assert lifecycle.get("prevent_destroy", False) is protected, f"{kind}.{name}"


def test_outputs_expose_endpoints_and_secret_arns(stack_json) -> None:
    outputs = stack_json("stage")["output"]
    assert outputs["aurora_endpoint"]["value"] == "${aws_rds_cluster.db.endpoint}"
    assert outputs["aurora_reader_endpoint"]["value"] == "${aws_rds_cluster.db.reader_endpoint}"
    assert outputs["valkey_endpoint"]["value"] == "${aws_elasticache_replication_group.cache.primary_endpoint_address}"
    assert outputs["aurora_master_secret_arn"]["value"] == "${aws_rds_cluster.db.master_user_secret[0].secret_arn}"
    assert outputs["secret_key_secret_arn"]["value"] == "${aws_secretsmanager_secret.secrets_secret_key.arn}"
    assert outputs["apprunner_security_group_id"]["value"] == "${aws_security_group.network_app.id}"
    assert all(output["description"] for output in outputs.values())


def test_secret_key_is_generated_ephemerally_and_written_write_only(stack_json) -> None:
    document = stack_json("prod")
    assert document["ephemeral"]["aws_secretsmanager_random_password"]["secret_key"]["password_length"] == 64
    version = resources(document, "aws_secretsmanager_secret_version")["secrets_secret_key_value"]
    assert version["secret_string_wo"] == "${ephemeral.aws_secretsmanager_random_password.secret_key.random_password}"
    assert version["secret_string_wo_version"] == 1 and "secret_string" not in version


CANARIES = {
    "DB_PASSWORD": "canary-db-password-7f3a",
    "SECRET_KEY": "canary-secret-key-91c2",
    "TF_VAR_db_password": "canary-tfvar-5d1e",
    "AWS_SECRET_ACCESS_KEY": "canary-aws-secret-0b8f",
    "REDIS_AUTH_TOKEN": "canary-redis-token-44aa",
}


def test_no_secret_reaches_cdktf_out(environments: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    outdir = tmp_path / "cdktf.out"
    synthesize(environments, outdir)
    suspicious_keys = {
        "password",
        "master_password",
        "secret_string",
        "auth_token",
        "passwords",
        "secret_key",
        "private_key",
    }
    files = [path for path in outdir.rglob("*") if path.is_file()]
    assert len(files) > 5
    for path in files:
        text = path.read_text(encoding="utf-8")
        for value in CANARIES.values():
            assert value not in text, path
        if path.suffix == ".json":
            literals = [
                f"{path.name}: {key}"
                for key, value in _string_items(json.loads(text))
                if key.lower() in suspicious_keys and not value.startswith("${")
            ]
            assert literals == []


def _string_items(node: object) -> list[tuple[str, str]]:
    """Every (key, string value) pair anywhere in a JSON document."""
    if isinstance(node, dict):
        return [
            pair
            for key, value in node.items()
            for pair in ([(key, value)] if isinstance(value, str) else _string_items(value))
        ]
    if isinstance(node, list):
        return [pair for item in node for pair in _string_items(item)]
    return []


def test_a_third_environment_with_one_replica_gets_failover_and_multi_az(environments: Path, tmp_path: Path) -> None:
    text = (environments / "stage.toml").read_text(encoding="utf-8").replace('name = "stage"', 'name = "qa"')
    (environments / "qa.toml").write_text(text, encoding="utf-8")
    set_key(environments / "qa.toml", "cache", "replicas", "1")
    outdir = tmp_path / "cdktf.out"
    synthesize(environments, outdir)
    document = json.loads((outdir / "stacks" / "qa" / "cdk.tf.json").read_text())
    group = only(document, "aws_elasticache_replication_group")
    assert (group["num_cache_clusters"], group["automatic_failover_enabled"], group["multi_az_enabled"]) == (
        2,
        True,
        True,
    )
    # The single-node suppression is gone with the single node.
    suppressions = json.loads((outdir / "stacks" / "qa" / "checkov-suppressions.json").read_text())
    assert "CKV2_AWS_50" not in {item["check_id"] for item in suppressions}
