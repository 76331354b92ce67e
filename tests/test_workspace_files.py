"""The rendered files next to each workspace: README, backend.hcl, terraform.tfvars.example."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from modules.settings import load_environments
from modules.settings.cost import budget_warning, count, idle_cost, total
from tests.config_helpers import set_key
from tests.conftest import ENVIRONMENTS, ROOT


def test_backend_hcl_matches_the_synthesized_backend(outdir: Path, stack_json) -> None:
    for stack in ("stage", "prod"):
        text = (outdir / "stacks" / stack / "backend.hcl").read_text()
        pairs = dict(re.findall(r"^(\w+)\s+= (.+)$", text, re.MULTILINE))
        backend = stack_json(stack)["terraform"]["backend"]["s3"]
        assert {key: json.loads(value) for key, value in pairs.items()} == backend
    assert not (outdir / "stacks" / "bootstrap" / "backend.hcl").exists()  # local state


def test_tfvars_example_names_the_image_tag_variable(outdir: Path) -> None:
    text = (outdir / "stacks" / "prod" / "terraform.tfvars.example").read_text()
    assert 'image_tag = "v0.1.0"' in text


def test_workspace_readme_lists_resources_outputs_suppressions_and_how_to_run(outdir: Path, stack_json) -> None:
    readme = (outdir / "stacks" / "stage" / "README.md").read_text()
    document = stack_json("stage")
    for kind, blocks in document["resource"].items():
        assert f"| `{kind}` | {len(blocks)} |" in readme
    for output in document["output"]:
        assert f"| `{output}` |" in readme
    for item in json.loads((outdir / "stacks" / "stage" / "checkov-suppressions.json").read_text()):
        assert f"| `{item['resource']}` | {item['check_id']} | {item['reason']} |" in readme
    assert "terraform plan -out plan.tfplan -var image_tag=v0.1.0" in readme
    assert "| `database.min_acu` | `0` |" in readme
    assert "A `terraform apply` run by hand here skips the checkov scan of the plan" in readme
    assert "through one t4g.nano NAT instance" in readme  # stage's network, said plainly


def test_idle_cost_follows_the_settings_and_counts_what_the_stack_holds(outdir: Path, stack_json) -> None:
    configs = {config.name: config for config in load_environments(ENVIRONMENTS)}
    stage = {line.item: line for line in idle_cost(configs["stage"], count(stack_json("stage")))}
    prod = {line.item: line for line in idle_cost(configs["prod"], count(stack_json("prod")))}
    # Stage's min_acu is 0, but the service's connection pool keeps the cluster awake: 0.5 ACU.
    assert (
        round(stage["Aurora Serverless v2"].usd, 2) == 43.80 and "never paused" in stage["Aurora Serverless v2"].basis
    )
    assert round(prod["Aurora Serverless v2"].usd, 2) == 87.60  # 2 instances x 0.5 ACU x 730 h x 0.12
    assert round(stage["ElastiCache Valkey"].usd, 2) == 9.34 and round(prod["ElastiCache Valkey"].usd, 2) == 37.38
    alarms = len(stack_json("prod")["resource"]["aws_cloudwatch_metric_alarm"])
    assert prod["CloudWatch alarms"].usd == round(alarms * 0.10, 2)
    # The RDS-managed master secret is billed like the stack's own.
    secrets = len(stack_json("prod")["resource"]["aws_secretsmanager_secret"]) + 1
    assert prod["Secrets Manager"].basis.startswith(f"{secrets} secrets")
    assert {"Aurora and AWS Backup backups", "CloudWatch Logs"} <= set(prod)  # per-GB lines, 0 in the total


def test_shipped_budgets_cover_their_idle_cost(outdir: Path, stack_json) -> None:
    for config in load_environments(ENVIRONMENTS):
        lines = idle_cost(config, count(stack_json(config.name)))
        assert budget_warning(config, lines) is None
        assert config.budget.monthly_usd >= 1.2 * total(lines), config.name  # headroom for real use
        readme = (outdir / "stacks" / config.name / "README.md").read_text()
        assert "**the idle cost alone exceeds it**" not in readme


def test_a_budget_below_the_idle_cost_warns_naming_the_file_budget_and_estimate(
    environments: Path, tmp_path: Path
) -> None:
    set_key(environments / "prod.toml", "budget", "monthly_usd", "25")
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        env={**os.environ, "ENVIRONMENTS_DIR": str(environments), "CDKTF_OUTDIR": str(tmp_path / "out")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    warnings = [
        line for line in result.stderr.splitlines() if line.startswith("warning: ") and "budget.monthly_usd" in line
    ]
    assert len(warnings) == 1
    assert re.fullmatch(
        r"warning: environments/prod.toml: budget.monthly_usd = 25 is below the idle estimate of \d+\.\d\d "
        r"USD/month: its alerts would fire every month",
        warnings[0],
    )
    assert "**the idle cost alone exceeds it**" in (tmp_path / "out" / "stacks" / "prod" / "README.md").read_text()


def test_another_region_says_the_prices_are_us_east_1s(stack_json) -> None:
    config = {config.name: config for config in load_environments(ENVIRONMENTS)}["stage"]
    moved = dataclasses.replace(config, environment=dataclasses.replace(config.environment, region="eu-west-1"))
    lines = {line.item: line.basis for line in idle_cost(moved, count(stack_json("stage")))}
    assert lines["Region"] == "prices above are us-east-1's; eu-west-1 differs"


def test_the_hcl_fixes_give_blocks_for_conditions_and_the_exact_multi_line_string(tmp_path: Path) -> None:
    """What cdktf's HCL renderer writes for a lifecycle postcondition (a list attribute, which HCL refuses)
    and for a multi-line string (a heredoc one newline longer than the value), as complete_hcl mends it."""
    from modules.workspace_files import complete_hcl

    rendered = (
        'resource "aws_instance" "a" {\n'
        "user_data = <<EOF\n#!/bin/bash\necho hi\n\nEOF\n"
        "description = <<EOF\nno last\nnewline\nEOF\n"
        'lifecycle {\n  postcondition = [\n{\ncondition = true\nerror_message = "one"\n},\n'
        '{\ncondition = false\nerror_message = "two"\n},\n]\n}\n}\n'
    )
    (tmp_path / "cdk.tf").write_text(rendered, encoding="utf-8")
    instance = {"user_data": "#!/bin/bash\necho hi\n", "description": "no last\nnewline",
                "lifecycle": {"postcondition": [{"error_message": "one"}, {"error_message": "two"}]}}  # fmt: skip
    complete_hcl(tmp_path, {"resource": {"aws_instance": {"a": instance}}})
    assert (tmp_path / "cdk.tf").read_text(encoding="utf-8") == (
        'resource "aws_instance" "a" {\n'
        "user_data = <<EOT\n#!/bin/bash\necho hi\nEOT\n"
        "description = chomp(<<EOT\nno last\nnewline\nEOT\n)\n"
        'lifecycle {\n  postcondition {\ncondition = true\nerror_message = "one"\n  }\n'
        '  postcondition {\ncondition = false\nerror_message = "two"\n  }\n}\n}\n'
    )


# A value that holds the renderer's heredoc marker on a line of its own, then HCL: the renderer's heredoc
# ends there and the rest of the value would be read as an attribute reading the operator's credentials.
INJECTION = 'x\nEOF\nSTOLEN = file(pathexpand("~/.aws/credentials"))\nZZZ = <<EOF\ny'


def test_every_string_is_written_again_from_the_json_value_so_none_ends_early_or_loses_a_character(
    tmp_path: Path,
) -> None:
    """The renderer's own forms (heredoc to the first EOF line, backslashes raw, quotes escaped only in maps, a
    carriage return as a line break) of values that break them, as complete_hcl writes them instead."""
    from modules.workspace_files import complete_hcl

    variables = {"RELEASE_NOTES": INJECTION, "WIN_PATH": "C:\\new\\table", "CR": "first\rsecond",
                 "CORS_ORIGINS": '["*"]', "TAB": "a\tb\u0008", "TEMPLATE": '${upper("x")} $${y} "z"'}  # fmt: skip
    rendered = (
        'resource "aws_apprunner_service" "s" {\nruntime_environment_variables = {\n'
        'CORS_ORIGINS = "[\\"*\\"]"\nCR = <<EOF\nfirst\nsecond\nEOF\n'
        "RELEASE_NOTES = <<EOF\n" + INJECTION + "\nEOF\n"
        'TAB = "a\tb\u0008"\nTEMPLATE = "${upper(\\"x\\")} $${y} \\"z\\""\nWIN_PATH = "C:\\new\\table"\n}\n}\n'
    )
    (tmp_path / "cdk.tf").write_text(rendered, encoding="utf-8")
    document = {"resource": {"aws_apprunner_service": {"s": {"runtime_environment_variables": variables}}}}
    complete_hcl(tmp_path, document)
    assert (tmp_path / "cdk.tf").read_text(encoding="utf-8") == (
        'resource "aws_apprunner_service" "s" {\nruntime_environment_variables = {\n'
        'CORS_ORIGINS = "[\\"*\\"]"\nCR = "first\\rsecond"\n'
        "RELEASE_NOTES = chomp(<<EOT\n" + INJECTION + "\nEOT\n)\n"
        'TAB = "a\\tb\\u0008"\nTEMPLATE = "${upper("x")} $${y} \\"z\\""\nWIN_PATH = "C:\\\\new\\\\table"\n}\n}\n'
    )


@pytest.mark.parametrize("rendered", [
    'resource "a" "b" {\nx = <<EOF\nnot a value of the stack\nEOF\n}\n',  # a heredoc no value accounts for
    'resource "a" "b" {\nx = "C:\\unknown"\n}\n',  # a string with a backslash that no value accounts for
])  # fmt: skip
def test_a_rendered_string_that_is_none_of_the_stacks_is_refused(tmp_path: Path, rendered: str) -> None:
    from modules.workspace_files import complete_hcl

    (tmp_path / "cdk.tf").write_text(rendered, encoding="utf-8")
    with pytest.raises(ValueError, match="rendered HCL"):
        complete_hcl(tmp_path, {"resource": {"a": {"b": {"x": "something else\n"}}}})


def test_an_untyped_attribute_becomes_the_blocks_of_the_providers_schema(tmp_path: Path) -> None:
    """A web ACL rule's statement, which the bindings leave untyped: the HCL renderer writes it, after its
    warning, as an object attribute (lists of objects as lists), where the AWS provider's schema has blocks."""
    from modules.workspace_files import complete_hcl

    warning = (
        "# Warning: The following attribute is of an unexpected type. Either there's a problem\n"
        "# or CDKTF has chosen to skip generating a detailed type for this.\n"
        "# We understand this is not ideal, so we suggest using JSON synthesis.\n\n"
    )
    rendered = (
        'resource "aws_wafv2_web_acl" "waf" {\nrule {\nname = "a"\n' + warning + "statement = {\n"
        'managed_rule_group_statement = {\nname = "AWSManagedRulesCommonRuleSet"\nrule_action_override = [\n'
        '{\nname = "SizeRestrictions_BODY"\naction_to_use = {\ncount = {\n}\n}\n},\n'
        '{\nname = "NoUserAgent_HEADER"\naction_to_use = {\ncount = {\n}\n}\n},\n]\n'
        'scope_down_statement = {\nvalues = [\n"a",\n"b",\n]\n}\n}\n}\n\n'
        'visibility_config {\nmetric_name = "a"\n}\n}\n}\n'
    )
    (tmp_path / "cdk.tf").write_text(rendered, encoding="utf-8")
    complete_hcl(tmp_path, {})
    assert (tmp_path / "cdk.tf").read_text(encoding="utf-8") == (
        'resource "aws_wafv2_web_acl" "waf" {\nrule {\nname = "a"\nstatement {\n'
        'managed_rule_group_statement {\nname = "AWSManagedRulesCommonRuleSet"\n'
        'rule_action_override {\nname = "SizeRestrictions_BODY"\naction_to_use {\ncount {\n}\n}\n}\n'
        'rule_action_override {\nname = "NoUserAgent_HEADER"\naction_to_use {\ncount {\n}\n}\n}\n'
        'scope_down_statement {\nvalues = [\n"a",\n"b",\n]\n}\n}\n}\n\n'
        'visibility_config {\nmetric_name = "a"\n}\n}\n}\n'
    )
