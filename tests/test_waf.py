"""[waf]: the web ACL in front of the service on every platform and HTTPS front, its rules, its logs, its cost,
and the checkov findings it makes pass.

tests/fixtures/waf/ (not shipped): ECS without a domain in eu-west-1 (a CLOUDFRONT web ACL in us-east-1), ECS with
a domain (REGIONAL, on the load balancer) and App Runner in eu-west-1 (REGIONAL, on the service)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from modules.settings import ConfigError, load_environment, load_environments
from modules.settings.cost import count, idle_cost
from modules.settings.waf import MANAGED_RULE_GROUPS
from tests.config_helpers import environment_copy, problems, set_key
from tests.conftest import ROOT, only, passing_gate, resources

FIXTURES = ROOT / "tests" / "fixtures" / "waf"
ACL = "${aws_wafv2_web_acl.waf.arn}"
# What checkov finds without a web ACL, and passes with one.
WAF_CHECKS = {"CKV_AWS_68", "CKV2_AWS_47", "CKV2_AWS_28", "CKV2_AWS_31", "CKV_AWS_192", "CKV2_AWS_76"}


@pytest.fixture
def waf_file(tmp_path: Path) -> Path:
    return environment_copy(FIXTURES, tmp_path / "environments", "waf-apprunner")


def skipped(resource: dict) -> dict[str, str]:
    """The checkov findings accepted on a resource of the synthesized JSON: check id -> reason."""
    return dict(resource.get("//", {}).get("checkov_skip", {}))


# --- validation: one line per problem --------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("rate_limit", "5", "waf.rate_limit = 5: expected a number from 10 to 2000000000"),
        ("rate_limit", "3000000000", "waf.rate_limit = 3000000000: expected a number from 10 to 2000000000"),
        ("rate_limit", '"2000"', 'waf.rate_limit = "2000": expected a whole number'),
        ("enabled", '"yes"', 'waf.enabled = "yes": expected true or false'),
        ("rules", '["SQLi"]', 'waf.rules = ["SQLi"]: expected a known key (known keys: enabled, rate_limit)'),
    ],
)
def test_a_bad_waf_value_is_one_line(waf_file: Path, key: str, value: str, expected: str) -> None:
    set_key(waf_file, "waf", key, value)
    with pytest.raises(ConfigError) as raised:
        load_environments(waf_file.parent)
    (line,) = raised.value.problems
    assert line.startswith("environments/waf-apprunner.toml: "), line
    assert expected in line, line


def test_the_schema_says_the_same_range(waf_file: Path) -> None:
    schema = json.loads((ROOT / "environments" / "environment.schema.json").read_text(encoding="utf-8"))
    waf = schema["properties"]["waf"]
    assert waf["additionalProperties"] is False
    assert waf["properties"]["rate_limit"]["minimum"] == 10
    assert waf["properties"]["rate_limit"]["maximum"] == 2_000_000_000
    assert waf["properties"]["enabled"]["default"] is False
    assert load_environment(waf_file).waf.rate_limit == 2000


def test_the_shipped_environments_run_no_web_acl(stack_json: Callable[[str], dict]) -> None:
    for config in load_environments(ROOT / "environments"):
        assert not config.waf.enabled, config.name
        document = stack_json(config.name)
        assert not [kind for kind in document["resource"] if kind.startswith("aws_wafv2_")], config.name
        assert len(document["provider"]["aws"]) == 1, config.name


# --- where the web ACL sits ---------------------------------------------------------------------------


def test_behind_cloudfront_the_web_acl_is_the_distributions_in_us_east_1(waf_json: Callable[[str], dict]) -> None:
    document = waf_json("waf-cloudfront")
    acl = only(document, "aws_wafv2_web_acl")
    assert (acl["scope"], acl["provider"], acl["name"]) == (
        "CLOUDFRONT",
        "aws.us_east_1",
        "cerberus-waf-cloudfront-waf",
    )
    assert only(document, "aws_cloudfront_distribution")["web_acl_id"] == ACL
    assert "aws_wafv2_web_acl_association" not in document["resource"]
    default, east = document["provider"]["aws"]
    assert (default["region"], east["region"], east["alias"]) == ("eu-west-1", "us-east-1", "us_east_1")
    assert east["default_tags"] == default["default_tags"]
    assert east["allowed_account_ids"] == default["allowed_account_ids"] == ["111111111111"]
    assert only(document, "aws_wafv2_web_acl_logging_configuration")["provider"] == "aws.us_east_1"


def test_outside_us_east_1_its_log_group_has_a_key_of_its_own_there(waf_json: Callable[[str], dict]) -> None:
    document = waf_json("waf-cloudfront")
    logs = resources(document, "aws_cloudwatch_log_group")["waf_logs"]
    assert (logs["provider"], logs["kms_key_id"]) == ("aws.us_east_1", "${aws_kms_key.waf_key.arn}")
    key = resources(document, "aws_kms_key")["waf_key"]
    assert key["provider"] == "aws.us_east_1" and key["enable_key_rotation"] is True
    policy = key["policy"]
    assert (
        "logs.us-east-1.amazonaws.com" in policy
        and "arn:${data.aws_partition.partition.partition}:logs:us-east-1:" in policy
    )
    assert resources(document, "aws_kms_alias")["waf_key_alias"]["provider"] == "aws.us_east_1"
    # The environment's own key stays in the environment's region, for its own log groups only.
    assert "provider" not in resources(document, "aws_kms_key")["key"]


@pytest.mark.parametrize(
    ("name", "target"),
    [("waf-domain", "${aws_lb.ecs_alb.arn}"), ("waf-apprunner", "${aws_apprunner_service.service.arn}")],
)
def test_a_regional_web_acl_is_associated_with_what_serves(
    waf_json: Callable[[str], dict], name: str, target: str
) -> None:
    document = waf_json(name)
    acl = only(document, "aws_wafv2_web_acl")
    assert acl["scope"] == "REGIONAL" and "provider" not in acl
    association = only(document, "aws_wafv2_web_acl_association")
    assert (association["resource_arn"], association["web_acl_arn"]) == (target, ACL)
    assert len(document["provider"]["aws"]) == 1  # no second region
    logs = resources(document, "aws_cloudwatch_log_group")["waf_logs"]
    assert logs["kms_key_id"] == "${aws_kms_key.key.arn}" and "provider" not in logs
    assert len(resources(document, "aws_kms_key")) == 1
    assert "aws_cloudfront_distribution" not in document["resource"]


# --- rules and logs ---------------------------------------------------------------------------------


def test_the_rules_are_the_managed_groups_then_a_rate_limit(waf_json: Callable[[str], dict]) -> None:
    for name, limit in (("waf-cloudfront", 500), ("waf-domain", 2000), ("waf-apprunner", 2000)):
        acl = only(waf_json(name), "aws_wafv2_web_acl")
        assert acl["default_action"] == {"allow": {}}
        rules = sorted(acl["rule"], key=lambda rule: rule["priority"])
        assert [rule["priority"] for rule in rules] == list(range(len(MANAGED_RULE_GROUPS) + 1))
        managed = [rule["statement"]["managed_rule_group_statement"] for rule in rules[:-1]]
        assert [group["name"] for group in managed] == [
            "AWSManagedRulesAmazonIpReputationList",
            "AWSManagedRulesAnonymousIpList",
            "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesCommonRuleSet",
        ]
        assert all(group["vendor_name"] == "AWS" for group in managed)
        # The groups block (override none); only the named rules are set to count, never Log4JRCE.
        assert all(rule["override_action"] == {"none": {}} for rule in rules[:-1])
        overrides = {
            group["name"]: [item["name"] for item in group.get("rule_action_override", [])] for group in managed
        }
        assert overrides["AWSManagedRulesKnownBadInputsRuleSet"] == []
        assert overrides["AWSManagedRulesCommonRuleSet"] == ["SizeRestrictions_BODY"]
        assert overrides["AWSManagedRulesAnonymousIpList"] == ["HostingProviderIPList"]
        rate = rules[-1]
        assert rate["action"] == {"block": {}}
        assert rate["statement"]["rate_based_statement"] == {
            "limit": limit,
            "aggregate_key_type": "IP",
            "evaluation_window_sec": 300,
        }


def test_every_rule_has_metrics_and_sampled_requests_under_aws_limits(waf_json: Callable[[str], dict]) -> None:
    acl = only(waf_json("waf-domain"), "aws_wafv2_web_acl")
    configs = [acl["visibility_config"], *(rule["visibility_config"] for rule in acl["rule"])]
    assert all(item["cloudwatch_metrics_enabled"] and item["sampled_requests_enabled"] for item in configs)
    metrics = [item["metric_name"] for item in configs]
    assert len(set(metrics)) == len(metrics)
    assert all(len(metric) <= 255 and metric not in ("All", "Default_Action") for metric in metrics)
    assert len(acl["name"]) <= 128 and all(len(rule["name"]) <= 128 for rule in acl["rule"])


def test_logs_keep_blocked_and_counted_requests_without_credentials(waf_json: Callable[[str], dict]) -> None:
    for name in ("waf-cloudfront", "waf-domain", "waf-apprunner"):
        document = waf_json(name)
        logging = only(document, "aws_wafv2_web_acl_logging_configuration")
        assert logging["resource_arn"] == ACL
        assert logging["log_destination_configs"] == ["${aws_cloudwatch_log_group.waf_logs.arn}"]
        assert logging["redacted_fields"] == [
            {"single_header": {"name": "authorization"}},
            {"single_header": {"name": "cookie"}},
        ]
        log_filter = logging["logging_filter"]
        assert log_filter["default_behavior"] == "DROP"
        (kept,) = log_filter["filter"]
        assert (kept["behavior"], kept["requirement"]) == ("KEEP", "MEETS_ANY")
        assert [item["action_condition"]["action"] for item in kept["condition"]] == [
            "BLOCK",
            "COUNT",
            "EXCLUDED_AS_COUNT",
        ]
        logs = resources(document, "aws_cloudwatch_log_group")["waf_logs"]
        assert logs["name"] == f"aws-waf-logs-cerberus-{name}"
        assert logs["retention_in_days"] == load_environment(FIXTURES / f"{name}.toml").environment.log_retention_days


# --- what checkov finds, and what it costs -------------------------------------------------------------


def test_with_a_web_acl_the_waf_findings_are_no_longer_suppressed(waf_json: Callable[[str], dict]) -> None:
    cloudfront = waf_json("waf-cloudfront")
    assert not set(skipped(only(cloudfront, "aws_cloudfront_distribution"))) & WAF_CHECKS
    # A load balancer takes only a REGIONAL web ACL: behind CloudFront it is the distribution's that filters.
    reason = skipped(only(cloudfront, "aws_lb"))["CKV2_AWS_28"]
    assert "passed the distribution's web ACL" in reason
    for name in ("waf-domain", "waf-apprunner"):
        document = waf_json(name)
        found = {
            check for blocks in document["resource"].values() for block in blocks.values() for check in skipped(block)
        }
        assert not found & WAF_CHECKS, name


def test_the_idle_cost_counts_the_web_acl_and_its_rules(waf_json: Callable[[str], dict]) -> None:
    for name, keys in (("waf-cloudfront", 2), ("waf-apprunner", 1)):
        config = load_environment(FIXTURES / f"{name}.toml")
        lines = {line.item: line for line in idle_cost(config, count(waf_json(name)))}
        assert lines["AWS WAF"].usd == 10.0  # 5 USD the web ACL + 5 rules x 1 USD
        assert "$0.60 per million requests" in lines["AWS WAF"].basis
        assert lines["KMS"].usd == keys  # behind CloudFront outside us-east-1: the logs' key there


def test_the_workspace_readme_says_where_the_web_acl_is(waf_json: Callable[[str], dict]) -> None:
    stacks = waf_json.outdir / "stacks"  # type: ignore[attr-defined]
    cloudfront = (stacks / "waf-cloudfront" / "README.md").read_text(encoding="utf-8")
    assert "`cerberus-waf-cloudfront-waf` (CLOUDFRONT)" in cloudfront and "a key of its own there" in cloudfront
    apprunner = (stacks / "waf-apprunner" / "README.md").read_text(encoding="utf-8")
    assert "associated with the App Runner service" in apprunner and "`AWSManagedRulesCommonRuleSet`" in apprunner
    assert "| AWS WAF |" in apprunner


@pytest.mark.slow
def test_waf_environments_validate_and_pass_checkov_with_no_waf_finding_suppressed(
    waf_json: Callable[[str], dict], tmp_path: Path
) -> None:
    """The gate (terraform validate with the real provider, checkov, the IAM linter) on the fixtures: every WAF
    check runs and passes; only CKV2_AWS_28 on the load balancer behind CloudFront stays suppressed."""
    reports, outdir = tmp_path / "reports", waf_json.outdir  # type: ignore[attr-defined]
    assert {"waf-cloudfront", "waf-domain", "waf-apprunner"} <= set(passing_gate(outdir, reports))
    suppressed = {
        name: {(item["check_id"], item["resource"]) for item in json.loads(path.read_text(encoding="utf-8"))}
        for name in ("waf-cloudfront", "waf-domain", "waf-apprunner")
        for path in [outdir / "stacks" / name / "checkov-suppressions.json"]
    }
    assert {pair for pairs in suppressed.values() for pair in pairs if pair[0] in WAF_CHECKS} == {
        ("CKV2_AWS_28", "aws_lb.ecs_alb")
    }
    assert ("CKV2_AWS_28", "aws_lb.ecs_alb") in suppressed["waf-cloudfront"]
    passed = _passed(reports / "results_json.json")
    for name, checks in (
        ("waf-cloudfront", {"CKV_AWS_68", "CKV2_AWS_47", "CKV2_AWS_31", "CKV_AWS_192", "CKV2_AWS_76"}),
        ("waf-domain", {"CKV2_AWS_28", "CKV2_AWS_31", "CKV_AWS_192", "CKV2_AWS_76"}),
        ("waf-apprunner", {"CKV2_AWS_31", "CKV_AWS_192"}),
    ):
        assert checks <= passed[name], (name, checks - passed[name])


def _passed(report: Path) -> dict[str, set[str]]:
    """The check ids checkov passed, per stack (the folder of the file it scanned)."""
    document = json.loads(report.read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for run in document if isinstance(document, list) else [document]:
        for check in run.get("results", {}).get("passed_checks", []):
            found.setdefault(Path(check["file_path"]).parent.name, set()).add(check["check_id"])
    return found


def test_a_waf_setting_without_the_web_acl_is_refused_like_every_setting_without_effect(environments: Path) -> None:
    """[waf] rate_limit in a file that does not enable the web ACL: refused, naming the file and the key
    (it was silently ignored); the same key in the defaults stays allowed, for the files that enable it."""
    set_key(environments / "stage.toml", "waf", "rate_limit", "500")
    [line] = problems(environments / "stage.toml")
    assert line.startswith("environments/stage.toml: waf.rate_limit = 500: expected no value without [waf] enabled")
    set_key(environments / "stage.toml", "waf", "rate_limit", None)
    set_key(environments / "_defaults.toml", "waf", "rate_limit", "500")
    assert {config.name for config in load_environments(environments)} >= {"stage", "prod"}
