"""install(): register the project's additions with moto in this process (idempotent)."""

from __future__ import annotations

import threading

from scripts.ops.emulator import backup, budgets, cache_subnets, ec2, elasticache, rds, s3

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
        _installed.append(True)
