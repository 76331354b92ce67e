"""Local mode: the same stacks pointed at an AWS emulator on 127.0.0.1 (moto), for trying plans with
no account and no internet. Only scripts run with --local synthesize this, into their own directory:
the synthesized JSON for real AWS never contains any of it."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# Every service the stacks call: the provider must never reach real AWS in local mode.
SERVICES = (
    "acm",
    "apprunner",
    "appautoscaling",
    "backup",
    "budgets",
    "ce",
    "cloudfront",
    "cloudwatch",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "elasticache",
    "elbv2",
    "iam",
    "kms",
    "logs",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "ssm",
    "sts",
    "wafv2",
    "xray",
)
BACKEND_SERVICES = ("dynamodb", "iam", "s3", "sts")


class LocalEndpointError(ValueError):
    pass


def is_loopback_host(host: str) -> bool:
    """The one loopback rule: 127.0.0.0/8, ::1 or localhost (the emulator's --host and every endpoint)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def checked_endpoint(endpoint: str) -> str:
    """Local mode talks to loopback only: http://<loopback host>:<port>, nothing more."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        parts, port = None, None
    plain = (
        parts is not None and parts.scheme == "http" and not (parts.path.strip("/") or parts.query or parts.username)
    )
    if not (plain and port and parts is not None and is_loopback_host(parts.hostname or "")):
        raise LocalEndpointError(f"LOCAL_AWS_ENDPOINT={endpoint!r}: expected http://127.0.0.1:<port> (loopback only)")
    return endpoint


def provider_settings(endpoint: str) -> dict[str, object]:
    return {
        "endpoints": [dict.fromkeys(SERVICES, endpoint)],
        "s3_use_path_style": True,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
        "max_retries": 1,
    }


def backend_settings(endpoint: str) -> dict[str, object]:
    return {
        "endpoints": dict.fromkeys(BACKEND_SERVICES, endpoint),
        "use_path_style": True,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
        "max_retries": 1,
    }
