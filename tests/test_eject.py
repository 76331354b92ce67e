"""Eject (./scripts/eject.sh <env> <dir>): one environment as plain Terraform. It validates, its plan
against the local AWS equals the synthesized JSON workspace's resource by resource, and checkov gives the
same results on it (through #checkov:skip comments) as the gate gives on the JSON."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from modules.local_aws import provider_settings
from scripts.ops import eject
from scripts.ops.console import OpsError
from scripts.ops.gate import addresses_by_checkov_name, declared_suppressions, plan_only_suppressions
from tests.config_helpers import environment_copy, set_key
from tests.conftest import ROOT, synthesized

slow = pytest.mark.slow
LOCAL_BACKEND = {"backend": {"local": {}}}  # in an override file: both plans without a state backend


def run(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    return result


# --- the pieces, without synthesis --------------------------------------------------------------------


def test_blocks_split_formatted_hcl_at_top_level_and_keep_leading_comments() -> None:
    text = '# why\nresource "aws_x" "a" {\n  b {\n  }\n}\n\ndata "aws_y" "c" {}\nvariable "v" {\n}\n'
    found = eject.blocks(text)
    assert [(kind, address) for kind, address, _ in found] == [
        ("resource", "aws_x.a"), ("data", "data.aws_y.c"), ("variable", "variable.v")
    ]  # fmt: skip
    assert found[0][2] == ["# why", 'resource "aws_x" "a" {', "  b {", "  }", "}"]


def test_a_heredoc_is_text_even_where_its_lines_look_like_hcl() -> None:
    """User data (the NAT instance's) holds a heredoc of its own and lines that end a block in column 0."""
    script = ["#!/bin/bash", "cat > f <<RULES", "table ip nat {", "}", "", "", "RULES", "}"]
    text = (
        'resource "aws_instance" "nat" {\n  user_data = <<EOF\n' + "\n".join(script) + '\nEOF\n}\nvariable "v" {\n}\n'
    )
    found = eject.blocks(text)
    assert [address for _, address, _ in found] == ["aws_instance.nat", "variable.v"]
    assert found[0][2] == ['resource "aws_instance" "nat" {', "  user_data = <<EOF", *script, "EOF", "}"]


@pytest.mark.parametrize("text", ['resource "aws_x" "a" {\n', "locals {\n}\nstray = 1\n"])
def test_blocks_refuse_what_they_cannot_place(text: str) -> None:
    with pytest.raises(OpsError):
        eject.blocks(text)


def test_a_non_empty_directory_that_is_no_eject_is_refused(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    with pytest.raises(OpsError, match="holds no earlier eject") as refused:
        eject.check_target(tmp_path, "stage")
    assert refused.value.code == 2


def test_a_target_under_a_file_or_inside_what_synthesis_rewrites_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("LOCAL_DIR", str(tmp_path / "local"))
    for target, message in ((tmp_path / "file" / "stage", "is under"), (ROOT / "cdktf.out" / "x", "rewrites"),
                            (tmp_path / "local" / "cdktf.out" / "stacks", "rewrites")):  # fmt: skip
        with pytest.raises(OpsError, match=message) as refused:
            eject.check_target(target, "stage")
        assert refused.value.code == 2 and "\n" not in str(refused.value)


def test_an_eject_of_another_environment_is_refused(tmp_path: Path) -> None:
    (tmp_path / eject.MARKER).write_text(json.dumps({"environment": "prod", "files": ["db.tf"]}))
    with pytest.raises(OpsError, match="holds an eject of prod, not stage"):
        eject.check_target(tmp_path, "stage")


def test_an_earlier_eject_is_replaced_and_the_rest_kept(tmp_path: Path) -> None:
    (tmp_path / eject.MARKER).write_text(json.dumps({"environment": "stage", "files": ["old.tf", "db.tf"]}))
    for name in ("old.tf", "db.tf", "terraform.tfvars"):
        (tmp_path / name).write_text("x")
    previous = eject.check_target(tmp_path, "stage")
    eject.install({"db.tf": "new\n"}, tmp_path, previous, "stage")
    assert sorted(path.name for path in tmp_path.iterdir()) == [eject.MARKER, "db.tf", "terraform.tfvars"]
    assert (tmp_path / "db.tf").read_text() == "new\n"


@pytest.mark.parametrize(("arguments", "message"), [
    (["PROD", "x"], "did you mean prod?"), (["bootstrap", "x"], "reserved"), (["stage"], "no target directory"),
])  # fmt: skip
def test_bad_arguments_exit_2_before_synthesis(tmp_path: Path, arguments: list[str], message: str) -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "eject.sh"), *arguments], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "synthesiz" not in result.stderr and not (tmp_path / "x").exists()


# --- the ejected workspace ----------------------------------------------------------------------------


# Values of the app's variables that the HCL renderer writes wrongly (a heredoc the value ends early, the
# rest then read as code that reads the operator's credentials; backslashes raw; a carriage return as a line
# break) or that are templates as text: each must reach the ejected workspace's plan byte for byte.
HOSTILE_VALUES = {
    "RELEASE_NOTES": 'x\nEOF\nSTOLEN = file(pathexpand("~/.aws/credentials"))\nZZZ = <<EOF\ny',
    "WIN_PATH": "C:\\new\\table",
    "LINE_ENDINGS": "first\rsecond\r\nthird\n",
    "ESCAPED_TEMPLATE": '$${x} %%{y} "q" end\\',
    "TEMPLATE_TEXT": '${var.x} %{ if true }y%{ endif } ${jsonencode("a")}',
    "CONTROL_AND_UNICODE": "tab\there\u0008 naïve ☃ \U0001f600",
}


@pytest.fixture(scope="module")
def hostile_environments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """environments/ with HOSTILE_VALUES among stage's [app.environment]."""
    target = Path(shutil.copytree(ROOT / "environments", tmp_path_factory.mktemp("hostile") / "environments"))
    for key, value in HOSTILE_VALUES.items():
        set_key(target / "stage.toml", "app.environment", key, json.dumps(value, ensure_ascii=False))
    return target


@pytest.fixture(scope="module")
def synthesized_stage(hostile_environments: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The JSON workspace of stage, synthesized from the same files as the eject."""
    return synthesized(hostile_environments, tmp_path_factory.mktemp("synth") / "cdktf.out").outdir / "stacks" / "stage"  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def ejected(hostile_environments: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """./scripts/eject.sh stage <dir>, as a user runs it (stage with HOSTILE_VALUES); initialized and validated."""
    target = tmp_path_factory.mktemp("eject") / "stage"
    env = {key: value for key, value in os.environ.items() if key != "LOCAL_AWS_ENDPOINT"}
    env["ENVIRONMENTS_DIR"] = str(hostile_environments)
    result = run([str(ROOT / "scripts" / "eject.sh"), "stage", str(target)], env=env)
    assert "ejected stage into" in result.stdout
    return target


@slow
def test_the_ejected_workspace_validates_and_holds_no_project_file(ejected: Path) -> None:
    run(["terraform", f"-chdir={ejected}", "init", "-backend=false", "-input=false", "-no-color"])
    validate = run(["terraform", f"-chdir={ejected}", "validate", "-json", "-no-color"])
    report = json.loads(validate.stdout)
    assert report["valid"] and report["warning_count"] == 0, report["diagnostics"]
    names = {path.name for path in ejected.iterdir() if not path.name.startswith(".")}
    assert {"versions.tf", "providers.tf", "variables.tf", "outputs.tf", "backend.hcl", "README.md"} <= names
    assert {"db.tf", "cache.tf", "service.tf", "terraform.tfvars.example"} <= names
    assert not names & {"cdk.tf", "cdk.tf.json", "metadata.json", "checkov-suppressions.json"}
    assert 'backend "s3" {}' in (ejected / "versions.tf").read_text()
    example = (ejected / "terraform.tfvars.example").read_text()
    for variable in re.findall(r'^variable "(\w+)"', (ejected / "variables.tf").read_text(), re.M):
        assert re.search(rf"^# .+\n{variable} = ", example, re.M), f"{variable}: no description in the example"


@slow
@pytest.mark.parametrize(("folder", "environment"), [("ecs", "ecs-default-vpc"), ("waf", "waf-domain")])
def test_an_ecs_environment_ejects_to_valid_terraform(tmp_path: Path, folder: str, environment: str) -> None:
    """ECS's pieces the shipped App Runner stacks lack: the container definitions, JSON text whose quotes
    cdktf's HCL renderer leaves unescaped (here with a value holding quotes of its own, as the shipped
    CORS_ORIGINS does), CloudFront, a certificate validated in Route 53, a web ACL's rule statements."""
    path = environment_copy(ROOT / "tests" / "fixtures" / folder, tmp_path / "environments", environment)
    set_key(path, "app.environment", "CORS_ORIGINS", """'["https://a.example.com"]'""")
    target = tmp_path / environment
    env = {key: value for key, value in os.environ.items() if key != "LOCAL_AWS_ENDPOINT"}
    env["ENVIRONMENTS_DIR"] = str(path.parent)
    run([str(ROOT / "scripts" / "eject.sh"), environment, str(target)], env=env)
    run(["terraform", f"-chdir={target}", "init", "-backend=false", "-input=false", "-no-color"])
    report = json.loads(run(["terraform", f"-chdir={target}", "validate", "-json", "-no-color"]).stdout)
    assert report["valid"] and report["warning_count"] == 0, report["diagnostics"]
    # JSON text inside an HCL string: the value's own quotes escaped twice.
    assert r"\"value\": \"[\\\"https://a.example.com\\\"]\"" in (target / "ecs.tf").read_text()


@slow
def test_the_backend_is_the_synthesized_workspaces(ejected: Path, synthesized_stage: Path) -> None:
    synthesized = json.loads((synthesized_stage / "cdk.tf.json").read_text())["terraform"]["backend"]["s3"]
    settings = dict(
        line.split(" = ", 1) for line in (ejected / "backend.hcl").read_text().splitlines() if " = " in line
    )
    assert {key.strip(): json.loads(value) for key, value in settings.items()} == synthesized


@slow
def test_the_readme_says_what_is_not_carried(ejected: Path) -> None:
    text = (ejected / "README.md").read_text()
    assert "terraform init -backend-config=backend.hcl" in text
    for leftover in ("**the gate**", "**the guard**", "**the scripts**", "## What it creates", "## Outputs"):
        assert leftover in text
    assert "cdktf.out/stacks" not in text


def _checkov(target: Path, framework: str, reports: Path) -> dict[str, Any]:
    reports.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "checkov.main", "-d", str(target), "--framework", framework, "--skip-download",
         "--compact", "--external-checks-dir", str(ROOT / "policies" / "checkov"), "-o", "json",
         "--output-file-path", str(reports)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "BC_API_KEY": "", "CKV_PARSE_ERROR_FAIL": "true"},
    )  # fmt: skip
    document = json.loads((reports / "results_json.json").read_text())
    results: dict[str, Any] = document["results"]
    assert not results["parsing_errors"]
    return results


@slow
def test_checkov_gives_the_same_results_on_the_ejected_hcl_as_the_gate_on_the_json(
    ejected: Path, synthesized_stage: Path, tmp_path: Path
) -> None:
    """Per resource: the same passed, failed and skipped check ids. The gate's view of the JSON: a failure
    named in checkov-suppressions.json is skipped; the plain HCL scan skips it through the comment."""
    stack = synthesized_stage
    # The two frameworks name the provider block differently; everything else by address.
    names = {
        **addresses_by_checkov_name(json.loads((stack / "cdk.tf.json").read_text())),
        "aws.default": "provider.aws",
    }
    declared = {
        key: reason for key, reason in declared_suppressions(stack).items() if key not in plan_only_suppressions(stack)
    }

    def outcomes(results: dict[str, Any], suppressed: dict[tuple[str, str], str]) -> set[tuple[str, str, str]]:
        seen = set()
        for kind in ("passed_checks", "failed_checks", "skipped_checks"):
            for check in results[kind]:
                address = names.get(check["resource"], check["resource"]).removeprefix("data.")
                verdict = kind
                if kind == "failed_checks" and (address, check["check_id"]) in suppressed:
                    verdict = "skipped_checks"
                seen.add((address, check["check_id"], verdict))
        return seen

    on_json = outcomes(_checkov(stack, "terraform_json", tmp_path / "json"), declared)
    on_hcl = outcomes(_checkov(ejected, "terraform", tmp_path / "hcl"), {})
    assert on_json == on_hcl, (sorted(on_json - on_hcl), sorted(on_hcl - on_json))
    assert len(on_json) > 150 and {verdict for *_, verdict in on_hcl} == {"passed_checks", "skipped_checks"}
    assert {(address, check) for address, check, verdict in on_hcl if verdict == "skipped_checks"} == set(declared)


# --- equal plans --------------------------------------------------------------------------------------


def _plan(workspace: Path, env: dict[str, str]) -> dict[str, Any]:
    """Plan ``workspace`` against the local AWS: an override file points the provider there (the same
    settings local synthesis gives it) and keeps the state local; everything else is the workspace's."""
    override = {"provider": {"aws": provider_settings(env["LOCAL_AWS_ENDPOINT"])}, "terraform": LOCAL_BACKEND}
    (workspace / "local_override.tf.json").write_text(json.dumps(override))
    run(["terraform", f"-chdir={workspace}", "init", "-input=false", "-no-color", "-reconfigure"], env=env)
    run(["terraform", f"-chdir={workspace}", "plan", "-input=false", "-no-color", "-out=plan.tfplan"], env=env)
    shown = run(["terraform", f"-chdir={workspace}", "show", "-json", "plan.tfplan"], env=env)
    plan: dict[str, Any] = json.loads(shown.stdout)
    return plan


def _masked(value: Any, sensitive: Any) -> Any:
    """A planned value with what the plan marks sensitive replaced (a random password differs per plan)."""
    if sensitive is True:
        return "(sensitive)"
    if isinstance(value, dict) and isinstance(sensitive, dict):
        return {key: _masked(item, sensitive.get(key)) for key, item in value.items()}
    if isinstance(value, list) and isinstance(sensitive, list):
        return [_masked(item, sensitive[i] if i < len(sensitive) else None) for i, item in enumerate(value)]
    return value


def _changes(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        change["address"]: {
            "actions": change["change"]["actions"],
            "after": _masked(change["change"]["after"], change["change"].get("after_sensitive")),
            "after_unknown": change["change"]["after_unknown"],
        }
        for change in plan["resource_changes"]
    }


@slow
def test_the_ejected_hcl_plans_exactly_what_the_json_workspace_plans(
    shared_local_aws: dict[str, str], ejected: Path, synthesized_stage: Path, tmp_path: Path
) -> None:
    """Both against the local AWS, with no state: every address, action and planned value equal, and the
    same outputs. Copies: the session's synthesized workspace and the ejected one stay as they are."""
    env = {**shared_local_aws, "TF_CLI_CONFIG_FILE": os.environ.get("TF_CLI_CONFIG_FILE", "")}
    from_json = _plan(Path(shutil.copytree(synthesized_stage, tmp_path / "json")), env)
    from_hcl = _plan(Path(shutil.copytree(ejected, tmp_path / "hcl", ignore=shutil.ignore_patterns(".terraform"))), env)
    expected, actual = _changes(from_json), _changes(from_hcl)
    assert sorted(actual) == sorted(expected)
    # No state: everything is created; data sources that depend on what is created are read at apply.
    assert len(expected) > 50 and {tuple(change["actions"]) for change in expected.values()} == {("create",), ("read",)}
    for address, change in expected.items():
        assert actual[address] == change, address
    assert from_hcl["output_changes"] == from_json["output_changes"]


def _written_values(tf_file: Path, keys: list[str], scratch: Path) -> dict[str, Any]:
    """What Terraform reads for each ``key = <expression>`` of ``tf_file`` (a one-line string, or a heredoc
    to its end marker and the closing parenthesis of a chomp), from a plan of just those expressions as
    outputs: no provider, no state."""
    lines = tf_file.read_text(encoding="utf-8").splitlines()
    expressions = {}
    for key in keys:
        [start] = [number for number, line in enumerate(lines) if re.match(rf"\s*{key}\s*=", line)]
        expression = [lines[start].split("=", 1)[1].strip()]
        heredoc = re.search(r"<<-?(\w+)$", expression[0])
        if heredoc:
            end = next(n for n in range(start + 1, len(lines)) if lines[n].strip() == heredoc[1])
            expression += lines[start + 1 : end + 1] + ([")"] if expression[0].startswith("chomp(") else [])
        expressions[key] = "\n".join(expression)
    scratch.mkdir()
    (scratch / "main.tf").write_text("".join(f'output "{key}" {{\n  value = {text}\n}}\n' for key, text in
                                             expressions.items()), encoding="utf-8")  # fmt: skip
    run(["terraform", f"-chdir={scratch}", "init", "-input=false", "-no-color"])
    run(["terraform", f"-chdir={scratch}", "plan", "-input=false", "-no-color", "-out=plan.tfplan"])
    shown = json.loads(run(["terraform", f"-chdir={scratch}", "show", "-json", "plan.tfplan"]).stdout)
    return {key: output["value"] for key, output in shown["planned_values"]["outputs"].items()}


@slow
def test_every_value_reaches_the_ejected_hcl_byte_for_byte(ejected: Path, tmp_path: Path) -> None:
    """The app's variables in the ejected service.tf read back exactly as set (the plan of the whole workspace
    has them unknown: the map also holds references), and nothing of a value became an attribute."""
    assert _written_values(ejected / "service.tf", sorted(HOSTILE_VALUES), tmp_path / "values") == HOSTILE_VALUES
    text = (ejected / "service.tf").read_text(encoding="utf-8")
    outside_heredocs = re.sub(r"<<-?(\w+)\n.*?\n\s*\1\n", "<<heredoc>>\n", text, flags=re.S)
    assert "STOLEN = file(" in text and not re.search(r"^\s*(STOLEN|ZZZ)\s*=", outside_heredocs, re.M)
