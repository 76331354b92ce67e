"""Where the services an environment uses exist: a region without one is refused before synthesis.

AWS App Runner runs in 11 regions (AWS General Reference, "AWS App Runner endpoints and quotas").
Aurora PostgreSQL Serverless v2 and ElastiCache for Valkey run in every commercial region App Runner
does, so App Runner's list is the one that decides today.
"""

from __future__ import annotations

APPRUNNER_REGIONS = (
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "us-east-1",
    "us-east-2",
    "us-west-2",
)
# The compute platform -> the regions it runs in. App Runner is the only platform today.
PLATFORM_REGIONS = {"apprunner": APPRUNNER_REGIONS}


def region_problem(platform: str, region: str) -> str | None:
    """What is allowed, when ``platform`` does not run in ``region``."""
    regions = PLATFORM_REGIONS[platform]
    if region in regions:
        return None
    return (
        f"a region where App Runner runs ({', '.join(regions)}); App Runner is this project's only compute "
        "backend today, and it does not run there"
    )
