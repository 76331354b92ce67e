"""Service tier: App Runner per the table, least-privilege IAM, secrets as references, budget, alarms."""

from __future__ import annotations

import re

import pytest

from modules.settings import load_environments
from modules.settings.app import SECRET_LOOKING
from tests.conftest import ENVIRONMENTS, ROOT, only, resources

TABLE = {
    # stack: (cpu, memory, min, max, concurrency, LOG_LEVEL, APP_ENV, DB pool, DB overflow, Redis pool, budget)
    "stage": ("256", "512", 1, 2, 50, "DEBUG", "staging", "5", "2", "5", "85.00"),
    "prod": ("512", "1024", 1, 5, 100, "WARNING", "production", "20", "10", "10", "250.00"),
}


def _policy(document: dict, name: str) -> dict[str, tuple[list[str], list[str]]]:
    statements = document["data"]["aws_iam_policy_document"][name]["statement"]
    return {s["sid"]: (s["actions"], s.get("resources", [])) for s in statements}


@pytest.mark.parametrize("stack", ["stage", "prod"])
def test_service_follows_the_table(stack_json, stack: str) -> None:
    cpu, memory, low, high, concurrency, log_level, app_env, pool, overflow, redis_pool, budget = TABLE[stack]
    document = stack_json(stack)
    service = only(document, "aws_apprunner_service")
    assert service["instance_configuration"]["cpu"] == cpu and service["instance_configuration"]["memory"] == memory
    scaling = only(document, "aws_apprunner_auto_scaling_configuration_version")
    assert (scaling["min_size"], scaling["max_size"], scaling["max_concurrency"]) == (low, high, concurrency)
    variables = service["source_configuration"]["image_repository"]["image_configuration"][
        "runtime_environment_variables"
    ]
    assert variables["LOG_LEVEL"] == log_level and variables["APP_ENV"] == app_env
    assert (variables["DATABASE_POOL_SIZE"], variables["DATABASE_MAX_OVERFLOW"], variables["REDIS_POOL_SIZE"]) == (
        pool,
        overflow,
        redis_pool,
    )
    assert variables["APP_NAME"] == "cerberus" and variables["DEBUG"] == "false"
    assert only(document, "aws_budgets_budget")["limit_amount"] == budget


def test_service_runs_the_image_tag_variable_from_ecr_with_explicit_deploys(stack_json) -> None:
    document = stack_json("prod")
    service = only(document, "aws_apprunner_service")
    source = service["source_configuration"]
    assert source["auto_deployments_enabled"] is False
    assert source["image_repository"]["image_identifier"] == "${aws_ecr_repository.ecr.repository_url}:${var.image_tag}"
    assert source["image_repository"]["image_configuration"]["port"] == "8000"
    assert document["variable"]["image_tag"]["default"] == "v0.1.0"
    assert (
        service["health_check_configuration"]["protocol"] == "HTTP"
        and service["health_check_configuration"]["path"] == "/health"
    )
    assert service["network_configuration"]["egress_configuration"] == {
        "egress_type": "VPC",
        "vpc_connector_arn": "${aws_apprunner_vpc_connector.service_vpc_connector.arn}",
    }
    assert service["observability_configuration"]["observability_enabled"] is True
    assert service["encryption_configuration"] == {"kms_key": "${aws_kms_key.key.arn}"}
    connector = only(document, "aws_apprunner_vpc_connector")
    assert connector["security_groups"] == ["${aws_security_group.network_app.id}"]
    assert connector["subnets"] == "${data.aws_subnets.service_connector_subnets.ids}"


def test_every_secret_reaches_app_runner_as_a_secrets_manager_reference(stack_json) -> None:
    for stack in ("stage", "prod"):
        image = only(stack_json(stack), "aws_apprunner_service")["source_configuration"]["image_repository"][
            "image_configuration"
        ]
        # The database takes an IAM token as the app's own user: no database secret reaches the service.
        assert image["runtime_environment_secrets"] == {
            "SECRET_KEY": "${aws_secretsmanager_secret.secrets_secret_key.arn}",
        }
        plain = image["runtime_environment_variables"]
        assert not [name for name in plain if SECRET_LOOKING.fullmatch(name)]
        assert not [value for value in plain.values() if "secret" in value.lower()]


def test_instance_role_reads_exactly_this_environments_secrets_and_key(stack_json) -> None:
    document = stack_json("prod")
    assert _policy(document, "service_instance_policy_document") == {
        "ReadThisEnvironmentsSecrets": (
            ["secretsmanager:GetSecretValue"],
            ["${aws_secretsmanager_secret.secrets_secret_key.arn}"],
        ),
        "DecryptWithThisEnvironmentsKey": (["kms:Decrypt"], ["${aws_kms_key.key.arn}"]),
        "ConnectToTheCacheWithIam": (
            ["elasticache:Connect"],
            ["${aws_elasticache_replication_group.cache.arn}", "${aws_elasticache_user.cache_app_user.arn}"],
        ),
        "ConnectToTheDatabaseWithIam": (
            ["rds-db:connect"],
            [
                "arn:${data.aws_partition.partition.partition}:rds-db:us-east-1:"
                "${data.aws_caller_identity.account.account_id}:dbuser:${aws_rds_cluster.db.cluster_resource_id}/app"
            ],
        ),
        "WriteTraces": (
            [
                "xray:GetSamplingRules",
                "xray:GetSamplingStatisticSummaries",
                "xray:GetSamplingTargets",
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
            ],
            ["*"],
        ),
    }


def test_access_role_pulls_only_this_repository(stack_json) -> None:
    assert _policy(stack_json("prod"), "service_access_policy_document") == {
        "PullThisEnvironmentsImages": (
            [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:DescribeImages",
                "ecr:GetDownloadUrlForLayer",
            ],
            ["${aws_ecr_repository.ecr.arn}"],
        ),
        "GetRegistryToken": (["ecr:GetAuthorizationToken"], ["*"]),
        "DecryptImageLayers": (["kms:Decrypt"], ["${aws_kms_key.key.arn}"]),
    }


@pytest.mark.parametrize(
    ("document", "service"),
    [
        ("service_access_role_trust", "build.apprunner.amazonaws.com"),
        ("service_instance_role_trust", "tasks.apprunner.amazonaws.com"),
    ],
)
def test_each_role_is_trusted_by_one_app_runner_principal_only(stack_json, document: str, service: str) -> None:
    (trust,) = stack_json("prod")["data"]["aws_iam_policy_document"][document]["statement"]
    assert trust["actions"] == ["sts:AssumeRole"] and trust["principals"] == [
        {"identifiers": [service], "type": "Service"}
    ]


def test_ecr_repository_is_immutable_scanned_encrypted_and_pruned(stack_json) -> None:
    document = stack_json("stage")
    repository = only(document, "aws_ecr_repository")
    assert repository["name"] == "cerberus-stage" and repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["image_scanning_configuration"] == {"scan_on_push": True}
    assert repository["encryption_configuration"] == [{"encryption_type": "KMS", "kms_key": "${aws_kms_key.key.arn}"}]
    policy = only(document, "aws_ecr_lifecycle_policy")["policy"]
    rules = re.findall(
        r'"tagStatus" = "(\w+)", (?:"tagPatternList" = \["\*"\], )?"countType" = "(\w+)"(?:, "countUnit" = "\w+")?, '
        r'"countNumber" = (\d+)',
        policy,
    )
    assert rules == [("untagged", "sinceImagePushed", "7"), ("tagged", "imageCountMoreThan", "30")]


def test_budget_alerts_at_50_forecast_80_and_100_actual(stack_json) -> None:
    budget = only(stack_json("prod"), "aws_budgets_budget")
    assert budget["budget_type"] == "COST" and budget["time_unit"] == "MONTHLY" and budget["limit_unit"] == "USD"
    assert [(n["notification_type"], n["threshold"], n["threshold_type"]) for n in budget["notification"]] == [
        ("FORECASTED", 50, "PERCENTAGE"),
        ("ACTUAL", 80, "PERCENTAGE"),
        ("ACTUAL", 100, "PERCENTAGE"),
    ]
    assert all(n["subscriber_email_addresses"] == ["platform-alerts@example.com"] for n in budget["notification"])
    assert budget["cost_filter"] == [{"name": "TagKeyValue", "values": ["user:environment$prod"]}]


def test_alarms_carry_the_guides_warning_and_critical_thresholds(stack_json) -> None:
    alarms = resources(stack_json("prod"), "aws_cloudwatch_metric_alarm")
    threshold = {name.removeprefix("alarms_"): alarm["threshold"] for name, alarm in alarms.items()}
    assert (threshold["apprunner_5xx_warning"], threshold["apprunner_5xx_critical"]) == (5, 20)
    assert (threshold["apprunner_latency_p99_warning"], threshold["apprunner_latency_p99_critical"]) == (500, 2000)
    assert alarms["alarms_apprunner_latency_p99_warning"]["extended_statistic"] == "p99"
    assert (threshold["aurora_acu_warning"], threshold["aurora_acu_critical"]) == (70, 90)
    assert (threshold["aurora_cpu_warning"], threshold["aurora_cpu_critical"]) == (80, 95)
    assert (threshold["aurora_freeable_memory_warning"], threshold["aurora_freeable_memory_critical"]) == (
        500 * 2**20,
        100 * 2**20,
    )
    assert alarms["alarms_aurora_freeable_memory_warning"]["comparison_operator"] == "LessThanThreshold"
    # AWS's table: 8 ACU -> max_connections 1,669 (under the 2,000 cap of a 0.5 ACU minimum): 80 % and 95 %.
    assert (threshold["aurora_connections_warning"], threshold["aurora_connections_critical"]) == (1335, 1586)
    for node in ("001", "002"):  # prod: primary and replica
        assert (threshold[f"valkey_{node}_connections_warning"], threshold[f"valkey_{node}_connections_critical"]) == (
            1000,
            5000,
        )
        assert (threshold[f"valkey_{node}_memory_warning"], threshold[f"valkey_{node}_memory_critical"]) == (80, 95)
    assert len(alarms) == 20 and len(resources(stack_json("stage"), "aws_cloudwatch_metric_alarm")) == 16
    topic = only(stack_json("prod"), "aws_sns_topic")
    assert topic["kms_master_key_id"] == "${aws_kms_key.key.arn}"
    assert all(alarm["alarm_actions"] == ["${aws_sns_topic.alarms_topic.arn}"] for alarm in alarms.values())


def test_service_outputs_are_described(stack_json) -> None:
    outputs = stack_json("prod")["output"]
    required = {
        "app_url",
        "apprunner_service_arn",
        "ecr_repository_url",
        "aurora_endpoint",
        "aurora_reader_endpoint",
        "valkey_endpoint",
        "apprunner_security_group_id",
        "aurora_master_secret_arn",
        "secret_key_secret_arn",
    }
    assert required <= set(outputs)
    assert outputs["app_url"]["value"] == "https://${aws_apprunner_service.service.service_url}"
    assert all(output["description"] for output in outputs.values())


def test_alarm_thresholds_and_variables_are_overridable_per_environment(environments, tmp_path) -> None:
    import json

    from main import synthesize
    from tests.config_helpers import set_key

    set_key(environments / "stage.toml", "alarms", "aurora_cpu_warning", "60")
    set_key(environments / "stage.toml", "app.environment", "MCP_MAX_RETRIES", '"4"')
    outdir = tmp_path / "cdktf.out"
    synthesize(environments, outdir)
    document = json.loads((outdir / "stacks" / "stage" / "cdk.tf.json").read_text())
    assert resources(document, "aws_cloudwatch_metric_alarm")["alarms_aurora_cpu_warning"]["threshold"] == 60
    image = only(document, "aws_apprunner_service")["source_configuration"]["image_repository"]["image_configuration"]
    assert image["runtime_environment_variables"]["MCP_MAX_RETRIES"] == "4"


def test_every_variable_the_stack_sets_is_reserved_in_the_environment_files(stack_json) -> None:
    from modules.settings.app import RESERVED_VARIABLES

    image = only(stack_json("prod"), "aws_apprunner_service")["source_configuration"]["image_repository"][
        "image_configuration"
    ]
    environment_file = {config.name: config for config in load_environments(ENVIRONMENTS)}["prod"].app.environment
    set_by_stack = (set(image["runtime_environment_variables"]) - set(environment_file)) | set(
        image["runtime_environment_secrets"]
    )
    assert set_by_stack <= set(RESERVED_VARIABLES)


def test_the_custom_policy_and_the_config_share_the_secret_name_rule() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "apprunner_policies", ROOT / "policies" / "checkov" / "apprunner_service.py"
    )
    policies = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(policies)  # type: ignore[union-attr]
    assert policies.SECRET_LOOKING.pattern == SECRET_LOOKING.pattern
