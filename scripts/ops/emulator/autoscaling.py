"""Application Auto Scaling additions: the tags of a scalable target.

moto 5.2.5 has no tagging for Application Auto Scaling: RegisterScalableTarget drops its Tags, and
ListTagsForResource, TagResource and UntagResource are not implemented (a 500). The provider lists a
scalable target's tags after creating it and at every refresh, so an ``aws_appautoscaling_target`` could
be created but never read back, planned or destroyed.

As AWS does (Application Auto Scaling API reference, "Tagging support"): a scalable target is the one
taggable resource, named by its ScalableTargetARN; RegisterScalableTarget's Tags are the new target's tags
(registering an existing target again leaves them as they are, TagResource changes them); at most 50 tags
a target; an ARN that names no scalable target is a ResourceNotFoundException; deregistering a target
drops its tags."""

from __future__ import annotations

import functools
import json
from typing import Any

from moto.applicationautoscaling.exceptions import AWSValidationException
from moto.applicationautoscaling.models import ApplicationAutoscalingBackend, FakeScalableTarget
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.core.exceptions import JsonRESTError

from scripts.ops.emulator.patching import add_members, replace

MAX_TAGS = 50


class ResourceNotFoundError(JsonRESTError):
    def __init__(self, arn: str) -> None:
        super().__init__("ResourceNotFoundException", f"No scalable target found for ARN: {arn}")


class AutoscalingTagsBackend:
    def target_by_arn(self: Any, arn: str) -> FakeScalableTarget:
        if not arn or not arn.startswith("arn:") or ":application-autoscaling:" not in arn:
            raise AWSValidationException(f"Invalid ResourceARN: {arn}")
        for by_resource in self.targets.values():
            for target in by_resource.values():
                if target.arn == arn:
                    found: FakeScalableTarget = target
                    return found
        raise ResourceNotFoundError(arn)

    def list_target_tags(self: Any, arn: str) -> dict[str, str]:
        return dict(_tags(self.target_by_arn(arn)))

    def tag_target(self: Any, arn: str, tags: dict[str, str]) -> None:
        target = self.target_by_arn(arn)
        merged = {**_tags(target), **tags}
        if len(merged) > MAX_TAGS:
            raise AWSValidationException(f"A scalable target can have at most {MAX_TAGS} tags")
        target.tags = merged

    def untag_target(self: Any, arn: str, keys: list[str]) -> None:
        target = self.target_by_arn(arn)
        target.tags = {key: value for key, value in _tags(target).items() if key not in keys}


def _tags(target: FakeScalableTarget) -> dict[str, str]:
    tags: dict[str, str] = getattr(target, "tags", None) or {}
    return tags


class AutoscalingTagsResponse:
    def list_tags_for_resource(self: Any) -> str:
        tags = self.applicationautoscaling_backend.list_target_tags(self._get_param("ResourceARN"))
        return json.dumps({"Tags": tags})

    def tag_resource(self: Any) -> str:
        self.applicationautoscaling_backend.tag_target(self._get_param("ResourceARN"), self._get_param("Tags") or {})
        return "{}"

    def untag_resource(self: Any) -> str:
        self.applicationautoscaling_backend.untag_target(
            self._get_param("ResourceARN"), self._get_param("TagKeys") or []
        )
        return "{}"


def keep_tags_on_register(original: Any) -> Any:
    """RegisterScalableTarget: a new target takes the request's Tags (moto drops them)."""

    @functools.wraps(original)
    def register_scalable_target(self: Any) -> str:
        backend = self.applicationautoscaling_backend
        dimension, resource_id = self._get_param("ScalableDimension"), self._get_param("ResourceId")
        existed = resource_id in backend.targets.get(dimension, {})
        tags = self._get_param("Tags") or {}
        if len(tags) > MAX_TAGS:
            raise AWSValidationException(f"A scalable target can have at most {MAX_TAGS} tags")
        result: str = original(self)
        if not existed:
            backend.targets[dimension][resource_id].tags = dict(tags)
        return result

    return register_scalable_target


def install() -> None:
    add_members(ApplicationAutoscalingBackend, AutoscalingTagsBackend)
    add_members(ApplicationAutoScalingResponse, AutoscalingTagsResponse)
    replace(
        ApplicationAutoScalingResponse,
        "register_scalable_target",
        keep_tags_on_register(ApplicationAutoScalingResponse.register_scalable_target),
    )
