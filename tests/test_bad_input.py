"""Bad input in the environment files: never a traceback, never Terraform code, every AWS limit a clear line."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

import pytest

from modules.settings import ConfigError, load_environments
from modules.settings.app import SECRET_LOOKING
from modules.settings.literal import literal
from modules.workspace_files import hcl_literal, markdown_code
from tests.config_helpers import set_key
from tests.conftest import ENVIRONMENTS, ROOT

INJECTIONS = ('${file("/etc/passwd")}', "%{ if true }x%{ endif }")
ESCAPED = ('$${file("/etc/passwd")}', "%%{ if true }x%%{ endif }")


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_environments(directory)
    return raised.value.problems


def run_main(environments: Path, outdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        env={**os.environ, "ENVIRONMENTS_DIR": str(environments), "CDKTF_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


# --- 1. unreadable files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["stage.toml", "_defaults.toml"])
def test_a_file_that_is_not_utf8_is_one_line_not_a_traceback(environments: Path, name: str) -> None:
    (environments / name).write_bytes(b'[app]\nlog_level = "caf\xe9"\n')
    assert problems_of(environments) == [
        f"environments/{name}: line 2: byte 0xe9 is not UTF-8: expected a UTF-8 file (save it as UTF-8)"
    ]


def test_main_reports_a_non_utf8_file_with_exit_2_and_no_traceback(environments: Path, tmp_path: Path) -> None:
    (environments / "stage.toml").write_bytes(b'[app]\nlog_level = "caf\xe9"\n')
    result = run_main(environments, tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "error: environments/stage.toml: line 2: byte 0xe9 is not UTF-8" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_empty_environment_file_names_itself_for_the_missing_keys(environments: Path) -> None:
    (environments / "stage.toml").write_text("", encoding="utf-8")
    problems = problems_of(environments)
    assert "environments/stage.toml: environment.name: expected required: Environment name" in "\n".join(problems)
    assert any(p.startswith("environments/stage.toml: database.min_acu: expected required") for p in problems)
    assert all(p.startswith("environments/stage.toml: ") for p in problems), problems


def test_deeply_nested_toml_is_one_line(environments: Path) -> None:
    (environments / "stage.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    (problem,) = problems_of(environments)
    assert problem.startswith("environments/stage.toml: not valid TOML")


# --- 2. file names ---------------------------------------------------------------------------------------

# The environment files beside the defaults (the shipped ones, and any a user added).
SHIPPED = sorted(path.stem for path in ENVIRONMENTS.glob("*.toml") if not path.name.startswith(("_", ".")))
EDITOR_FILES = [".#stage.toml", ".stage.toml.swp", "stage.toml~", "#stage.toml#", "stage.toml.bak"]


@pytest.mark.parametrize("name", EDITOR_FILES)
def test_editor_files_are_ignored_with_a_notice(environments: Path, name: str) -> None:
    (environments / name).write_bytes(b"\xff\xfe not toml [[[")
    loaded = load_environments(environments)
    assert [config.name for config in loaded] == SHIPPED
    assert loaded.notices == (
        f"environments/{name}: ignored: an editor's lock, swap or backup file, not an environment file",
    )


def test_an_emacs_lock_link_to_nowhere_is_ignored(environments: Path) -> None:
    (environments / ".#stage.toml").symlink_to("user@host.1234:1700000000")
    assert [config.name for config in load_environments(environments)] == SHIPPED


def test_synthesis_prints_each_skipped_file_once_as_a_warning(environments: Path, tmp_path: Path) -> None:
    for name in EDITOR_FILES:
        (environments / name).write_text("garbage", encoding="utf-8")
    result = run_main(environments, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "ignored: an editor's" in line]
    assert sorted(warned) == sorted(
        f"warning: environments/{name}: ignored: an editor's lock, swap or backup file, not an environment file"
        for name in EDITOR_FILES
    )


@pytest.mark.parametrize("stem", ["bootstrap", "bootstrapx", "bootstrap-eu"])
def test_bootstrap_names_are_reserved(environments: Path, stem: str) -> None:
    text = (environments / "stage.toml").read_text(encoding="utf-8").replace('name = "stage"', f'name = "{stem}"')
    (environments / f"{stem}.toml").write_text(text, encoding="utf-8")
    assert problems_of(environments) == [
        f"environments/{stem}.toml: the file name {stem!r} is reserved: expected a name that does not start with "
        "bootstrap (the state-backend stacks are named bootstrap[-...])"
    ]


# --- 3. literal values stay literal ----------------------------------------------------------------------


def test_literal_escapes_terraform_template_sequences() -> None:
    assert tuple(literal(value) for value in INJECTIONS) == ESCAPED
    assert literal("$5 and 100% {x}") == "$5 and 100% {x}"  # nothing else changes
    assert literal("$${already}") == "$$${already}"  # a literal $${ stays $${


def test_template_sequences_in_tags_are_refused_by_the_loader(environments: Path) -> None:
    set_key(environments / "stage.toml", "environment", "tags", "{ owner = '${file(\"/etc/passwd\")}' }")
    (problem,) = problems_of(environments)
    assert problem.startswith("environments/stage.toml: environment.tags = {owner = ")
    assert "expected a tag value of 0-256 letters, digits, spaces and + - = . _ : / @" in problem


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The stage stack synthesized with template sequences in an app variable and in tags (the tags set past
    the loader, which refuses them: the stack must keep them literal anyway) and Markdown breakers in
    CORS_ORIGINS."""
    from main import build
    from modules.framework import App
    from modules.workspace_files import write_workspace_files

    stage = {config.name: config for config in load_environments(ENVIRONMENTS)}["stage"]
    variables = {**stage.app.environment, "INJECTED": INJECTIONS[0], "DIRECTIVE": INJECTIONS[1]}
    variables["CORS_ORIGINS"] = '["https://a.example|b", "`tick`"]'
    tags = {"owner": INJECTIONS[0], INJECTIONS[1]: "x"}
    config = dataclasses.replace(
        stage,
        app=dataclasses.replace(stage.app, environment=MappingProxyType(variables)),
        environment=dataclasses.replace(stage.environment, tags=MappingProxyType(tags)),
    )
    outdir = tmp_path_factory.mktemp("injected")
    app = App(outdir=str(outdir))
    stacks = build(app, [config], None)
    app.synth()
    for stack in stacks:
        write_workspace_files(stack, outdir / "stacks" / stack.node.id)
    yield outdir / "stacks" / "stage"


def test_template_sequences_reach_the_json_escaped(injected: Path) -> None:
    document = json.loads((injected / "cdk.tf.json").read_text(encoding="utf-8"))
    (service,) = document["resource"]["aws_apprunner_service"].values()
    image = service["source_configuration"]["image_repository"]["image_configuration"]
    variables = image["runtime_environment_variables"]
    assert (variables["INJECTED"], variables["DIRECTIVE"]) == ESCAPED
    tags = document["provider"]["aws"][0]["default_tags"][0]["tags"]
    assert tags["owner"] == ESCAPED[0] and tags[ESCAPED[1]] == "x"
    text = (injected / "cdk.tf.json").read_text(encoding="utf-8")
    assert INJECTIONS[0] not in text.replace(ESCAPED[0], "")


def test_workspace_readme_keeps_its_table_with_pipes_and_backticks_in_values(injected: Path) -> None:
    readme = (injected / "README.md").read_text(encoding="utf-8")
    (row,) = [line for line in readme.splitlines() if line.startswith("| `app.environment` |")]
    assert len(re.findall(r"(?<!\\)\|", row)) == 3, row  # three cell borders, the value's | escaped
    assert '\\"https://a.example\\|b\\"' in row and "``" in row


def test_markdown_and_hcl_escaping_per_target() -> None:
    assert markdown_code("a|b") == "`a\\|b`"
    assert markdown_code("`x`") == "`` `x` ``"
    assert markdown_code("plain") == "`plain`"
    assert hcl_literal('say "hi" | ${x}\n') == '"say \\"hi\\" | $${x}\\n"'


def _terraform(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["terraform", *args], cwd=workdir, capture_output=True, text=True, check=False, timeout=600)


@pytest.mark.slow
def test_the_stack_with_template_sequences_validates(injected: Path) -> None:
    init = _terraform(injected, "init", "-backend=false", "-input=false", "-no-color")
    assert init.returncode == 0, init.stderr
    validate = _terraform(injected, "validate", "-no-color")
    assert validate.returncode == 0, validate.stderr


@pytest.mark.slow
def test_terraform_reads_literal_and_hcl_literal_back_unchanged(tmp_path: Path) -> None:
    values = [*INJECTIONS, "$${x}", "%%{y}", "$", "%{", 'q"uote|pipe\\back', "x$${y}%%{z}$"]
    (tmp_path / "json.tf.json").write_text(
        json.dumps({"locals": {f"j{i}": literal(value) for i, value in enumerate(values)}}), encoding="utf-8"
    )
    (tmp_path / "hcl.tf").write_text(
        "locals {\n" + "".join(f"  h{i} = {hcl_literal(value)}\n" for i, value in enumerate(values)) + "}\n",
        encoding="utf-8",
    )
    names = [f"local.j{i}" for i in range(len(values))] + [f"local.h{i}" for i in range(len(values))]
    result = subprocess.run(
        ["terraform", "console"],
        cwd=tmp_path,
        input=f"jsonencode([{', '.join(names)}])\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(json.loads(result.stdout.strip())) == values + values


# --- 4. AWS's limits, field by field ---------------------------------------------------------------------

SECRETS = "secrets come from Secrets Manager"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("UPSTREAM_URL", '"https://svc:hunter2@api.example.com"', "expected no password in a URL of a plain variable"),
        ("BROKER", '"amqp://app:x@mq.internal:5672/vhost"', "expected no password in a URL of a plain variable"),
        ("CORS_ORIGINS", '"https://app.example.com"', "expected CORS_ORIGINS as the application reads it"),
        ("CORS_ORIGINS", '"[\\"https://app.example.com/path\\"]"', "expected CORS_ORIGINS as the application reads"),
    ],
)
def test_values_are_checked_where_their_meaning_is_known(
    environments: Path, name: str, value: str, expected: str
) -> None:
    set_key(environments / "stage.toml", "app.environment", name, value)
    (problem,) = problems_of(environments)
    assert problem.startswith("environments/stage.toml: app.environment = {") and expected in problem, problem


@pytest.mark.parametrize("value", ['"https://api.example.com/v1?user=a"', '"postgres://app@db:5432/x"'])
def test_a_url_without_a_password_is_accepted(environments: Path, value: str) -> None:
    set_key(environments / "stage.toml", "app.environment", "UPSTREAM_URL", value)
    stage = {config.name: config for config in load_environments(environments)}["stage"]
    assert stage.app.environment["UPSTREAM_URL"] == json.loads(value)


@pytest.mark.parametrize(
    "name",
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "DB_PASS",
        "DB_PASSWORD",
        "API_SECRET",
        "GITHUB_TOKEN",
        "PRIVATE_KEY",
        "PASSWD",
        "PWD",
        "AUTH",
        "JWT_SIGNING_KEY",
        "API_KEYS",
        "TLS_KEY_PEM",
        "SMTP_CREDENTIALS",
    ],
)
def test_credential_like_variable_names_are_refused_with_a_pointer(environments: Path, name: str) -> None:
    set_key(environments / "stage.toml", "app.environment", name, '"x"')
    (problem,) = problems_of(environments)
    assert problem.startswith("environments/stage.toml: app.environment = {")
    assert f"expected no secret-looking names in plain variables (bad name: {name}); {SECRETS}" in problem
    assert "see README 'Secrets'" in problem
    assert SECRET_LOOKING.fullmatch(name)  # the checkov policy's rule is the same pattern


@pytest.mark.parametrize(
    "name",
    ["ACCESS_TOKEN_EXPIRE_MINUTES", "REFRESH_TOKEN_EXPIRE_DAYS", "API_KEY_PREFIX", "KMS_KEY_ID", "AUTH_MODE", "AUTHOR"],
)
def test_settings_that_only_mention_a_token_or_key_are_accepted(environments: Path, name: str) -> None:
    set_key(environments / "stage.toml", "app.environment", name, '"x"')
    assert load_environments(environments)
    assert not SECRET_LOOKING.fullmatch(name)


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("budget", "monthly_usd", "inf", "budget.monthly_usd = inf: expected a number from 1 to 1000000"),
        ("budget", "monthly_usd", "nan", "budget.monthly_usd = nan: expected a number from 1 to 1000000"),
        ("budget", "monthly_usd", "1e308", "budget.monthly_usd = 1e+308: expected a number from 1 to 1000000"),
        ("budget", "monthly_usd", "0.001", "budget.monthly_usd = 0.001: expected a number from 1 to 1000000"),
        ("budget", "forecast_alert_percent", "nan", "budget.forecast_alert_percent = nan: expected a number from 1"),
        (
            "budget",
            "actual_alert_percents",
            "[80, 100, 80]",
            "budget.actual_alert_percents = [80, 100, 80]: expected no duplicates (repeated: 80)",
        ),
        (
            "budget",
            "actual_alert_percents",
            "[10, 20, 30, 40, 50, 60, 70, 80, 90, 100]",
            "expected at most 9 items (with the forecast alert, AWS Budgets allows 10 notifications per budget)",
        ),
        (
            "alerts",
            "emails",
            '["ops@corp.io", "OPS@corp.io"]',
            'expected no duplicates (case-insensitive) (repeated: "OPS@corp.io")',
        ),
        (
            "alerts",
            "emails",
            "[" + ", ".join(f'"ops{i}@corp.io"' for i in range(11)) + "]",
            "expected at most 10 items (AWS Budgets allows 10 e-mail subscribers per notification)",
        ),
        ("alerts", "emails", '[".a@b.com"]', "expected an email address like ops@example.com"),
        ("alerts", "emails", '["a.@b.com"]', "expected an email address like ops@example.com"),
        ("alerts", "emails", '["a..b@c.com"]', "expected an email address like ops@example.com"),
        ("alerts", "emails", '["a@b..com"]', "expected an email address like ops@example.com"),
        ("alerts", "emails", '["a@-b.com"]', "expected an email address like ops@example.com"),
        ("alerts", "emails", '["a@b-.com"]', "expected an email address like ops@example.com"),
        ("environment", "tags", "{ 'aws:owner' = 'x' }", "expected no aws: prefix in any case"),
        ("environment", "tags", "{ 'AWS:Owner' = 'x' }", "expected no aws: prefix in any case"),
        ("environment", "tags", "{ '' = 'x' }", "expected a tag key of 1-128"),
        ("environment", "tags", "{ " + "k" * 129 + " = 'x' }", "expected a tag key of 1-128"),
        ("environment", "tags", "{ owner = '" + "v" * 257 + "' }", "expected a tag value of 0-256"),
        ("environment", "tags", "{ 'a#b' = 'x' }", "expected a tag key of 1-128 letters, digits, spaces and"),
        ("environment", "tags", "{ owner = 'a;b' }", "expected a tag value of 0-256 letters"),
        ("environment", "tags", "{ project = 'x' }", 'expected not "project" (the stack sets it on every resource)'),
        ("environment", "tags", "{ managed-by = 'me' }", 'expected not "managed-by"'),
        ("environment", "tags", "{ environment = 'x' }", 'expected not "environment"'),
        (
            "environment",
            "tags",
            "{ " + ", ".join(f"t{i} = 'x'" for i in range(48)) + " }",
            "expected at most 47 items (AWS allows 50 tags per resource and the stack adds 3)",
        ),
        ("database", "backup_window", '"24:00-01:00"', "expected hh:mm-hh:mm (hh 00-23, mm 00-59)"),
        ("database", "backup_window", '"03:60-04:30"', "expected hh:mm-hh:mm (hh 00-23, mm 00-59)"),
        (
            "database",
            "backup_window",
            '"03:00-03:29"',
            'database.backup_window = "03:00-03:29": expected a window of at least 30 minutes (RDS Preferred',
        ),
        ("database", "maintenance_window", '"sun:04:30-sun:04:59"', "expected a window of at least 30 minutes"),
        ("database", "maintenance_window", '"sun:04:30-sun:05:30 "', "expected ddd:hh:mm-ddd:hh:mm (ddd mon-sun"),
        ("database", "maintenance_window", '"son:04:30-son:05:30"', "expected ddd:hh:mm-ddd:hh:mm"),
        (
            "database",
            "maintenance_window",
            '"tue:03:30-tue:04:30"',
            'database.maintenance_window = "tue:03:30-tue:04:30": expected no overlap with backup_window 03:00-04:00',
        ),
        ("cache", "snapshot_window", '"02:00-02:59"', "expected a window of at least 60 minutes (ElastiCache"),
        ("cache", "maintenance_window", '"sun:05:30-sun:06:00"', "expected a window of at least 60 minutes"),
        (
            "cache",
            "maintenance_window",
            '"sat:23:30-sun:02:30"',
            'cache.maintenance_window = "sat:23:30-sun:02:30": expected no overlap with snapshot_window 02:00-03:00',
        ),
        (  # the file changed the daily window: the line names it, not the weekly one it meets
            "database",
            "backup_window",
            '"04:00-05:00"',
            'database.backup_window = "04:00-05:00": expected no overlap with maintenance_window sun:04:30-sun:05:30',
        ),
        (
            "cache",
            "snapshot_window",
            '"05:00-06:00"',
            'cache.snapshot_window = "05:00-06:00": expected no overlap with maintenance_window sun:05:30-sun:06:30',
        ),
    ],
)
def test_aws_limits_are_refused_with_one_line(
    environments: Path, section: str, key: str, value: str, expected: str
) -> None:
    set_key(environments / "stage.toml", section, key, value)
    problems = problems_of(environments)
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].startswith(f"environments/stage.toml: {section}.{key}")
    assert "\n" not in problems[0]


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("database", "backup_window", '"23:30-00:30"'),  # crosses midnight
        ("database", "maintenance_window", '"sun:23:30-mon:00:30"'),  # crosses the end of the week
        ("database", "backup_window", '"04:00-04:30"'),  # 30 minutes, ends as maintenance begins (sun 04:30)
        ("cache", "snapshot_window", '"23:30-00:30"'),
        ("cache", "maintenance_window", '"sun:23:30-mon:00:30"'),
        ("budget", "monthly_usd", "1"),
        ("budget", "monthly_usd", "1000000"),
        ("alerts", "emails", '["first.last+tag@mail.corp-x.io", "o_n%call@sub.domain.co"]'),
        ("environment", "tags", "{ 'cost center' = 'R and D' }"),
        ("environment", "tags", "{ team = 'équipe plateforme', 'a:b/c=d+e@f' = '' }"),
    ],
)
def test_values_within_aws_limits_are_accepted(environments: Path, section: str, key: str, value: str) -> None:
    set_key(environments / "stage.toml", section, key, value)
    assert [config.name for config in load_environments(environments)] == SHIPPED


def test_every_problem_of_every_file_at_once(environments: Path) -> None:
    set_key(environments / "stage.toml", "budget", "monthly_usd", "inf")
    set_key(environments / "stage.toml", "alerts", "emails", '["a..b@c.com"]')
    set_key(environments / "prod.toml", "environment", "tags", "{ 'aws:x' = 'y' }")
    (environments / "bootstrap.toml").write_text("", encoding="utf-8")
    problems = problems_of(environments)
    assert len(problems) == 4, problems
