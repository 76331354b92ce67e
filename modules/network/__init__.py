"""Where the environment runs: a network gives the constructs a VPC and subnets, nothing more.

``default_vpc.py`` is the account's default VPC (no internet egress for the app); ``dedicated_vpc.py`` a
VPC of the environment's own with public, private and isolated subnets and a NAT (``nat.py``) or
interface endpoints (``endpoints.py``). Both give the same attributes (``Network``); the constructs
that use a network never know which one produced them. Security groups belong to the constructs that
listen (``firewall.py``): the network knows no port but its own endpoints' and NAT's.
"""

from __future__ import annotations

from typing import Protocol

from modules.network.firewall import Connections


class Network(Protocol):
    vpc_id: str
    app_subnet_ids: list[str]  # where the compute backend places its network interfaces
    data_subnet_ids: list[str]  # where Aurora and Valkey live
    public_subnet_ids: list[str]  # where a public load balancer lives (empty: none was asked for)
    data_zone_names: list[str] | None  # the zones of data_subnet_ids, when the network chose them
    endpoints: Connections | None  # interface endpoints to let the app into, if any
    https_egress: str  # where HTTPS from the private subnets can go (the app's egress rule says so)
