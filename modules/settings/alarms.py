"""[alarms]: warning and critical thresholds of the CloudWatch alarms."""

from __future__ import annotations

from dataclasses import dataclass

from modules.settings.schema import Problem, between, setting


@dataclass(frozen=True, kw_only=True)
class AlarmSettings:
    """[alarms]: warning and critical thresholds (the reference guide's Key Metrics table)."""

    apprunner_5xx_warning: float = setting("App Runner 5xx responses in 5 minutes: warning", between(1, 1e6), default=5)
    apprunner_5xx_critical: float = setting(
        "App Runner 5xx responses in 5 minutes: critical", between(1, 1e6), default=20
    )
    apprunner_latency_p99_warning_ms: float = setting(
        "App Runner p99 latency (ms): warning", between(1, 120000), default=500
    )
    apprunner_latency_p99_critical_ms: float = setting(
        "App Runner p99 latency (ms): critical", between(1, 120000), default=2000
    )
    aurora_acu_utilization_warning: float = setting("Aurora ACUUtilization (%): warning", between(1, 100), default=70)
    aurora_acu_utilization_critical: float = setting("Aurora ACUUtilization (%): critical", between(1, 100), default=90)
    aurora_cpu_warning: float = setting("Aurora CPUUtilization (%): warning", between(1, 100), default=80)
    aurora_cpu_critical: float = setting("Aurora CPUUtilization (%): critical", between(1, 100), default=95)
    aurora_freeable_memory_warning_mb: float = setting(
        "Aurora FreeableMemory below (MB): warning", between(1, 1e6), default=500
    )
    aurora_freeable_memory_critical_mb: float = setting(
        "Aurora FreeableMemory below (MB): critical", between(1, 1e6), default=100
    )
    aurora_connections_warning_percent: float = setting(
        "Aurora DatabaseConnections as % of max_connections (AWS's table for the ACU range): warning",
        between(1, 100),
        default=80,
    )
    aurora_connections_critical_percent: float = setting(
        "Aurora DatabaseConnections as % of max_connections (AWS's table for the ACU range): critical",
        between(1, 100),
        default=95,
    )
    valkey_connections_warning: float = setting("Valkey CurrConnections: warning", between(1, 65000), default=1000)
    valkey_connections_critical: float = setting("Valkey CurrConnections: critical", between(1, 65000), default=5000)
    valkey_memory_warning_percent: float = setting(
        "Valkey DatabaseMemoryUsagePercentage: warning", between(1, 100), default=80
    )
    valkey_memory_critical_percent: float = setting(
        "Valkey DatabaseMemoryUsagePercentage: critical", between(1, 100), default=95
    )

    def problems(self) -> list[Problem]:
        found: list[Problem] = []
        for name in (
            "apprunner_5xx",
            "apprunner_latency_p99",
            "aurora_acu_utilization",
            "aurora_cpu",
            "aurora_connections",
            "valkey_connections",
            "valkey_memory",
        ):
            suffix = {
                "apprunner_latency_p99": "_ms",
                "aurora_connections": "_percent",
                "valkey_memory": "_percent",
            }.get(name, "")
            warning, critical = getattr(self, f"{name}_warning{suffix}"), getattr(self, f"{name}_critical{suffix}")
            if warning > critical:
                found.append((f"{name}_warning{suffix}", warning, f"at most {name}_critical{suffix} ({critical:g})"))
        warning, critical = self.aurora_freeable_memory_warning_mb, self.aurora_freeable_memory_critical_mb
        if warning < critical:
            found.append(
                ("aurora_freeable_memory_warning_mb", warning, f"at least the critical threshold ({critical:g})")
            )
        return found
