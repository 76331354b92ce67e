"""The architecture diagram of every workspace README: drawn from the stack's resources, so that no node
stands for nothing and no major resource is missing, whatever network or compute the stack uses."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from modules import diagram

NODE = re.compile(r"^ {2,}(\w+)[\[(]", re.M)


def drawn(readme: str) -> tuple[set[str], str]:
    """The node ids of the README's mermaid block, and the block."""
    block = readme.split("```mermaid\n", 1)[1].split("```", 1)[0]
    return set(NODE.findall(block)) - {"subgraph"}, block


def kinds(document: dict) -> dict[str, str]:
    """Node id -> type, for every resource and data source of the stack."""
    found = {diagram.node_id(kind): kind for kind in document.get("resource", {})}
    found.update({diagram.node_id(f"data.{kind}"): f"data.{kind}" for kind in document.get("data", {})})
    return found


def check(document: dict, nodes: set[str]) -> None:
    present = kinds(document)
    assert nodes - {diagram.INTERNET} <= set(present), "a node without a resource"
    major = {diagram.node_id(kind) for kind in document.get("resource", {}) if kind not in diagram.FOLDED}
    assert major <= nodes, f"major resources without a node: {sorted(major - nodes)}"


@pytest.mark.parametrize("stack", ["stage", "prod", "bootstrap"])
def test_every_workspace_readme_draws_its_own_resources(
    outdir: Path, stack_json: Callable[[str], dict], stack: str
) -> None:
    nodes, block = drawn((outdir / "stacks" / stack / "README.md").read_text())
    check(stack_json(stack), nodes)
    assert block.startswith("flowchart") and block.count("subgraph") == block.count("\n  end")


def test_the_environment_diagram_shows_the_request_path_and_who_hears_alarms(outdir: Path) -> None:
    _, block = drawn((outdir / "stacks" / "stage" / "README.md").read_text())
    for edge in (
        "internet -->|HTTPS| aws_apprunner_service",
        "aws_apprunner_vpc_connector -->|PostgreSQL, TLS| aws_rds_cluster",
        "aws_apprunner_vpc_connector -->|Valkey, TLS + IAM| aws_elasticache_replication_group",
        "aws_cloudwatch_metric_alarm -->|alarm / ok| aws_sns_topic",
        "aws_backup_plan -->|recovery points| aws_backup_vault",
    ):
        assert edge in block
    assert 'aws_cloudwatch_metric_alarm["CloudWatch alarm ×16"]' in block


def test_folded_types_name_a_drawn_node_or_say_whose_they_are() -> None:
    for kind, owner in diagram.FOLDED.items():
        assert kind not in diagram.NODES, kind
        assert owner in diagram.NODES or not owner.startswith("aws_"), (kind, owner)


def test_a_dedicated_vpc_and_an_ecs_backend_draw_without_changes_here() -> None:
    """Types other parts of the project may add: drawn by the table, or in the catch-all group."""
    resources = (
        "aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_instance", "aws_flow_log", "aws_vpc_endpoint",
        "aws_route_table", "aws_ecs_cluster", "aws_ecs_service", "aws_ecs_task_definition", "aws_lb",
        "aws_lb_listener", "aws_cloudfront_distribution", "aws_rds_cluster", "aws_elasticache_replication_group",
        "aws_something_new",
    )  # fmt: skip
    document = {"resource": {kind: {"this": {}} for kind in resources}}
    nodes, block = drawn("```mermaid\n" + diagram.mermaid(document) + "```")
    check(document, nodes)
    assert "internet -->|HTTPS| aws_cloudfront_distribution" in block
    assert "aws_lb -->|HTTP| aws_ecs_service" in block and "aws_nat_gateway -->|egress| internet" in block
    assert 'subgraph group_other["Other resources"]\n    aws_something_new["aws_something_new"]' in block


@pytest.mark.parametrize(
    ("front", "door"),
    [
        (("aws_cloudfront_distribution", "aws_lb", "aws_ecs_service"), "aws_cloudfront_distribution"),
        (("aws_lb", "aws_ecs_service"), "aws_lb"),
        (("aws_apprunner_service",), "aws_apprunner_service"),
    ],
)
def test_the_web_acl_filters_the_first_front_door(front: tuple[str, ...], door: str) -> None:
    kinds = (*front, "aws_wafv2_web_acl", "aws_wafv2_web_acl_association", "aws_wafv2_web_acl_logging_configuration")
    document = {"resource": {kind: {"this": {}} for kind in kinds}}
    nodes, block = drawn("```mermaid\n" + diagram.mermaid(document) + "```")
    check(document, nodes)
    filtered = [line.split()[-1] for line in block.splitlines() if "-.->|filters|" in line]
    assert filtered == [door]
    assert "aws_wafv2_web_acl_logging_configuration" not in nodes
