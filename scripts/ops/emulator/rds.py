"""RDS additions: what moto 5.2.5 does not keep or report, so the provider reads back what it wrote.

- EngineLifecycleSupport (CreateDBCluster/ModifyDBCluster, CreateDBInstance): kept and reported by
  DescribeDBClusters/DescribeDBInstances; a cluster's instances report the cluster's; AWS's default
  (open-source-rds-extended-support) for the engines that have one;
- Performance Insights (EnablePerformanceInsights, PerformanceInsightsKMSKeyId,
  PerformanceInsightsRetentionPeriod on CreateDBInstance/ModifyDBInstance): reported as
  PerformanceInsightsEnabled/KMSKeyId/RetentionPeriod (AWS's 7 days when enabled without a period);
- ScalingConfigurationInfo only for a serverless (v1) cluster or one given a ScalingConfiguration: moto
  reports an empty one for every cluster, which the provider reads as a scaling_configuration block;
- a new instance's CA is AWS's default for new instances (rds-ca-rsa2048-g1, not moto's "rds-ca-default"):
  the provider modifies and reboots an instance whose CA differs from its configuration, waiting on each;
- the Data API's HTTP endpoint (EnableHttpEndpoint on CreateDBCluster) is kept for Aurora Serverless v2 and
  provisioned clusters, as AWS keeps it since the Data API supports them (moto keeps it only for a few
  Serverless v1 versions and reports false otherwise, a diff on every plan). moto's Data API accepts SQL
  and runs none.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.rds.models import DBCluster, DBInstance, RDSBackend

from scripts.ops.emulator.patching import replace

EXTENDED_SUPPORT = "open-source-rds-extended-support"
LIFECYCLE_ENGINES = ("aurora-mysql", "aurora-postgresql", "mysql", "postgres")
DEFAULT_CA = "rds-ca-rsa2048-g1"
DEFAULT_INSIGHTS_RETENTION = 7


def _lifecycle(engine: str | None, requested: str | None) -> str | None:
    if requested:
        return requested
    return EXTENDED_SUPPORT if engine in LIFECYCLE_ENGINES else None


def _truthy(value: Any) -> bool:
    return value in (True, "true", "True")


def apply_performance_insights(instance: Any, kwargs: dict[str, Any], creating: bool) -> None:
    """Set what DescribeDBInstances reports from the Performance Insights parameters in `kwargs`."""
    enable = kwargs.pop("enable_performance_insights", None)
    key = kwargs.pop("performance_insights_kms_key_id", None)
    period = kwargs.pop("performance_insights_retention_period", None)
    if enable is None:
        if creating:
            instance.performance_insights_enabled = False
        return
    enabled = _truthy(enable)
    instance.performance_insights_enabled = enabled
    if not enabled:
        instance.performance_insights_kms_key_id = None
        instance.performance_insights_retention_period = None
        return
    if key:
        instance.performance_insights_kms_key_id = key
    elif creating:
        instance.performance_insights_kms_key_id = None
    current = getattr(instance, "performance_insights_retention_period", None)
    instance.performance_insights_retention_period = int(period) if period else current or DEFAULT_INSIGHTS_RETENTION


def patch_backend() -> None:
    create_cluster = RDSBackend.create_db_cluster
    create_instance = RDSBackend.create_db_instance
    modify_instance = RDSBackend.modify_db_instance

    @functools.wraps(create_cluster)
    def create_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        cluster: Any = create_cluster(self, kwargs)
        cluster.engine_lifecycle_support = _lifecycle(cluster.engine, kwargs.get("engine_lifecycle_support"))
        return cluster

    @functools.wraps(create_instance)
    def create_db_instance(self: Any, db_kwargs: dict[str, Any]) -> Any:
        insights = {key: db_kwargs.pop(key) for key in list(db_kwargs) if "performance_insights" in key}
        requested_lifecycle = db_kwargs.pop("engine_lifecycle_support", None)
        db_kwargs.setdefault("ca_certificate_identifier", DEFAULT_CA)
        instance: Any = create_instance(self, db_kwargs)
        apply_performance_insights(instance, insights, creating=True)
        cluster = self.clusters.get(db_kwargs.get("db_cluster_identifier") or "")
        inherited = getattr(cluster, "engine_lifecycle_support", None) if cluster is not None else None
        instance.engine_lifecycle_support = inherited or _lifecycle(instance.engine, requested_lifecycle)
        return instance

    @functools.wraps(modify_instance)
    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: dict[str, Any]) -> DBInstance:
        insights = {key: db_kwargs.pop(key) for key in list(db_kwargs) if "performance_insights" in key}
        instance = modify_instance(self, db_instance_identifier, db_kwargs)
        apply_performance_insights(instance, insights, creating=False)
        return instance

    replace(RDSBackend, "create_db_cluster", create_db_cluster)
    replace(RDSBackend, "create_db_instance", create_db_instance)
    replace(RDSBackend, "modify_db_instance", modify_db_instance)


def scaling_configuration_info(self: DBCluster) -> dict[str, Any] | None:
    """What moto reports, but only for a cluster that has a scaling configuration (serverless v1)."""
    configuration = self.scaling_configuration
    if not configuration:
        return None
    return {
        "MinCapacity": configuration.get("min_capacity"),
        "MaxCapacity": configuration.get("max_capacity"),
        "AutoPause": configuration.get("auto_pause"),
        "SecondsUntilAutoPause": configuration.get("seconds_until_auto_pause"),
        "TimeoutAction": configuration.get("timeout_action"),
        "SecondsBeforeTimeout": configuration.get("seconds_before_timeout"),
    }


DATA_API_ENGINES = ("aurora-postgresql", "aurora-mysql")
_moto_http_endpoint: property = DBCluster.__dict__["enable_http_endpoint"]


def _set_http_endpoint(self: DBCluster, value: bool | None) -> None:
    _moto_http_endpoint.__set__(self, value)  # moto's rule for Serverless v1
    if self.engine_mode == "provisioned" and self.engine in DATA_API_ENGINES and value is not None:
        self._enable_http_endpoint = _truthy(value)


def install() -> None:
    patch_backend()
    replace(DBCluster, "enable_http_endpoint", property(_moto_http_endpoint.fget, _set_http_endpoint))
    replace(DBCluster, "scaling_configuration_info", property(scaling_configuration_info))
