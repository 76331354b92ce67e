"""The default VPC and its subnets, as in the reference guide (no NAT gateway to pay for)."""

from __future__ import annotations

from modules.framework import Construct, aws


class DefaultNetwork(Construct):
    """Looks up the default VPC and its default subnets (one per AZ)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.vpc = aws.data_aws_vpc.DataAwsVpc(self, "vpc", default=True)
        self.subnets = aws.data_aws_subnets.DataAwsSubnets(
            self,
            "subnets",
            filter=[
                aws.data_aws_subnets.DataAwsSubnetsFilter(name="vpc-id", values=[self.vpc.id]),
                aws.data_aws_subnets.DataAwsSubnetsFilter(name="default-for-az", values=["true"]),
            ],
        )
        self.vpc_id: str = self.vpc.id
        self.vpc_cidr: str = self.vpc.cidr_block
        self.subnet_ids: list[str] = self.subnets.ids
