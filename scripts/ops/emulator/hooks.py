"""Test hooks under /_emulator/ (JSON POST), answered before moto sees the request:

- /_emulator/set-engine-version {"service": "rds"|"elasticache", "id", "engine_version"}: what AWS does on a
  minor version upgrade (an RDS cluster and its instances, or a replication group and its member clusters);
- /_emulator/recovery-point {"vault", "resource_arn"}: a recovery point in a vault, as a finished job leaves;
- /_emulator/boot-id {}: a random id of this start of the emulator (what it holds lives and dies with it),
  so a client can tell that what it applied here earlier is still here.

The first two take optional "region" (default us-east-1) and "account" (default moto's account)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from moto.backup.models import backup_backends
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.elasticache.models import elasticache_backends
from moto.rds.models import rds_backends

PREFIX = "/_emulator/"
BOOT_ID = uuid.uuid4().hex


class HookError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def set_engine_version(request: dict[str, Any]) -> dict[str, Any]:
    account, region = request.get("account", DEFAULT_ACCOUNT_ID), request.get("region", "us-east-1")
    resource_id, version = request.get("id"), request.get("engine_version")
    if not resource_id or not version:
        raise HookError(400, "id and engine_version are required")
    if request.get("service") == "rds":
        cluster = rds_backends[account][region].clusters.get(resource_id)
        if cluster is None:
            raise HookError(404, f"RDS cluster {resource_id} not found")
        cluster.engine_version = version  # its instances read the cluster's version
        return {"id": resource_id, "engine_version": version}
    if request.get("service") == "elasticache":
        backend = elasticache_backends[account][region]
        group = backend.replication_groups.get(resource_id)
        if group is None:
            raise HookError(404, f"replication group {resource_id} not found")
        group.engine_version = version
        for cluster_id in group.member_clusters:
            if cluster_id in backend.cache_clusters:
                backend.cache_clusters[cluster_id].engine_version = version
        return {"id": resource_id, "engine_version": version}
    raise HookError(400, 'service must be "rds" or "elasticache"')


def recovery_point(request: dict[str, Any]) -> dict[str, Any]:
    account, region = request.get("account", DEFAULT_ACCOUNT_ID), request.get("region", "us-east-1")
    backend: Any = backup_backends[account][region]
    if request.get("vault") not in backend.vaults:
        raise HookError(404, f"backup vault {request.get('vault')} not found")
    point = backend.add_recovery_point(request["vault"], request.get("resource_arn", "arn:aws:rds:::cluster:test"))
    return {"RecoveryPointArn": point["RecoveryPointArn"]}


def boot_id(_request: dict[str, Any]) -> dict[str, Any]:
    return {"boot_id": BOOT_ID}


HOOKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "set-engine-version": set_engine_version,
    "recovery-point": recovery_point,
    "boot-id": boot_id,
}


def with_hooks(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """A WSGI app that answers /_emulator/<hook> and hands everything else to `app`."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return app(environ, start_response)
        status, body = answer(path[len(PREFIX) :], environ)
        payload = json.dumps(body).encode()
        start_response(f"{status} {'OK' if status == 200 else 'Error'}", [("Content-Type", "application/json")])
        return [payload]

    return wrapped


def answer(name: str, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    hook = HOOKS.get(name.strip("/"))
    if hook is None or environ.get("REQUEST_METHOD") != "POST":
        return 404, {"error": f"POST one of: {', '.join(PREFIX + key for key in HOOKS)}"}
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = json.loads(environ["wsgi.input"].read(length) or b"{}")
        return 200, hook(request)
    except HookError as error:
        return error.status, {"error": str(error)}
    except (ValueError, TypeError) as error:
        return 400, {"error": f"bad request: {error}"}
