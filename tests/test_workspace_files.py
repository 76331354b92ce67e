"""The rendered files next to each workspace: README, backend.hcl, terraform.tfvars.example."""

from __future__ import annotations

import json
import re
from pathlib import Path

from modules.settings import load_environments
from modules.settings.cost import idle_cost
from tests.conftest import ENVIRONMENTS


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


def test_idle_cost_follows_the_settings_and_flags_a_budget_it_exceeds(outdir: Path) -> None:
    configs = {config.name: config for config in load_environments(ENVIRONMENTS)}
    stage = {line.item: line.usd for line in idle_cost(configs["stage"], alarms=16)}
    prod = {line.item: line.usd for line in idle_cost(configs["prod"], alarms=20)}
    assert stage["Aurora Serverless v2"] == 0  # paused when idle
    assert round(prod["Aurora Serverless v2"], 2) == 87.60  # 2 instances x 0.5 ACU x 730 h x 0.12
    assert round(stage["ElastiCache Valkey"], 2) == 9.34 and round(prod["ElastiCache Valkey"], 2) == 37.38
    readme = (outdir / "stacks" / "prod" / "README.md").read_text()
    assert "**the idle cost alone exceeds it**" in readme
