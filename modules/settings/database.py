"""[database]: Aurora Serverless v2 PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

from modules.settings.schema import (
    Found,
    anchored,
    between,
    daily_window,
    expressed,
    matches,
    multiple_of,
    one_of,
    overlap_problem,
    setting,
    weekly_window,
    windows_overlap,
)

# The database role the application connects as (never the master user): it authenticates with IAM
# (GRANT rds_iam, so it has no password) and creates its tables in the schema of the same name, which the
# master user owns (scripts/ops/database_user.py). PostgreSQL's default search_path ("$user", public) finds
# that schema first.
APP_DATABASE_USER = "app"
# Aurora PostgreSQL minor versions from which the RDS Data API serves Serverless v2 and provisioned clusters
# (Aurora User Guide, "Region and version availability" of the Data API): the deploy creates the app's user
# through it.
DATA_API_SINCE = {13: 11, 14: 8, 15: 3, 16: 1, 17: 4}
# Aurora PostgreSQL minor versions from which Serverless v2 can scale to 0 ACU (auto-pause).
AUTO_PAUSE_SINCE = {13: 15, 14: 12, 15: 7, 16: 3, 17: 4}


def _supported_version(value: str) -> str | None:
    major, _, minor = value.partition(".")
    if not (major.isdigit() and minor.isdigit()) or int(major) not in AUTO_PAUSE_SINCE:
        majors = ", ".join(str(major) for major in AUTO_PAUSE_SINCE)
        return f"an Aurora PostgreSQL version MAJOR.MINOR with major {majors}"
    return None


expressed(_supported_version, {"pattern": anchored(rf"(?:{'|'.join(map(str, AUTO_PAUSE_SINCE))})\.[0-9]+")})


@dataclass(frozen=True, kw_only=True)
class AuroraSettings:
    """[database]: Aurora Serverless v2 PostgreSQL."""

    engine_version: str = setting("Aurora PostgreSQL engine version (pinned)", _supported_version, default="16.6")
    min_acu: float = setting(
        "Minimum capacity in ACU; 0 lets the cluster pause, but only once no connection is open (a running "
        "service that keeps a connection pool never lets it)",
        between(0, 256),
        multiple_of(0.5),
    )
    max_acu: float = setting("Maximum capacity in ACU", between(1, 256), multiple_of(0.5))
    auto_pause_seconds: int = setting(
        "Idle seconds before pausing (only used when min_acu = 0)", between(300, 86400), default=300
    )
    backup_retention_days: int = setting("Automated backup retention", between(1, 35))
    instances: int = setting(
        "db.serverless instances; the second and later are readers and failover targets in other AZs",
        between(1, 15),
        default=1,
    )
    database_name: str = setting(
        "Name of the database created with the cluster",
        matches(r"[a-z][a-z0-9_]{0,62}", "lowercase letters, digits and underscores, starting with a letter"),
        default="cerberus",
    )
    master_username: str = setting(
        "Master user name (its password is generated and kept by RDS in Secrets Manager)",
        matches(r"[a-z][a-z0-9_]{0,15}", "lowercase letters, digits and underscores, at most 16"),
        default="cerberus_admin",
    )
    performance_insights_retention_days: int = setting(
        "Performance Insights retention (7 is free; longer is billed)", one_of(7, 31, 93, 186, 372, 731), default=7
    )
    monitoring_interval_seconds: int = setting("Enhanced monitoring interval", one_of(1, 5, 10, 15, 30, 60), default=60)
    slow_query_ms: int = setting(
        "Statements slower than this are logged (log_min_duration_statement)", between(-1, 3600000), default=1000
    )
    # RDS CreateDBCluster: PreferredBackupWindow "hh24:mi-hh24:mi", at least 30 minutes; PreferredMaintenanceWindow
    # "ddd:hh24:mi-ddd:hh24:mi", at least 30 minutes; the two must not overlap (checked in problems()).
    backup_window: str = setting(
        "Daily backup window (UTC); must not overlap maintenance_window",
        daily_window(30, "RDS PreferredBackupWindow"),
        default="03:00-04:00",
    )
    maintenance_window: str = setting(
        "Weekly maintenance window (UTC)",
        weekly_window(30, "RDS PreferredMaintenanceWindow"),
        default="sun:04:30-sun:05:30",
    )

    def problems(self) -> list[Found]:
        found: list[Found] = []
        if self.min_acu > self.max_acu:
            found.append(("min_acu", self.min_acu, f"at most max_acu ({self.max_acu:g})"))
        if self.master_username == APP_DATABASE_USER:
            found.append(
                ("master_username", self.master_username, f"not {APP_DATABASE_USER!r}: the application's own user")
            )
        major, _, minor = self.engine_version.partition(".")
        if self.min_acu == 0 and int(minor) < AUTO_PAUSE_SINCE[int(major)]:
            found.append(
                (
                    "engine_version",
                    self.engine_version,
                    f"{major}.{AUTO_PAUSE_SINCE[int(major)]} or later when min_acu = 0",
                )
            )
        if int(minor) < DATA_API_SINCE[int(major)]:
            since = f"{major}.{DATA_API_SINCE[int(major)]}"
            found.append(
                ("engine_version", self.engine_version, f"{since} or later (the RDS Data API, which the deploy uses)")
            )
        if windows_overlap(self.backup_window, self.maintenance_window):
            found.append(
                overlap_problem(
                    ("backup_window", self.backup_window),
                    ("maintenance_window", self.maintenance_window),
                    "RDS refuses windows that conflict",
                )
            )
        return found

    @property
    def pauses(self) -> bool:
        return self.min_acu == 0
