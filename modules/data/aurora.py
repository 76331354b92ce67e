"""Aurora Serverless v2 (PostgreSQL): the environment's database."""

from __future__ import annotations

from modules.framework import Construct, Fn, TerraformResourceLifecycle, aws
from modules.network.firewall import Connections, security_group
from modules.security.iam import service_role
from modules.settings.database import APP_DATABASE_USER, AuroraSettings
from modules.settings.naming import GENERAL, IAM_ROLE, RDS_IDENTIFIER, RDS_SNAPSHOT, resource_name

PORT = 5432
# Billed RDS Extended Support starts silently when a major version reaches its end of standard
# support; "disabled" makes the upgrade a decision instead of an invoice line.
ENGINE_LIFECYCLE_SUPPORT = "open-source-rds-extended-support-disabled"
# auto_minor_version_upgrade is on: AWS moves the cluster to the next minor version (16.6 -> 16.7) in the
# maintenance window, and the provider then reads 16.7 back (it keeps a configured version only when
# the actual one merely extends it, 16 -> 16.7). Without this every plan would propose going back to
# the configured version. engine_version is the version a new cluster starts with; an upgrade on purpose
# is a step of its own (README, "Engine versions").
FOLLOW_AWS_MINOR_VERSIONS = TerraformResourceLifecycle(ignore_changes=["engine_version"])
# RDS rotates its managed master secret every 7 days unless told otherwise, and aws_rds_cluster cannot
# switch that off (provider issues 38433, 44813); the schedule is stated here, where a reviewer sees it.
# Only the deploy's database-user step (scripts/ops/database_user.py, through the Data API) uses the master
# credentials, reading the secret's current version at each call: a rotation never breaks it. The app
# signs IAM tokens instead and holds no password.
MASTER_SECRET_ROTATION_DAYS = 7


def db_user_arn(partition: str, region: str, account_id: str, cluster_resource_id: str, user: str) -> str:
    """What ``rds-db:connect`` names for IAM database authentication: the cluster by its resource id (not
    its identifier) and the database user."""
    return f"arn:{partition}:rds-db:{region}:{account_id}:dbuser:{cluster_resource_id}/{user}"


class AuroraServerless(Construct):
    """Aurora Serverless v2 PostgreSQL cluster, its instances, subnet group, parameter group, log
    group, security group and enhanced-monitoring role. The master password is generated and rotated
    by RDS in Secrets Manager; nothing secret passes through Terraform. Deletion protection follows the
    environment's ``protected`` switch (modules/protection.py)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: AuroraSettings,
        name_prefix: str,
        vpc_id: str,
        subnet_ids: list[str],
        kms_key_arn: str,
        region: str,
        partition: str,
        account_id: str,
        log_retention_days: int,
        final_snapshot_suffix: str = "",
        zone_names: list[str] | None = None,
        subnets_description: str = "the default subnets",
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        self.zone_names = zone_names  # the subnets' zones, when the network chose them; unset: the region's
        self.final_snapshot_suffix = final_snapshot_suffix
        self.identifier: str = resource_name(name_prefix, "aurora-cluster", RDS_IDENTIFIER)
        self.connections: Connections = security_group(
            self,
            label="aurora",
            name=resource_name(name_prefix, "aurora", GENERAL),
            description=f"{name_prefix}: Aurora PostgreSQL, reachable only from the app group",
            vpc_id=vpc_id,
            port=PORT,
        )
        subnet_group = self._subnet_group(name_prefix, subnet_ids, subnets_description)
        parameter_group = self._parameter_group(name_prefix)
        # RDS would create this group on first export, unencrypted and kept forever.
        log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self,
            "logs",
            name=f"/aws/rds/cluster/{self.identifier}/postgresql",
            retention_in_days=log_retention_days,
            kms_key_id=kms_key_arn,
        )
        self.cluster = self._cluster(subnet_group, parameter_group, log_group, kms_key_arn)
        monitoring_role = self._monitoring_role(name_prefix, partition)
        self.instances = self._instances(name_prefix, region, subnet_group, monitoring_role, kms_key_arn)

        self.endpoint: str = self.cluster.endpoint
        self.reader_endpoint: str = self.cluster.reader_endpoint
        self.port: int = PORT
        self.arn: str = self.cluster.arn
        self.resource_id: str = self.cluster.cluster_resource_id
        self.master_secret_arn: str = self.cluster.master_user_secret.get(0).secret_arn
        self.database_name = settings.database_name
        self.app_username = APP_DATABASE_USER
        self.app_connect_arn = db_user_arn(partition, region, account_id, self.resource_id, self.app_username)
        self._master_secret_schedule()

    def _subnet_group(
        self, name_prefix: str, subnet_ids: list[str], description: str
    ) -> aws.db_subnet_group.DbSubnetGroup:
        return aws.db_subnet_group.DbSubnetGroup(
            self,
            "subnets",
            name=resource_name(name_prefix, "aurora", GENERAL),
            subnet_ids=subnet_ids,
            description=f"{name_prefix}: Aurora across {description}",
        )

    def _master_secret_schedule(self) -> None:
        rotation = aws.secretsmanager_secret_rotation
        rotation.SecretsmanagerSecretRotation(
            self,
            "master_secret_rotation",
            secret_id=self.master_secret_arn,
            rotation_rules=rotation.SecretsmanagerSecretRotationRotationRules(
                automatically_after_days=MASTER_SECRET_ROTATION_DAYS
            ),
            # Setting the schedule must not itself rotate the password in the middle of a deploy.
            rotate_immediately=False,
        )

    def _parameter_group(self, name_prefix: str) -> aws.rds_cluster_parameter_group.RdsClusterParameterGroup:
        parameters = aws.rds_cluster_parameter_group
        major = self.settings.engine_version.split(".")[0]
        values = {
            "rds.force_ssl": "1",
            "log_statement": "ddl",
            "log_min_duration_statement": str(self.settings.slow_query_ms),
            "log_connections": "1",
            "log_disconnections": "1",
        }
        return parameters.RdsClusterParameterGroup(
            self,
            "parameters",
            name=resource_name(name_prefix, f"aurora-postgresql{major}", GENERAL),
            family=f"aurora-postgresql{major}",
            description=f"{name_prefix}: TLS only, DDL and slow statements logged",
            parameter=[
                parameters.RdsClusterParameterGroupParameter(name=key, value=value) for key, value in values.items()
            ],
        )

    def _monitoring_role(self, name_prefix: str, partition: str) -> aws.iam_role.IamRole:
        role = service_role(
            self,
            "monitoring_role",
            name=resource_name(name_prefix, "aurora-monitoring", IAM_ROLE),
            service="monitoring.rds.amazonaws.com",
            description="Enhanced monitoring of the Aurora instances",
        )
        aws.iam_role_policy_attachment.IamRolePolicyAttachment(
            self,
            "monitoring_policy",
            role=role.name,
            policy_arn=f"arn:{partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        )
        return role

    def _cluster(
        self,
        subnet_group: aws.db_subnet_group.DbSubnetGroup,
        parameter_group: aws.rds_cluster_parameter_group.RdsClusterParameterGroup,
        log_group: aws.cloudwatch_log_group.CloudwatchLogGroup,
        kms_key_arn: str,
    ) -> aws.rds_cluster.RdsCluster:
        settings = self.settings
        scaling = aws.rds_cluster.RdsClusterServerlessv2ScalingConfiguration(
            min_capacity=settings.min_acu,
            max_capacity=settings.max_acu,
            seconds_until_auto_pause=settings.auto_pause_seconds if settings.pauses else None,
        )
        return aws.rds_cluster.RdsCluster(
            self,
            "this",
            cluster_identifier=self.identifier,
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
            # The RDS Data API, which the deploy uses to create the app's database user (Aurora PostgreSQL
            # Serverless v2 and provisioned clusters support it from 13.11, 14.8, 15.3 and 16.1).
            enable_http_endpoint=True,
            enabled_cloudwatch_logs_exports=["postgresql"],
            copy_tags_to_snapshot=True,
            backup_retention_period=settings.backup_retention_days,
            preferred_backup_window=settings.backup_window,
            preferred_maintenance_window=settings.maintenance_window,
            skip_final_snapshot=False,
            # Each destroy sets its own suffix (scripts/ops/applying.py): a name an earlier destroy took would
            # make this one fail.
            final_snapshot_identifier=resource_name(self.identifier, "final", RDS_SNAPSHOT)
            + self.final_snapshot_suffix,
            db_subnet_group_name=subnet_group.name,
            db_cluster_parameter_group_name=parameter_group.name,
            vpc_security_group_ids=[self.connections.security_group_id],
            port=PORT,
            serverlessv2_scaling_configuration=scaling,
            depends_on=[log_group],
            lifecycle=FOLLOW_AWS_MINOR_VERSIONS,
        )

    def _instances(
        self,
        name_prefix: str,
        region: str,
        subnet_group: aws.db_subnet_group.DbSubnetGroup,
        monitoring_role: aws.iam_role.IamRole,
        kms_key_arn: str,
    ) -> list[aws.rds_cluster_instance.RdsClusterInstance]:
        zone_names = self.zone_names or self._region_zones(region)
        settings = self.settings
        return [
            aws.rds_cluster_instance.RdsClusterInstance(
                self,
                f"instance_{index + 1}",
                identifier=resource_name(name_prefix, f"aurora-instance-{index + 1}", RDS_IDENTIFIER),
                cluster_identifier=self.cluster.id,
                instance_class="db.serverless",
                engine=self.cluster.engine,
                engine_version=self.cluster.engine_version,
                db_subnet_group_name=subnet_group.name,
                # Instance n in the n-th zone: a reader never shares the writer's AZ.
                availability_zone=Fn.element(zone_names, index),
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
                lifecycle=FOLLOW_AWS_MINOR_VERSIONS,
            )
            for index in range(settings.instances)
        ]

    def _region_zones(self, region: str) -> list[str]:
        """The region's zones, for a network that does not say which zones its subnets are in.
        A closed list of zone names: the set cannot grow silently when AWS opens a zone, and
        Local / Wavelength zones are never picked. Names a region lacks simply match nothing."""
        zone_filter = aws.data_aws_availability_zones.DataAwsAvailabilityZonesFilter
        zones = aws.data_aws_availability_zones.DataAwsAvailabilityZones(
            self,
            "zones",
            state="available",
            filter=[
                zone_filter(name="zone-name", values=[f"{region}{letter}" for letter in "abcdef"]),
                zone_filter(name="zone-type", values=["availability-zone"]),
            ],
        )
        names: list[str] = zones.names
        return names
