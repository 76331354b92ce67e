"""The default VPC, as in the reference guide: no NAT gateway to pay for, and so no internet egress
for anything without a public address (App Runner's VPC connector has none)."""

from __future__ import annotations

from modules.framework import Construct, aws
from modules.network.firewall import Connections


class DefaultVpc(Construct):
    """The account's default VPC and its default subnets (data sources: nothing is created)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.vpc = aws.data_aws_vpc.DataAwsVpc(self, "vpc", default=True)
        filters = aws.data_aws_subnets.DataAwsSubnetsFilter
        self.subnets = aws.data_aws_subnets.DataAwsSubnets(
            self,
            "subnets",
            filter=[filters(name="vpc-id", values=[self.vpc.id]), filters(name="default-for-az", values=["true"])],
        )
        self.vpc_id: str = self.vpc.id
        self.subnet_ids: list[str] = self.subnets.ids
        # The same default subnets serve the app and the data tier; the data tier picks its own zones.
        self.app_subnet_ids: list[str] = self.subnet_ids
        self.data_subnet_ids: list[str] = self.subnet_ids
        self.public_subnet_ids: list[str] = self.subnet_ids  # every default subnet is public
        self.data_zone_names: list[str] | None = None
        self.endpoints: Connections | None = None  # no interface endpoints in a VPC the account shares
        self.https_egress = "HTTPS out; in the default VPC only to addresses inside the VPC (no NAT)"
