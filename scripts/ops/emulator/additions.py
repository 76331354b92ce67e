"""install(): register the project's additions with moto in this process (idempotent)."""

from __future__ import annotations

import threading

from scripts.ops.emulator import (
    acm,
    autoscaling,
    backup,
    budgets,
    cache_subnets,
    cloudfront,
    ec2,
    ecs,
    elasticache,
    rds,
    route53,
    s3,
)

_lock = threading.Lock()
_installed: list[bool] = []


def install() -> None:
    with _lock:
        if _installed:
            return
        elasticache.install()
        cache_subnets.install()
        budgets.install()
        backup.install()
        rds.install()
        ec2.install()
        s3.install()
        autoscaling.install()
        ecs.install()
        cloudfront.install()
        route53.install()
        acm.install()
        _installed.append(True)
