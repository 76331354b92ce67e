"""What a review against AWS's documentation found: each test pins one rule AWS (or the provider) enforces
and the synthesized stacks once broke."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from modules.compute.apprunner import VPC_CONNECTOR_UNSUPPORTED_ZONE_IDS
from modules.observability.metrics import PUBLISHED, aurora_connection_ceiling
from modules.settings import ConfigError, load_environments
from modules.settings.database import APP_DATABASE_USER
from modules.settings.protection import KEPT_BY_DESTROY
from tests.config_helpers import set_key
from tests.conftest import only, resources

STACKS = ("stage", "prod")


# 1. Valkey user groups AWS accepts (ElastiCache User Guide, "Role-Based Access Control (RBAC)").


@pytest.mark.parametrize("stack", STACKS)
def test_valkey_user_group_holds_a_default_user_and_only_users_that_authenticate(stack_json, stack: str) -> None:
    document = stack_json(stack)
    users = resources(document, "aws_elasticache_user")
    group = only(document, "aws_elasticache_user_group")
    assert group["engine"] == "valkey"
    members = [
        body
        for body in users.values()
        if f"${{aws_elasticache_user.{_name(users, body)}.user_id}}" in group["user_ids"]
    ]
    assert len(members) == len(group["user_ids"]) == 2
    # DefaultUserRequired: every user group holds a user named default.
    (default,) = [user for user in members if user["user_name"] == "default"]
    # VALKEY user groups take only users that authenticate; an IAM user's id equals its name, and the id
    # "default" is AWS's own user, so the default user authenticates with a password.
    for user in members:
        assert user["authentication_mode"]["type"] in {"password", "iam"} and "no_password_required" not in user
        if user["authentication_mode"]["type"] == "iam":
            assert user["user_id"] == user["user_name"] != "default"
    assert default["authentication_mode"]["type"] == "password"
    assert default["access_string"] == "off ~* -@all"


@pytest.mark.parametrize("stack", STACKS)
def test_the_default_users_password_is_generated_kept_encrypted_and_never_churns(stack_json, stack: str) -> None:
    document = stack_json(stack)
    default = resources(document, "aws_elasticache_user")["cache_default_user"]
    generated = "${data.aws_secretsmanager_random_password.cache_default_user_password.random_password}"
    assert default["authentication_mode"]["passwords"] == [generated]
    # The data source draws a new password on every plan: the user keeps the first one.
    assert default["lifecycle"]["ignore_changes"] == ["authentication_mode"]
    secret = resources(document, "aws_secretsmanager_secret")["cache_default_user_secret"]
    assert secret["kms_key_id"] == "${aws_kms_key.key.arn}"
    value = resources(document, "aws_secretsmanager_secret_version")["cache_default_user_secret_value"]
    assert value["secret_id"] == "${aws_secretsmanager_secret.cache_default_user_secret.id}"
    assert value["secret_string_wo"] == generated and "secret_string" not in value
    assert value["lifecycle"]["replace_triggered_by"] == ["aws_elasticache_user.cache_default_user.id"]


def _name(users: dict[str, dict], body: dict) -> str:
    return next(name for name, candidate in users.items() if candidate is body)


# 2. App Runner waits for its roles' policies and for the database (migrations run on start).


@pytest.mark.parametrize("stack", STACKS)
def test_app_runner_starts_after_its_policies_and_the_database_instances(stack_json, stack: str) -> None:
    document = stack_json(stack)
    service = only(document, "aws_apprunner_service")
    instances = [f"aws_rds_cluster_instance.{name}" for name in resources(document, "aws_rds_cluster_instance")]
    assert instances and set(service["depends_on"]) == {
        "aws_iam_role_policy.service_access_policy",
        "aws_iam_role_policy.service_instance_policy",
        *instances,
    }


# 3. Subnets App Runner's VPC connector accepts, chosen by Availability Zone ID.


@pytest.mark.parametrize("stack", STACKS)
def test_the_vpc_connector_uses_only_subnets_in_zones_app_runner_supports(stack_json, stack: str) -> None:
    document = stack_json(stack)
    zones = document["data"]["aws_availability_zones"]["service_connector_zones"]
    assert zones["exclude_zone_ids"] == ["use1-az3"] == list(VPC_CONNECTOR_UNSUPPORTED_ZONE_IDS["us-east-1"])
    subnets = {
        item["name"]: item["values"] for item in document["data"]["aws_subnets"]["service_connector_subnets"]["filter"]
    }
    assert subnets == {
        "subnet-id": ["${aws_subnet.network_private_0.id}", "${aws_subnet.network_private_1.id}"],
        "availability-zone-id": "${data.aws_availability_zones.service_connector_zones.zone_ids}",
    }
    assert (
        only(document, "aws_apprunner_vpc_connector")["subnets"] == "${data.aws_subnets.service_connector_subnets.ids}"
    )


# 4. Alarms on metrics AWS publishes, thresholds AWS allows, none firing while the database sleeps.


def _watched(alarm: dict) -> list[tuple[str, str, list[str]]]:
    """(namespace, metric, dimension names) of every metric an alarm reads."""
    if "metric_query" in alarm:
        return [
            (query["metric"]["namespace"], query["metric"]["metric_name"], sorted(query["metric"]["dimensions"]))
            for query in alarm["metric_query"]
            if "metric" in query
        ]
    return [(alarm["namespace"], alarm["metric_name"], sorted(alarm["dimensions"]))]


@pytest.mark.parametrize("stack", STACKS)
def test_every_alarm_watches_a_metric_and_dimensions_its_namespace_publishes(stack_json, stack: str) -> None:
    alarms = resources(stack_json(stack), "aws_cloudwatch_metric_alarm")
    assert alarms
    for name, alarm in alarms.items():
        for namespace, metric, dimensions in _watched(alarm):
            published = PUBLISHED[namespace]
            assert metric in published.metrics, f"{name}: {namespace} publishes no {metric} ({published.source})"
            assert set(dimensions) <= published.dimensions, f"{name}: {dimensions} ({published.source})"
    assert (
        resources(stack_json(stack), "aws_cloudwatch_metric_alarm")["alarms_apprunner_5xx_warning"]["metric_name"]
        == "5xxStatusResponses"
    )


def test_every_namespace_names_its_aws_page() -> None:
    assert {"AWS/AppRunner", "AWS/RDS", "AWS/ElastiCache", "AWS/ApplicationELB", "AWS/ECS"} <= set(PUBLISHED)
    assert all("https://docs.aws.amazon.com/" in namespace.source for namespace in PUBLISHED.values())


@pytest.mark.parametrize(
    ("min_acu", "max_acu", "ceiling"),
    [
        (0, 1, 189),
        (0, 2, 189),  # no row for 2 ACU: the lower one
        (1, 4, 823),
        (0.5, 8, 1669),
        (1, 16, 3360),
        (0.5, 16, 2000),  # a minimum of 0 or 0.5 ACU caps it at 2,000
        (0, 64, 2000),
        (2, 64, 5000),
        (1, 256, 5000),
    ],
)
def test_aurora_connection_ceiling_follows_aws_table(min_acu: float, max_acu: float, ceiling: int) -> None:
    assert aurora_connection_ceiling(min_acu, max_acu) == ceiling


def test_connection_alarms_are_shares_of_that_ceiling(stack_json) -> None:
    def thresholds(stack: str) -> tuple[float, float]:
        alarms = resources(stack_json(stack), "aws_cloudwatch_metric_alarm")
        return (
            alarms["alarms_aurora_connections_warning"]["threshold"],
            alarms["alarms_aurora_connections_critical"]["threshold"],
        )

    assert thresholds("stage") == (151, 180)  # 0-2 ACU: 189 connections, 80 % and 95 %
    assert thresholds("prod") == (1335, 1586)  # 0.5-8 ACU: 1,669


_IF = re.compile(r"IF\(capacity > 0, watched, (\d+)\)")


def _value_while_paused(alarm: dict, reported: float | None) -> float | None:
    """What the alarm evaluates while the database is paused, when every RDS metric reports ``reported``
    (0, or None: nothing). App Runner and Valkey keep reporting as they would; only database alarms matter."""
    if "metric_query" not in alarm:
        return reported
    (expression,) = [query["expression"] for query in alarm["metric_query"] if query.get("return_data")]
    match = _IF.fullmatch(expression)
    assert match, expression
    capacity = reported
    if capacity is None:
        return None
    return reported if capacity > 0 else float(match.group(1))


def test_a_pausing_database_never_alarms(stack_json) -> None:
    document = stack_json("stage")
    assert only(document, "aws_rds_cluster")["serverlessv2_scaling_configuration"]["min_capacity"] == 0
    database_alarms = {
        name: alarm
        for name, alarm in resources(document, "aws_cloudwatch_metric_alarm").items()
        if any(namespace == "AWS/RDS" for namespace, _, _ in _watched(alarm))
    }
    assert len(database_alarms) == 8
    for name, alarm in database_alarms.items():
        for reported in (None, 0.0):
            value = _value_while_paused(alarm, reported)
            if value is None:
                assert alarm["treat_missing_data"] in {"notBreaching", "ignore"}, name
                continue
            below = alarm["comparison_operator"].startswith("LessThan")
            breaches = value < alarm["threshold"] if below else value > alarm["threshold"]
            assert not breaches, f"{name} alarms on a paused database (metric reports {reported})"


def test_a_warm_database_alarms_on_memory_directly(stack_json) -> None:
    alarm = resources(stack_json("prod"), "aws_cloudwatch_metric_alarm")["alarms_aurora_freeable_memory_warning"]
    assert alarm["metric_name"] == "FreeableMemory" and "metric_query" not in alarm


# 5. Engine versions without a perpetual diff.


@pytest.mark.parametrize("stack", STACKS)
def test_aurora_follows_aws_minor_upgrades_without_proposing_a_downgrade(stack_json, stack: str) -> None:
    document = stack_json(stack)
    cluster = only(document, "aws_rds_cluster")
    assert "engine_version" in cluster["lifecycle"]["ignore_changes"]
    for instance in resources(document, "aws_rds_cluster_instance").values():
        assert instance["auto_minor_version_upgrade"] is True
        assert "engine_version" in instance["lifecycle"]["ignore_changes"]
    # Protection still applies next to it.
    assert cluster["lifecycle"].get("prevent_destroy", False) is (stack == "prod")


@pytest.mark.parametrize("stack", STACKS)
def test_valkey_pins_major_minor_which_the_provider_reads_back_as_such(stack_json, stack: str) -> None:
    # terraform-provider-aws, internal/service/elasticache (setEngineVersionValkey): the state keeps
    # MAJOR.MINOR ("8.0" for an actual 8.0.1), so AWS's patch upgrades show no diff; no ignore needed.
    group = only(stack_json(stack), "aws_elasticache_replication_group")
    assert re.fullmatch(r"\d+\.\d+", group["engine_version"]) and "ignore_changes" not in group.get("lifecycle", {})


# 6. The database certificate is checked; the key serves services only through their own calls.


@pytest.mark.parametrize("stack", STACKS)
def test_the_app_verifies_the_database_certificate_by_default(stack_json, stack: str) -> None:
    image = only(stack_json(stack), "aws_apprunner_service")["source_configuration"]["image_repository"]
    assert image["image_configuration"]["runtime_environment_variables"]["DATABASE_SSLMODE"] == "verify-full"


def test_sslmode_is_a_setting_that_refuses_modes_without_tls(environments: Path) -> None:
    set_key(environments / "stage.toml", "app", "database_sslmode", '"verify-ca"')
    assert {config.name: config for config in load_environments(environments)}["stage"].app.database_sslmode == (
        "verify-ca"
    )
    set_key(environments / "stage.toml", "app", "database_sslmode", '"disable"')
    with pytest.raises(ConfigError, match="database_sslmode"):
        load_environments(environments)


def test_the_alarm_service_uses_the_key_only_through_sns(stack_json) -> None:
    policy = only(stack_json("prod"), "aws_kms_key")["policy"]
    alarms = policy[policy.index('"Sid" = "CloudWatchAlarmsPublishToTheEncryptedTopic"') :]
    assert '"kms:ViaService" = "sns.us-east-1.amazonaws.com"' in alarms


# 7. Database credentials that survive rotation: the app's own IAM user, the master secret on a schedule.


@pytest.mark.parametrize("stack", STACKS)
def test_the_app_connects_as_its_own_user_with_iam_and_never_sees_the_master_secret(stack_json, stack: str) -> None:
    document = stack_json(stack)
    cluster = only(document, "aws_rds_cluster")
    assert cluster["iam_database_authentication_enabled"] is True and cluster["enable_http_endpoint"] is True
    image = only(document, "aws_apprunner_service")["source_configuration"]["image_repository"]["image_configuration"]
    assert (
        image["runtime_environment_variables"]["DATABASE_USERNAME"] == APP_DATABASE_USER != cluster["master_username"]
    )
    assert image["runtime_environment_variables"]["DATABASE_AUTH"] == "iam"
    assert set(image["runtime_environment_secrets"]) == {"SECRET_KEY"}
    assert "master_user_secret" not in json.dumps(only(document, "aws_apprunner_service"))
    runtime = document["data"]["aws_iam_policy_document"]["service_instance_policy_document"]["statement"]
    assert "master_user_secret" not in json.dumps(runtime)
    (connect,) = [item for item in runtime if item["actions"] == ["rds-db:connect"]]
    assert connect["resources"] == [
        "arn:${data.aws_partition.partition.partition}:rds-db:us-east-1:${data.aws_caller_identity.account.account_id}"
        f":dbuser:${{aws_rds_cluster.db.cluster_resource_id}}/{APP_DATABASE_USER}"
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_the_master_secret_rotates_every_7_days_on_a_stated_schedule(stack_json, stack: str) -> None:
    rotation = only(stack_json(stack), "aws_secretsmanager_secret_rotation")
    assert rotation["secret_id"] == "${aws_rds_cluster.db.master_user_secret[0].secret_arn}"
    assert rotation["rotation_rules"] == {"automatically_after_days": 7}
    assert rotation["rotate_immediately"] is False and "rotation_lambda_arn" not in rotation


def test_an_engine_version_without_the_data_api_is_refused(environments: Path) -> None:
    set_key(environments / "prod.toml", "database", "engine_version", '"14.7"')
    with pytest.raises(ConfigError, match=r"14\.8 or later \(the RDS Data API"):
        load_environments(environments)


def test_the_master_user_cannot_be_the_apps_user(environments: Path) -> None:
    set_key(environments / "stage.toml", "database", "master_username", f'"{APP_DATABASE_USER}"')
    with pytest.raises(ConfigError, match="master_username"):
        load_environments(environments)


# 8. Kept data stays restorable: nothing a destroy keeps depends on a key the destroy deletes.

# What each resource leaves behind when it is destroyed, and the argument naming the key that encrypts it.
LEFT_BEHIND = {
    "aws_rds_cluster": "kms_key_id",  # final snapshot (skip_final_snapshot = false)
    "aws_elasticache_replication_group": "kms_key_id",  # final snapshot (final_snapshot_identifier)
}


def _key_address(reference: str) -> str:
    match = re.fullmatch(r"\$\{(aws_kms_key\.\w+)\.arn\}", reference)
    assert match, f"not a key of this stack: {reference}"
    return match.group(1)


def test_nothing_a_destroy_keeps_depends_on_a_key_the_destroy_deletes(stack_json) -> None:
    document = stack_json("stage")  # unprotected: the one a destroy may delete
    checked = 0
    for kind, argument in LEFT_BEHIND.items():
        for name, body in resources(document, kind).items():
            assert body.get("skip_final_snapshot") is not True, f"{kind}.{name} keeps no final snapshot"
            key = _key_address(body[argument])
            assert key in KEPT_BY_DESTROY, f"{kind}.{name}'s final snapshot is encrypted with {key}"
            checked += 1
    assert checked == 2
    # A backup vault a destroy deletes keeps nothing; one it keeps (protected) is never destroyed.
    vault = only(document, "aws_backup_vault")
    assert vault["force_destroy"] is True
    # The kept key's alias is destroyed with the environment, so the next deploy creates its own.
    assert not [address for address in KEPT_BY_DESTROY if address.startswith("aws_kms_alias.")]
