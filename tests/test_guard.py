"""The destructive-change guard, on a recorded prod plan (tests/fixtures/prod-plan-replaces-aurora.json:
recorded with ./scripts/plan.sh prod --local, then the cluster's actions set to a replace)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.ops import guard
from scripts.ops.environments import is_protected
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "prod-plan-replaces-aurora.json"


def plan() -> dict:
    return json.loads(FIXTURE.read_text())


def test_the_recorded_plan_replaces_the_cluster_and_creates_the_rest() -> None:
    assert [(item.address, item.action) for item in guard.destructions(plan())] == [("aws_rds_cluster.db", "replace")]


def test_a_protected_environment_refuses_the_replacement() -> None:
    assert [item.address for item in guard.refused(plan(), protected=True, allowed=[])] == ["aws_rds_cluster.db"]


def test_allow_destroy_lets_the_named_resource_through() -> None:
    assert guard.refused(plan(), protected=True, allowed=["aws_rds_cluster.db"]) == []
    assert guard.refused(plan(), protected=True, allowed=["aws_rds_cluster.other"]) != []


def test_an_unprotected_environment_is_not_blocked() -> None:
    assert guard.refused(plan(), protected=False, allowed=[]) == []


def test_deleting_a_stateless_resource_is_not_a_destruction() -> None:
    document = plan()
    for change in document["resource_changes"]:
        if change["type"] == "aws_cloudwatch_metric_alarm":
            change["change"]["actions"] = ["delete"]
    assert [item.address for item in guard.destructions(document)] == ["aws_rds_cluster.db"]


def test_protection_follows_the_environment_files() -> None:
    assert is_protected("prod") is True
    assert is_protected("stage") is False
    assert is_protected("bootstrap") is True


def run_guard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.ops", "guard", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_cli_refuses_with_a_table_and_the_flag_to_pass() -> None:
    result = run_guard("check", str(FIXTURE), "--stack", "prod")
    assert result.returncode == 3
    assert "replace  aws_rds_cluster" in result.stdout
    assert "--allow-destroy aws_rds_cluster.db" in result.stdout
    assert run_guard("check", str(FIXTURE), "--stack", "prod", "--allow-destroy", "aws_rds_cluster.db").returncode == 0
    assert run_guard("check", str(FIXTURE), "--stack", "stage").returncode == 0


def test_cli_protected_answers_0_1_or_refuses_the_argument() -> None:
    assert run_guard("protected", "prod").returncode == 0
    assert run_guard("protected", "stage").returncode == 1
    refused = run_guard("protected", "prod/")
    assert refused.returncode == 2 and "did you mean prod?" in refused.stderr


@pytest.mark.parametrize(
    ("content", "why"),
    [(b"PK\x03\x04\x14\x00\x08\x00\xff\xfe", "a binary plan"), (b"\xff\xfe{}", "not UTF-8 at byte 0"),
     (b'{"resource_changes": [', "not a plan in JSON (Expecting")],
)  # fmt: skip
def test_cli_names_the_plan_file_it_cannot_read_and_why_in_one_line(tmp_path: Path, content: bytes, why: str) -> None:
    plan = tmp_path / "plan.tfplan"
    plan.write_bytes(content)
    result = run_guard("check", str(plan), "--stack", "stage")
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert str(plan) in line and why in line and "Traceback" not in result.stderr, line
