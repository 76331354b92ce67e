"""Compute: the service the environment runs, behind one contract.

``Workload`` is what a compute backend gets from the rest of the environment; the backends sit side by
side in this folder (``apprunner.py`` today) and the data tier never knows which one runs. App Runner
closed to new customers on 2026-04-30; a second backend (ECS Fargate behind an ALB) takes the same
``Workload`` and leaves the data tier, keys and secrets untouched. ``ecr.py`` is the image repository
every backend pulls from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from modules.framework import Construct, TerraformResource
from modules.network.firewall import Connections, security_group
from modules.settings.naming import GENERAL, resource_name


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
    database_connect_arns: tuple[str, ...]  # rds-db:connect (IAM authentication to Aurora, as the app's user)
    subnet_ids: list[str]
    security_group_id: str
    region: str  # where it runs: a backend may only use some of the region's zones
    # What must exist before the container starts (the app runs its migrations on start: the database
    # instances); the backend waits for them, besides its own roles' policies.
    start_after: Sequence[TerraformResource] = ()


def secret_reference(secret_arn: str, json_key: str | None = None) -> str:
    """App Runner (like ECS) reads one key of a JSON secret as ``<arn>:<key>::``."""
    return f"{secret_arn}:{json_key}::" if json_key else secret_arn


# What the app's network interfaces are, per platform: security group and rule descriptions say it.
RUNS_ON = {"apprunner": "App Runner VPC connector", "ecs": "ECS tasks"}


class AppFirewall(Construct):
    """The app's security group: the data tier lets it in (``connections.allow_from``) and it may call out
    over HTTPS. On App Runner it listens on nothing the VPC reaches; on ECS its load balancer lets itself in
    (``modules/compute/ecs.py``)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        vpc_id: str,
        egress: str,
        runs_on: str = RUNS_ON["apprunner"],
    ) -> None:
        super().__init__(scope, construct_id)
        self.connections: Connections = security_group(
            self,
            label="app",
            name=resource_name(name_prefix, "app", GENERAL),
            description=f"{name_prefix}: {runs_on} (egress to Aurora, Valkey, AWS APIs)",
            vpc_id=vpc_id,
            port=None,
        )
        # ``egress`` says where HTTPS can go, which is the network's to know: the internet through a NAT,
        # or (default VPC, nat = "none") nothing outside the VPC but its endpoints.
        self.connections.allow_https_out(egress)
