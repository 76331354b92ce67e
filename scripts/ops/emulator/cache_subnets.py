"""ElastiCache cache subnet groups: ModifyCacheSubnetGroup and DeleteCacheSubnetGroup, which moto 5.2.5
lacks (its CreateCacheSubnetGroup and DescribeCacheSubnetGroups are kept as they are).

Error codes are those botocore's ElastiCache service model lists for each operation: a group in use by a
cache cluster or replication group cannot be deleted (CacheSubnetGroupInUse), nor can `default`."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.elasticache.exceptions import ElastiCacheException, InvalidParameterValueException
from moto.elasticache.models import CacheSubnetGroup, ElastiCacheBackend
from moto.elasticache.responses import ElastiCacheResponse

from scripts.ops.emulator.patching import add_members


class CacheSubnetGroupInUse(ElastiCacheException):
    code = "CacheSubnetGroupInUse"

    def __init__(self, name: str):
        super().__init__(f"Cache subnet group {name} is currently in use by a cache cluster or replication group.")


class CacheSubnetGroupAdditionsBackend:
    def _subnet_group_users(self: Any, name: str) -> list[str]:
        users = [g.replication_group_id for g in self.replication_groups.values() if g.cache_subnet_group_name == name]
        clusters = [c.cache_cluster_id for c in self.cache_clusters.values() if c.cache_subnet_group_name == name]
        return users + clusters

    def modify_cache_subnet_group(
        self: Any, name: str, description: str | None, subnet_ids: list[str] | None
    ) -> CacheSubnetGroup:
        group: CacheSubnetGroup = self.describe_cache_subnet_groups(name)[0]
        if subnet_ids:
            group = CacheSubnetGroup(
                account_id=self.account_id,
                region_name=self.region_name,
                cache_subnet_group_name=name,
                cache_subnet_group_description=group.cache_subnet_group_description,
                subnet_ids=subnet_ids,
                tags=group.tags,
            )
        if description is not None:
            group.cache_subnet_group_description = description
        self.cache_subnet_groups[name] = group
        return group

    def delete_cache_subnet_group(self: Any, name: str) -> None:
        if name == "default":
            raise InvalidParameterValueException("Cannot delete default cache subnet group.")
        group = self.describe_cache_subnet_groups(name)[0]
        if self._subnet_group_users(name):
            raise CacheSubnetGroupInUse(name)
        self.tagging_service.delete_all_tags_for_resource(group.arn)
        del self.cache_subnet_groups[name]


class CacheSubnetGroupAdditionsResponse:
    def modify_cache_subnet_group(self: Any) -> ActionResult:
        group = self.elasticache_backend.modify_cache_subnet_group(
            self._get_param("CacheSubnetGroupName"),
            self._get_param("CacheSubnetGroupDescription"),
            self._get_param("SubnetIds"),
        )
        return ActionResult({"CacheSubnetGroup": group})

    def delete_cache_subnet_group(self: Any) -> ActionResult:
        self.elasticache_backend.delete_cache_subnet_group(self._get_param("CacheSubnetGroupName"))
        return ActionResult({})


def install() -> None:
    add_members(ElastiCacheBackend, CacheSubnetGroupAdditionsBackend)
    add_members(ElastiCacheResponse, CacheSubnetGroupAdditionsResponse)
