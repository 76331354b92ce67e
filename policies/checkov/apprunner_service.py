"""Custom checkov policies for aws_apprunner_service (checkov 3.3 ships none).

Loaded by the gate with --external-checks-dir policies/checkov (and by `checkov -d cdktf.out` through
cdktf.out/.checkov.yaml). The same rule for secret-looking names guards the environment files
(modules/settings/app.py, imported here), so a bad name is refused before it ever reaches Terraform.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

# checkov loads this file by path: make the project importable for the one rule both sides share.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from modules.settings.app import SECRET_LOOKING  # noqa: E402


def _value(conf: Any, *path: str) -> Any:
    """Walks nested blocks; checkov wraps every block and attribute in a one-element list."""
    current = conf
    for key in path:
        while isinstance(current, list):
            if not current:
                return None
            current = current[0]
        if not isinstance(current, dict) or key not in current:
            return None
        current = current[key]
    while isinstance(current, list) and len(current) == 1:
        current = current[0]
    return current


class _AppRunnerCheck(BaseResourceCheck):
    def __init__(self, name: str, check_id: str) -> None:
        super().__init__(
            name=name,
            id=check_id,
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["aws_apprunner_service"],
        )


class AppRunnerEgressThroughVpc(_AppRunnerCheck):
    def __init__(self) -> None:
        super().__init__(
            "App Runner service egress goes through a VPC connector (data stores stay private)", "CKV_CERBERUS_1"
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        egress = ("network_configuration", "egress_configuration")
        if _value(conf, *egress, "egress_type") == "VPC" and _value(conf, *egress, "vpc_connector_arn"):
            return CheckResult.PASSED
        return CheckResult.FAILED


class AppRunnerHasInstanceRole(_AppRunnerCheck):
    def __init__(self) -> None:
        super().__init__("App Runner service runs with its own instance role", "CKV_CERBERUS_2")

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        return CheckResult.PASSED if _value(conf, "instance_configuration", "instance_role_arn") else CheckResult.FAILED


class AppRunnerNoAutoDeployments(_AppRunnerCheck):
    def __init__(self) -> None:
        super().__init__("App Runner service does not deploy every pushed image by itself", "CKV_CERBERUS_3")

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        enabled = _value(conf, "source_configuration", "auto_deployments_enabled")
        # The provider's default is true: only an explicit false passes.
        return CheckResult.PASSED if enabled is False or enabled == "false" else CheckResult.FAILED


class AppRunnerHealthCheck(_AppRunnerCheck):
    def __init__(self) -> None:
        super().__init__("App Runner service has an HTTP health check on a path", "CKV_CERBERUS_4")

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        protocol = _value(conf, "health_check_configuration", "protocol")
        path = _value(conf, "health_check_configuration", "path")
        return (
            CheckResult.PASSED
            if protocol == "HTTP" and isinstance(path, str) and path.startswith("/")
            else CheckResult.FAILED
        )


class AppRunnerNoPlainSecrets(_AppRunnerCheck):
    def __init__(self) -> None:
        super().__init__("App Runner plain environment variables carry no secret-looking names", "CKV_CERBERUS_5")

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        image = ("source_configuration", "image_repository", "image_configuration", "runtime_environment_variables")
        code = (
            "source_configuration",
            "code_repository",
            "code_configuration",
            "code_configuration_values",
            "runtime_environment_variables",
        )
        for path in (image, code):
            variables = _value(conf, *path) or {}
            if isinstance(variables, dict) and any(SECRET_LOOKING.fullmatch(name) for name in variables):
                return CheckResult.FAILED
        return CheckResult.PASSED


checks = [
    AppRunnerEgressThroughVpc(),
    AppRunnerHasInstanceRole(),
    AppRunnerNoAutoDeployments(),
    AppRunnerHealthCheck(),
    AppRunnerNoPlainSecrets(),
]
