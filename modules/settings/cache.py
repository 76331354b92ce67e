"""[cache]: ElastiCache Valkey."""

from __future__ import annotations

from dataclasses import dataclass

from modules.settings.schema import (
    Found,
    between,
    daily_window,
    one_of,
    overlap_problem,
    setting,
    weekly_window,
    windows_overlap,
)

VALKEY_VERSIONS = ("7.2", "8.0", "8.1")
NODE_TYPES = tuple(
    f"cache.{family}.{size}"
    for family, sizes in (
        ("t4g", ("micro", "small", "medium")),
        ("t3", ("micro", "small", "medium")),
        ("m7g", ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")),
        ("m6g", ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")),
        ("r7g", ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")),
        ("r6g", ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")),
    )
    for size in sizes
)


@dataclass(frozen=True, kw_only=True)
class ValkeySettings:
    """[cache]: ElastiCache Valkey replication group."""

    engine_version: str = setting("Valkey engine version (pinned)", one_of(*VALKEY_VERSIONS), default="8.0")
    node_type: str = setting("Cache node type", one_of(*NODE_TYPES))
    replicas: int = setting("Read replicas besides the primary", between(0, 5), default=0)
    automatic_failover: bool | None = setting(
        "Promote a replica when the primary fails; unset: on exactly when replicas >= 1", default=None
    )
    multi_az: bool | None = setting("Keep the replicas in other AZs; unset: follows automatic_failover", default=None)
    snapshot_retention_days: int = setting("Daily snapshot retention", between(1, 35), default=1)
    # ElastiCache CreateReplicationGroup: SnapshotWindow "hh24:mi-hh24:mi" and PreferredMaintenanceWindow
    # "ddd:hh24:mi-ddd:hh24:mi", each at least 60 minutes; they must not overlap (checked in problems()).
    snapshot_window: str = setting(
        "Daily snapshot window (UTC); must not overlap maintenance_window",
        daily_window(60, "ElastiCache SnapshotWindow"),
        default="02:00-03:00",
    )
    maintenance_window: str = setting(
        "Weekly maintenance window (UTC)",
        weekly_window(60, "ElastiCache PreferredMaintenanceWindow"),
        default="sun:05:30-sun:06:30",
    )

    def problems(self) -> list[Found]:
        found: list[Found] = []
        if self.automatic_failover and self.replicas < 1:
            found.append(("automatic_failover", True, "false unless replicas >= 1 (there is no replica to promote)"))
        if self.multi_az and not self.failover:
            found.append(("multi_az", True, "false unless automatic failover is on"))
        if windows_overlap(self.snapshot_window, self.maintenance_window):
            found.append(
                overlap_problem(
                    ("snapshot_window", self.snapshot_window),
                    ("maintenance_window", self.maintenance_window),
                    "ElastiCache refuses overlapping windows",
                )
            )
        return found

    @property
    def failover(self) -> bool:
        return self.replicas >= 1 if self.automatic_failover is None else self.automatic_failover

    @property
    def spans_azs(self) -> bool:
        return self.failover if self.multi_az is None else self.multi_az

    @property
    def parameter_group_family(self) -> str:
        return "valkey" + self.engine_version.split(".")[0]
