"""The default VPC, as in the reference guide (no NAT gateway to pay for), and the three security
groups of the data path: app (the App Runner VPC connector) -> Aurora 5432, app -> Valkey 6379.

Rules are separate ``aws_vpc_security_group_*_rule`` resources: inline ``ingress``/``egress`` blocks
synthesize explicit nulls that make checkov's JSON scan pass an all-open egress it should fail.
The data groups have no egress rule at all: they answer, they never call out.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.framework import Construct, aws

POSTGRES_PORT = 5432
VALKEY_PORT = 6379
HTTPS_PORT = 443


@dataclass(frozen=True, kw_only=True)
class NetworkSettings:
    name_prefix: str
    database_port: int = POSTGRES_PORT
    cache_port: int = VALKEY_PORT


class Network(Construct):
    """Default VPC and subnets (data sources) and the app / aurora / valkey security groups."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: NetworkSettings) -> None:
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
        self.subnet_ids: list[str] = self.subnets.ids
        prefix = settings.name_prefix

        def group(construct_id: str, name: str, description: str) -> aws.security_group.SecurityGroup:
            return aws.security_group.SecurityGroup(
                self,
                construct_id,
                name=f"{prefix}-{name}",
                description=description,
                vpc_id=self.vpc.id,
                tags={"Name": f"{prefix}-{name}"},
            )

        self.app = group("app", "app", f"{prefix}: App Runner VPC connector (egress to Aurora, Valkey, AWS APIs)")
        self.aurora = group("aurora", "aurora", f"{prefix}: Aurora PostgreSQL, reachable only from the app group")
        self.valkey = group("valkey", "valkey", f"{prefix}: Valkey, reachable only from the app group")

        rule = {
            "egress": aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule,
            "ingress": aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule,
        }
        database, cache = settings.database_port, settings.cache_port
        # (id, direction, group, peer group or CIDR, port, description): the whole data path.
        rules = [
            ("app_to_aurora", "egress", self.app, self.aurora, database, "PostgreSQL to Aurora"),
            ("app_to_valkey", "egress", self.app, self.valkey, cache, "Valkey (TLS) to the cache"),
            ("app_to_https", "egress", self.app, "0.0.0.0/0", HTTPS_PORT,
             "HTTPS to AWS APIs (Secrets Manager, KMS, X-Ray) and upstream services"),
            ("aurora_from_app", "ingress", self.aurora, self.app, database, "PostgreSQL from the App Runner VPC connector"),
            ("valkey_from_app", "ingress", self.valkey, self.app, cache, "Valkey from the App Runner VPC connector"),
        ]
        for rule_id, direction, group_of_rule, peer, port, description in rules:
            rule[direction](
                self,
                rule_id,
                security_group_id=group_of_rule.id,
                referenced_security_group_id=None if isinstance(peer, str) else peer.id,
                cidr_ipv4=peer if isinstance(peer, str) else None,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=description,
            )
        self.app_security_group_id: str = self.app.id
        self.aurora_security_group_id: str = self.aurora.id
        self.valkey_security_group_id: str = self.valkey.id
