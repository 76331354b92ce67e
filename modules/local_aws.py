"""Local mode: the same stacks pointed at an AWS emulator on 127.0.0.1 (moto), for trying plans with
no account and no internet. Only scripts run with --local synthesize this, into their own directory:
the synthesized JSON for real AWS never contains any of it."""

from __future__ import annotations

import re

# Every service the stacks call: the provider must never reach real AWS in local mode.
SERVICES = (
    "apprunner",
    "appautoscaling",
    "backup",
    "budgets",
    "cloudwatch",
    "dynamodb",
    "ec2",
    "ecr",
    "elasticache",
    "iam",
    "kms",
    "logs",
    "rds",
    "s3",
    "secretsmanager",
    "sns",
    "sts",
    "wafv2",
    "xray",
)
BACKEND_SERVICES = ("dynamodb", "iam", "s3", "sts")
LOOPBACK = re.compile(r"http://(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):\d{1,5}")


class LocalEndpointError(ValueError):
    pass


def checked_endpoint(endpoint: str) -> str:
    """Local mode talks to loopback only."""
    if not LOOPBACK.fullmatch(endpoint):
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
