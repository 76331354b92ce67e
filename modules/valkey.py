"""ElastiCache Valkey: the environment's cache."""

from __future__ import annotations

from dataclasses import dataclass

from modules.schema import between, matches, one_of, setting

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
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)


@dataclass(frozen=True, kw_only=True)
class ValkeySettings:
    """[cache]: ElastiCache Valkey replication group."""

    engine_version: str = setting("Valkey engine version (pinned)", one_of(*VALKEY_VERSIONS), default="8.0")
    node_type: str = setting("Cache node type", one_of(*NODE_TYPES))
    replicas: int = setting("Read replicas besides the primary", between(0, 5), default=0)
    automatic_failover: bool = setting("Promote a replica when the primary fails (needs replicas >= 1)", default=False)
    multi_az: bool = setting("Place the replicas in other AZs (needs automatic_failover)", default=False)
    snapshot_retention_days: int = setting("Daily snapshot retention", between(1, 35), default=1)
    snapshot_window: str = setting(
        "Daily snapshot window (UTC)", matches(r"\d\d:\d\d-\d\d:\d\d", "hh:mm-hh:mm"), default="02:00-03:00"
    )
    maintenance_window: str = setting(
        "Weekly maintenance window (UTC)",
        matches(r"(mon|tue|wed|thu|fri|sat|sun):\d\d:\d\d-(mon|tue|wed|thu|fri|sat|sun):\d\d:\d\d", "ddd:hh:mm-ddd:hh:mm"),
        default="sun:05:30-sun:06:30",
    )
    log_retention_days: int = setting("Retention of the slow and engine logs", one_of(*LOG_RETENTION_DAYS), default=365)

    def problems(self) -> list[tuple[str, object, str]]:
        found: list[tuple[str, object, str]] = []
        if self.automatic_failover and self.replicas < 1:
            found.append(("automatic_failover", True, "false unless replicas >= 1 (there is no replica to promote)"))
        if self.multi_az and not self.automatic_failover:
            found.append(("multi_az", True, "false unless automatic_failover = true"))
        return found

    @property
    def parameter_group_family(self) -> str:
        return "valkey" + self.engine_version.split(".")[0]
