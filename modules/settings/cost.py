"""Idle monthly cost of an environment: what it costs while nobody uses it.

List prices of us-east-1 (on-demand, standard storage), rounded, checked against AWS's price pages on
the day they were written; in another region the estimate says so (prices differ by a few percent to
a third). Usage (requests, ACU above the minimum, data transfer) comes on top, and so does storage,
which is shown per GB because its size is the data's, not the settings'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modules.settings.regions import AVAILABILITY_ZONES
from modules.settings.waf import MILLION_REQUESTS, RULE_MONTH, WEB_ACL_MONTH

if TYPE_CHECKING:
    from modules.settings.loader import EnvironmentConfig

PRICE_REGION = "us-east-1"
HOURS_PER_MONTH = 730
APP_RUNNER_GB_HOUR = 0.007  # provisioned (idle) instance memory
AURORA_ACU_HOUR = 0.12  # Serverless v2, Aurora Standard
# While not paused, a Serverless v2 instance runs at 0.5 ACU at least, whatever min_acu says.
AURORA_LOWEST_ACTIVE_ACU = 0.5
VALKEY_NODE_HOUR = {  # ElastiCache for Valkey, 20 % below Redis OSS
    "cache.t4g.micro": 0.0128,
    "cache.t4g.small": 0.0256,
    "cache.t4g.medium": 0.0520,
    "cache.t3.micro": 0.0136,
    "cache.t3.small": 0.0272,
    "cache.t3.medium": 0.0544,
}
# Network (dedicated VPC). Every public IPv4 address costs 0.005 USD/hour since 2024-02, attached or not.
NAT_GATEWAY_HOUR = 0.045  # plus 0.045 USD per GB processed
PUBLIC_IPV4_HOUR = 0.005
INTERFACE_ENDPOINT_HOUR = 0.01  # per endpoint per AZ, plus 0.01 USD per GB processed
EC2_HOUR = {"t4g.nano": 0.0042, "t4g.micro": 0.0084}
GP3_GB_MONTH = 0.08
NAT_INSTANCE_ROOT_GB = 8  # the Amazon Linux 2023 AMI's root volume
# ECS on Fargate (Linux, per second, shown per hour) by architecture: (per vCPU-hour, per GB-hour).
FARGATE_HOUR = {"x86_64": (0.04048, 0.004445), "arm64": (0.03238, 0.00356)}
# App Runner's custom domain: the association and App Runner's own certificate cost nothing; its records live in
# the user's zone, which the environment does not create.
APPRUNNER_DOMAIN = (
    "App Runner's association and certificate: no charge; Route 53: $0.40 per million queries of its CNAME "
    "(the hosted zone, $0.50/month, is not part of this environment)"
)
ALB_HOUR = 0.0225  # plus 0.008 USD per LCU-hour: none at idle
# Container Insights (standard): its metrics are custom metrics at 0.30 USD each a month; a cluster with one
# service publishes about 20 (cluster, service and task-definition level), plus its performance log events.
CONTAINER_INSIGHTS_METRICS = 20
CUSTOM_METRIC_MONTH = 0.30
KMS_KEY_MONTH = 1.00
SECRET_MONTH = 0.40
ALARM_MONTH = 0.10
# Billed per GB stored: shown with their price, counted as 0 in the total.
PER_GB_MONTH = (
    ("Aurora storage", "$0.10 per GB-month of data (Aurora Standard), plus $0.20 per million I/Os"),
    ("Aurora and AWS Backup backups", "$0.021 per GB-month beyond the free retention copy"),
    ("ECR images", "$0.10 per GB-month of images kept (lifecycle: 30 tagged, untagged 7 days)"),
    ("CloudWatch Logs", "$0.50 per GB ingested, $0.03 per GB-month kept (retention: log_retention_days)"),
)


@dataclass(frozen=True)
class CostLine:
    item: str
    basis: str
    usd: float


@dataclass(frozen=True)
class Counted:
    """What the synthesized stack holds that is billed per item (counted there, not guessed here)."""

    alarms: int
    secrets: int  # Secrets Manager secrets, the RDS-managed master secret included
    keys: int = 1
    nat_gateways: int = 0
    public_ipv4: int = 0  # Elastic IPs (NAT gateways, the NAT instance)
    instances: tuple[str, ...] = ()  # EC2 instance types (the NAT instance)
    endpoint_azs: int = 0  # interface endpoints x the AZs each is in
    load_balancers: int = 0  # Application Load Balancers (ECS)
    distributions: int = 0  # CloudFront distributions (ECS without a domain)
    web_acls: int = 0  # AWS WAF web ACLs ([waf])
    waf_rules: int = 0  # their rules (a managed rule group is one rule)


def count(document: Mapping[str, Any]) -> Counted:
    """Counts what a synthesized stack (its Terraform JSON) holds that is billed per item."""
    resources = document.get("resource", {})
    managed_secrets = [
        cluster
        for cluster in resources.get("aws_rds_cluster", {}).values()
        if cluster.get("manage_master_user_password")
    ]
    interface_endpoints = [
        endpoint
        for endpoint in resources.get("aws_vpc_endpoint", {}).values()
        if endpoint.get("vpc_endpoint_type") == "Interface"
    ]
    return Counted(
        alarms=len(resources.get("aws_cloudwatch_metric_alarm", {})),
        secrets=len(resources.get("aws_secretsmanager_secret", {})) + len(managed_secrets),
        keys=len(resources.get("aws_kms_key", {})),
        nat_gateways=len(resources.get("aws_nat_gateway", {})),
        public_ipv4=len(resources.get("aws_eip", {})),
        instances=tuple(sorted(item["instance_type"] for item in resources.get("aws_instance", {}).values())),
        endpoint_azs=sum(len(endpoint.get("subnet_ids", [])) for endpoint in interface_endpoints),
        load_balancers=len(resources.get("aws_lb", {})),
        distributions=len(resources.get("aws_cloudfront_distribution", {})),
        web_acls=len(resources.get("aws_wafv2_web_acl", {})),
        waf_rules=sum(len(acl.get("rule", [])) for acl in resources.get("aws_wafv2_web_acl", {}).values()),
    )


def idle_cost(config: EnvironmentConfig, counted: Counted) -> list[CostLine]:
    app, cache = config.app, config.cache
    memory_gb = app.memory / 1024
    compute = (
        _ecs(config, counted)
        if app.ecs
        else [
            CostLine(
                "App Runner",
                f"{app.min_instances} provisioned instance(s) x {memory_gb:g} GB x ${APP_RUNNER_GB_HOUR}/GB-hour",
                app.min_instances * memory_gb * APP_RUNNER_GB_HOUR * HOURS_PER_MONTH,
            ),
            *([CostLine("Custom domain", APPRUNNER_DOMAIN, 0.0)] if app.domain else []),
        ]
    )
    lines = [
        *compute,
        _aurora(config),
        _valkey(cache.node_type, 1 + cache.replicas),
        CostLine("KMS", f"{counted.keys} key(s) x ${KMS_KEY_MONTH:.2f}", counted.keys * KMS_KEY_MONTH),
        CostLine("Secrets Manager", f"{counted.secrets} secrets x ${SECRET_MONTH:.2f}", counted.secrets * SECRET_MONTH),
        CostLine("CloudWatch alarms", f"{counted.alarms} alarms x ${ALARM_MONTH:.2f}", counted.alarms * ALARM_MONTH),
    ]
    lines += _network(counted)
    if counted.web_acls:
        lines.append(
            CostLine(
                "AWS WAF",
                f"{counted.web_acls} web ACL(s) x ${WEB_ACL_MONTH:.2f} + {counted.waf_rules} rules x "
                f"${RULE_MONTH:.2f}, plus ${MILLION_REQUESTS:.2f} per million requests inspected",
                counted.web_acls * WEB_ACL_MONTH + counted.waf_rules * RULE_MONTH,
            )
        )
    lines += [CostLine(item, basis, 0.0) for item, basis in PER_GB_MONTH]
    if config.environment.region != PRICE_REGION:
        lines.append(CostLine("Region", f"prices above are {PRICE_REGION}'s; {config.environment.region} differs", 0.0))
    return lines


def _ecs(config: EnvironmentConfig, counted: Counted) -> list[CostLine]:
    """Fargate tasks at the minimum count, the load balancer and its addresses, CloudFront, Container Insights."""
    app, network = config.app, config.network
    vcpu, memory_gb = app.cpu / 1024, app.memory / 1024
    per_vcpu, per_gb = FARGATE_HOUR[app.cpu_architecture]
    task_hour = vcpu * per_vcpu + memory_gb * per_gb
    # The load balancer has a public IPv4 address in every zone it spans: the VPC's zones, or every default
    # subnet of the region; in the default VPC every task has one too.
    zones = network.zone_count if network.dedicated else AVAILABILITY_ZONES.get(config.environment.region, 3)
    addresses = zones * counted.load_balancers + (0 if network.dedicated else app.min_instances)
    where = f"{zones} zone(s)" + ("" if network.dedicated else f" + {app.min_instances} task(s) with a public IP")
    lines = [
        CostLine(
            "ECS Fargate",
            f"{app.min_instances} task(s) x ({vcpu:g} vCPU x ${per_vcpu} + {memory_gb:g} GB x ${per_gb}) per hour, "
            f"{app.cpu_architecture}",
            app.min_instances * task_hour * HOURS_PER_MONTH,
        ),
        CostLine(
            "Application Load Balancer",
            f"{counted.load_balancers} x ${ALB_HOUR}/hour, plus $0.008 per LCU-hour of traffic",
            counted.load_balancers * ALB_HOUR * HOURS_PER_MONTH,
        ),
        CostLine(
            "Public IPv4 addresses (ECS)",
            f"{addresses} address(es): load balancer in {where}, x ${PUBLIC_IPV4_HOUR}/hour",
            addresses * PUBLIC_IPV4_HOUR * HOURS_PER_MONTH,
        ),
        CostLine(
            "Container Insights",
            f"about {CONTAINER_INSIGHTS_METRICS} metrics x ${CUSTOM_METRIC_MONTH:.2f}, plus $0.50 per GB of "
            "performance events",
            CONTAINER_INSIGHTS_METRICS * CUSTOM_METRIC_MONTH,
        ),
    ]
    if counted.distributions:
        lines.append(
            CostLine(
                "CloudFront",
                "$0.0075-0.01 per 10,000 HTTPS requests and $0.085 per GB out (first 1 TB and 10 M requests a "
                "month free): nothing at idle",
                0.0,
            )
        )
    return lines


def _network(counted: Counted) -> list[CostLine]:
    """NAT gateways, the NAT instance, public IPv4 addresses and interface endpoints, where the stack has them."""
    month = HOURS_PER_MONTH
    lines = []
    if counted.nat_gateways:
        lines.append(
            CostLine(
                "NAT gateways",
                f"{counted.nat_gateways} x ${NAT_GATEWAY_HOUR}/hour, plus ${NAT_GATEWAY_HOUR} per GB processed",
                counted.nat_gateways * NAT_GATEWAY_HOUR * month,
            )
        )
    for instance_type in counted.instances:
        hourly = EC2_HOUR.get(instance_type, 0.0)
        lines.append(
            CostLine(
                "NAT instance",
                f"1 x {instance_type} x ${hourly}/hour + {NAT_INSTANCE_ROOT_GB} GB gp3 x ${GP3_GB_MONTH}/GB-month",
                hourly * month + NAT_INSTANCE_ROOT_GB * GP3_GB_MONTH,
            )
        )
    if counted.public_ipv4:
        lines.append(
            CostLine(
                "Public IPv4 addresses",
                f"{counted.public_ipv4} Elastic IP(s) x ${PUBLIC_IPV4_HOUR}/hour",
                counted.public_ipv4 * PUBLIC_IPV4_HOUR * month,
            )
        )
    if counted.endpoint_azs:
        lines.append(
            CostLine(
                "Interface endpoints",
                f"{counted.endpoint_azs} endpoint-AZs x ${INTERFACE_ENDPOINT_HOUR}/hour, plus "
                f"${INTERFACE_ENDPOINT_HOUR} per GB processed",
                counted.endpoint_azs * INTERFACE_ENDPOINT_HOUR * month,
            )
        )
    return lines


def _aurora(config: EnvironmentConfig) -> CostLine:
    database = config.database
    if database.pauses:
        # The service keeps a pool of DATABASE_POOL_SIZE connections open and Aurora pauses only when
        # no connection is open for auto_pause_seconds: with the service running it never pauses.
        return CostLine(
            "Aurora Serverless v2",
            f"min_acu = 0, but never paused while the service holds its connection pool: {database.instances} "
            f"instance(s) x {AURORA_LOWEST_ACTIVE_ACU:g} ACU x ${AURORA_ACU_HOUR}/ACU-hour",
            database.instances * AURORA_LOWEST_ACTIVE_ACU * AURORA_ACU_HOUR * HOURS_PER_MONTH,
        )
    return CostLine(
        "Aurora Serverless v2",
        f"{database.instances} instance(s) x {database.min_acu:g} ACU minimum x ${AURORA_ACU_HOUR}/ACU-hour",
        database.instances * database.min_acu * AURORA_ACU_HOUR * HOURS_PER_MONTH,
    )


def _valkey(node_type: str, nodes: int) -> CostLine:
    node_hour = VALKEY_NODE_HOUR.get(node_type)
    if node_hour is None:
        return CostLine("ElastiCache Valkey", f"{nodes} x {node_type}: see the ElastiCache price list", 0.0)
    return CostLine(
        "ElastiCache Valkey", f"{nodes} x {node_type} x ${node_hour}/hour", nodes * node_hour * HOURS_PER_MONTH
    )


def total(lines: list[CostLine]) -> float:
    return round(sum(line.usd for line in lines), 2)


def budget_warning(config: EnvironmentConfig, lines: list[CostLine]) -> str | None:
    """A budget below the environment's own idle cost fires every month: a mistake worth a warning."""
    idle = total(lines)
    if config.budget.monthly_usd >= idle:
        return None
    return (
        f"{config.source.parent.name}/{config.source.name}: budget.monthly_usd = {config.budget.monthly_usd:g} "
        f"is below the idle estimate of {idle:.2f} USD/month: its alerts would fire every month"
    )
