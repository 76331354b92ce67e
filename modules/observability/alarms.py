"""CloudWatch alarms for the reference guide's key metrics, to an encrypted SNS topic.

Every alarm watches a metric its namespace publishes (modules/observability/metrics.py, with AWS's
page for each), and none fires because a pausing database sleeps: a sleeping Aurora Serverless v2
instance stops most metrics (missing data is not breaching) and reports some as 0, so an alarm on a
metric falling *below* a threshold counts it only while the database has capacity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from modules.framework import Construct, aws
from modules.observability.metrics import BYTES_PER_ACU, aurora_connection_ceiling
from modules.settings.alarms import AlarmSettings
from modules.settings.naming import GENERAL, resource_name

PERIOD_SECONDS = 300
BYTES_PER_MB = 1024**2


# ECS CPU and memory have no threshold of their own in [alarms] (App Runner's are not alarmed): the service's
# CPU and memory, as a percentage of the task's reservation.
ECS_UTILIZATION_WARNING, ECS_UTILIZATION_CRITICAL = 80, 95
MS_PER_SECOND = 1000


@dataclass(frozen=True)
class EcsTargets:
    """The names CloudWatch knows an ECS service and its load balancer by."""

    cluster_name: str
    service_name: str
    load_balancer: str  # the ALB's arn_suffix (app/<name>/<id>), its LoadBalancer dimension
    target_group: str  # the target group's arn_suffix
    min_tasks: int


@dataclass(frozen=True)
class AlarmTargets:
    """The names CloudWatch knows the environment's resources by (the App Runner service's, or ``ecs``)."""

    name_prefix: str
    apprunner_service_name: str
    apprunner_service_id: str
    aurora_cluster_id: str
    aurora_capacity: tuple[float, float]  # (min_acu, max_acu); min 0: the database pauses when idle
    valkey_node_ids: tuple[str, ...]
    ecs: EcsTargets | None = None

    @property
    def aurora_pauses(self) -> bool:
        return self.aurora_capacity[0] == 0


@dataclass(frozen=True, kw_only=True)
class Alarm:
    """One metric watched at two levels. Thresholds are in the unit the guide states them in;
    ``scale`` converts them to the metric's own unit (FreeableMemory: MB -> bytes)."""

    alarm_id: str
    namespace: str
    metric: str
    dimensions: Mapping[str, str]
    statistic: str  # Sum, Average, Minimum, Maximum, or a percentile such as p99
    warning: float
    critical: float
    unit: str
    below: bool = False  # alarm when the metric falls below the threshold
    scale: float = 1
    # Set for a database metric in a pausing environment: the metric counts only while
    # ServerlessDatabaseCapacity > 0; while paused the alarm sees this value (in the metric's unit).
    while_paused: float | None = None
    # A metric that stops when what it watches stops (no task runs) is an incident: "breaching".
    missing_data: str = "notBreaching"

    @property
    def percentile(self) -> bool:
        return self.statistic.startswith("p")


def service_alarms(settings: AlarmSettings, targets: AlarmTargets) -> list[Alarm]:
    """The App Runner alarms, or the ECS service's and its load balancer's."""
    if targets.ecs:
        return ecs_alarms(settings, targets.ecs)
    apprunner = {"ServiceName": targets.apprunner_service_name, "ServiceID": targets.apprunner_service_id}
    return [
        Alarm(
            alarm_id="apprunner_5xx",
            namespace="AWS/AppRunner",
            metric="5xxStatusResponses",
            dimensions=apprunner,
            statistic="Sum",
            warning=settings.apprunner_5xx_warning,
            critical=settings.apprunner_5xx_critical,
            unit="responses",
        ),
        Alarm(
            alarm_id="apprunner_latency_p99",
            namespace="AWS/AppRunner",
            metric="RequestLatency",
            dimensions=apprunner,
            statistic="p99",
            warning=settings.apprunner_latency_p99_warning_ms,
            critical=settings.apprunner_latency_p99_critical_ms,
            unit="ms",
        ),
    ]


def ecs_alarms(settings: AlarmSettings, ecs: EcsTargets) -> list[Alarm]:
    """App Runner's thresholds on the load balancer (5xx of the app, p99 response time), the service's CPU
    and memory, and its running tasks (Container Insights) below min_instances."""
    balancer = {"LoadBalancer": ecs.load_balancer, "TargetGroup": ecs.target_group}
    service = {"ClusterName": ecs.cluster_name, "ServiceName": ecs.service_name}
    utilization = [
        Alarm(
            alarm_id=f"ecs_{metric.removesuffix('Utilization').lower()}",
            namespace="AWS/ECS",
            metric=metric,
            dimensions=service,
            statistic="Average",
            warning=ECS_UTILIZATION_WARNING,
            critical=ECS_UTILIZATION_CRITICAL,
            unit="% of the task's reservation",
        )
        for metric in ("CPUUtilization", "MemoryUtilization")
    ]
    return [
        Alarm(
            alarm_id="alb_target_5xx",
            namespace="AWS/ApplicationELB",
            metric="HTTPCode_Target_5XX_Count",
            dimensions=balancer,
            statistic="Sum",
            warning=settings.apprunner_5xx_warning,
            critical=settings.apprunner_5xx_critical,
            unit="responses",
        ),
        Alarm(
            alarm_id="alb_latency_p99",
            namespace="AWS/ApplicationELB",
            metric="TargetResponseTime",
            dimensions=balancer,
            statistic="p99",
            warning=settings.apprunner_latency_p99_warning_ms,
            critical=settings.apprunner_latency_p99_critical_ms,
            unit="ms",
            scale=1 / MS_PER_SECOND,  # TargetResponseTime is in seconds
        ),
        *utilization,
        Alarm(
            alarm_id="ecs_running_tasks",
            namespace="ECS/ContainerInsights",
            metric="RunningTaskCount",
            dimensions=service,
            statistic="Minimum",
            warning=ecs.min_tasks,
            critical=1,
            unit="tasks",
            below=True,
            missing_data="breaching",  # no data: Container Insights sees no task at all
        ),
    ]


def database_alarms(settings: AlarmSettings, targets: AlarmTargets) -> list[Alarm]:
    """The Aurora alarms."""
    aurora = {"DBClusterIdentifier": targets.aurora_cluster_id}
    min_acu, max_acu = targets.aurora_capacity
    max_connections = aurora_connection_ceiling(min_acu, max_acu)
    return [
        Alarm(
            alarm_id="aurora_acu",
            namespace="AWS/RDS",
            metric="ACUUtilization",
            dimensions=aurora,
            statistic="Average",
            warning=settings.aurora_acu_utilization_warning,
            critical=settings.aurora_acu_utilization_critical,
            unit="%",
        ),
        Alarm(
            alarm_id="aurora_cpu",
            namespace="AWS/RDS",
            metric="CPUUtilization",
            dimensions=aurora,
            statistic="Average",
            warning=settings.aurora_cpu_warning,
            critical=settings.aurora_cpu_critical,
            unit="%",
        ),
        Alarm(
            alarm_id="aurora_freeable_memory",
            namespace="AWS/RDS",
            metric="FreeableMemory",
            dimensions=aurora,
            statistic="Minimum",
            warning=settings.aurora_freeable_memory_warning_mb,
            critical=settings.aurora_freeable_memory_critical_mb,
            unit="MB",
            below=True,
            scale=BYTES_PER_MB,
            # Asleep, the database's memory is all free: its full size never breaches a "below".
            while_paused=max_acu * BYTES_PER_ACU if targets.aurora_pauses else None,
        ),
        Alarm(
            alarm_id="aurora_connections",
            namespace="AWS/RDS",
            metric="DatabaseConnections",
            dimensions=aurora,
            statistic="Maximum",
            warning=round(max_connections * settings.aurora_connections_warning_percent / 100),
            critical=round(max_connections * settings.aurora_connections_critical_percent / 100),
            unit=f"connections (of max_connections {max_connections} at {min_acu:g}-{max_acu:g} ACU)",
        ),
    ]


def cache_alarms(settings: AlarmSettings, targets: AlarmTargets) -> list[Alarm]:
    """Per Valkey node: connections and memory."""
    alarms = []
    for node in targets.valkey_node_ids:
        dimensions = {"CacheClusterId": node}
        suffix = node.rsplit("-", 1)[1]
        alarms += [
            Alarm(
                alarm_id=f"valkey_{suffix}_connections",
                namespace="AWS/ElastiCache",
                metric="CurrConnections",
                dimensions=dimensions,
                statistic="Maximum",
                warning=settings.valkey_connections_warning,
                critical=settings.valkey_connections_critical,
                unit="connections",
            ),
            Alarm(
                alarm_id=f"valkey_{suffix}_memory",
                namespace="AWS/ElastiCache",
                metric="DatabaseMemoryUsagePercentage",
                dimensions=dimensions,
                statistic="Maximum",
                warning=settings.valkey_memory_warning_percent,
                critical=settings.valkey_memory_critical_percent,
                unit="%",
            ),
        ]
    return alarms


class ServiceAlarms(Construct):
    """Warning and critical alarms for the reference guide's key metrics, to an encrypted SNS topic
    whose e-mail subscribers are the environment's [alerts] recipients."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: AlarmSettings,
        targets: AlarmTargets,
        emails: tuple[str, ...],
        kms_key_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = aws.sns_topic.SnsTopic(
            self, "topic", name=resource_name(targets.name_prefix, "alarms", GENERAL), kms_master_key_id=kms_key_arn
        )
        for index, email in enumerate(emails):
            aws.sns_topic_subscription.SnsTopicSubscription(
                self, f"email_{index + 1}", topic_arn=self.topic.arn, protocol="email", endpoint=email
            )
        self.definitions = [
            *service_alarms(settings, targets),
            *database_alarms(settings, targets),
            *cache_alarms(settings, targets),
        ]
        self.alarms = [
            self._alarm(targets.name_prefix, alarm, level, threshold)
            for alarm in self.definitions
            for level, threshold in (("warning", alarm.warning), ("critical", alarm.critical))
        ]
        self.topic_arn: str = self.topic.arn

    def _alarm(
        self, name_prefix: str, alarm: Alarm, level: str, threshold: float
    ) -> aws.cloudwatch_metric_alarm.CloudwatchMetricAlarm:
        sign = "<" if alarm.below else ">"
        gated = alarm.while_paused is not None
        return aws.cloudwatch_metric_alarm.CloudwatchMetricAlarm(
            self,
            f"{alarm.alarm_id}_{level}",
            alarm_name=f"{name_prefix}-{alarm.alarm_id.replace('_', '-')}-{level}",
            alarm_description=(
                f"{level}: {alarm.metric} ({alarm.statistic}) {sign} {threshold:g} {alarm.unit} over 5 minutes"
                + (" (counted only while the database is awake)" if gated else "")
            ),
            namespace=None if gated else alarm.namespace,
            metric_name=None if gated else alarm.metric,
            dimensions=None if gated else dict(alarm.dimensions),
            statistic=None if gated or alarm.percentile else alarm.statistic,
            extended_statistic=alarm.statistic if alarm.percentile and not gated else None,
            period=None if gated else PERIOD_SECONDS,
            metric_query=_awake_only(alarm) if gated else None,
            evaluation_periods=1,
            threshold=threshold * alarm.scale,
            comparison_operator="LessThanThreshold" if alarm.below else "GreaterThanThreshold",
            # A paused database or an idle service reports nothing: that is not an incident (a task
            # count that stops reporting is: missing_data).
            treat_missing_data=alarm.missing_data,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
        )


def _awake_only(alarm: Alarm) -> list[aws.cloudwatch_metric_alarm.CloudwatchMetricAlarmMetricQuery]:
    """``alarm``'s metric while ServerlessDatabaseCapacity > 0, ``alarm.while_paused`` otherwise."""
    query = aws.cloudwatch_metric_alarm

    def metric(
        query_id: str, name: str, statistic: str
    ) -> aws.cloudwatch_metric_alarm.CloudwatchMetricAlarmMetricQuery:
        return query.CloudwatchMetricAlarmMetricQuery(
            id=query_id,
            return_data=False,
            metric=query.CloudwatchMetricAlarmMetricQueryMetric(
                namespace=alarm.namespace,
                metric_name=name,
                dimensions=dict(alarm.dimensions),
                stat=statistic,
                period=PERIOD_SECONDS,
            ),
        )

    return [
        metric("watched", alarm.metric, alarm.statistic),
        metric("capacity", "ServerlessDatabaseCapacity", "Minimum"),
        query.CloudwatchMetricAlarmMetricQuery(
            id="awake",
            expression=f"IF(capacity > 0, watched, {alarm.while_paused:.0f})",
            label=f"{alarm.metric} while the database is awake",
            return_data=True,
        ),
    ]
