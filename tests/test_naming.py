"""Every name that reaches AWS fits AWS's limit, at the longest project and environment names that
validation accepts; names that fit are never touched."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from main import synthesize
from modules.settings import naming
from tests.config_helpers import set_key
from tests.conftest import ENVIRONMENTS

LONGEST_PROJECT = "p" * 9 + "-" + "q" * 10  # 20 characters, the most validation accepts
LONGEST_ENVIRONMENT = "e" * 7 + "-" + "f" * 8  # 16 characters

# (resource type, attribute) -> the rule its value must keep.
NAMED = {
    ("aws_apprunner_service", "service_name"): naming.APPRUNNER_SERVICE,
    ("aws_apprunner_vpc_connector", "vpc_connector_name"): naming.APPRUNNER_VPC_CONNECTOR,
    (
        "aws_apprunner_auto_scaling_configuration_version",
        "auto_scaling_configuration_name",
    ): naming.APPRUNNER_CONFIGURATION,
    ("aws_apprunner_observability_configuration", "observability_configuration_name"): naming.APPRUNNER_CONFIGURATION,
    ("aws_elasticache_replication_group", "replication_group_id"): naming.ELASTICACHE_ID,
    ("aws_elasticache_user", "user_id"): naming.ELASTICACHE_ID,
    ("aws_elasticache_user", "user_name"): naming.ELASTICACHE_ID,
    ("aws_elasticache_user_group", "user_group_id"): naming.ELASTICACHE_ID,
    ("aws_rds_cluster", "cluster_identifier"): naming.RDS_IDENTIFIER,
    ("aws_rds_cluster", "final_snapshot_identifier"): naming.RDS_SNAPSHOT,
    ("aws_rds_cluster_instance", "identifier"): naming.RDS_IDENTIFIER,
    ("aws_iam_role", "name"): naming.IAM_ROLE,
    ("aws_backup_vault", "name"): naming.BACKUP_NAME,
    ("aws_backup_plan", "name"): naming.BACKUP_NAME,
    ("aws_backup_selection", "name"): naming.BACKUP_NAME,
    ("aws_budgets_budget", "name"): naming.BUDGET_NAME,
    ("aws_s3_bucket", "bucket"): naming.S3_BUCKET,
}
ELASTICACHE_PATTERN = re.compile(r"[a-zA-Z](?:[a-zA-Z0-9]|-(?=[a-zA-Z0-9]))*")


@pytest.fixture(scope="module")
def longest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    environments = tmp_path_factory.mktemp("longest") / "environments"
    environments.mkdir()
    (environments / "_defaults.toml").write_text((ENVIRONMENTS / "_defaults.toml").read_text(), encoding="utf-8")
    for source in ("stage", "prod"):
        name = LONGEST_ENVIRONMENT[: -len(source)] + source
        target = environments / f"{name}.toml"
        target.write_text((ENVIRONMENTS / f"{source}.toml").read_text(), encoding="utf-8")
        set_key(target, "environment", "name", f'"{name}"')
        set_key(target, "environment", "project", f'"{LONGEST_PROJECT}"')
    outdir = environments.parent / "cdktf.out"
    synthesize(environments, outdir)
    return {
        path.parent.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((outdir / "stacks").glob("*/cdk.tf.json"))
    }


def test_the_longest_accepted_names_give_names_aws_accepts(longest: dict[str, dict]) -> None:
    checked = set()
    for stack, document in longest.items():
        for (kind, attribute), rule in NAMED.items():
            for address, body in document.get("resource", {}).get(kind, {}).items():
                value = body[attribute]
                checked.add((kind, attribute))
                assert len(value) <= rule.max_length, f"{stack}: {kind}.{address}.{attribute} = {value}"
                if rule is naming.ELASTICACHE_ID:
                    assert ELASTICACHE_PATTERN.fullmatch(value), value
    assert checked == set(NAMED), f"never checked: {set(NAMED) - checked}"


def test_names_stay_unique_after_shortening(longest: dict[str, dict]) -> None:
    for document in longest.values():
        for (kind, attribute), _ in NAMED.items():
            values = [body[attribute] for body in document.get("resource", {}).get(kind, {}).values()]
            assert len(values) == len(set(values)), (kind, attribute, values)


def test_iam_authenticated_cache_user_keeps_its_id_equal_to_its_name(longest: dict[str, dict]) -> None:
    iam_users = [
        user
        for document in longest.values()
        for user in document.get("resource", {}).get("aws_elasticache_user", {}).values()
        if user["authentication_mode"]["type"] == "iam"
    ]
    assert len(iam_users) == 2  # one per environment
    assert all(user["user_id"] == user["user_name"] for user in iam_users)


def test_names_that_fit_are_left_alone_and_long_ones_shortened_stably() -> None:
    assert naming.resource_name("cerberus-stage", "service", naming.APPRUNNER_SERVICE) == "cerberus-stage-service"
    long_prefix = f"{LONGEST_PROJECT}-{LONGEST_ENVIRONMENT}"
    first = naming.resource_name(long_prefix, "service", naming.APPRUNNER_SERVICE)
    assert len(first) == 40 and first == naming.resource_name(long_prefix, "service", naming.APPRUNNER_SERVICE)
    assert first != naming.resource_name(long_prefix, "servicf", naming.APPRUNNER_SERVICE)
    assert not first[: -naming.HASH_LENGTH - 1].endswith("-")


def test_shipped_names_are_unchanged(stack_json) -> None:
    assert [body["service_name"] for body in stack_json("stage")["resource"]["aws_apprunner_service"].values()] == [
        "cerberus-stage-service"
    ]
    assert (
        list(stack_json("prod")["resource"]["aws_elasticache_replication_group"].values())[0]["replication_group_id"]
        == "cerberus-prod-valkey"
    )


def test_state_backend_names_fit_with_an_account_id(tmp_path: Path) -> None:
    bucket = naming.state_bucket_name(LONGEST_PROJECT, "ap-southeast-2", "123456789012")
    assert len(naming.log_bucket_name(LONGEST_PROJECT, "ap-southeast-2", "123456789012")) <= naming.MAX_BUCKET_NAME
    assert len(bucket) <= naming.MAX_BUCKET_NAME
