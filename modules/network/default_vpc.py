"""The default VPC, as in the reference guide: no NAT gateway to pay for, and so no internet egress
for anything without a public address (App Runner's VPC connector has none)."""

from __future__ import annotations

from modules.framework import Construct, aws


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
