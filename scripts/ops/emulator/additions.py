"""install(): register the project's additions with moto in this process (idempotent)."""

from __future__ import annotations

import threading

from scripts.ops.emulator import backup, budgets, elasticache

_lock = threading.Lock()
_installed: list[bool] = []


def install() -> None:
    with _lock:
        if _installed:
            return
        elasticache.install()
        budgets.install()
        backup.install()
        _installed.append(True)
