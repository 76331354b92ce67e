"""The architecture diagram of a workspace README (Mermaid, which GitHub renders), drawn from the synthesized
stack's own resources, so it is always true.

One node per resource type that matters (``NODES``: its group and label), in groups (Mermaid subgraphs)
that keep it readable whatever the network and compute choices; every other type is either folded into
the node it serves (``FOLDED``, with the node named) or, when neither table knows it, shown in the
catch-all group: a new resource type is never left out. "Major" is exactly "not in ``FOLDED``".
``EDGES`` connect nodes that are both present. The internet reaches the first front door present (a CDN,
a load balancer), else the service itself (App Runner's own HTTPS endpoint). Plain Python: the
document is the stack's JSON form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

INTERNET = "internet"  # the one node that is no resource: where requests come from


@dataclass(frozen=True)
class Node:
    group: str
    label: str


# Groups, in drawing order: id -> title.
GROUPS = {
    "edge": "Front door",
    "app": "Application",
    "data": "Data",
    "network": "Network",
    "security": "Keys and secrets",
    "observability": "Alarms, logs and budget",
    "backup": "Backup",
    "state": "Buckets and Terraform state",
    "other": "Other resources",
}
# Resource types (data sources as data.<type>) shown as a node: group and label.
NODES: dict[str, Node] = {
    "aws_cloudfront_distribution": Node("edge", "CloudFront distribution"),
    "aws_wafv2_web_acl": Node("edge", "WAF web ACL"),
    "aws_lb": Node("edge", "load balancer"),
    "aws_acm_certificate": Node("edge", "ACM certificate"),
    "aws_route53_record": Node("edge", "Route 53 record"),
    "aws_apprunner_service": Node("app", "App Runner service"),
    "aws_apprunner_vpc_connector": Node("app", "VPC connector"),
    "aws_ecs_cluster": Node("app", "ECS cluster"),
    "aws_ecs_service": Node("app", "ECS service"),
    "aws_ecr_repository": Node("app", "ECR repository"),
    "aws_rds_cluster": Node("data", "Aurora PostgreSQL cluster"),
    "aws_rds_cluster_instance": Node("data", "Aurora instance"),
    "aws_elasticache_replication_group": Node("data", "Valkey replication group"),
    "data.aws_vpc": Node("network", "VPC (looked up)"),
    "data.aws_subnets": Node("network", "subnets (looked up)"),
    "aws_vpc": Node("network", "VPC"),
    "aws_subnet": Node("network", "subnet"),
    "aws_internet_gateway": Node("network", "internet gateway"),
    "aws_nat_gateway": Node("network", "NAT gateway"),
    "aws_instance": Node("network", "NAT instance"),
    "aws_vpc_endpoint": Node("network", "VPC endpoint"),
    "aws_flow_log": Node("network", "flow log"),
    "aws_security_group": Node("network", "security group"),
    "aws_kms_key": Node("security", "KMS key"),
    "aws_secretsmanager_secret": Node("security", "Secrets Manager secret"),
    "aws_cloudwatch_metric_alarm": Node("observability", "CloudWatch alarm"),
    "aws_sns_topic": Node("observability", "SNS topic"),
    "aws_sns_topic_subscription": Node("observability", "e-mail subscription"),
    "aws_budgets_budget": Node("observability", "budget"),
    "aws_ce_cost_allocation_tag": Node("observability", "cost allocation tag"),
    "aws_iam_openid_connect_provider": Node("security", "GitHub OIDC provider"),
    "aws_cloudwatch_log_group": Node("observability", "log group"),
    "aws_backup_vault": Node("backup", "backup vault"),
    "aws_backup_plan": Node("backup", "backup plan"),
    "aws_s3_bucket": Node("state", "S3 bucket"),
    "aws_dynamodb_table": Node("state", "DynamoDB lock table"),
}
# Resource types drawn as part of another node (the node's type): settings, attachments and rules.
# Data sources not named in NODES are lookups and never drawn.
FOLDED: dict[str, str] = {
    "aws_apprunner_auto_scaling_configuration_version": "aws_apprunner_service",
    "aws_apprunner_observability_configuration": "aws_apprunner_service",
    "aws_apprunner_custom_domain_association": "aws_apprunner_service",
    "aws_ecs_task_definition": "aws_ecs_service",
    "aws_ecr_lifecycle_policy": "aws_ecr_repository",
    "aws_lb_listener": "aws_lb",
    "aws_lb_target_group": "aws_lb",
    "aws_lb_listener_rule": "aws_lb",
    "aws_acm_certificate_validation": "aws_acm_certificate",
    "aws_appautoscaling_target": "aws_ecs_service",
    "aws_appautoscaling_policy": "aws_ecs_service",
    "aws_wafv2_web_acl_association": "aws_wafv2_web_acl",
    "aws_wafv2_web_acl_logging_configuration": "aws_wafv2_web_acl",
    "aws_iam_role": "the service or feature that assumes it",
    "aws_iam_role_policy": "the role's user",
    "aws_iam_role_policy_attachment": "the role's user",
    "aws_db_subnet_group": "aws_rds_cluster",
    "aws_rds_cluster_parameter_group": "aws_rds_cluster",
    "aws_elasticache_subnet_group": "aws_elasticache_replication_group",
    "aws_elasticache_parameter_group": "aws_elasticache_replication_group",
    "aws_elasticache_user": "aws_elasticache_replication_group",
    "aws_elasticache_user_group": "aws_elasticache_replication_group",
    "aws_route_table": "aws_subnet",
    "aws_route_table_association": "aws_subnet",
    "aws_route": "aws_subnet",
    "aws_eip": "aws_nat_gateway",
    "aws_network_interface": "aws_instance",
    "aws_iam_instance_profile": "aws_instance",
    "aws_default_security_group": "aws_vpc",
    "aws_vpc_security_group_ingress_rule": "aws_security_group",
    "aws_vpc_security_group_egress_rule": "aws_security_group",
    "aws_kms_alias": "aws_kms_key",
    "aws_secretsmanager_secret_version": "aws_secretsmanager_secret",
    "aws_secretsmanager_secret_rotation": "aws_secretsmanager_secret",
    "aws_backup_selection": "aws_backup_plan",
    "aws_s3_bucket_lifecycle_configuration": "aws_s3_bucket",
    "aws_s3_bucket_logging": "aws_s3_bucket",
    "aws_s3_bucket_ownership_controls": "aws_s3_bucket",
    "aws_s3_bucket_policy": "aws_s3_bucket",
    "aws_s3_bucket_public_access_block": "aws_s3_bucket",
    "aws_s3_bucket_server_side_encryption_configuration": "aws_s3_bucket",
    "aws_s3_bucket_versioning": "aws_s3_bucket",
}
# What sits in subnets (an edge from the subnets to each).
PLACED = (
    "aws_apprunner_vpc_connector",
    "aws_ecs_service",
    "aws_rds_cluster",
    "aws_elasticache_replication_group",
    "aws_lb",
)
FRONT_DOORS = ("aws_cloudfront_distribution", "aws_lb", "aws_apprunner_service", "aws_ecs_service")
# (from, to, label): drawn when both are present; "-.->" for what is not a request path.
EDGES: tuple[tuple[str, str, str, str], ...] = (
    ("aws_cloudfront_distribution", "aws_lb", "HTTP, secret header", "-->"),
    # The web ACL filters the first front door: CloudFront, else the load balancer, else App Runner.
    ("aws_wafv2_web_acl", "aws_cloudfront_distribution", "filters", "-.->"),
    ("aws_wafv2_web_acl", "aws_lb", "filters", "-.->"),
    ("aws_wafv2_web_acl", "aws_apprunner_service", "filters", "-.->"),
    ("aws_lb", "aws_ecs_service", "HTTP", "-->"),
    ("aws_apprunner_service", "aws_apprunner_vpc_connector", "egress", "-->"),
    ("aws_apprunner_vpc_connector", "aws_rds_cluster", "PostgreSQL, TLS", "-->"),
    ("aws_apprunner_vpc_connector", "aws_elasticache_replication_group", "Valkey, TLS + IAM", "-->"),
    ("aws_ecs_service", "aws_rds_cluster", "PostgreSQL, TLS", "-->"),
    ("aws_ecs_service", "aws_elasticache_replication_group", "Valkey, TLS + IAM", "-->"),
    ("aws_ecr_repository", "aws_apprunner_service", "image", "-.->"),
    ("aws_ecr_repository", "aws_ecs_service", "image", "-.->"),
    ("aws_secretsmanager_secret", "aws_apprunner_service", "secrets", "-.->"),
    ("aws_secretsmanager_secret", "aws_ecs_service", "secrets", "-.->"),
    ("aws_rds_cluster", "aws_rds_cluster_instance", "", "---"),
    *(
        (client, nat, "egress", "-->")
        for client in ("aws_apprunner_vpc_connector", "aws_ecs_service")
        for nat in ("aws_nat_gateway", "aws_instance")
    ),
    ("aws_apprunner_vpc_connector", "aws_vpc_endpoint", "AWS APIs", "-->"),
    ("aws_ecs_service", "aws_vpc_endpoint", "AWS APIs", "-->"),
    ("aws_route53_record", "aws_lb", "alias", "-.->"),
    ("aws_route53_record", "aws_apprunner_service", "CNAME", "-.->"),
    ("aws_acm_certificate", "aws_lb", "TLS", "-.->"),
    ("aws_lb", "aws_s3_bucket", "access logs", "-.->"),
    ("aws_nat_gateway", INTERNET, "egress", "-->"),
    ("aws_instance", INTERNET, "egress", "-->"),
    ("aws_cloudwatch_metric_alarm", "aws_sns_topic", "alarm / ok", "-->"),
    ("aws_sns_topic", "aws_sns_topic_subscription", "", "-->"),
    ("aws_budgets_budget", "aws_sns_topic_subscription", "same recipients, by e-mail", "-.->"),
    ("aws_backup_plan", "aws_backup_vault", "recovery points", "-->"),
    ("aws_backup_plan", "aws_rds_cluster", "backs up", "-.->"),
    ("aws_kms_key", "aws_rds_cluster", "encrypts", "-.->"),
    ("aws_kms_key", "aws_elasticache_replication_group", "encrypts", "-.->"),
    ("aws_kms_key", "aws_secretsmanager_secret", "encrypts", "-.->"),
    ("aws_kms_key", "aws_s3_bucket", "encrypts", "-.->"),
    ("aws_kms_key", "aws_dynamodb_table", "encrypts", "-.->"),
    ("data.aws_vpc", "data.aws_subnets", "", "---"),
    ("aws_vpc", "aws_subnet", "", "---"),
    *((subnets, placed, "in", "-.-") for subnets in ("data.aws_subnets", "aws_subnet") for placed in PLACED),
)
# Edges that are untrue when another type is present: (from, to) -> that type.
HIDDEN_BY: dict[tuple[str, str], str] = {
    # In a VPC of its own, the subnet lookup only narrows the connector's subnets to the zones it supports.
    **{("data.aws_subnets", placed): "aws_vpc" for placed in PLACED if placed != "aws_apprunner_vpc_connector"},
    # A load balancer's access-log bucket is SSE-S3 (ALB log delivery takes no KMS key).
    ("aws_kms_key", "aws_s3_bucket"): "aws_lb",
}


def node_id(kind: str) -> str:
    return re.sub(r"\W", "_", kind)


def present(document: Mapping[str, Any]) -> dict[str, int]:
    """Drawn types -> how many: resources not folded, and the data sources NODES names."""
    counts = {kind: len(blocks) for kind, blocks in document.get("resource", {}).items() if kind not in FOLDED}
    for kind, blocks in document.get("data", {}).items():
        if f"data.{kind}" in NODES:
            counts[f"data.{kind}"] = len(blocks)
    return counts


def _label(kind: str, count: int) -> str:
    node = NODES.get(kind)
    text = node.label if node else kind
    return f"{text} ×{count}" if count > 1 and not kind.startswith("data.") else text  # lookups: not a count


def mermaid(document: Mapping[str, Any]) -> str:
    """The diagram, as the body of a ```mermaid block."""
    counts = present(document)
    door = next((kind for kind in FRONT_DOORS if kind in counts), None)
    edges = [
        (source, target, label, arrow)
        for source, target, label, arrow in EDGES
        if (source in counts or source == INTERNET)
        and (target in counts or target == INTERNET)
        and HIDDEN_BY.get((source, target)) not in counts
        # The web ACL filters whichever resource faces the internet.
        and not (source == "aws_wafv2_web_acl" and target != door)
    ]
    lines = ["flowchart LR"]
    if door or any(INTERNET in (source, target) for source, target, *_ in edges):
        lines.append(f'  {INTERNET}(("internet"))')
    for group, title in GROUPS.items():
        members = sorted(kind for kind in counts if (NODES[kind].group if kind in NODES else "other") == group)
        if members:
            lines.append(f'  subgraph group_{group}["{title}"]')
            lines.extend(f'    {node_id(kind)}["{_label(kind, counts[kind])}"]' for kind in members)
            lines.append("  end")
    if door:
        lines.append(f"  {INTERNET} -->|HTTPS| {node_id(door)}")
    for source, target, label, arrow in edges:
        text = f"|{label}|" if label else ""
        lines.append(f"  {node_id(source)} {arrow}{text} {node_id(target)}")
    return "\n".join(lines) + "\n"
