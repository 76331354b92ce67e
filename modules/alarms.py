"""CloudWatch alarms for the reference guide's key metrics, to an encrypted SNS topic."""

from __future__ import annotations

from dataclasses import dataclass

from modules.framework import Construct, aws
from modules.schema import between, setting


@dataclass(frozen=True, kw_only=True)
class AlarmSettings:
    """[alarms]: warning and critical thresholds (the reference guide's Key Metrics table)."""

    apprunner_5xx_warning: float = setting("App Runner 5xx responses in 5 minutes: warning", between(1, 1e6), default=5)
    apprunner_5xx_critical: float = setting("App Runner 5xx responses in 5 minutes: critical", between(1, 1e6), default=20)
    apprunner_latency_p99_warning_ms: float = setting("App Runner p99 latency (ms): warning", between(1, 120000), default=500)
    apprunner_latency_p99_critical_ms: float = setting("App Runner p99 latency (ms): critical", between(1, 120000), default=2000)
    aurora_acu_utilization_warning: float = setting("Aurora ACUUtilization (%): warning", between(1, 100), default=70)
    aurora_acu_utilization_critical: float = setting("Aurora ACUUtilization (%): critical", between(1, 100), default=90)
    aurora_cpu_warning: float = setting("Aurora CPUUtilization (%): warning", between(1, 100), default=80)
    aurora_cpu_critical: float = setting("Aurora CPUUtilization (%): critical", between(1, 100), default=95)
    aurora_freeable_memory_warning_mb: float = setting("Aurora FreeableMemory below (MB): warning", between(1, 1e6), default=500)
    aurora_freeable_memory_critical_mb: float = setting("Aurora FreeableMemory below (MB): critical", between(1, 1e6), default=100)
    aurora_connections_warning_percent: float = setting(
        "Aurora DatabaseConnections as % of max_connections at max ACU: warning", between(1, 100), default=80
    )
    aurora_connections_critical_percent: float = setting(
        "Aurora DatabaseConnections as % of max_connections at max ACU: critical", between(1, 100), default=95
    )
    valkey_connections_warning: float = setting("Valkey CurrConnections: warning", between(1, 65000), default=1000)
    valkey_connections_critical: float = setting("Valkey CurrConnections: critical", between(1, 65000), default=5000)
    valkey_memory_warning_percent: float = setting("Valkey DatabaseMemoryUsagePercentage: warning", between(1, 100), default=80)
    valkey_memory_critical_percent: float = setting("Valkey DatabaseMemoryUsagePercentage: critical", between(1, 100), default=95)

    def problems(self) -> list[tuple[str, object, str]]:
        found: list[tuple[str, object, str]] = []
        for name in ("apprunner_5xx", "apprunner_latency_p99", "aurora_acu_utilization", "aurora_cpu",
                     "aurora_connections", "valkey_connections", "valkey_memory"):
            suffix = {"apprunner_latency_p99": "_ms", "aurora_connections": "_percent", "valkey_memory": "_percent"}.get(name, "")
            warning, critical = getattr(self, f"{name}_warning{suffix}"), getattr(self, f"{name}_critical{suffix}")
            if warning > critical:
                found.append((f"{name}_warning{suffix}", warning, f"at most {name}_critical{suffix} ({critical:g})"))
        warning, critical = self.aurora_freeable_memory_warning_mb, self.aurora_freeable_memory_critical_mb
        if warning < critical:
            found.append(("aurora_freeable_memory_warning_mb", warning, f"at least the critical threshold ({critical:g})"))
        return found


@dataclass(frozen=True)
class AlarmTargets:
    """The names CloudWatch knows the environment's resources by."""

    name_prefix: str
    apprunner_service_name: str
    apprunner_service_id: str
    aurora_cluster_id: str
    aurora_max_acu: float
    valkey_node_ids: tuple[str, ...]


def aurora_max_connections(max_acu: float) -> int:
    """PostgreSQL's default max_connections on Aurora, LEAST(DBInstanceClassMemory/9531392, 5000), for
    Serverless v2 at its maximum capacity (2 GiB per ACU)."""
    return min(int(max_acu * 2 * 1024**3 / 9531392), 5000)


class ServiceAlarms(Construct):
    """Warning and critical alarms for the reference guide's key metrics, to an encrypted SNS topic
    whose e-mail subscribers are the budget's alert addresses."""

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
        self.topic = aws.sns_topic.SnsTopic(self, "topic", name=f"{targets.name_prefix}-alarms", kms_master_key_id=kms_key_arn)
        for index, email in enumerate(emails):
            aws.sns_topic_subscription.SnsTopicSubscription(
                self, f"email_{index + 1}", topic_arn=self.topic.arn, protocol="email", endpoint=email
            )
        apprunner = {"ServiceName": targets.apprunner_service_name, "ServiceID": targets.apprunner_service_id}
        aurora = {"DBClusterIdentifier": targets.aurora_cluster_id}
        max_connections = aurora_max_connections(targets.aurora_max_acu)
        # (id, namespace, metric, dimensions, statistic, warning, critical, unit, comparison); thresholds
        # in the unit the guide states them in, converted to the metric's unit below.
        definitions: list[tuple[str, str, str, dict[str, str], str, float, float, str, str]] = [
            ("apprunner_5xx", "AWS/AppRunner", "5xxStatusCount", apprunner, "Sum",
             settings.apprunner_5xx_warning, settings.apprunner_5xx_critical, "responses", "GreaterThanThreshold"),
            ("apprunner_latency_p99", "AWS/AppRunner", "RequestLatency", apprunner, "p99",
             settings.apprunner_latency_p99_warning_ms, settings.apprunner_latency_p99_critical_ms, "ms", "GreaterThanThreshold"),
            ("aurora_acu", "AWS/RDS", "ACUUtilization", aurora, "Average",
             settings.aurora_acu_utilization_warning, settings.aurora_acu_utilization_critical, "%", "GreaterThanThreshold"),
            ("aurora_cpu", "AWS/RDS", "CPUUtilization", aurora, "Average",
             settings.aurora_cpu_warning, settings.aurora_cpu_critical, "%", "GreaterThanThreshold"),
            ("aurora_freeable_memory", "AWS/RDS", "FreeableMemory", aurora, "Minimum",
             settings.aurora_freeable_memory_warning_mb, settings.aurora_freeable_memory_critical_mb, "MB", "LessThanThreshold"),
            ("aurora_connections", "AWS/RDS", "DatabaseConnections", aurora, "Maximum",
             round(max_connections * settings.aurora_connections_warning_percent / 100),
             round(max_connections * settings.aurora_connections_critical_percent / 100),
             f"connections (of ~{max_connections} at {targets.aurora_max_acu:g} ACU)", "GreaterThanThreshold"),
        ]
        for node in targets.valkey_node_ids:
            node_dimensions = {"CacheClusterId": node}
            suffix = node.rsplit("-", 1)[1]
            definitions += [
                (f"valkey_{suffix}_connections", "AWS/ElastiCache", "CurrConnections", node_dimensions, "Maximum",
                 settings.valkey_connections_warning, settings.valkey_connections_critical, "connections", "GreaterThanThreshold"),
                (f"valkey_{suffix}_memory", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", node_dimensions, "Maximum",
                 settings.valkey_memory_warning_percent, settings.valkey_memory_critical_percent, "%", "GreaterThanThreshold"),
            ]
        self.alarms = []
        for alarm_id, namespace, metric, dimensions, statistic, warning, critical, unit, comparison in definitions:
            scale = 1024**2 if unit == "MB" else 1  # FreeableMemory is reported in bytes
            for level, threshold in (("warning", warning), ("critical", critical)):
                percentile = statistic.startswith("p")
                below = comparison.startswith("Less")
                self.alarms.append(
                    aws.cloudwatch_metric_alarm.CloudwatchMetricAlarm(
                        self,
                        f"{alarm_id}_{level}",
                        alarm_name=f"{targets.name_prefix}-{alarm_id.replace('_', '-')}-{level}",
                        alarm_description=f"{level}: {metric} ({statistic}) {'<' if below else '>'} {threshold:g} {unit} over 5 minutes",
                        namespace=namespace,
                        metric_name=metric,
                        dimensions=dimensions,
                        statistic=None if percentile else statistic,
                        extended_statistic=statistic if percentile else None,
                        period=300,
                        evaluation_periods=1,
                        threshold=threshold * scale,
                        comparison_operator=comparison,
                        # A paused database or an idle service reports nothing: that is not an incident.
                        treat_missing_data="notBreaching",
                        alarm_actions=[self.topic.arn],
                        ok_actions=[self.topic.arn],
                    )
                )
        self.topic_arn: str = self.topic.arn
