"""Applying to the local AWS (what could not be created, and why) and each destroy's own final
snapshot names; the deploy refusal of alert addresses nobody reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.ops import applying, flows
from scripts.ops.console import OpsError

LOG = """\
aws_kms_key.key: Creation complete after 1s [id=abc]

Error: creating App Runner VPC Connector (cerberus-stage): operation error AppRunner: CreateVpcConnector, \
https response error StatusCode: 500

  with aws_apprunner_vpc_connector.service_vpc_connector,
  on cdk.tf.json line 120, in resource.aws_apprunner_vpc_connector.service_vpc_connector:
 120:       },

Error: creating ElastiCache User Group (x): InvalidParameterValue: no-password user

  with aws_elasticache_user_group.cache_users,
  on cdk.tf.json line 300, in resource.aws_elasticache_user_group.cache_users:
"""


def plan_creating(*addresses: str) -> dict:
    return {
        "resource_changes": [{"address": a, "mode": "managed", "change": {"actions": ["create"]}} for a in addresses]
    }


def test_each_failed_address_gets_terraforms_first_error_line() -> None:
    errors = applying.errors_by_address(LOG)
    assert errors["aws_apprunner_vpc_connector.service_vpc_connector"] == (
        "creating App Runner VPC Connector (cerberus-stage): operation error AppRunner: CreateVpcConnector, "
        "https response error StatusCode: 500"
    )
    assert errors["aws_elasticache_user_group.cache_users"] == (
        "creating ElastiCache User Group (x): InvalidParameterValue: no-password user"
    )


def test_app_runner_and_what_waits_on_it_are_known_gaps() -> None:
    plan = plan_creating(
        "aws_kms_key.key", "aws_apprunner_vpc_connector.service_vpc_connector", "aws_apprunner_service.service",
        "aws_cloudwatch_metric_alarm.alarms_apprunner_5xx_warning",
    )  # fmt: skip
    rows = applying.not_applied(plan, {"aws_kms_key.key"}, LOG)
    assert [(address, expected) for address, _, expected in rows] == [
        ("aws_apprunner_vpc_connector.service_vpc_connector", True),
        ("aws_apprunner_service.service", True),
        ("aws_cloudwatch_metric_alarm.alarms_apprunner_5xx_warning", True),
    ]
    assert rows[0][1].startswith("the local AWS has no App Runner")
    assert rows[2][1] == "not attempted: it depends on a resource that failed"


def test_any_other_failure_is_a_real_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "apply.log").write_text(LOG)
    monkeypatch.setattr(applying, "state_addresses", lambda directory, env: {"aws_kms_key.key"})
    plan = plan_creating(
        "aws_kms_key.key", "aws_elasticache_user_group.cache_users", "aws_elasticache_replication_group.cache"
    )
    with pytest.raises(OpsError, match="beyond its known gaps: aws_elasticache_user_group.cache_users"):
        applying.apply_locally(lambda directory, *args, log=None: 1, tmp_path, {}, plan)


def test_each_destroy_gets_a_suffix_the_variable_accepts() -> None:
    suffix = applying.snapshot_suffix(0)
    assert suffix == "-19700101-000000"
    assert re.fullmatch(r"^(-[0-9]{8}-[0-9]{6})?$", suffix)  # the variable's validation in the stack
    assert applying.snapshot_suffix(1) != applying.snapshot_suffix(2)


def update(address: str, before: dict, after: dict, actions: tuple[str, ...] = ("update",)) -> dict:
    return {
        "address": address,
        "mode": "managed",
        "change": {"actions": list(actions), "before": before, "after": after},
    }


def test_the_snapshot_naming_step_refuses_a_plan_that_changes_anything_else() -> None:
    names_only = {"resource_changes": [update("aws_rds_cluster.db", {"final_snapshot_identifier": "a"},
                                              {"final_snapshot_identifier": "b"})]}  # fmt: skip
    assert applying.only_snapshot_names_change(names_only) == []
    more = {"resource_changes": [update("aws_rds_cluster.db", {"final_snapshot_identifier": "a", "port": 1},
                                        {"final_snapshot_identifier": "b", "port": 2})]}  # fmt: skip
    assert applying.only_snapshot_names_change(more) == ["aws_rds_cluster.db (update: final_snapshot_identifier, port)"]
    replaced = {"resource_changes": [update("aws_rds_cluster.db", {}, {}, ("delete", "create"))]}
    assert applying.only_snapshot_names_change(replaced) == ["aws_rds_cluster.db (delete/create: nothing)"]


def _no_session(*_: object) -> None:
    raise AssertionError("no emulator, synthesis or terraform may start")


@pytest.mark.usefixtures("accounts")
def test_a_deploy_to_aws_with_alerts_at_a_reserved_domain_is_refused_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flows, "open_session", _no_session)
    with pytest.raises(
        OpsError, match=r"platform-alerts@example.com in \[alerts\] emails .* reserved domain"
    ) as refused:
        flows.deploy("stage", None, yes=True, local=False, allowed=())
    assert refused.value.code == 2


@pytest.mark.usefixtures("accounts")
def test_the_alert_check_failing_refuses_the_deploy(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(name: str) -> None:
        raise RuntimeError("settings unreadable")

    monkeypatch.setattr(flows, "open_session", _no_session)
    monkeypatch.setattr(flows, "undeliverable_alerts", broken)
    with pytest.raises(OpsError, match="alerts reach someone.*RuntimeError"):
        flows.deploy("stage", None, yes=True, local=False, allowed=())
