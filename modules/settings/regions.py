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


# Availability Zone IDs (not names: names are shuffled per account) where App Runner VPC connectors
# cannot place their network interfaces, per region. Source: AWS App Runner Developer Guide, "Enabling
# VPC access for outgoing traffic" (https://docs.aws.amazon.com/apprunner/latest/dg/network-vpc.html),
# and CreateVpcConnector refusing a subnet in use1-az3. A region not listed uses all of its zones; add
# a row when AWS (or a failed deploy) names another zone.
VPC_CONNECTOR_UNSUPPORTED_ZONE_IDS: dict[str, tuple[str, ...]] = {
    "us-east-1": ("use1-az3",),
}
# Availability Zones a new account can use, per App Runner region (AWS Global Infrastructure, "Regions and
# Availability Zones"; ap-northeast-1's fourth zone, apne1-az3, takes no new customers). A dedicated VPC
# also checks the account's own zones at plan time (a postcondition on its zone data source): an account
# may see fewer.
AVAILABILITY_ZONES = {
    "ap-northeast-1": 3,
    "ap-south-1": 3,
    "ap-southeast-1": 3,
    "ap-southeast-2": 3,
    "eu-central-1": 3,
    "eu-west-1": 3,
    "eu-west-2": 3,
    "eu-west-3": 3,
    "us-east-1": 6,
    "us-east-2": 3,
    "us-west-2": 4,
}


def usable_zones(region: str) -> int:
    """Zones a dedicated VPC may use in ``region``: the region's, less those App Runner's connector refuses."""
    return AVAILABILITY_ZONES.get(region, 0) - len(VPC_CONNECTOR_UNSUPPORTED_ZONE_IDS.get(region, ()))
