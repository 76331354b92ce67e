"""What CloudWatch actually receives: the metrics and dimensions each AWS namespace publishes, and the
Aurora Serverless v2 facts the alarm thresholds depend on. One table, each row with the AWS page it
was taken from; tests/test_correct_on_aws.py fails on any alarm that watches something not listed here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Namespace:
    """One CloudWatch namespace: where AWS documents it, its metric names and its dimension names."""

    source: str
    metrics: frozenset[str]
    dimensions: frozenset[str]


def _namespace(source: str, metrics: str, dimensions: str) -> Namespace:
    return Namespace(source, frozenset(metrics.split()), frozenset(dimensions.split()))


PUBLISHED: dict[str, Namespace] = {
    "AWS/AppRunner": _namespace(
        'App Runner Developer Guide, "Viewing App Runner service metrics reported to CloudWatch", '
        "https://docs.aws.amazon.com/apprunner/latest/dg/monitor-cw.html",
        "CPUUtilization MemoryUtilization Concurrency Requests 2xxStatusResponses 4xxStatusResponses "
        "5xxStatusResponses RequestLatency ActiveInstances",
        "ServiceName ServiceID Instance",
    ),
    "AWS/RDS": _namespace(
        'Aurora User Guide, "Amazon CloudWatch metrics for Amazon Aurora" and "Amazon CloudWatch dimensions '
        'for Aurora", https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html'
        ' (ACUUtilization, ServerlessDatabaseCapacity: "Important Amazon CloudWatch metrics for Aurora Serverless v2")',
        "ACUUtilization ServerlessDatabaseCapacity CPUUtilization FreeableMemory DatabaseConnections "
        "Deadlocks DiskQueueDepth ReadLatency WriteLatency ReadIOPS WriteIOPS AuroraReplicaLag "
        "MaximumUsedTransactionIDs TempStorageIops FreeLocalStorage",
        "DBClusterIdentifier DBInstanceIdentifier Role DatabaseClass EngineName",
    ),
    "AWS/ElastiCache": _namespace(
        'ElastiCache User Guide, "Host-level metrics" and "Metrics for Valkey and Redis OSS", '
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html",
        "CPUUtilization EngineCPUUtilization FreeableMemory CurrConnections NewConnections "
        "DatabaseMemoryUsagePercentage Evictions ReplicationLag CacheHits CacheMisses",
        "CacheClusterId CacheNodeId",
    ),
    # The second compute backend (modules/compute/ecs.py): its load balancer and service.
    "AWS/ApplicationELB": _namespace(
        'Elastic Load Balancing, "CloudWatch metrics for your Application Load Balancer", '
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html",
        "RequestCount TargetResponseTime HTTPCode_Target_5XX_Count HTTPCode_ELB_5XX_Count "
        "HealthyHostCount UnHealthyHostCount",
        "LoadBalancer TargetGroup AvailabilityZone",
    ),
    "AWS/ECS": _namespace(
        'Amazon ECS Developer Guide, "Amazon ECS CloudWatch metrics", '
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html",
        "CPUUtilization MemoryUtilization",
        "ClusterName ServiceName",
    ),
    "ECS/ContainerInsights": _namespace(
        'Amazon CloudWatch User Guide, "Amazon ECS Container Insights metrics", '
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html",
        "RunningTaskCount DesiredTaskCount PendingTaskCount CpuUtilized CpuReserved MemoryUtilized "
        "MemoryReserved DeploymentCount TaskSetCount ServiceCount TaskCount ContainerInstanceCount",
        "ClusterName ServiceName TaskDefinitionFamily",
    ),
}

# Aurora User Guide, "Performance and scaling for Aurora Serverless v2", "Maximum connections for Aurora
# Serverless v2"
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html):
# Aurora PostgreSQL's default max_connections by the cluster's maximum ACU. Between two rows the lower
# one applies (the table has no row for 2 ACU: 2 ACU gives 189).
AURORA_POSTGRESQL_MAX_CONNECTIONS = ((1.0, 189), (4.0, 823), (8.0, 1669), (16.0, 3360), (32.0, 5000))
# Same page: with a minimum capacity of 0 or 0.5 ACU, max_connections is capped at 2,000.
LOW_MINIMUM_ACU = 0.5
LOW_MINIMUM_CAP = 2000
# Aurora User Guide, "Aurora Serverless v2 capacity": one ACU is about 2 GiB of memory.
BYTES_PER_ACU = 2 * 1024**3


def aurora_connection_ceiling(min_acu: float, max_acu: float) -> int:
    """Aurora PostgreSQL's default max_connections for a Serverless v2 cluster (table above)."""
    rows = [connections for acu, connections in AURORA_POSTGRESQL_MAX_CONNECTIONS if acu <= max_acu]
    ceiling = rows[-1] if rows else AURORA_POSTGRESQL_MAX_CONNECTIONS[0][1]
    return min(ceiling, LOW_MINIMUM_CAP) if min_acu <= LOW_MINIMUM_ACU else ceiling
