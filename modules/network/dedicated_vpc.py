"""A VPC of the environment's own: public, private and isolated-data subnets in 2 or 3 Availability
Zones, flow logs, free S3 and DynamoDB gateway endpoints, and the egress ``[network].nat`` names.

- public subnets (only when a NAT or a public load balancer needs them): the NAT gateways or the NAT
  instance, and the ECS backend's load balancer; no address is ever assigned on launch.
- private subnets: App Runner's VPC connector; their default route leads to the NAT (none with
  ``nat = "none"``), and the interface endpoints live here.
- isolated subnets: Aurora and Valkey; no route leaves the VPC but the gateway endpoints.

Zones are chosen by zone ID, without the ones App Runner's VPC connector refuses (use1-az3), so the
connector has a subnet in every zone of the VPC. The constructs receive ``vpc_id``, the subnet ids and
the zone names and never know which network produced them.
"""

from __future__ import annotations

from modules.framework import Construct, Fn, Postcondition, TerraformResourceLifecycle, aws
from modules.network.endpoints import InterfaceEndpoints
from modules.network.firewall import Connections
from modules.network.nat import NatGateways, NatInstance
from modules.security.iam import policy_document, service_role, statement
from modules.settings.naming import GENERAL, IAM_ROLE, resource_name
from modules.settings.network import NetworkSettings
from modules.settings.regions import VPC_CONNECTOR_UNSUPPORTED_ZONE_IDS

ANYWHERE = "0.0.0.0/0"


class DedicatedVpc(Construct):
    """The environment's VPC; ``app_subnet_ids`` (private), ``data_subnet_ids`` (isolated)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: NetworkSettings,
        name_prefix: str,
        region: str,
        kms_key_arn: str,
        log_retention_days: int,
        partition: str,
        public_ingress: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings, self.name_prefix, self.region, self.partition = settings, name_prefix, region, partition
        self.public_ingress = public_ingress  # a public load balancer needs public subnets, NAT or not
        self.zone_ids = self._zones()
        self.vpc = aws.vpc.Vpc(
            self,
            "this",
            cidr_block=settings.vpc_cidr,
            # Private DNS of the interface endpoints and the RDS / ElastiCache endpoint names need both.
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": name_prefix},
        )
        self.vpc_id: str = self.vpc.id
        # The default security group keeps no rule: nothing may use it by accident (CKV2_AWS_12).
        aws.default_security_group.DefaultSecurityGroup(
            self, "default_security_group", vpc_id=self.vpc.id, tags={"Name": f"{name_prefix}-default-unused"}
        )
        private = self._tier("private")
        isolated = self._tier("isolated")
        self.app_subnet_ids: list[str] = [subnet.id for subnet in private]
        self.data_subnet_ids: list[str] = [subnet.id for subnet in isolated]
        self.data_zone_names: list[str] | None = [subnet.availability_zone for subnet in isolated]
        self.public_subnet_ids: list[str] = []
        private_tables = [self._route_table(f"private_{index}", [subnet]) for index, subnet in enumerate(private)]
        isolated_table = self._route_table("isolated", isolated)
        self._egress(private_tables, kms_key_arn)
        self._gateway_endpoints([table.id for table in (*private_tables, isolated_table)])
        self.endpoints: Connections | None = None
        if settings.endpoints:
            self.endpoints = InterfaceEndpoints(
                self,
                "endpoints",
                services=settings.endpoints,
                name_prefix=name_prefix,
                region=region,
                vpc_id=self.vpc.id,
                subnet_ids=self.app_subnet_ids,
            ).connections
        self._flow_logs(kms_key_arn, log_retention_days)
        self.https_egress = (
            "HTTPS out: AWS services through the VPC's endpoints only (no NAT)"
            if settings.nat_kind == "none"
            else f"HTTPS out: the internet through the NAT {settings.nat_kind}, S3 and DynamoDB through endpoints"
        )

    def _zones(self) -> list[str]:
        """The first ``azs`` zone IDs of the region that App Runner's connector supports; the plan stops
        (postcondition) when the account has fewer."""
        wanted = self.settings.zone_count
        zone_filter = aws.data_aws_availability_zones.DataAwsAvailabilityZonesFilter
        zones = aws.data_aws_availability_zones.DataAwsAvailabilityZones(
            self,
            "zones",
            state="available",
            exclude_zone_ids=list(VPC_CONNECTOR_UNSUPPORTED_ZONE_IDS.get(self.region, ())) or None,
            # A closed list of zone names, as for the database: the set cannot grow silently when AWS opens
            # a zone, and Local / Wavelength zones are never picked.
            filter=[
                zone_filter(name="zone-name", values=[f"{self.region}{letter}" for letter in "abcdef"]),
                zone_filter(name="zone-type", values=["availability-zone"]),
            ],
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=f"${{length(self.zone_ids) >= {wanted}}}",
                        error_message=f"network.azs = {wanted}: this account has fewer Availability Zones in "
                        f"{self.region} that App Runner's VPC connector supports.",
                    )
                ]
            ),
        )
        return [Fn.element(zones.zone_ids, index) for index in range(wanted)]

    def _tier(self, tier: str) -> list[aws.subnet.Subnet]:
        return [
            aws.subnet.Subnet(
                self,
                f"{tier}_{index}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone_id=zone_id,
                map_public_ip_on_launch=False,
                tags={"Name": f"{self.name_prefix}-{tier}-{index}", "tier": tier},
            )
            for index, (cidr, zone_id) in enumerate(zip(self.settings.subnet_cidrs(tier), self.zone_ids, strict=True))
        ]

    def _route_table(self, name: str, subnets: list[aws.subnet.Subnet]) -> aws.route_table.RouteTable:
        table = aws.route_table.RouteTable(
            self, f"{name}_routes", vpc_id=self.vpc.id, tags={"Name": f"{self.name_prefix}-{name.replace('_', '-')}"}
        )
        for index, subnet in enumerate(subnets):
            aws.route_table_association.RouteTableAssociation(
                self, f"{name}_routes_{index}", subnet_id=subnet.id, route_table_id=table.id
            )
        return table

    def _egress(self, private_tables: list[aws.route_table.RouteTable], kms_key_arn: str) -> None:
        """Public subnets and the internet gateway, for the NAT unless ``nat = "none"``, and for a public load
        balancer."""
        kind = self.settings.nat_kind
        if kind == "none" and not self.public_ingress:
            return
        public = self._tier("public")
        self.public_subnet_ids = [subnet.id for subnet in public]
        gateway = aws.internet_gateway.InternetGateway(
            self, "internet_gateway", vpc_id=self.vpc.id, tags={"Name": self.name_prefix}
        )
        public_table = self._route_table("public", public)
        aws.route.Route(
            self,
            "public_internet",
            route_table_id=public_table.id,
            destination_cidr_block=ANYWHERE,
            gateway_id=gateway.id,
        )
        nat: NatGateways | NatInstance
        if kind == "none":
            return
        if kind == "gateway":
            nat = NatGateways(
                self,
                "nat",
                subnet_ids=[subnet.id for subnet in public],
                count=self.settings.nat_gateways,
                name_prefix=self.name_prefix,
                internet_gateway=gateway,
            )
        else:
            nat = NatInstance(
                self,
                "nat_instance",
                subnet_id=public[0].id,
                vpc_id=self.vpc.id,
                private_cidrs=list(self.settings.subnet_cidrs("private")),
                name_prefix=self.name_prefix,
                kms_key_arn=kms_key_arn,
                partition=self.partition,
                internet_gateway=gateway,
            )
        for index, table in enumerate(private_tables):
            aws.route.Route(
                self,
                f"private_{index}_internet",
                route_table_id=table.id,
                destination_cidr_block=ANYWHERE,
                **nat.route_target(index),
            )

    def _gateway_endpoints(self, route_table_ids: list[str]) -> None:
        """S3 and DynamoDB from the private and isolated subnets without a NAT (gateway endpoints are free)."""
        for service in ("s3", "dynamodb"):
            aws.vpc_endpoint.VpcEndpoint(
                self,
                f"{service}_endpoint",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{self.region}.{service}",
                vpc_endpoint_type="Gateway",
                route_table_ids=route_table_ids,
                tags={"Name": f"{self.name_prefix}-{service}"},
            )

    def _flow_logs(self, kms_key_arn: str, retention_days: int) -> None:
        """Every accepted and rejected flow of the VPC, to a log group encrypted with the environment's key."""
        log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self,
            "flow_log_group",
            name=resource_name(f"/vpc/{self.name_prefix}", "flow-logs", GENERAL),
            retention_in_days=retention_days,
            kms_key_id=kms_key_arn,
        )
        role = service_role(
            self,
            "flow_log_role",
            name=resource_name(self.name_prefix, "vpc-flow-logs", IAM_ROLE),
            service="vpc-flow-logs.amazonaws.com",
            description="VPC flow logs write to the environment's flow log group",
        )
        document = policy_document(
            self,
            "flow_log_policy_document",
            statement(
                "WriteThisVpcsFlowLogs",
                ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                [log_group.arn, f"{log_group.arn}:*"],
            ),
        )
        aws.iam_role_policy.IamRolePolicy(self, "flow_log_policy", role=role.id, name="flow-logs", policy=document.json)
        aws.flow_log.FlowLog(
            self,
            "flow_log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            tags={"Name": self.name_prefix},
        )
