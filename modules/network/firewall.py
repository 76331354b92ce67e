"""Security groups owned by whoever listens, and the one way to let another in (as the AWS CDK's
``connections.allow_from``): the database owns its port, the network knows none.

Rules are separate ``aws_vpc_security_group_*_rule`` resources: inline ``ingress``/``egress`` blocks
synthesize explicit nulls that make checkov's JSON scan pass an all-open egress it should fail. A group
that only answers (a database, a cache) has no egress rule at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.framework import Construct, aws
from modules.stack import pin

HTTPS_PORT = 443


@dataclass(frozen=True)
class Connections:
    """A security group and the port its owner listens on (None: it only calls out)."""

    scope: Construct
    group: aws.security_group.SecurityGroup
    port: int | None
    label: str  # how rule ids name this side: "app", "aurora", "valkey"

    @property
    def security_group_id(self) -> str:
        group_id: str = self.group.id
        return group_id

    def allow_from(self, peer: Connections, *, ingress: str, egress: str) -> None:
        """``peer`` may open connections to this group's port: an ingress rule here and the matching
        egress rule on the peer, each with its description (what a reviewer reads in the console)."""
        if self.port is None:
            raise ValueError(f"{self.label} listens on no port: nothing can be allowed in")
        rules = (
            (
                f"{self.label}_from_{peer.label}",
                aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule,
                self.group,
                peer.group,
                ingress,
            ),
            (
                f"{peer.label}_to_{self.label}",
                aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule,
                peer.group,
                self.group,
                egress,
            ),
        )
        for rule_id, rule_class, group, other, description in rules:
            rule = rule_class(
                self.scope,
                rule_id,
                security_group_id=group.id,
                referenced_security_group_id=other.id,
                ip_protocol="tcp",
                from_port=self.port,
                to_port=self.port,
                description=description,
            )
            pin(rule, f"network_{rule_id}")

    def allow_cidrs_in(self, cidrs: list[str], *, port: int, description: str) -> None:
        """Address ranges (a tier's subnets) may reach this group on ``port``: one ingress rule each."""
        for index, cidr in enumerate(cidrs):
            aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule(
                self.scope,
                f"{self.label}_from_cidr_{index}",
                security_group_id=self.group.id,
                cidr_ipv4=cidr,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=description,
            )

    def allow_https_out(self, description: str) -> None:
        rule = aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule(
            self.scope,
            f"{self.label}_to_https",
            security_group_id=self.group.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            description=description,
        )
        pin(rule, f"network_{self.label}_to_https")


def security_group(
    scope: Construct, *, label: str, name: str, description: str, vpc_id: str, port: int | None
) -> Connections:
    """A security group named ``name`` for the construct ``scope``; its address stays
    ``aws_security_group.network_<label>``, where it was when the network owned every group."""
    group = aws.security_group.SecurityGroup(
        scope, "security_group", name=name, description=description, vpc_id=vpc_id, tags={"Name": name}
    )
    pin(group, f"network_{label}")
    return Connections(scope=scope, group=group, port=port, label=label)
