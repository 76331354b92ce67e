"""ElastiCache Valkey: the environment's cache."""

from __future__ import annotations

from modules.framework import Construct, aws
from modules.network.firewall import Connections, security_group
from modules.settings.cache import ValkeySettings
from modules.stack import suppress

PORT = 6379
LOG_TYPES = ("slow-log", "engine-log")


class ValkeyCache(Construct):
    """ElastiCache Valkey replication group with its subnet group, parameter group, log groups,
    security group and RBAC users.

    Authentication is IAM (RBAC user group with an ``iam`` user), not an AUTH token: there is no
    secret to generate, store, pass through Terraform state or rotate, the instance role's
    ``elasticache:Connect`` permission is the credential, and a token that Terraform would have to
    read back can never cause a perpetual diff. The ``default`` user every user group carries is
    switched off.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: ValkeySettings,
        name_prefix: str,
        vpc_id: str,
        subnet_ids: list[str],
        kms_key_arn: str,
        log_retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        self.replication_group_id = group_id = f"{name_prefix}-valkey"
        self.connections: Connections = security_group(
            self,
            label="valkey",
            name=group_id,
            description=f"{name_prefix}: Valkey, reachable only from the app group",
            vpc_id=vpc_id,
            port=PORT,
        )
        subnet_group = aws.elasticache_subnet_group.ElasticacheSubnetGroup(
            self,
            "subnets",
            name=group_id,
            subnet_ids=subnet_ids,
            description=f"{name_prefix}: Valkey across the default subnets",
        )
        parameter_group = self._parameter_group(name_prefix)
        log_groups = {
            log_type: aws.cloudwatch_log_group.CloudwatchLogGroup(
                self,
                log_type.replace("-", "_"),
                name=f"/aws/elasticache/{group_id}/{log_type}",
                retention_in_days=log_retention_days,
                kms_key_id=kms_key_arn,
            )
            for log_type in LOG_TYPES
        }
        user_group = self._users(group_id)
        self.group = self._replication_group(
            name_prefix=name_prefix,
            subnet_group_name=subnet_group.name,
            parameter_group_name=parameter_group.name,
            user_group_id=user_group.user_group_id,
            log_groups=log_groups,
            kms_key_arn=kms_key_arn,
        )
        self.primary_endpoint: str = self.group.primary_endpoint_address
        self.reader_endpoint: str = self.group.reader_endpoint_address
        self.port: int = PORT
        self.arn: str = self.group.arn
        # ElastiCache names the nodes of a replication group <id>-001, <id>-002, ...
        self.node_ids = tuple(f"{group_id}-{index:03d}" for index in range(1, 2 + settings.replicas))

    def _parameter_group(self, name_prefix: str) -> aws.elasticache_parameter_group.ElasticacheParameterGroup:
        parameters = aws.elasticache_parameter_group
        return parameters.ElasticacheParameterGroup(
            self,
            "parameters",
            name=f"{self.replication_group_id}{self.settings.engine_version.replace('.', '-')}",
            family=self.settings.parameter_group_family,
            description=f"{name_prefix}: evict only keys with a TTL when memory is full",
            parameter=[parameters.ElasticacheParameterGroupParameter(name="maxmemory-policy", value="volatile-lru")],
        )

    def _users(self, group_id: str) -> aws.elasticache_user_group.ElasticacheUserGroup:
        users = aws.elasticache_user
        default_user = users.ElasticacheUser(
            self,
            "default_user",
            user_id=f"{group_id}-default",
            user_name="default",
            engine="valkey",
            access_string="off ~* -@all",
            authentication_mode=users.ElasticacheUserAuthenticationMode(type="no-password-required"),
        )
        # With IAM authentication the user id must equal the user name.
        self.user_name = f"{group_id}-app"
        app_user = users.ElasticacheUser(
            self,
            "app_user",
            user_id=self.user_name,
            user_name=self.user_name,
            engine="valkey",
            access_string="on ~* +@all -@dangerous",
            authentication_mode=users.ElasticacheUserAuthenticationMode(type="iam"),
        )
        self.user_arn: str = app_user.arn
        return aws.elasticache_user_group.ElasticacheUserGroup(
            self,
            "users",
            user_group_id=f"{group_id}-users",
            engine="valkey",
            user_ids=[default_user.user_id, app_user.user_id],
        )

    def _replication_group(
        self,
        *,
        name_prefix: str,
        subnet_group_name: str,
        parameter_group_name: str,
        user_group_id: str,
        log_groups: dict[str, aws.cloudwatch_log_group.CloudwatchLogGroup],
        kms_key_arn: str,
    ) -> aws.elasticache_replication_group.ElasticacheReplicationGroup:
        settings = self.settings
        delivery = aws.elasticache_replication_group.ElasticacheReplicationGroupLogDeliveryConfiguration
        group = aws.elasticache_replication_group.ElasticacheReplicationGroup(
            self,
            "this",
            replication_group_id=self.replication_group_id,
            description=f"{name_prefix}: cache and rate-limit counters",
            engine="valkey",
            engine_version=settings.engine_version,
            node_type=settings.node_type,
            port=PORT,
            num_cache_clusters=1 + settings.replicas,
            automatic_failover_enabled=settings.failover,
            multi_az_enabled=settings.spans_azs,
            subnet_group_name=subnet_group_name,
            security_group_ids=[self.connections.security_group_id],
            parameter_group_name=parameter_group_name,
            at_rest_encryption_enabled="true",
            kms_key_id=kms_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            user_group_ids=[user_group_id],
            snapshot_retention_limit=settings.snapshot_retention_days,
            snapshot_window=settings.snapshot_window,
            final_snapshot_identifier=f"{self.replication_group_id}-final",
            maintenance_window=settings.maintenance_window,
            auto_minor_version_upgrade="true",
            log_delivery_configuration=[
                delivery(
                    destination=log_groups[kind].name,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type=kind,
                )
                for kind in LOG_TYPES
            ],
        )
        if not settings.failover:
            suppress(
                group,
                "CKV2_AWS_50",
                f"Cost trade-off asked for by the environment file: replicas = {settings.replicas}, no automatic "
                "failover (a single cache node; the cache is rebuilt from the database after a node failure)",
            )
        return group
