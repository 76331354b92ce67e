"""[network]: where an environment runs: the account's default VPC, or a dedicated VPC with real egress.

``mode = "default-vpc"`` (the default, so that an existing environment never moves by itself) uses the
default VPC: nothing is created, and the app has no internet egress. ``mode = "dedicated"`` creates a VPC
with public, private and isolated-data subnets in ``azs`` Availability Zones, flow logs, S3 and DynamoDB
gateway endpoints and the egress ``nat`` names:

- ``"gateway"``: a NAT gateway (about 36.50 USD/month with its public IPv4 address), one per AZ with
  ``nat_per_az``;
- ``"instance"``: a t4g.nano NAT instance (about 7.40 USD/month), for environments that tolerate a few
  minutes without egress while EC2 recovers it;
- ``"none"``: no internet egress; the app reaches only the AWS services listed in ``endpoints``
  (interface endpoints, about 7.30 USD/month each per AZ: five in two AZs cost more than a NAT gateway).

The VPC is cut into 16 equal subnets (4 bits): tier t (public 0, private 1, isolated 2, one spare) and
AZ slot a (0-3) take subnet ``4 * t + a``, so adding the third AZ changes no existing subnet.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from modules.settings.schema import Problem, anchored, between, distinct, each, expressed, one_of, setting

MODES = ("default-vpc", "dedicated")
NAT_KINDS = ("gateway", "instance", "none")
DEFAULT_CIDR = "10.0.0.0/16"
DEFAULT_AZS = 2
DEFAULT_NAT = "gateway"
SUBNET_BITS = 4  # 16 equal subnets
AZ_SLOTS = 4  # subnets per tier: up to 4 AZs without renumbering
TIERS = ("public", "private", "isolated")
PRIVATE_RANGES = tuple(ipaddress.ip_network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
SMALLEST_PREFIX, LARGEST_PREFIX = 16, 24  # VPC sizes; /24 cut in 16 gives /28, the smallest subnet AWS allows
# Interface endpoints an environment may list (com.amazonaws.<region>.<name>). S3 and DynamoDB are not
# here: every dedicated VPC has their gateway endpoints, which cost nothing.
INTERFACE_ENDPOINTS = (
    "bedrock-runtime",
    "ecr.api",
    "ecr.dkr",
    "elasticache",
    "kms",
    "logs",
    "monitoring",
    "rds",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
    "sts",
    "xray",
)
# Keys that only mean something in a dedicated VPC, and why the default VPC cannot honour them.
DEDICATED_ONLY = {
    "cidr": "the default VPC's range is AWS's (172.31.0.0/16), not this file's",
    "azs": "the default VPC has a subnet in every AZ already",
    "nat": "the default VPC's subnets are public and a NAT needs private subnets to serve",
    "nat_per_az": "the default VPC has no NAT",
    "endpoints": "endpoints would change the default VPC, which other workloads of the account share",
}


def private_cidr(value: str) -> str | None:
    """A private IPv4 range (RFC 1918) of /16 to /24, written as its network address."""
    allowed = (
        f"a private IPv4 range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) of /{SMALLEST_PREFIX} to "
        f"/{LARGEST_PREFIX}, written as its network address like 10.0.0.0/16 (it is cut into 16 subnets of "
        "/28 at least)"
    )
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return allowed
    if network.version != 4 or not SMALLEST_PREFIX <= network.prefixlen <= LARGEST_PREFIX:
        return allowed
    if not any(network.subnet_of(block) for block in PRIVATE_RANGES):  # type: ignore[arg-type]
        return allowed
    return None


# The shape in JSON Schema: a private range and a prefix length in bounds (that it is written as its network
# address is the loader's check).
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
expressed(
    private_cidr,
    {
        "pattern": anchored(
            rf"(?:10\.{_OCTET}|172\.(?:1[6-9]|2[0-9]|3[01])|192\.168)\.{_OCTET}\.{_OCTET}"
            rf"/(?:{'|'.join(str(n) for n in range(SMALLEST_PREFIX, LARGEST_PREFIX + 1))})"
        )
    },
)


@dataclass(frozen=True, kw_only=True)
class NetworkSettings:
    """[network]: the default VPC, or a dedicated VPC with egress through a NAT or endpoints only."""

    mode: str = setting(
        "default-vpc: the account's default VPC, no internet egress for the app; dedicated: a VPC of its own with "
        "public, private and isolated-data subnets, flow logs and the egress nat names",
        one_of(*MODES),
        default="default-vpc",
    )
    cidr: str | None = setting(
        f"dedicated only: the VPC's private IPv4 range, /{SMALLEST_PREFIX} to /{LARGEST_PREFIX}; unset: {DEFAULT_CIDR}",
        private_cidr,
        default=None,
    )
    azs: int | None = setting(
        f"dedicated only: Availability Zones with subnets (2 or 3; App Runner's unsupported zones are never used); "
        f"unset: {DEFAULT_AZS}",
        between(2, 3),
        default=None,
    )
    nat: str | None = setting(
        "dedicated only: internet egress of the private subnets: gateway (NAT gateway, ~36.50 USD/month each), "
        "instance (t4g.nano NAT instance, ~7.40 USD/month), none (only the AWS services in endpoints); "
        f"unset: {DEFAULT_NAT}",
        one_of(*NAT_KINDS),
        default=None,
    )
    nat_per_az: bool | None = setting(
        "dedicated, nat = gateway only: one NAT gateway per AZ, so that egress survives the loss of an AZ; "
        "unset: false (one NAT gateway)",
        default=None,
    )
    endpoints: tuple[str, ...] = setting(
        "dedicated only: AWS services reached through interface endpoints in the private subnets (~7.30 USD/month "
        "each per AZ); S3 and DynamoDB always have free gateway endpoints",
        each(one_of(*INTERFACE_ENDPOINTS)),
        distinct(),
        default=[],
    )

    def problems(self) -> list[Problem]:
        if self.mode == "default-vpc":
            return [
                (key, getattr(self, key), f'no value with mode = "default-vpc": {why} (set mode = "dedicated")')
                for key, why in DEDICATED_ONLY.items()
                if getattr(self, key) not in (None, ())
            ]
        if self.nat_per_az and self.nat_kind != "gateway":
            return [("nat_per_az", True, f'false unless nat = "gateway" (nat = "{self.nat_kind}")')]
        return []

    @property
    def dedicated(self) -> bool:
        return self.mode == "dedicated"

    @property
    def vpc_cidr(self) -> str:
        return self.cidr or DEFAULT_CIDR

    @property
    def zone_count(self) -> int:
        return self.azs or DEFAULT_AZS

    @property
    def nat_kind(self) -> str:
        """gateway, instance or none in a dedicated VPC; "none" in the default VPC (there is no NAT)."""
        return (self.nat or DEFAULT_NAT) if self.dedicated else "none"

    @property
    def nat_gateways(self) -> int:
        if self.nat_kind != "gateway":
            return 0
        return self.zone_count if self.nat_per_az else 1

    def subnet_cidrs(self, tier: str) -> tuple[str, ...]:
        """The CIDR of ``tier``'s subnet in each AZ, in AZ order."""
        subnets = list(ipaddress.ip_network(self.vpc_cidr).subnets(prefixlen_diff=SUBNET_BITS))
        first = TIERS.index(tier) * AZ_SLOTS
        return tuple(str(subnets[first + slot]) for slot in range(self.zone_count))

    def warnings(self, *, public_tasks: bool = False) -> list[str]:
        """``public_tasks``: the compute backend gives its tasks a public IP in the default VPC (ECS)."""
        if not self.dedicated and public_tasks:
            return [
                'network.mode = "default-vpc": the ECS tasks take a public IPv4 address each (about 3.65 USD/month '
                "apiece) to reach ECR and the internet, their security group admitting only the load balancer; "
                'mode = "dedicated" keeps them in private subnets'
            ]
        if not self.dedicated:
            return [
                'network.mode = "default-vpc": the app has no internet egress (no upstream servers, no AWS APIs '
                "outside the VPC): the default subnets have no NAT and the VPC connector no public address; "
                'mode = "dedicated" gives it a NAT'
            ]
        if self.nat_kind == "none" and not self.endpoints:
            return [
                'network.nat = "none" and no endpoints: the app reaches nothing outside the VPC but S3 and DynamoDB '
                "(no upstream servers, no AWS APIs); list the services it calls in network.endpoints, or set a nat"
            ]
        return []
