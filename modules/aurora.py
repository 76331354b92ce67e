"""Aurora Serverless v2 (PostgreSQL): the environment's database."""

from __future__ import annotations

from dataclasses import dataclass

from modules.framework import Construct, Fn, TerraformResourceLifecycle, aws
from modules.iam import service_role
from modules.schema import between, matches, multiple_of, one_of, setting
from modules.stack import suppress

# Aurora PostgreSQL minor versions from which Serverless v2 can scale to 0 ACU (auto-pause).
AUTO_PAUSE_SINCE = {13: 15, 14: 12, 15: 7, 16: 3, 17: 4}


def _supported_version(value: str) -> str | None:
    major, _, minor = value.partition(".")
    if not (major.isdigit() and minor.isdigit()) or int(major) not in AUTO_PAUSE_SINCE:
        majors = ", ".join(str(major) for major in AUTO_PAUSE_SINCE)
        return f"an Aurora PostgreSQL version MAJOR.MINOR with major {majors}"
    return None


@dataclass(frozen=True, kw_only=True)
class AuroraSettings:
    """[database]: Aurora Serverless v2 PostgreSQL."""

    engine_version: str = setting("Aurora PostgreSQL engine version (pinned)", _supported_version, default="16.6")
    min_acu: float = setting(
        "Minimum capacity in ACU; 0 lets the cluster pause when idle", between(0, 256), multiple_of(0.5)
    )
    max_acu: float = setting("Maximum capacity in ACU", between(1, 256), multiple_of(0.5))
    auto_pause_seconds: int = setting(
        "Idle seconds before pausing (only used when min_acu = 0)", between(300, 86400), default=300
    )
    backup_retention_days: int = setting("Automated backup retention", between(1, 35))
    deletion_protection: bool = setting(
        "Deletion protection, and prevent_destroy on the stateful resources of this environment"
    )
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
    monitoring_interval_seconds: int = setting(
        "Enhanced monitoring interval", one_of(1, 5, 10, 15, 30, 60), default=60
    )
    slow_query_ms: int = setting(
        "Statements slower than this are logged (log_min_duration_statement)", between(-1, 3600000), default=1000
    )
    backup_window: str = setting(
        "Daily backup window (UTC)", matches(r"\d\d:\d\d-\d\d:\d\d", "hh:mm-hh:mm"), default="03:00-04:00"
    )
    maintenance_window: str = setting(
        "Weekly maintenance window (UTC)",
        matches(r"(mon|tue|wed|thu|fri|sat|sun):\d\d:\d\d-(mon|tue|wed|thu|fri|sat|sun):\d\d:\d\d", "ddd:hh:mm-ddd:hh:mm"),
        default="sun:04:30-sun:05:30",
    )

    def problems(self) -> list[tuple[str, object, str]]:
        found: list[tuple[str, object, str]] = []
        if self.min_acu > self.max_acu:
            found.append(("min_acu", self.min_acu, f"at most max_acu ({self.max_acu:g})"))
        major, _, minor = self.engine_version.partition(".")
        if self.min_acu == 0 and int(minor) < AUTO_PAUSE_SINCE[int(major)]:
            found.append(
                ("engine_version", self.engine_version, f"{major}.{AUTO_PAUSE_SINCE[int(major)]} or later when min_acu = 0")
            )
        return found

    @property
    def pauses(self) -> bool:
        return self.min_acu == 0


PORT = 5432
# Billed RDS Extended Support starts silently when a major version reaches its end of standard
# support; "disabled" makes the upgrade a decision instead of an invoice line.
ENGINE_LIFECYCLE_SUPPORT = "open-source-rds-extended-support-disabled"


class AuroraServerless(Construct):
    """Aurora Serverless v2 PostgreSQL cluster, its instances, subnet group, parameter group, log
    group and enhanced-monitoring role. The master password is generated and rotated by RDS in
    Secrets Manager; nothing secret passes through Terraform."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: AuroraSettings,
        name_prefix: str,
        subnet_ids: list[str],
        security_group_id: str,
        kms_key_arn: str,
        region: str,
        partition: str,
        log_retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        identifier = f"{name_prefix}-aurora-cluster"
        major = settings.engine_version.split(".")[0]
        protect = TerraformResourceLifecycle(prevent_destroy=True) if settings.deletion_protection else None

        subnet_group = aws.db_subnet_group.DbSubnetGroup(
            self, "subnets", name=f"{name_prefix}-aurora", subnet_ids=subnet_ids,
            description=f"{name_prefix}: Aurora across the default subnets",
        )
        parameters = aws.rds_cluster_parameter_group
        parameter_group = parameters.RdsClusterParameterGroup(
            self,
            "parameters",
            name=f"{name_prefix}-aurora-postgresql{major}",
            family=f"aurora-postgresql{major}",
            description=f"{name_prefix}: TLS only, DDL and slow statements logged",
            parameter=[
                parameters.RdsClusterParameterGroupParameter(name="rds.force_ssl", value="1"),
                parameters.RdsClusterParameterGroupParameter(name="log_statement", value="ddl"),
                parameters.RdsClusterParameterGroupParameter(name="log_min_duration_statement", value=str(settings.slow_query_ms)),
                parameters.RdsClusterParameterGroupParameter(name="log_connections", value="1"),
                parameters.RdsClusterParameterGroupParameter(name="log_disconnections", value="1"),
            ],
        )
        # RDS would create this group on first export, unencrypted and kept forever.
        log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, "logs", name=f"/aws/rds/cluster/{identifier}/postgresql",
            retention_in_days=log_retention_days, kms_key_id=kms_key_arn,
        )
        monitoring_role = service_role(
            self, "monitoring_role", name=f"{name_prefix}-aurora-monitoring", service="monitoring.rds.amazonaws.com",
            description="Enhanced monitoring of the Aurora instances",
        )
        aws.iam_role_policy_attachment.IamRolePolicyAttachment(
            self, "monitoring_policy", role=monitoring_role.name,
            policy_arn=f"arn:{partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        )

        scaling = aws.rds_cluster.RdsClusterServerlessv2ScalingConfiguration(
            min_capacity=settings.min_acu,
            max_capacity=settings.max_acu,
            seconds_until_auto_pause=settings.auto_pause_seconds if settings.pauses else None,
        )
        self.cluster = aws.rds_cluster.RdsCluster(
            self,
            "this",
            cluster_identifier=identifier,
            engine="aurora-postgresql",
            engine_mode="provisioned",
            engine_version=settings.engine_version,
            engine_lifecycle_support=ENGINE_LIFECYCLE_SUPPORT,
            database_name=settings.database_name,
            master_username=settings.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=kms_key_arn,
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            iam_database_authentication_enabled=True,
            enabled_cloudwatch_logs_exports=["postgresql"],
            copy_tags_to_snapshot=True,
            backup_retention_period=settings.backup_retention_days,
            preferred_backup_window=settings.backup_window,
            preferred_maintenance_window=settings.maintenance_window,
            deletion_protection=settings.deletion_protection,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{identifier}-final",
            db_subnet_group_name=subnet_group.name,
            db_cluster_parameter_group_name=parameter_group.name,
            vpc_security_group_ids=[security_group_id],
            port=PORT,
            serverlessv2_scaling_configuration=scaling,
            depends_on=[log_group],
            lifecycle=protect,
        )
        if not settings.deletion_protection:
            suppress(self.cluster, "CKV_AWS_139", "The environment file sets deletion_protection = false: this environment is disposable by choice (final snapshot still taken)")

        # A closed list of zone names: the set cannot grow silently when AWS opens a zone, and
        # Local / Wavelength zones are never picked. Names a region lacks simply match nothing.
        zones = aws.data_aws_availability_zones.DataAwsAvailabilityZones(
            self,
            "zones",
            state="available",
            filter=[
                aws.data_aws_availability_zones.DataAwsAvailabilityZonesFilter(
                    name="zone-name", values=[f"{region}{letter}" for letter in "abcdef"]
                ),
                aws.data_aws_availability_zones.DataAwsAvailabilityZonesFilter(name="zone-type", values=["availability-zone"]),
            ],
        )
        self.instances = []
        for index in range(settings.instances):
            instance = aws.rds_cluster_instance.RdsClusterInstance(
                self,
                f"instance_{index + 1}",
                identifier=f"{name_prefix}-aurora-instance-{index + 1}",
                cluster_identifier=self.cluster.id,
                instance_class="db.serverless",
                engine=self.cluster.engine,
                engine_version=self.cluster.engine_version,
                db_subnet_group_name=subnet_group.name,
                # Instance n in the n-th zone: a reader never shares the writer's AZ.
                availability_zone=Fn.element(zones.names, index),
                promotion_tier=min(index, 15),
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                performance_insights_enabled=True,
                performance_insights_kms_key_id=kms_key_arn,
                performance_insights_retention_period=settings.performance_insights_retention_days,
                monitoring_interval=settings.monitoring_interval_seconds,
                monitoring_role_arn=monitoring_role.arn,
                copy_tags_to_snapshot=True,
                ca_cert_identifier="rds-ca-rsa2048-g1",
                lifecycle=protect,
            )
            self.instances.append(instance)

        self.endpoint: str = self.cluster.endpoint
        self.reader_endpoint: str = self.cluster.reader_endpoint
        self.port: int = PORT
        self.arn: str = self.cluster.arn
        self.identifier: str = identifier
        self.resource_id: str = self.cluster.cluster_resource_id
        self.master_secret_arn: str = self.cluster.master_user_secret.get(0).secret_arn
        self.database_name = settings.database_name
        self.master_username = settings.master_username
