"""ElastiCache additions: user groups, ModifyUser, cache parameter groups, and replication groups that keep
what they were given (member clusters, parameter group, security groups, encryption) so the provider reads
back what it wrote.

Error codes are those botocore's ElastiCache service model lists for each operation; messages are AWS's
where public issues quote them (DefaultUserRequired: hashicorp/terraform-provider-aws#25593; the IAM user
rule: terraform-aws-modules/terraform-aws-elasticache#65). That valkey takes no no-password users is
documented by AWS (RBAC for Valkey); its exact message is not public, so ours says what is wrong."""

from __future__ import annotations

import functools
import re
from typing import Any

from moto.core.common_models import BaseModel
from moto.core.responses import ActionResult
from moto.elasticache.exceptions import (
    ElastiCacheException,
    InvalidParameterCombinationException,
    InvalidParameterValueException,
    UserNotFound,
)
from moto.elasticache.models import CacheCluster, ElastiCacheBackend, ReplicationGroup, User
from moto.elasticache.responses import ElastiCacheResponse
from moto.utilities.utils import get_partition

from scripts.ops.emulator.patching import add_members, replace

NO_PASSWORD = "no-password-required"
DEFAULT_VERSIONS = {"valkey": "8.0", "redis": "7.1"}
ARN_PATTERN = re.compile(
    r"^arn:aws:elasticache:.*:[0-9]*:(cluster|snapshot|subnetgroup|replicationgroup|user|usergroup|parametergroup):.*$"
)


class UserGroupNotFound(ElastiCacheException):
    code = "UserGroupNotFound"

    def __init__(self, user_group_id: str):
        super().__init__(f"User group {user_group_id} not found.")


class UserGroupAlreadyExists(ElastiCacheException):
    code = "UserGroupAlreadyExists"

    def __init__(self, user_group_id: str):
        super().__init__(f"User group {user_group_id} already exists.")


class DefaultUserRequired(ElastiCacheException):
    code = "DefaultUserRequired"
    message = "User group needs to contain a user with the user name default."


class DuplicateUserName(ElastiCacheException):
    code = "DuplicateUserName"

    def __init__(self, user_name: str):
        super().__init__(f"A user with the user name {user_name} already exists in the user group.")


class InvalidUserGroupState(ElastiCacheException):
    code = "InvalidUserGroupState"


class CacheParameterGroupNotFound(ElastiCacheException):
    code = "CacheParameterGroupNotFound"

    def __init__(self, name: str):
        super().__init__(f"Cache parameter group {name} not found.")


class CacheParameterGroupAlreadyExists(ElastiCacheException):
    code = "CacheParameterGroupAlreadyExists"

    def __init__(self, name: str):
        super().__init__(f"Cache parameter group {name} already exists.")


class InvalidCacheParameterGroupState(ElastiCacheException):
    code = "InvalidCacheParameterGroupState"


def valkey_no_password_refused(user_id: str) -> InvalidParameterValueException:
    return InvalidParameterValueException(
        f"User {user_id} has authentication type {NO_PASSWORD}: users without a password are not supported "
        "with the valkey engine; use authentication type password or iam."
    )


class UserGroup(BaseModel):
    def __init__(self, account_id: str, region: str, user_group_id: str, engine: str, user_ids: list[str]):
        self.user_group_id = user_group_id
        self.engine = engine
        self.user_ids = list(user_ids)
        self.status = "active"
        self.minimum_engine_version = "7.2" if engine == "valkey" else "6.0"
        self.replication_groups: list[str] = []
        self.serverless_caches: list[str] = []
        self.arn = f"arn:{get_partition(region)}:elasticache:{region}:{account_id}:usergroup:{user_group_id}"


class CacheParameterGroup(BaseModel):
    def __init__(self, account_id: str, region: str, name: str, family: str, description: str):
        self.cache_parameter_group_name = name
        self.cache_parameter_group_family = family
        self.description = description
        self.is_global = False
        self.parameters: dict[str, str] = {}
        self.arn = f"arn:{get_partition(region)}:elasticache:{region}:{account_id}:parametergroup:{name}"


def is_no_password(user: User) -> bool:
    return bool(user.no_password_required) or user.authentication_type == NO_PASSWORD


class ElastiCacheAdditionsBackend:
    """Methods added to moto's ElastiCacheBackend (state lives on the backend instance)."""

    @property
    def user_groups(self: Any) -> dict[str, UserGroup]:
        groups: dict[str, UserGroup] = self.__dict__.setdefault("_user_groups", {})
        return groups

    @property
    def cache_parameter_groups(self: Any) -> dict[str, CacheParameterGroup]:
        groups: dict[str, CacheParameterGroup] = self.__dict__.setdefault("_cache_parameter_groups", {})
        return groups

    def _checked_members(self: Any, engine: str, user_ids: list[str]) -> list[User]:
        members = []
        for user_id in user_ids:
            user = self.users.get(user_id)
            if user is None or user.status == "deleting":
                raise UserNotFound(user_id)
            members.append(user)
        names = [user.name for user in members]
        for name in names:
            if names.count(name) > 1:
                raise DuplicateUserName(name)
        if "default" not in names:
            raise DefaultUserRequired
        if engine == "valkey":
            for user in members:
                if is_no_password(user):
                    raise valkey_no_password_refused(user.id)
        return members

    def create_user_group(
        self: Any, user_group_id: str, engine: str, user_ids: list[str], tags: list[Any]
    ) -> UserGroup:
        if user_group_id in self.user_groups:
            raise UserGroupAlreadyExists(user_group_id)
        engine = (engine or "").lower()
        if engine not in ("redis", "valkey"):
            raise InvalidParameterValueException(f"Unknown engine {engine!r}: must be redis or valkey")
        members = self._checked_members(engine, user_ids)
        group = UserGroup(self.account_id, self.region_name, user_group_id, engine, user_ids)
        for user in members:
            user.user_group_ids.append(user_group_id)
        if tags:
            self.tagging_service.tag_resource(group.arn, tags)
        self.user_groups[user_group_id] = group
        return group

    def get_user_group(self: Any, user_group_id: str) -> UserGroup:
        if user_group_id not in self.user_groups:
            raise UserGroupNotFound(user_group_id)
        group: UserGroup = self.user_groups[user_group_id]
        group.replication_groups = [
            rg.replication_group_id for rg in self.replication_groups.values() if user_group_id in rg.user_group_ids
        ]
        return group

    def describe_user_groups(self: Any, user_group_id: str | None) -> list[UserGroup]:
        if user_group_id:
            return [self.get_user_group(user_group_id)]
        return [self.get_user_group(key) for key in list(self.user_groups)]

    def modify_user_group(self: Any, user_group_id: str, to_add: list[str], to_remove: list[str]) -> UserGroup:
        group: UserGroup = self.get_user_group(user_group_id)
        for user_id in to_remove:
            if user_id not in group.user_ids:
                raise UserNotFound(user_id)
        user_ids = [u for u in group.user_ids if u not in to_remove] + [u for u in to_add if u not in group.user_ids]
        self._checked_members(group.engine, user_ids)
        for user_id in group.user_ids:
            if user_id not in user_ids and user_id in self.users:
                self.users[user_id].user_group_ids.remove(user_group_id)
        for user_id in user_ids:
            if user_id not in group.user_ids:
                self.users[user_id].user_group_ids.append(user_group_id)
        group.user_ids = user_ids
        return group

    def delete_user_group(self: Any, user_group_id: str) -> UserGroup:
        group: UserGroup = self.get_user_group(user_group_id)
        if group.replication_groups:
            raise InvalidUserGroupState(
                f"User group {user_group_id} is associated with replication group(s) "
                f"{', '.join(group.replication_groups)}."
            )
        for user_id in group.user_ids:
            if user_id in self.users and user_group_id in self.users[user_id].user_group_ids:
                self.users[user_id].user_group_ids.remove(user_group_id)
        group.status = "deleting"
        del self.user_groups[user_group_id]
        return group

    def modify_user(self: Any, user_id: str, params: dict[str, Any]) -> User:
        user: User | None = self.users.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        mode = params.get("AuthenticationMode") or {}
        passwords = params.get("Passwords") or mode.get("Passwords") or []
        kind = mode.get("Type") or ("password" if passwords else None)
        if params.get("NoPasswordRequired") in (True, "true"):
            kind = NO_PASSWORD
        if kind == NO_PASSWORD and (user.engine == "valkey" or self._in_valkey_group(user)):
            raise valkey_no_password_refused(user_id)
        if kind == "password" and not passwords:
            raise InvalidParameterCombinationException(
                "A user with Authentication Mode: password, must have at least one password"
            )
        if kind == "iam" and user.id != user.name:
            raise InvalidParameterCombinationException(
                "User Id and User name must be same for authentication type: iam"
            )
        if kind:
            user.authentication_type = kind
            user.no_password_required = kind == NO_PASSWORD
            user.passwords = passwords if kind == "password" else []
        if params.get("AccessString"):
            user.access_string = params["AccessString"]
        if params.get("AppendAccessString"):
            user.access_string = f"{user.access_string} {params['AppendAccessString']}"
        return user

    def _in_valkey_group(self: Any, user: User) -> bool:
        return any(self.user_groups[g].engine == "valkey" for g in user.user_group_ids if g in self.user_groups)

    def get_cache_parameter_group(self: Any, name: str) -> CacheParameterGroup:
        if name not in self.cache_parameter_groups:
            raise CacheParameterGroupNotFound(name)
        group: CacheParameterGroup = self.cache_parameter_groups[name]
        return group

    def create_cache_parameter_group(self: Any, name: str, family: str, description: str, tags: list[Any]) -> Any:
        if name in self.cache_parameter_groups:
            raise CacheParameterGroupAlreadyExists(name)
        if not family or not description:
            raise InvalidParameterValueException("CacheParameterGroupFamily and Description are required.")
        group = CacheParameterGroup(self.account_id, self.region_name, name, family, description)
        if tags:
            self.tagging_service.tag_resource(group.arn, tags)
        self.cache_parameter_groups[name] = group
        return group

    def delete_cache_parameter_group(self: Any, name: str) -> None:
        self.get_cache_parameter_group(name)
        users = [
            rg.replication_group_id for rg in self.replication_groups.values() if rg.cache_parameter_group_name == name
        ]
        if users:
            raise InvalidCacheParameterGroupState(
                f"One or more cache clusters are still members of cache parameter group {name}, "
                "please remove them before deleting the group."
            )
        del self.cache_parameter_groups[name]


def _cluster_settings(group: ReplicationGroup) -> dict[str, Any]:
    """What a member cluster of `group` reports (the provider reads these from the first member)."""
    return {
        "cache_parameter_group": {
            "CacheParameterGroupName": group.cache_parameter_group_name or f"default.{group.engine}",
            "ParameterApplyStatus": "in-sync",
            "CacheNodeIdsToReboot": [],
        },
        "security_groups": [{"SecurityGroupId": sg, "Status": "active"} for sg in group.security_group_ids or []],
        "at_rest_encryption_enabled": group.at_rest_encryption_enabled,
        "transit_encryption_enabled": group.transit_encryption_enabled,
        "transit_encryption_mode": group.transit_encryption_mode,
        "engine_version": group.engine_version,
        "engine": group.engine,
        "cache_node_type": group.cache_node_type,
        "preferred_maintenance_window": group.preferred_maintenance_window,
        "cache_subnet_group_name": group.cache_subnet_group_name,
        "auto_minor_version_upgrade": group.auto_minor_version_upgrade,
        "replication_group_log_delivery_enabled": bool(group.log_delivery_configurations),
        "log_delivery_configurations": group.log_delivery_configurations,
        "snapshot_retention_limit": group.snapshot_retention_limit,
        "snapshot_window": group.snapshot_window,
        "auth_token_enabled": group.auth_token_enabled,
    }


def sync_member_clusters(backend: ElastiCacheBackend, group: ReplicationGroup) -> None:
    """Give each member of the group a cache cluster describing the group's settings."""
    settings = _cluster_settings(group)
    for node_group in group.node_groups:
        for member in node_group["node_group_members"]:
            cluster_id = member["cache_cluster_id"]
            cluster = backend.cache_clusters.get(cluster_id)
            if cluster is None:
                cluster = CacheCluster.__new__(CacheCluster)
                cluster.__dict__.update(_new_member(backend, group, cluster_id, member))
                backend.cache_clusters[cluster_id] = cluster
            cluster.__dict__.update(settings)


def _new_member(
    backend: ElastiCacheBackend, group: ReplicationGroup, cluster_id: str, member: dict[str, Any]
) -> dict[str, Any]:
    partition = get_partition(backend.region_name)
    return {
        "cache_cluster_id": cluster_id,
        "replication_group_id": group.replication_group_id,
        "num_cache_nodes": 1,
        "cache_cluster_status": "available",
        "status": "available",
        "preferred_availability_zone": member.get("preferred_availability_zone"),
        "cache_cluster_create_time": group.replication_group_create_time,
        "cache_security_groups": [],
        "network_type": group.network_type,
        "ip_discovery": group.ip_discovery,
        "port": group.port,
        "tags": [],
        "arn": f"arn:{partition}:elasticache:{backend.region_name}:{backend.account_id}:cluster:{cluster_id}",
    }


def patch_replication_groups() -> None:
    create = ElastiCacheBackend.create_replication_group
    modify = ElastiCacheBackend.modify_replication_group
    delete = ElastiCacheBackend.delete_replication_group

    @functools.wraps(create)
    def create_replication_group(self: Any, **kwargs: Any) -> ReplicationGroup:
        for user_group_id in kwargs.get("user_group_ids") or []:
            self.get_user_group(user_group_id)
        if kwargs.get("cache_parameter_group_name"):
            self.get_cache_parameter_group(kwargs["cache_parameter_group_name"])
        count = kwargs.get("num_cache_clusters") or 0
        if kwargs.get("cluster_mode") != "enabled" and not kwargs.get("replicas_per_node_group") and count > 1:
            # moto sizes a cluster-mode-disabled group from ReplicasPerNodeGroup only.
            kwargs["replicas_per_node_group"] = count - 1
        kwargs["engine_version"] = kwargs.get("engine_version") or DEFAULT_VERSIONS.get(kwargs.get("engine") or "redis")
        group = create(self, **kwargs)
        group.transit_encryption_mode = kwargs.get("transit_encryption_mode") or (
            "required" if group.transit_encryption_enabled else None
        )
        sync_member_clusters(self, group)
        return group

    @functools.wraps(modify)
    def modify_replication_group(
        self: Any, replication_group_id: str, extra: dict[str, Any] | None = None, **kw: Any
    ) -> ReplicationGroup:
        group: ReplicationGroup = modify(self, replication_group_id, **kw)
        apply_modifications(self, group, extra or {})
        sync_member_clusters(self, group)
        return group

    @functools.wraps(delete)
    def delete_replication_group(
        self: Any, replication_group_id: str, retain_primary_cluster: bool | None
    ) -> ReplicationGroup:
        group: ReplicationGroup = delete(self, replication_group_id, retain_primary_cluster)
        for node_group in group.node_groups:
            for member in node_group["node_group_members"]:
                self.cache_clusters.pop(member["cache_cluster_id"], None)
        self.replication_groups.pop(replication_group_id, None)
        return group

    replace(ElastiCacheBackend, "create_replication_group", create_replication_group)
    replace(ElastiCacheBackend, "modify_replication_group", modify_replication_group)
    replace(ElastiCacheBackend, "delete_replication_group", delete_replication_group)


MODIFIABLE = {
    "CacheParameterGroupName": "cache_parameter_group_name",
    "PreferredMaintenanceWindow": "preferred_maintenance_window",
    "SnapshotWindow": "snapshot_window",
    "EngineVersion": "engine_version",
    "SecurityGroupIds": "security_group_ids",
    "TransitEncryptionMode": "transit_encryption_mode",
    "AutoMinorVersionUpgrade": "auto_minor_version_upgrade",
    "NotificationTopicArn": "notification_topic_arn",
}


def apply_modifications(backend: Any, group: ReplicationGroup, params: dict[str, Any]) -> None:
    if params.get("CacheParameterGroupName"):
        backend.get_cache_parameter_group(params["CacheParameterGroupName"])
    for key, attribute in MODIFIABLE.items():
        if params.get(key) is not None:
            setattr(group, attribute, params[key])
    if params.get("TransitEncryptionEnabled") is not None:
        group.transit_encryption_enabled = params["TransitEncryptionEnabled"] in (True, "true")
    for user_group_id in params.get("UserGroupIdsToAdd") or []:
        backend.get_user_group(user_group_id)
        if user_group_id not in group.user_group_ids:
            group.user_group_ids.append(user_group_id)
    for user_group_id in params.get("UserGroupIdsToRemove") or []:
        if user_group_id in group.user_group_ids:
            group.user_group_ids.remove(user_group_id)
    if "LogDeliveryConfigurations" in params:
        requested = [c for c in params["LogDeliveryConfigurations"] if c.get("DestinationType")]
        group.log_delivery_configurations = group._get_log_delivery_configurations(requested)


class ElastiCacheAdditionsResponse:
    """Actions added to moto's ElastiCacheResponse (query protocol, parameters parsed by moto)."""

    def create_user_group(self: Any) -> ActionResult:
        params = self._get_params()
        group = self.elasticache_backend.create_user_group(
            params.get("UserGroupId"), params.get("Engine"), params.get("UserIds", []), params.get("Tags", [])
        )
        return ActionResult(group)

    def describe_user_groups(self: Any) -> ActionResult:
        groups = self.elasticache_backend.describe_user_groups(self._get_param("UserGroupId"))
        return ActionResult({"UserGroups": groups})

    def modify_user_group(self: Any) -> ActionResult:
        params = self._get_params()
        group = self.elasticache_backend.modify_user_group(
            params.get("UserGroupId"), params.get("UserIdsToAdd", []), params.get("UserIdsToRemove", [])
        )
        return ActionResult(group)

    def delete_user_group(self: Any) -> ActionResult:
        return ActionResult(self.elasticache_backend.delete_user_group(self._get_param("UserGroupId")))

    def modify_user(self: Any) -> ActionResult:
        params = self._get_params()
        return ActionResult(self.elasticache_backend.modify_user(params.get("UserId"), params))

    def create_cache_parameter_group(self: Any) -> ActionResult:
        params = self._get_params()
        group = self.elasticache_backend.create_cache_parameter_group(
            params.get("CacheParameterGroupName"),
            params.get("CacheParameterGroupFamily"),
            params.get("Description"),
            params.get("Tags", []),
        )
        return ActionResult({"CacheParameterGroup": group})

    def describe_cache_parameter_groups(self: Any) -> ActionResult:
        backend = self.elasticache_backend
        name = self._get_param("CacheParameterGroupName")
        groups = [backend.get_cache_parameter_group(name)] if name else list(backend.cache_parameter_groups.values())
        return ActionResult({"CacheParameterGroups": groups})

    def modify_cache_parameter_group(self: Any) -> ActionResult:
        name = self._get_param("CacheParameterGroupName")
        group = self.elasticache_backend.get_cache_parameter_group(name)
        for item in self._get_param("ParameterNameValues", []):
            group.parameters[item["ParameterName"]] = item.get("ParameterValue", "")
        return ActionResult({"CacheParameterGroupName": name})

    def reset_cache_parameter_group(self: Any) -> ActionResult:
        name = self._get_param("CacheParameterGroupName")
        group = self.elasticache_backend.get_cache_parameter_group(name)
        if self._get_bool_param("ResetAllParameters"):
            group.parameters.clear()
        for item in self._get_param("ParameterNameValues", []):
            group.parameters.pop(item["ParameterName"], None)
        return ActionResult({"CacheParameterGroupName": name})

    def describe_cache_parameters(self: Any) -> ActionResult:
        group = self.elasticache_backend.get_cache_parameter_group(self._get_param("CacheParameterGroupName"))
        parameters = [
            {
                "ParameterName": key,
                "ParameterValue": value,
                "Source": "user",
                "DataType": "string",
                "IsModifiable": True,
            }
            for key, value in sorted(group.parameters.items())
        ]
        return ActionResult({"Parameters": parameters})

    def delete_cache_parameter_group(self: Any) -> ActionResult:
        self.elasticache_backend.delete_cache_parameter_group(self._get_param("CacheParameterGroupName"))
        return ActionResult({})


def check_create_user(original: Any) -> Any:
    """CreateUser: AWS's valkey and IAM rules, before moto's own checks."""

    @functools.wraps(original)
    def create_user(self: Any) -> Any:
        params = self._get_params()
        mode = params.get("AuthenticationMode") or {}
        kind = mode.get("Type")
        if params.get("NoPasswordRequired") in (True, "true"):
            kind = NO_PASSWORD
        if (params.get("Engine") or "").lower() == "valkey" and kind == NO_PASSWORD:
            raise InvalidParameterCombinationException(
                f"Authentication type {NO_PASSWORD} is not supported for engine valkey: use password or iam."
            )
        if kind == "iam" and params.get("UserId") != params.get("UserName"):
            raise InvalidParameterCombinationException(
                "User Id and User name must be same for authentication type: iam"
            )
        return original(self)

    return create_user


def modify_replication_group_response(original: Any) -> Any:
    """ModifyReplicationGroup: pass on what moto's handler drops."""

    @functools.wraps(original)
    def modify_replication_group(self: Any) -> Any:
        params = self._get_params()
        group = self.elasticache_backend.modify_replication_group(
            replication_group_id=params.get("ReplicationGroupId"),
            extra=params,
            replication_group_description=params.get("ReplicationGroupDescription"),
            engine=params.get("Engine"),
            cache_node_type=params.get("CacheNodeType"),
            automatic_failover_enabled=params.get("AutomaticFailoverEnabled"),
            multi_az_enabled=params.get("MultiAZEnabled"),
            snapshot_retention_limit=params.get("SnapshotRetentionLimit"),
        )
        return ActionResult({"ReplicationGroup": group})

    return modify_replication_group


def delete_replication_group_response(original: Any) -> Any:
    """DeleteReplicationGroup with a FinalSnapshotIdentifier takes that snapshot first; AWS refuses the
    delete when a snapshot of that name exists (SnapshotAlreadyExistsFault), and so does this."""

    @functools.wraps(original)
    def delete_replication_group(self: Any) -> Any:
        final = self._get_param("FinalSnapshotIdentifier")
        if final:
            self.elasticache_backend.create_snapshot(
                snapshot_name=final,
                replication_group_id=self._get_param("ReplicationGroupId"),
                cache_cluster_id=None,
                kms_key_id=None,
                tags=[],
            )
        return original(self)

    return delete_replication_group


def install() -> None:
    add_members(ElastiCacheBackend, ElastiCacheAdditionsBackend)
    add_members(ElastiCacheResponse, ElastiCacheAdditionsResponse)
    original_init = ElastiCacheBackend.__init__

    @functools.wraps(original_init)
    def __init__(self: Any, region_name: str, account_id: str) -> None:  # noqa: N807
        original_init(self, region_name, account_id)
        self.arn_regex = ARN_PATTERN

    replace(ElastiCacheBackend, "__init__", __init__)
    replace(ElastiCacheResponse, "create_user", check_create_user(ElastiCacheResponse.create_user))
    replace(
        ElastiCacheResponse,
        "modify_replication_group",
        modify_replication_group_response(ElastiCacheResponse.modify_replication_group),
    )
    replace(
        ElastiCacheResponse,
        "delete_replication_group",
        delete_replication_group_response(ElastiCacheResponse.delete_replication_group),
    )
    patch_replication_groups()
