"""ElastiCache Valkey: the environment's cache."""

from __future__ import annotations

from dataclasses import dataclass

from modules.framework import Construct, TerraformResourceLifecycle, aws
from modules.schema import between, matches, one_of, setting
from modules.stack import suppress

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
    snapshot_window: str = setting(
        "Daily snapshot window (UTC)", matches(r"\d\d:\d\d-\d\d:\d\d", "hh:mm-hh:mm"), default="02:00-03:00"
    )
    maintenance_window: str = setting(
        "Weekly maintenance window (UTC)",
        matches(r"(mon|tue|wed|thu|fri|sat|sun):\d\d:\d\d-(mon|tue|wed|thu|fri|sat|sun):\d\d:\d\d", "ddd:hh:mm-ddd:hh:mm"),
        default="sun:05:30-sun:06:30",
    )

    def problems(self) -> list[tuple[str, object, str]]:
        found: list[tuple[str, object, str]] = []
        if self.automatic_failover and self.replicas < 1:
            found.append(("automatic_failover", True, "false unless replicas >= 1 (there is no replica to promote)"))
        if self.multi_az and not self.failover:
            found.append(("multi_az", True, "false unless automatic failover is on"))
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


PORT = 6379


class ValkeyCache(Construct):
    """ElastiCache Valkey replication group with its subnet group, parameter group, log groups and
    RBAC users.

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
        subnet_ids: list[str],
        security_group_id: str,
        kms_key_arn: str,
        log_retention_days: int,
        protect: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        group_id = f"{name_prefix}-valkey"
        subnet_group = aws.elasticache_subnet_group.ElasticacheSubnetGroup(
            self, "subnets", name=group_id, subnet_ids=subnet_ids, description=f"{name_prefix}: Valkey across the default subnets"
        )
        parameters = aws.elasticache_parameter_group
        parameter_group = parameters.ElasticacheParameterGroup(
            self,
            "parameters",
            name=f"{group_id}{settings.engine_version.replace('.', '-')}",
            family=settings.parameter_group_family,
            description=f"{name_prefix}: evict only keys with a TTL when memory is full",
            parameter=[parameters.ElasticacheParameterGroupParameter(name="maxmemory-policy", value="volatile-lru")],
        )
        log_groups = {
            log_type: aws.cloudwatch_log_group.CloudwatchLogGroup(
                self,
                f"{log_type.replace('-', '_')}",
                name=f"/aws/elasticache/{group_id}/{log_type}",
                retention_in_days=log_retention_days,
                kms_key_id=kms_key_arn,
            )
            for log_type in ("slow-log", "engine-log")
        }
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
        user_group = aws.elasticache_user_group.ElasticacheUserGroup(
            self, "users", user_group_id=f"{group_id}-users", engine="valkey", user_ids=[default_user.user_id, app_user.user_id]
        )
        delivery = aws.elasticache_replication_group.ElasticacheReplicationGroupLogDeliveryConfiguration
        self.group = aws.elasticache_replication_group.ElasticacheReplicationGroup(
            self,
            "this",
            replication_group_id=group_id,
            description=f"{name_prefix}: cache and rate-limit counters",
            engine="valkey",
            engine_version=settings.engine_version,
            node_type=settings.node_type,
            port=PORT,
            num_cache_clusters=1 + settings.replicas,
            automatic_failover_enabled=settings.failover,
            multi_az_enabled=settings.spans_azs,
            subnet_group_name=subnet_group.name,
            security_group_ids=[security_group_id],
            parameter_group_name=parameter_group.name,
            at_rest_encryption_enabled="true",
            kms_key_id=kms_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            user_group_ids=[user_group.user_group_id],
            snapshot_retention_limit=settings.snapshot_retention_days,
            snapshot_window=settings.snapshot_window,
            final_snapshot_identifier=f"{group_id}-final",
            maintenance_window=settings.maintenance_window,
            auto_minor_version_upgrade="true",
            log_delivery_configuration=[
                delivery(destination=log_groups[log_type].name, destination_type="cloudwatch-logs", log_format="json", log_type=log_type)
                for log_type in ("slow-log", "engine-log")
            ],
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True) if protect else None,
        )
        if not settings.failover:
            suppress(
                self.group,
                "CKV2_AWS_50",
                f"Cost trade-off asked for by the environment file: replicas = {settings.replicas}, no automatic failover "
                "(a single cache node; the cache is rebuilt from the database after a node failure)",
            )
        self.primary_endpoint: str = self.group.primary_endpoint_address
        self.reader_endpoint: str = self.group.reader_endpoint_address
        self.port: int = PORT
        self.arn: str = self.group.arn
        self.user_arn: str = app_user.arn
        self.replication_group_id = group_id
        # ElastiCache names the nodes of a replication group <id>-001, <id>-002, ...
        self.node_ids = tuple(f"{group_id}-{index:03d}" for index in range(1, 2 + settings.replicas))
