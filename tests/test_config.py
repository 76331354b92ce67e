"""The environment files: every validation rule gives one clear line (file, key, value, allowed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from modules.settings import ConfigError, load_environments
from tests.config_helpers import set_key
from tests.conftest import ENVIRONMENTS, ROOT

FULL_WIDTH = "\uff11" * 12  # "１１１１１１１１１１１１"


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_environments(directory)
    return raised.value.problems


def test_shipped_environments_load_with_the_spec_table_values() -> None:
    configs = {config.name: config for config in load_environments(ENVIRONMENTS)}
    assert {"prod", "stage"} <= set(configs)  # the shipped ones; a user's own files may be beside them
    stage, prod = configs["stage"], configs["prod"]
    assert (stage.database.min_acu, stage.database.max_acu, stage.database.auto_pause_seconds) == (0, 2, 300)
    assert (prod.database.min_acu, prod.database.max_acu) == (0.5, 8)
    assert (stage.database.backup_retention_days, prod.database.backup_retention_days) == (1, 7)
    assert (stage.protected, prod.protected) == (False, True)
    assert (stage.app.cpu, stage.app.memory, prod.app.cpu, prod.app.memory) == (256, 512, 512, 1024)
    assert (stage.app.min_instances, stage.app.max_instances, stage.app.max_concurrency) == (1, 2, 50)
    assert (prod.app.min_instances, prod.app.max_instances, prod.app.max_concurrency) == (1, 5, 100)
    assert (stage.cache.node_type, prod.cache.node_type) == ("cache.t4g.micro", "cache.t4g.small")
    assert (stage.app.log_level, prod.app.log_level) == ("DEBUG", "WARNING")
    # Above the guide's 10 and 25 USD: those are below the idle cost (environments/*.toml say why).
    assert (stage.budget.monthly_usd, prod.budget.monthly_usd) == (85, 250)
    assert (stage.network.nat_kind, prod.network.nat_kind, prod.network.nat_gateways) == ("instance", "gateway", 2)


def test_defaults_are_merged_under_each_environment() -> None:
    stage = {config.name: config for config in load_environments(ENVIRONMENTS)}["stage"]
    assert stage.app.port == 8000 and stage.app.health_check_path == "/health"
    assert stage.app.environment["APP_NAME"] == "cerberus"  # from _defaults.toml
    assert stage.app.environment["APP_ENV"] == "staging"  # from stage.toml, same table


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("database", "min_acu", "3", "environments/stage.toml: database.min_acu = 3: expected at most max_acu (2)"),
        (
            "database",
            "max_acu",
            "300",
            "environments/stage.toml: database.max_acu = 300: expected a number from 1 to 256",
        ),
        ("database", "min_acu", "0.3", "environments/stage.toml: database.min_acu = 0.3: expected a multiple of 0.5"),
        (
            "database",
            "auto_pause_seconds",
            "200",
            "database.auto_pause_seconds = 200: expected a number from 300 to 86400",
        ),
        (
            "database",
            "auto_pause_seconds",
            "90000",
            "database.auto_pause_seconds = 90000: expected a number from 300 to 86400",
        ),
        (
            "database",
            "backup_retention_days",
            "0",
            "database.backup_retention_days = 0: expected a number from 1 to 35",
        ),
        (
            "database",
            "engine_version",
            '"16.2"',
            'database.engine_version = "16.2": expected 16.3 or later when min_acu = 0',
        ),
        (
            "database",
            "engine_version",
            '"12.9"',
            'database.engine_version = "12.9": expected an Aurora PostgreSQL version',
        ),
        ("database", "max_acu", '"two"', 'database.max_acu = "two": expected a number'),
        ("environment", "protected", '"no"', 'environment.protected = "no": expected true or false'),
        ("database", "deletion_protection", '"no"', 'database.deletion_protection = "no": expected true or false'),
        (
            "database",
            "min_acus",
            "0",
            "database.min_acus = 0: expected a known key (did you mean min_acu? known keys: auto_pause_seconds",
        ),
        ("database", "min_acu", None, "environments/stage.toml: database.min_acu: expected required: Minimum capacity"),
        (
            "app",
            "memory",
            "2048",
            'environments/stage.toml: app.memory = 2048: expected with platform = "apprunner" and cpu = 256: '
            "one of 512, 1024",
        ),
        ("app", "cpu", "300", "app.cpu = 300: expected one of: 256, 512, 1024, 2048, 4096"),
        ("app", "min_instances", "3", "app.min_instances = 3: expected at most max_instances (2)"),
        ("app", "max_instances", "26", "app.max_instances = 26: expected a number from 1 to 25"),
        ("app", "max_concurrency", "201", "app.max_concurrency = 201: expected a number from 1 to 200"),
        (
            "app",
            "log_level",
            '"TRACE"',
            'app.log_level = "TRACE": expected one of: "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"',
        ),
        ("app", "health_check_path", '"health"', 'app.health_check_path = "health": expected a path starting with /'),
        (
            "app.environment",
            "DB_PASSWORD",
            '"hunter2"',
            "expected no secret-looking names in plain variables (bad name: DB_PASSWORD)",
        ),
        ("app.environment", "SECRET_KEY", '"x"', "expected no SECRET_KEY: it is set by the stack"),
        ("app.environment", "DATABASE_POOL_SIZE", "5", "app.environment = {"),
        (
            "cache",
            "node_type",
            '"cache.t4g.huge"',
            'cache.node_type = "cache.t4g.huge": expected one of: "cache.t4g.micro"',
        ),
        ("cache", "engine_version", '"6.2"', 'cache.engine_version = "6.2": expected one of: "7.2", "8.0", "8.1"'),
        ("cache", "automatic_failover", "true", "cache.automatic_failover = true: expected false unless replicas >= 1"),
        ("cache", "replicas", "6", "cache.replicas = 6: expected a number from 0 to 5"),
        (
            "budget",
            "monthly_usd",
            "0",
            "environments/stage.toml: budget.monthly_usd = 0: expected a number from 1 to 1000000",
        ),
        ("budget", "monthly_usd", "-5", "budget.monthly_usd = -5: expected a number from 1 to 1000000"),
        ("alerts", "emails", '["ops@example"]', 'alerts.emails = ["ops@example"]: expected an email address'),
        ("alerts", "emails", "[]", "alerts.emails = []: expected at least one item"),
        (
            "environment",
            "project",
            '"Cerberus_X"',
            'environment.project = "Cerberus_X": expected lowercase letters, digits and single hyphens',
        ),
        (
            "environment",
            "project",
            '"a-very-long-project-name"',
            'environment.project = "a-very-long-project-name": expected at most 20 characters',
        ),
        ("environment", "region", '"us-east"', 'environment.region = "us-east": expected an AWS region'),
        ("environment", "account_id", '"12345"', 'environment.account_id = "12345": expected 12 digits, or empty'),
        # Full-width digits, which Python's \d takes and S3 and IAM do not.
        (
            "environment",
            "account_id",
            f'"{FULL_WIDTH}"',
            f'environment.account_id = "{FULL_WIDTH}": expected 12 digits',
        ),
        ("environment", "name", '"staging"', 'environment.name = "staging": expected "stage", the file name'),
        (
            "alarms",
            "aurora_cpu_warning",
            "99",
            "alarms.aurora_cpu_warning = 99: expected at most aurora_cpu_critical (95)",
        ),
    ],
)
def test_bad_value_is_reported_with_file_key_value_and_what_is_allowed(
    environments: Path, section: str, key: str, value: str | None, expected: str
) -> None:
    set_key(environments / "stage.toml", section, key, value)
    problems = problems_of(environments)
    assert any(expected in problem for problem in problems), problems
    assert all(problem.startswith("environments/") for problem in problems)


def test_unknown_section_is_reported(environments: Path) -> None:
    with (environments / "prod.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[databse]\nmin_acu = 1\n")
    assert any(
        "prod.toml: databse: expected a known section: [environment], [app]" in p for p in problems_of(environments)
    )


def test_invalid_toml_is_reported_not_raised(environments: Path) -> None:
    (environments / "prod.toml").write_text("[database\nmin_acu = 1\n", encoding="utf-8")
    problems = problems_of(environments)
    assert len(problems) == 1 and "prod.toml: not valid TOML:" in problems[0]


@pytest.mark.parametrize("stem", ["Dev", "dev_1", "1dev", "dev--x", "a-name-that-is-far-too-long"])
def test_file_name_must_be_a_valid_environment_name(environments: Path, stem: str) -> None:
    (environments / f"{stem}.toml").write_text(
        (environments / "stage.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    problems = problems_of(environments)
    assert any(f"{stem}.toml: the file name {stem!r} is not a valid environment name" in p for p in problems), problems


def test_a_problem_in_the_defaults_names_the_defaults_file_and_the_environment(environments: Path) -> None:
    set_key(environments / "_defaults.toml", "app", "port", "70000")
    problems = problems_of(environments)
    assert any(
        p.startswith("environments/_defaults.toml (for environments/prod.toml): app.port = 70000") for p in problems
    )
    assert any(
        p.startswith("environments/_defaults.toml (for environments/stage.toml): app.port = 70000") for p in problems
    )


def test_every_problem_in_every_file_is_reported_at_once(environments: Path) -> None:
    set_key(environments / "stage.toml", "database", "min_acu", "5")
    set_key(environments / "stage.toml", "cache", "node_type", '"cache.x1.nano"')
    set_key(environments / "prod.toml", "budget", "monthly_usd", "0")
    problems = problems_of(environments)
    assert len(problems) == 3, problems
    assert sum("stage.toml" in p for p in problems) == 2 and sum("prod.toml" in p for p in problems) == 1


def test_a_new_environment_file_needs_no_code(environments: Path) -> None:
    text = (environments / "stage.toml").read_text(encoding="utf-8").replace('name = "stage"', 'name = "dev"')
    (environments / "dev.toml").write_text(text, encoding="utf-8")
    shipped = [path.stem for path in environments.glob("*.toml") if path.stem not in ("_defaults", "dev")]
    assert [config.name for config in load_environments(environments)] == sorted([*shipped, "dev"])


def test_main_reports_bad_input_without_traceback_and_leaves_the_output_untouched(
    environments: Path, tmp_path: Path
) -> None:
    set_key(environments / "stage.toml", "database", "min_acu", "0.3")
    set_key(environments / "prod.toml", "app", "memory", "4096")
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "stage").mkdir(parents=True)
    sentinel = outdir / "stacks" / "stage" / "cdk.tf.json"
    sentinel.write_text('{"previous": true}\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        check=False,
        cwd=tmp_path,
        env={**os.environ, "ENVIRONMENTS_DIR": str(environments), "CDKTF_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        'error: environments/prod.toml: app.memory = 4096: expected with platform = "apprunner" and cpu = 512: '
        "one of 1024",
        "error: environments/stage.toml: database.min_acu = 0.3: expected a multiple of 0.5",
    ]
    assert sentinel.read_text(encoding="utf-8") == '{"previous": true}\n'
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cdktf.out", "environments"]


def test_deprecated_deletion_protection_is_read_with_a_warning_naming_the_new_key(environments: Path) -> None:
    set_key(environments / "stage.toml", "environment", "protected", None)
    set_key(environments / "stage.toml", "database", "deletion_protection", "false")
    stage = {config.name: config for config in load_environments(environments)}["stage"]
    assert stage.protected is False
    assert tuple(line for line in stage.warnings if "deprecated" in line) == (
        "environments/stage.toml: database.deletion_protection is deprecated: "
        "write protected = false under [environment] instead",
    )


def test_deprecated_key_contradicting_the_new_one_is_an_error(environments: Path) -> None:
    set_key(environments / "stage.toml", "database", "deletion_protection", "true")
    assert problems_of(environments) == [
        "environments/stage.toml: database.deletion_protection = true: expected no value: it is deprecated and "
        "contradicts environment.protected = false; keep only environment.protected"
    ]


def test_deprecated_alert_emails_move_to_the_alerts_table(environments: Path) -> None:
    set_key(environments / "prod.toml", "budget", "alert_emails", '["oncall@example.org"]')
    prod = {config.name: config for config in load_environments(environments)}["prod"]
    assert prod.alerts.emails == ("oncall@example.org",)
    assert any("budget.alert_emails is deprecated: write emails = " in warning for warning in prod.warnings)


def test_an_environment_without_the_switch_is_protected(environments: Path) -> None:
    """Secure by default: forgetting the key never leaves data unprotected."""
    set_key(environments / "stage.toml", "environment", "protected", None)
    assert {config.name: config for config in load_environments(environments)}["stage"].protected is True


@pytest.mark.parametrize("region", ["ca-central-1", "sa-east-1", "eu-north-1"])
def test_a_region_without_app_runner_is_refused_naming_the_regions_it_has(environments: Path, region: str) -> None:
    set_key(environments / "stage.toml", "environment", "region", f'"{region}"')
    (problem,) = problems_of(environments)
    assert problem.startswith(f'environments/stage.toml: environment.region = "{region}": expected a region where')
    assert "us-east-1, us-east-2, us-west-2" in problem and "only compute backend" in problem


@pytest.mark.parametrize(
    ("address", "reserved"),
    [
        ("ops@example.com", True),
        ("ops@mail.example.org", True),
        ("ops@corp.test", True),
        ("ops@host.invalid", True),
        ("ops@localhost.localhost", True),
        ("ops@example.io", False),
        ("oncall@company.com", False),
    ],
)
def test_alert_addresses_at_reserved_domains_are_warned_about(environments: Path, address: str, reserved: bool) -> None:
    set_key(environments / "_defaults.toml", "alerts", "emails", f'["{address}"]')
    stage = {config.name: config for config in load_environments(environments)}["stage"]
    warned = [line for line in stage.warnings if "reserved domain" in line]
    assert bool(warned) is reserved
    if reserved:
        assert warned[0].startswith(
            f"environments/_defaults.toml (for environments/stage.toml): alerts.emails: {address}"
        )


def test_a_deprecated_key_in_one_file_changes_no_other_environment(environments: Path) -> None:
    """qa.toml's deprecated [budget] alert_emails, with no [alerts] table of its own, is renamed into qa's
    [alerts] alone: stage, loaded beside it, keeps the addresses it has when loaded without it."""
    alone = {config.name: config for config in load_environments(environments)}["stage"].alerts.emails
    qa = (environments / "stage.toml").read_text(encoding="utf-8").replace('name = "stage"', 'name = "qa"', 1)
    (environments / "qa.toml").write_text(qa, encoding="utf-8")
    set_key(environments / "qa.toml", "budget", "alert_emails", '["x@corp.io"]')
    configs = {config.name: config for config in load_environments(environments)}
    assert configs["qa"].alerts.emails == ("x@corp.io",)
    assert configs["stage"].alerts.emails == alone and "x@corp.io" not in configs["stage"].alerts.emails
