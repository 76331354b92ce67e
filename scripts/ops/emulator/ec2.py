"""EC2 additions: a security group rule's description, whatever the rule refers to; an instance's
maintenance options.

moto 5.2.5 reports no MaintenanceOptions for an instance (DescribeInstances), so the provider reads an
instance with ``maintenance_options { auto_recovery = "default" }`` back without it and plans the same
update at every plan (a perpetual diff that is moto's, not AWS's). Reported here as AWS's default for
the instance types that support simplified automatic recovery (every type this project runs): "default".

moto 5.2.5 also leaves a network interface attached to its instance after the instance terminates. AWS
detaches an interface the instance did not create (DeleteOnTermination false), and so does the instance's
termination here. Left attached, the provider's deletion of the NAT instance's fixed interface detaches
it itself and then polls the attachment, which is gone, until its not-found budget runs out (20 polls,
about 150 s of every destroy with a NAT instance). A terminated instance without an interface reads back as
AWS reports it: no private or public address, an empty private DNS name (moto reads them from interface 0).

moto 5.2.5 keeps the Description of IpPermissions[].UserIdGroupPairs[] (and PrefixListIds[]) but reports a
rule's Description (DescribeSecurityGroupRules, the rules AuthorizeSecurityGroupIngress/Egress return) from
IpRanges only, so a rule that references a security group reads back without the description it was given.
A description is not part of what makes two rules the same (AWS: InvalidPermission.Duplicate ignores it)."""

from __future__ import annotations

import functools
from typing import Any

from moto.ec2.models.instances import Instance
from moto.ec2.models.security_groups import SecurityGroupRule

from scripts.ops.emulator.patching import replace


def description(self: SecurityGroupRule) -> str | None:
    for source in (self.ip_range, self.source_group, getattr(self, "prefix_list", None) or {}):
        if source.get("Description") is not None:
            return source["Description"]
    return None


def _without_description(source: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in source.items() if key != "Description"}


def same_rule(self: SecurityGroupRule, other: SecurityGroupRule) -> bool:
    """moto's comparison (protocol, CIDR, referenced group, prefix list, ports), descriptions aside."""
    if self.ip_protocol != other.ip_protocol:
        return False
    for key in ("CidrIp", "CidrIpv6"):
        if key in self.ip_range and self.ip_range.get(key) != other.ip_range.get(key):
            return False
    if _without_description(self.source_group) != _without_description(other.source_group):
        return False
    if self.prefix_list_id != other.prefix_list_id:
        return False
    return self.ip_protocol == "-1" or (self.from_port, self.to_port) == (other.from_port, other.to_port)


def keep_prefix_list(original: Any) -> Any:
    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807
        original(self, *args, **kwargs)
        prefix_list = kwargs.get("prefix_list_id") if "prefix_list_id" in kwargs else _positional(args, 7)
        self.prefix_list = dict(prefix_list) if isinstance(prefix_list, dict) else {}

    return __init__


def _positional(args: tuple[Any, ...], index: int) -> Any:
    """The positional argument `index` of SecurityGroupRule(ec2_backend, ip_protocol, group_id, from_port,
    to_port, ip_range, source_group, prefix_list_id, ...), self aside."""
    return args[index] if len(args) > index else None


def maintenance_options(self: Instance) -> dict[str, str]:
    return {"AutoRecovery": "default"}


def detach_on_termination(original: Any) -> Any:
    @functools.wraps(original)
    def terminate(self: Any) -> Any:
        previous = original(self)  # deletes the interfaces the instance created (DeleteOnTermination)
        for eni in list(self.nics.values()):
            if eni.instance is self:
                self.detach_eni(eni)
        return previous

    return terminate


def _from_interface_0(attribute: str) -> property:
    """An instance's ``attribute`` of interface 0, None once the instance has none (terminated)."""

    def value(self: Any) -> str | None:
        return getattr(self.nics[0], attribute) if 0 in self.nics else None

    return property(value)


def _private_dns_name(original: Any) -> property:
    def value(self: Any) -> str:
        return original.fget(self) if 0 in self.nics else ""

    return property(value)


def install() -> None:
    for name, attribute in (("private_ip", "private_ip_address"), ("private_ip_address", "private_ip_address"),
                            ("public_ip", "public_ip"), ("public_ip_address", "public_ip")):  # fmt: skip
        replace(Instance, name, _from_interface_0(attribute))
    replace(Instance, "private_dns_name", _private_dns_name(Instance.private_dns_name))
    replace(Instance, "terminate", detach_on_termination(Instance.terminate))
    replace(Instance, "maintenance_options", property(maintenance_options))
    replace(SecurityGroupRule, "description", property(description))
    replace(SecurityGroupRule, "__eq__", same_rule)
    replace(SecurityGroupRule, "__init__", keep_prefix_list(SecurityGroupRule.__init__))
