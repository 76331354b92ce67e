"""The ECS Fargate backend ([app] platform = "ecs"): validation, the task definition, the roles, scaling,
the HTTPS path with and without a domain, alarms, cost and protection.

tests/fixtures/ecs/ (not shipped) holds three environments: the default VPC without a domain (CloudFront,
public-IP tasks, arm64), a dedicated VPC with a NAT instance without a domain, and a protected dedicated
VPC with a domain (ACM, Route 53)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from modules.compute.ecs import NO_WAF, requests_per_target
from modules.observability.metrics import PUBLISHED
from modules.settings import load_environment, load_environments
from modules.settings.cost import count, idle_cost, total
from modules.settings.protection import STATEFUL_TYPES
from tests.config_helpers import environment_copy, problems, set_key
from tests.conftest import ROOT, only, resources, synthesized

FIXTURES = ROOT / "tests" / "fixtures" / "ecs"
ECS_ONLY_TYPES = ("aws_ecs_", "aws_lb", "aws_cloudfront_", "aws_acm_", "aws_route53_", "aws_appautoscaling_")


@pytest.fixture(scope="module")
def ecs_json(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict]:
    return synthesized(FIXTURES, tmp_path_factory.mktemp("ecs") / "cdktf.out")


@pytest.fixture
def ecs_file(tmp_path: Path) -> Path:
    return environment_copy(FIXTURES, tmp_path / "environments", "ecs-default-vpc")


def container(document: dict) -> dict:
    task = only(document, "aws_ecs_task_definition")
    (definition,) = json.loads(task["container_definitions"])
    return definition


def policy(document: dict, name: str) -> dict[str, dict]:
    """The statements of a policy document data source, by Sid."""
    data = document["data"]["aws_iam_policy_document"][name]
    return {item["sid"]: item for item in data["statement"]}


# --- validation: one line per problem --------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("app", "platform", '"lambda"', 'app.platform = "lambda": expected one of: "apprunner", "ecs"'),
        ("app", "architecture", '"arm"', 'app.architecture = "arm": expected one of: "x86_64", "arm64"'),
        ("app", "memory", "4096", 'app.memory = 4096: expected with platform = "ecs" and cpu = 256: one of 512, 1024, '
         "2048"),
        ("app", "domain", '"API.example.com"', "expected a lowercase DNS name of two labels at least"),
        ("app", "domain", '"api.example.com"', 'app.domain = "api.example.com": expected set together with '
         "hosted_zone_id"),
        ("app", "hosted_zone_id", '"Z123"', 'app.hosted_zone_id = "Z123": expected set together with domain'),
        ("app", "hosted_zone_id", '"zone-1"', "expected a Route 53 hosted zone id"),
    ],
)  # fmt: skip
def test_a_bad_ecs_value_is_one_line(ecs_file: Path, section: str, key: str, value: str, expected: str) -> None:
    set_key(ecs_file, section, key, value)
    (line,) = problems(ecs_file)
    assert line.startswith("ecs/ecs-default-vpc.toml") or "ecs-default-vpc.toml" in line
    assert expected in line, line


def test_fargate_offers_pairs_app_runner_does_not(ecs_file: Path) -> None:
    set_key(ecs_file, "app", "cpu", "8192")
    set_key(ecs_file, "app", "memory", "32768")
    assert load_environment(ecs_file).app.memory == 32768
    set_key(ecs_file, "app", "platform", None)
    set_key(ecs_file, "app", "architecture", None)
    (line,) = problems(ecs_file)
    assert 'app.cpu = 8192: expected with platform = "apprunner": one of 256, 512, 1024, 2048, 4096' in line


@pytest.mark.parametrize(("key", "value"), [("architecture", '"arm64"'), ("read_only_root_filesystem", "false")])
def test_app_runner_refuses_ecs_only_keys_saying_why(ecs_file: Path, key: str, value: str) -> None:
    set_key(ecs_file, "app", "platform", '"apprunner"')
    set_key(ecs_file, "app", "architecture", None)
    set_key(ecs_file, "app", key, value)
    found = problems(ecs_file)
    assert any(f"app.{key} = " in line and 'no value with platform = "apprunner"' in line for line in found), found


def test_ecs_without_a_nat_needs_the_endpoints_a_task_starts_with(ecs_file: Path) -> None:
    for key, value in (("mode", '"dedicated"'), ("nat", '"none"'), ("endpoints", '["ecr.api", "sts"]')):
        set_key(ecs_file, "network", key, value)
    (line,) = problems(ecs_file)
    assert 'network.endpoints = ["ecr.api", "sts"]: expected ecr.dkr, logs, secretsmanager too' in line


def test_shipped_environments_stay_on_app_runner() -> None:
    for config in load_environments(ROOT / "environments"):
        assert config.app.platform == "apprunner", config.name


# --- what an ECS environment synthesizes -------------------------------------------------------------


def test_the_task_definition_gets_secrets_as_references_never_values(ecs_json: Callable[[str], dict]) -> None:
    document = ecs_json("ecs-default-vpc")
    definition = container(document)
    assert definition["secrets"] == [
        {"name": "SECRET_KEY", "valueFrom": "${aws_secretsmanager_secret.secrets_secret_key.arn}"}
    ]
    names = {item["name"] for item in definition["environment"]}
    assert not names & {"SECRET_KEY", "DATABASE_PASSWORD", "DATABASE_URL"}
    assert {"DATABASE_AUTH", "DATABASE_USERNAME", "REDIS_AUTH", "PORT", "LOG_LEVEL"} <= names
    values = {item["name"]: item["value"] for item in definition["environment"]}
    assert values["DATABASE_AUTH"] == "iam" and values["PORT"] == "8000"
    # The master secret is never the app's.
    assert (
        "master_user_secret" not in document["resource"]["aws_ecs_task_definition"]["ecs_task"]["container_definitions"]
    )
    assert definition["privileged"] is False and definition["readonlyRootFilesystem"] is True
    assert definition["healthCheck"]["command"][:2] == ["CMD", "python3"]
    assert "http://127.0.0.1:8000/health" in definition["healthCheck"]["command"][-1]
    assert definition["logConfiguration"]["options"]["awslogs-group"] == "${aws_cloudwatch_log_group.ecs_logs.name}"


def test_the_same_plain_variables_as_app_runner(
    ecs_json: Callable[[str], dict], stack_json: Callable[[str], dict]
) -> None:
    app_runner = only(stack_json("stage"), "aws_apprunner_service")["source_configuration"]["image_repository"]
    stage, ecs = (
        load_environment(ROOT / "environments" / "stage.toml"),
        load_environment(FIXTURES / "ecs-dedicated.toml"),
    )
    # What the stack sets is the same; each file adds its own [app.environment].
    set_by_stack = set(app_runner["image_configuration"]["runtime_environment_variables"]) - set(stage.app.environment)
    expected = set_by_stack | set(ecs.app.environment)
    names = {item["name"] for item in container(ecs_json("ecs-dedicated"))["environment"]}
    assert names - {"PORT"} == expected


def test_task_definition_size_architecture_and_log_group(ecs_json: Callable[[str], dict]) -> None:
    task = only(ecs_json("ecs-default-vpc"), "aws_ecs_task_definition")
    assert (task["cpu"], task["memory"], task["network_mode"]) == ("256", "512", "awsvpc")
    assert task["runtime_platform"] == {"cpu_architecture": "ARM64", "operating_system_family": "LINUX"}
    assert only(ecs_json("ecs-domain"), "aws_ecs_task_definition")["runtime_platform"]["cpu_architecture"] == "X86_64"
    assert container(ecs_json("ecs-domain"))["readonlyRootFilesystem"] is False
    logs = resources(ecs_json("ecs-default-vpc"), "aws_cloudwatch_log_group")["ecs_logs"]
    assert logs["kms_key_id"] == "${aws_kms_key.key.arn}"
    cluster = only(ecs_json("ecs-default-vpc"), "aws_ecs_cluster")
    assert cluster["setting"] == [{"name": "containerInsights", "value": "enabled"}]


def test_the_roles_are_least_privilege(ecs_json: Callable[[str], dict]) -> None:
    document = ecs_json("ecs-dedicated")
    execution = policy(document, "ecs_execution_policy_document")
    assert execution["PullThisEnvironmentsImages"]["resources"] == ["${aws_ecr_repository.ecr.arn}"]
    assert execution["ReadThisEnvironmentsSecrets"]["resources"] == [
        "${aws_secretsmanager_secret.secrets_secret_key.arn}"
    ]
    assert execution["WriteThisServicesLogs"]["resources"] == ["${aws_cloudwatch_log_group.ecs_logs.arn}:log-stream:*"]
    assert execution["GetRegistryToken"]["actions"] == ["ecr:GetAuthorizationToken"]
    task = policy(document, "ecs_task_policy_document")
    assert set(task) == {"ConnectToTheCacheWithIam", "ConnectToTheDatabaseWithIam"}
    wildcard = [sid for sid, item in {**execution, **task}.items() if "*" in item["resources"]]
    assert wildcard == ["GetRegistryToken"]
    trust = document["data"]["aws_iam_policy_document"]["ecs_task_role_trust"]["statement"][0]
    assert trust["principals"] == [{"identifiers": ["ecs-tasks.amazonaws.com"], "type": "Service"}]


def test_scaling_maps_min_max_and_max_concurrency(ecs_json: Callable[[str], dict]) -> None:
    document = ecs_json("ecs-domain")
    target = only(document, "aws_appautoscaling_target")
    assert (target["min_capacity"], target["max_capacity"]) == (2, 6)
    assert target["scalable_dimension"] == "ecs:service:DesiredCount"
    policies = resources(document, "aws_appautoscaling_policy")
    tracking = {
        item["target_tracking_scaling_policy_configuration"]["predefined_metric_specification"][
            "predefined_metric_type"
        ]: item["target_tracking_scaling_policy_configuration"]
        for item in policies.values()
    }
    assert tracking["ALBRequestCountPerTarget"]["target_value"] == requests_per_target(80) == 4800
    label = tracking["ALBRequestCountPerTarget"]["predefined_metric_specification"]["resource_label"]
    assert label == "${aws_lb.ecs_alb.arn_suffix}/${aws_lb_target_group.ecs_targets.arn_suffix}"
    assert tracking["ECSServiceAverageCPUUtilization"]["target_value"] == 70
    service = only(document, "aws_ecs_service")
    assert service["desired_count"] == 2 and service["lifecycle"]["ignore_changes"] == ["desired_count"]
    assert service["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
    assert service["wait_for_steady_state"] is True


def test_tasks_are_private_in_a_dedicated_vpc_and_public_only_in_the_default(ecs_json: Callable[[str], dict]) -> None:
    dedicated = only(ecs_json("ecs-dedicated"), "aws_ecs_service")["network_configuration"]
    assert dedicated["assign_public_ip"] is False
    assert dedicated["subnets"] == ["${aws_subnet.network_private_0.id}", "${aws_subnet.network_private_1.id}"]
    default = only(ecs_json("ecs-default-vpc"), "aws_ecs_service")["network_configuration"]
    assert default["assign_public_ip"] is True
    alb = only(ecs_json("ecs-dedicated"), "aws_lb")
    assert alb["subnets"] == ["${aws_subnet.network_public_0.id}", "${aws_subnet.network_public_1.id}"]
    for name in ("ecs-dedicated", "ecs-default-vpc", "ecs-domain"):
        document = ecs_json(name)
        into_app = [
            rule
            for rule in resources(document, "aws_vpc_security_group_ingress_rule").values()
            if rule["security_group_id"] == "${aws_security_group.network_app.id}"
        ]
        assert [(rule["referenced_security_group_id"], rule["from_port"]) for rule in into_app] == [
            ("${aws_security_group.ecs_alb_security_group.id}", 8000)
        ], name


def test_https_without_a_domain_is_cloudfront_in_front_of_a_load_balancer_only_it_reaches(
    ecs_json: Callable[[str], dict],
) -> None:
    document = ecs_json("ecs-default-vpc")
    distribution = only(document, "aws_cloudfront_distribution")
    assert distribution["viewer_certificate"] == {"cloudfront_default_certificate": True}
    assert distribution["default_cache_behavior"]["viewer_protocol_policy"] == "redirect-to-https"
    (origin,) = distribution["origin"]
    secret = "${data.aws_secretsmanager_secret_version.ecs_origin_verify_read.secret_string}"
    assert origin["custom_header"] == [{"name": "X-Origin-Verify", "value": secret}]
    # HTTP to the origin: suppressed with its reason (checkov finds it once a plan knows the origin).
    assert "HTTP" in distribution["//"]["checkov_skip"]["CKV2_AWS_72"]
    listener = only(document, "aws_lb_listener")
    assert listener["default_action"][0]["type"] == "fixed-response"
    rule = only(document, "aws_lb_listener_rule")
    assert rule["condition"][0]["http_header"] == {"http_header_name": "X-Origin-Verify", "values": [secret]}
    into_alb = [
        rule
        for rule in resources(document, "aws_vpc_security_group_ingress_rule").values()
        if rule["security_group_id"] == "${aws_security_group.ecs_alb_security_group.id}"
    ]
    assert [rule.get("prefix_list_id") for rule in into_alb] == [
        "${data.aws_ec2_managed_prefix_list.ecs_cloudfront_origin_facing.id}"
    ]
    assert not any(rule.get("cidr_ipv4") for rule in into_alb)
    assert document["output"]["app_url"]["value"] == "https://${aws_cloudfront_distribution.ecs_cdn.domain_name}"
    assert "aws_acm_certificate" not in document["resource"]
    # The header's value is drawn by Secrets Manager at apply: never in the JSON.
    assert "ephemeral" in document and "aws_secretsmanager_random_password" in document["ephemeral"]


def test_https_with_a_domain_is_acm_validated_in_route_53(ecs_json: Callable[[str], dict]) -> None:
    document = ecs_json("ecs-domain")
    certificate = only(document, "aws_acm_certificate")
    assert (certificate["domain_name"], certificate["validation_method"]) == ("api.example.com", "DNS")
    validation = resources(document, "aws_route53_record")["ecs_certificate_validation"]
    assert validation["zone_id"] == "Z0123456789ABCDEFGHIJ" and "for_each" not in validation
    assert "tolist(aws_acm_certificate.ecs_certificate.domain_validation_options)[0]" in validation["name"]
    listeners = {item["port"]: item for item in resources(document, "aws_lb_listener").values()}
    assert listeners[443]["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert (
        listeners[443]["certificate_arn"]
        == "${aws_acm_certificate_validation.ecs_certificate_validated.certificate_arn}"
    )
    assert listeners[80]["default_action"][0]["redirect"] == {
        "port": "443",
        "protocol": "HTTPS",
        "status_code": "HTTP_301",
    }
    # What checkov finds once a plan knows the values (every plan after the first), suppressed with reasons.
    assert (
        "redirect"
        in resources(document, "aws_security_group")["ecs_alb_security_group"]["//"]["checkov_skip"]["CKV_AWS_260"]
    )
    task = only(document, "aws_ecs_task_definition")["//"]
    assert "read_only_root_filesystem = false" in task["checkov_skip"]["CKV_AWS_336"]
    assert "CKV_AWS_336" not in only(ecs_json("ecs-default-vpc"), "aws_ecs_task_definition")["//"].get(
        "checkov_skip", {}
    )
    alias = resources(document, "aws_route53_record")["ecs_alias"]
    assert alias["name"] == "api.example.com" and alias["alias"]["name"] == "${aws_lb.ecs_alb.dns_name}"
    assert "aws_cloudfront_distribution" not in document["resource"]
    assert document["output"]["app_url"]["value"] == "https://api.example.com"


def test_the_load_balancer_drops_bad_headers_logs_to_sse_s3_and_follows_protection(
    ecs_json: Callable[[str], dict],
) -> None:
    for name, protected in (("ecs-domain", True), ("ecs-default-vpc", False)):
        document = ecs_json(name)
        alb = only(document, "aws_lb")
        assert alb["drop_invalid_header_fields"] is True and alb["enable_deletion_protection"] is protected
        assert alb["access_logs"]["enabled"] is True
        encryption = only(document, "aws_s3_bucket_server_side_encryption_configuration")
        assert encryption["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"] == "AES256"
        bucket = only(document, "aws_s3_bucket")
        assert ("prevent_destroy" in json.dumps(bucket.get("lifecycle", {}))) is protected
        assert bucket.get("force_destroy", False) is not protected
    assert "aws_s3_bucket" in STATEFUL_TYPES  # the guard treats the access-log bucket as stateful


def test_alarms_map_the_same_thresholds(ecs_json: Callable[[str], dict]) -> None:
    alarms = resources(ecs_json("ecs-domain"), "aws_cloudwatch_metric_alarm")
    assert not [name for name in alarms if name.startswith("alarms_apprunner")]
    five = alarms["alarms_alb_target_5xx_critical"]
    assert (five["namespace"], five["metric_name"], five["threshold"]) == (
        "AWS/ApplicationELB",
        "HTTPCode_Target_5XX_Count",
        20,
    )
    latency = alarms["alarms_alb_latency_p99_warning"]
    assert (latency["extended_statistic"], latency["threshold"]) == ("p99", 0.5)  # 500 ms, in seconds
    running = alarms["alarms_ecs_running_tasks_warning"]
    assert (running["namespace"], running["metric_name"], running["threshold"]) == (
        "ECS/ContainerInsights",
        "RunningTaskCount",
        2,
    )
    assert running["treat_missing_data"] == "breaching" and running["comparison_operator"] == "LessThanThreshold"
    assert {"alarms_ecs_cpu_warning", "alarms_ecs_memory_critical"} <= set(alarms)


def test_without_waf_its_findings_stay_suppressed_with_the_reason(ecs_json: Callable[[str], dict]) -> None:
    document = ecs_json("ecs-default-vpc")
    distribution, alb = only(document, "aws_cloudfront_distribution"), only(document, "aws_lb")
    skipped = {**distribution["//"]["checkov_skip"], **alb["//"]["checkov_skip"]}
    for check_id in ("CKV_AWS_68", "CKV2_AWS_47", "CKV2_AWS_28"):
        assert skipped[check_id] == NO_WAF, check_id
    assert "web_acl_id" not in distribution and "aws_wafv2_web_acl" not in document["resource"]
    assert only(ecs_json("ecs-domain"), "aws_lb")["//"]["checkov_skip"]["CKV2_AWS_28"] == NO_WAF


def test_outputs_keep_their_names_plus_the_cluster_and_service(ecs_json: Callable[[str], dict]) -> None:
    outputs = ecs_json("ecs-dedicated")["output"]
    assert {"app_url", "ecr_repository_url", "ecs_cluster_name", "ecs_service_name", "aurora_endpoint"} <= set(outputs)
    assert not [name for name in outputs if name.startswith("apprunner")]


def test_no_ecs_resource_in_an_app_runner_environment(stack_json: Callable[[str], dict]) -> None:
    for name in ("stage", "prod"):
        kinds = set(stack_json(name)["resource"])
        assert not [kind for kind in kinds if kind.startswith(ECS_ONLY_TYPES)], name


def test_idle_cost_covers_fargate_the_load_balancer_ipv4_and_container_insights(
    ecs_json: Callable[[str], dict],
) -> None:
    lines = {}
    for name in ("ecs-default-vpc", "ecs-domain"):
        config = load_environment(FIXTURES / f"{name}.toml")
        cost = idle_cost(config, count(ecs_json(name)))
        lines[name] = ({line.item: round(line.usd, 2) for line in cost}, total(cost))
    default, _ = lines["ecs-default-vpc"]
    # arm64, 0.25 vCPU + 0.5 GB, one task: (0.25 x 0.03238 + 0.5 x 0.00356) x 730
    assert default["ECS Fargate"] == 7.21
    assert default["Application Load Balancer"] == 16.43
    # us-east-1's six default subnets and one public-IP task
    assert default["Public IPv4 addresses (ECS)"] == 25.55
    assert default["Container Insights"] == 6.0 and "CloudFront" in default
    domain, _ = lines["ecs-domain"]
    # x86_64, 2 tasks x (1 vCPU x 0.04048 + 5 GB x 0.004445) x 730
    assert domain["ECS Fargate"] == 91.55
    assert domain["Public IPv4 addresses (ECS)"] == 7.3 and "CloudFront" not in domain
    assert "App Runner" not in domain


def test_the_workspace_readme_says_which_platform_it_runs(ecs_json: Callable[[str], dict], outdir: Path) -> None:
    stacks = ecs_json.outdir / "stacks"  # type: ignore[attr-defined]
    assert "**ECS on Fargate**" in (stacks / "ecs-domain" / "README.md").read_text(encoding="utf-8")
    assert "https://api.example.com" in (stacks / "ecs-domain" / "README.md").read_text(encoding="utf-8")
    assert "**AWS App Runner**" in (outdir / "stacks" / "stage" / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_ecs_environments_validate_and_pass_checkov_in_both_network_modes(
    ecs_json: Callable[[str], dict], tmp_path: Path
) -> None:
    """The gate (terraform validate with the real provider, checkov, the IAM linter) on the fixtures."""
    reports = tmp_path / "reports"
    result = subprocess.run(
        [sys.executable, "-m", "scripts.ops", "gate", "--outdir", str(ecs_json.outdir), "--reports", str(reports)],  # type: ignore[attr-defined]
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = {item["name"]: item for item in json.loads((reports / "summary.json").read_text())}
    assert set(summary) == {"bootstrap", "ecs-dedicated", "ecs-default-vpc", "ecs-domain"}
    for name, item in summary.items():
        assert item["validate"] == "valid", name
        assert item["failed"] == [] and item["stale"] == [] and item["passed"] > 0, name
        assert item["iam_failed"] == [] and item["iam_stale"] == [], name


def test_every_ecs_alarm_watches_a_published_metric(ecs_json: Callable[[str], dict]) -> None:
    for name in ("ecs-default-vpc", "ecs-domain"):
        for alarm_id, alarm in resources(ecs_json(name), "aws_cloudwatch_metric_alarm").items():
            if "namespace" not in alarm:  # a metric query (the database's awake-only alarms)
                continue
            published = PUBLISHED[alarm["namespace"]]
            assert alarm["metric_name"] in published.metrics, alarm_id
            assert set(alarm["dimensions"]) <= published.dimensions, alarm_id
