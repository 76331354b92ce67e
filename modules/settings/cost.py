"""Idle monthly cost of an environment, from its settings: what it costs while nobody uses it.

List prices of us-east-1 (on-demand, standard storage), rounded; other regions differ by a few
percent. Usage (requests, ACU above the minimum, storage, data transfer) comes on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modules.settings.loader import EnvironmentConfig

HOURS_PER_MONTH = 730
APP_RUNNER_GB_HOUR = 0.007  # provisioned (idle) instance memory
AURORA_ACU_HOUR = 0.12  # Serverless v2, Aurora Standard
VALKEY_NODE_HOUR = {  # ElastiCache for Valkey, 20 % below Redis OSS
    "cache.t4g.micro": 0.0128,
    "cache.t4g.small": 0.0256,
    "cache.t4g.medium": 0.0520,
    "cache.t3.micro": 0.0136,
    "cache.t3.small": 0.0272,
    "cache.t3.medium": 0.0544,
}
KMS_KEY_MONTH = 1.00
SECRET_MONTH = 0.40
ALARM_MONTH = 0.10


@dataclass(frozen=True)
class CostLine:
    item: str
    basis: str
    usd: float


def idle_cost(config: EnvironmentConfig, alarms: int) -> list[CostLine]:
    """``alarms``: how many CloudWatch alarms the stack has."""
    app, database, cache = config.app, config.database, config.cache
    memory_gb = app.memory / 1024
    lines = [
        CostLine(
            "App Runner",
            f"{app.min_instances} provisioned instance(s) x {memory_gb:g} GB x ${APP_RUNNER_GB_HOUR}/GB-hour",
            app.min_instances * memory_gb * APP_RUNNER_GB_HOUR * HOURS_PER_MONTH,
        ),
        CostLine(
            "Aurora Serverless v2",
            "paused when idle (storage only)"
            if database.pauses
            else f"{database.instances} instance(s) x {database.min_acu:g} ACU minimum x ${AURORA_ACU_HOUR}/ACU-hour",
            0.0 if database.pauses else database.instances * database.min_acu * AURORA_ACU_HOUR * HOURS_PER_MONTH,
        ),
    ]
    node_hour = VALKEY_NODE_HOUR.get(cache.node_type)
    nodes = 1 + cache.replicas
    if node_hour is not None:
        lines.append(
            CostLine(
                "ElastiCache Valkey",
                f"{nodes} x {cache.node_type} x ${node_hour}/hour",
                nodes * node_hour * HOURS_PER_MONTH,
            )
        )
    else:
        lines.append(
            CostLine("ElastiCache Valkey", f"{nodes} x {cache.node_type}: see the ElastiCache price list", 0.0)
        )
    lines += [
        CostLine("KMS", f"1 key x ${KMS_KEY_MONTH:.2f}", KMS_KEY_MONTH),
        CostLine("Secrets Manager", f"2 secrets x ${SECRET_MONTH:.2f}", 2 * SECRET_MONTH),
        CostLine("CloudWatch alarms", f"{alarms} alarms x ${ALARM_MONTH:.2f}", alarms * ALARM_MONTH),
    ]
    return lines
