"""What a compute backend gets from the rest of the environment.

App Runner is today's backend (modules/apprunner.py). App Runner closed to new customers on
2026-04-30; a second backend (ECS Fargate behind an ALB) would take the same ``Workload`` and leave the
data tier, keys and secrets untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Workload:
    """The container to run and everything it is allowed to reach."""

    name_prefix: str
    image_repository_arn: str
    image_repository_url: str
    image_tag: str  # a Terraform expression (the image_tag variable), so a deploy needs no re-synthesis
    port: int
    health_check_path: str
    variables: Mapping[str, str]  # plain runtime environment variables
    secrets: Mapping[str, str]  # environment variable -> Secrets Manager reference (ARN, or ARN:json-key::)
    secret_arns: tuple[str, ...]  # what the instance role may read, exactly
    kms_key_arn: str  # decrypts those secrets; encrypts the service
    cache_connect_arns: tuple[str, ...]  # elasticache:Connect (IAM authentication to Valkey)
    subnet_ids: list[str]
    security_group_id: str


def secret_reference(secret_arn: str, json_key: str | None = None) -> str:
    """App Runner (like ECS) reads one key of a JSON secret as ``<arn>:<key>::``."""
    return f"{secret_arn}:{json_key}::" if json_key else secret_arn
