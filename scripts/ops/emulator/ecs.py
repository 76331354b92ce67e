"""ECS additions: a service reports what CreateService was given, and its tasks as running.

moto 5.2.5's CreateService drops enableECSManagedTags, healthCheckGracePeriodSeconds,
availabilityZoneRebalancing, deploymentConfiguration and enableExecuteCommand (UpdateService keeps them),
so DescribeServices reports none of them and the provider plans to set them again at every plan. Kept
here, with AWS's values when the request leaves them out (ECS API reference, CreateService):
enableECSManagedTags and enableExecuteCommand false; availabilityZoneRebalancing ENABLED for a new
service; deploymentConfiguration 200 % / 100 % with the circuit breaker off; no health check grace period
without a load balancer, 0 seconds with one.

moto also counts a new service's tasks as pending forever: its running count is MOTO_ECS_SERVICE_RUNNING
(default 0) whatever the desired count. The emulator runs no container; here a service's tasks start at
once, as a healthy image's do on AWS: runningCount is the desired count, pendingCount 0, and the primary
deployment is COMPLETED. MOTO_ECS_SERVICE_RUNNING, when set, still fixes the running count (moto's rule),
to try what a service that never becomes stable does."""

from __future__ import annotations

import functools
import os
from typing import Any

from moto.ecs.models import EC2ContainerServiceBackend, Service
from moto.ecs.responses import EC2ContainerServiceResponse

from scripts.ops.emulator.patching import replace

RUNNING_VARIABLE = "MOTO_ECS_SERVICE_RUNNING"
DEFAULT_CIRCUIT_BREAKER = {"enable": False, "rollback": False}
DEFAULT_PERCENTS = {"maximumPercent": 200, "minimumHealthyPercent": 100}


def deployment_configuration(requested: dict[str, Any] | None) -> dict[str, Any]:
    """The request's deploymentConfiguration over AWS's defaults (a partial circuit breaker included)."""
    merged: dict[str, Any] = {**DEFAULT_PERCENTS, **(requested or {})}
    merged["deploymentCircuitBreaker"] = {**DEFAULT_CIRCUIT_BREAKER, **(merged.get("deploymentCircuitBreaker") or {})}
    return merged


def keep_create_parameters(original: Any) -> Any:
    @functools.wraps(original)
    def create_service(self: Any) -> Any:
        result = original(self)  # moto's ActionResult, holding the service it serializes
        service = result.result["service"]
        service.enable_ecs_managed_tags = bool(self._get_param("enableECSManagedTags", False))
        service.enable_execute_command = bool(self._get_param("enableExecuteCommand", False))
        service.availability_zone_rebalancing = self._get_param("availabilityZoneRebalancing") or "ENABLED"
        service.deployment_configuration = deployment_configuration(self._get_param("deploymentConfiguration"))
        grace = self._get_param("healthCheckGracePeriodSeconds")
        if grace is not None:
            service.health_check_grace_period_seconds = int(grace)
        elif service.load_balancers:
            service.health_check_grace_period_seconds = 0
        return result

    return create_service


def _tasks_running(service: Service) -> None:
    service.running_count, service.pending_count = service.desired_count, 0
    for deployment in service.deployments:
        deployment.update(runningCount=service.desired_count, pendingCount=0, desiredCount=service.desired_count,
                          taskDefinition=service.task_definition, rolloutState="COMPLETED",
                          rolloutStateReason=f"ECS deployment {deployment['id']} completed.")  # fmt: skip


def tasks_start(original: Any) -> Any:
    @functools.wraps(original)
    def __init__(self: Service, *args: Any, **kwargs: Any) -> None:  # noqa: N807
        original(self, *args, **kwargs)
        if os.environ.get(RUNNING_VARIABLE) is None:
            _tasks_running(self)

    return __init__


def new_deployment_completes(original: Any) -> Any:
    """UpdateService with a new task definition: the deployment that replaces the tasks completes (moto keeps
    reporting the first deployment's task definition)."""

    @functools.wraps(original)
    def update_service(self: Any, service_properties: dict[str, Any]) -> Service:
        counted = service_properties.get("desired_count") is not None  # moto recounts the cluster's tasks then
        service: Service = original(self, service_properties)
        if os.environ.get(RUNNING_VARIABLE) is None:
            _tasks_running(service)
            if not counted:  # moto took the service's tasks off the cluster's count and put none back
                self.update_cluster_resources(self._get_cluster(service.cluster_name), service.running_count)
        return service

    return update_service


def install() -> None:
    replace(Service, "__init__", tasks_start(Service.__init__))
    replace(
        EC2ContainerServiceBackend,
        "update_service",
        new_deployment_completes(EC2ContainerServiceBackend.update_service),
    )
    replace(
        EC2ContainerServiceResponse,
        "create_service",
        keep_create_parameters(EC2ContainerServiceResponse.create_service),
    )
