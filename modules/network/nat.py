"""Internet egress for the private subnets: NAT gateways, or one NAT instance.

A NAT gateway (``nat = "gateway"``) is AWS's managed NAT: about 36.50 USD/month with its public IPv4
address, redundant within its AZ; ``nat_per_az`` gives each AZ its own, so that egress survives the loss of
an AZ (one gateway: the other AZs' egress crosses into its AZ and stops with it).

The NAT instance (``nat = "instance"``, about 7.40 USD/month) is a t4g.nano running Amazon Linux 2023
(the AMI from AWS's public SSM parameter) that forwards and masquerades the private subnets' traffic.
Its network interface is a resource of its own, created before the instance: it carries
``source_dest_check = false`` (a launch template cannot), the Elastic IP and the private subnets' route,
so that a replaced instance finds the route and the address where they were. Recovery needs no person:
EC2 simplified automatic recovery (``maintenance_options.auto_recovery = "default"``) moves the instance
to healthy hardware when a system status check fails, keeping its ID, interface and addresses. An Auto
Scaling group of one (as fck-nat does) also replaces a terminated instance, but then the instance must
attach the fixed interface itself at boot (an instance role allowed ``ec2:AttachNetworkInterface`` and a
second interface to route through): more moving parts for an environment that accepts minutes without
egress; production uses NAT gateways.
"""

from __future__ import annotations

from modules.framework import Construct, TerraformResource, TerraformResourceLifecycle, aws
from modules.network.firewall import HTTPS_PORT, security_group
from modules.security.iam import service_role
from modules.settings.cost import NAT_INSTANCE_ROOT_GB
from modules.settings.naming import GENERAL, IAM_ROLE, resource_name
from modules.stack import suppress

NAT_INSTANCE_TYPE = "t4g.nano"
# AWS's public parameter: the latest Amazon Linux 2023 AMI for arm64 (Graviton) in the provider's region.
NAT_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
SSM_CORE_POLICY = "AmazonSSMManagedInstanceCore"


class NatGateways(Construct):
    """``count`` NAT gateways, each with its Elastic IP, in the first ``count`` public subnets."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        subnet_ids: list[str],
        count: int,
        name_prefix: str,
        internet_gateway: TerraformResource,
    ) -> None:
        super().__init__(scope, construct_id)
        self.ids: list[str] = []
        for index in range(count):
            address = aws.eip.Eip(
                self,
                f"address_{index}",
                domain="vpc",
                tags={"Name": f"{name_prefix}-nat-{index}"},
                depends_on=[internet_gateway],
            )
            gateway = aws.nat_gateway.NatGateway(
                self,
                f"gateway_{index}",
                allocation_id=address.allocation_id,
                subnet_id=subnet_ids[index],
                tags={"Name": f"{name_prefix}-nat-{index}"},
                depends_on=[internet_gateway],
            )
            self.ids.append(gateway.id)

    def route_target(self, zone_index: int) -> dict[str, str]:
        """The gateway the private subnet of zone ``zone_index`` routes through: its own, or the one."""
        return {"nat_gateway_id": self.ids[min(zone_index, len(self.ids) - 1)]}


def user_data(private_cidrs: list[str]) -> str:
    """Boot script: IP forwarding on, the private subnets masqueraded behind the public interface, sshd off
    (no key pair and no port 22 either way; AWS Systems Manager Session Manager reaches the instance)."""
    sources = ", ".join(private_cidrs)
    return f"""#!/bin/bash
set -euo pipefail
echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf
sysctl --system
dnf install -y nftables
interface=$(ip -4 route show default | awk '{{print $5; exit}}')
cat > /etc/sysconfig/nftables.conf <<RULES
table ip nat {{
  chain postrouting {{
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$interface" ip saddr {{ {sources} }} masquerade
  }}
}}
RULES
systemctl enable --now nftables
systemctl disable --now sshd
"""


class NatInstance(Construct):
    """One NAT instance behind a fixed network interface; see the module's docstring for its recovery."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        subnet_id: str,
        vpc_id: str,
        private_cidrs: list[str],
        name_prefix: str,
        kms_key_arn: str,
        partition: str,
        internet_gateway: TerraformResource,
    ) -> None:
        super().__init__(scope, construct_id)
        name = resource_name(name_prefix, "nat", GENERAL)
        firewall = security_group(
            self,
            label="nat",
            name=name,
            description=f"{name_prefix}: NAT instance (HTTPS from the private subnets, out to the internet)",
            vpc_id=vpc_id,
            port=None,
        )
        firewall.allow_cidrs_in(private_cidrs, port=HTTPS_PORT, description="HTTPS from a private subnet, to forward")
        firewall.allow_https_out("HTTPS to the internet: forwarded traffic of the private subnets")
        self.interface = aws.network_interface.NetworkInterface(
            self,
            "interface",
            subnet_id=subnet_id,
            security_groups=[firewall.security_group_id],
            source_dest_check=False,  # it forwards traffic that is neither from nor to itself
            description=f"{name_prefix}: NAT instance (fixed: the private routes and the Elastic IP point here)",
            tags={"Name": name},
        )
        self.network_interface_id: str = self.interface.id
        address = aws.eip.Eip(
            self,
            "address",
            domain="vpc",
            network_interface=self.interface.id,
            tags={"Name": name},
            depends_on=[internet_gateway],
        )
        suppress(
            address,
            "CKV2_AWS_19",
            "The address is on the NAT instance's fixed network interface, the instance's primary interface: "
            "attached to the instance through it, and kept when the instance is replaced",
        )
        self._instance(name, kms_key_arn, self._profile(name_prefix, partition), private_cidrs)

    def _profile(self, name_prefix: str, partition: str) -> str:
        """Session Manager instead of SSH: the instance's role may register with AWS Systems Manager."""
        role_name = resource_name(name_prefix, "nat-instance", IAM_ROLE)
        role = service_role(
            self,
            "role",
            name=role_name,
            service="ec2.amazonaws.com",
            description="The NAT instance: registers with Systems Manager (Session Manager, no SSH)",
        )
        aws.iam_role_policy_attachment.IamRolePolicyAttachment(
            self, "session_manager", role=role.name, policy_arn=f"arn:{partition}:iam::aws:policy/{SSM_CORE_POLICY}"
        )
        profile = aws.iam_instance_profile.IamInstanceProfile(self, "profile", name=role_name, role=role.name)
        profile_name: str = profile.name
        return profile_name

    def _instance(self, name: str, kms_key_arn: str, profile: str, private_cidrs: list[str]) -> None:
        image = aws.data_aws_ssm_parameter.DataAwsSsmParameter(self, "image", name=NAT_AMI_PARAMETER)
        ec2 = aws.instance
        instance = ec2.Instance(
            self,
            "this",
            ami=image.insecure_value,  # an AMI id is public: no need to hide it in the plan
            instance_type=NAT_INSTANCE_TYPE,
            iam_instance_profile=profile,
            network_interface=[ec2.InstanceNetworkInterface(network_interface_id=self.interface.id, device_index=0)],
            metadata_options=ec2.InstanceMetadataOptions(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            # The AMI's own root snapshot size, stated: the cost estimate counts it.
            root_block_device=ec2.InstanceRootBlockDevice(
                volume_type="gp3", volume_size=NAT_INSTANCE_ROOT_GB, encrypted=True, kms_key_id=kms_key_arn
            ),
            maintenance_options=ec2.InstanceMaintenanceOptions(auto_recovery="default"),
            credit_specification=ec2.InstanceCreditSpecification(cpu_credits="standard"),
            ebs_optimized=True,
            user_data=user_data(private_cidrs),
            user_data_replace_on_change=True,
            tags={"Name": name},
            # A new AMI is published every few weeks: it must not replace the running NAT at each plan.
            # Replace it deliberately: terraform apply -replace=<this address>.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["ami"]),
        )
        suppress(
            instance,
            "CKV_AWS_88",
            "A NAT instance forwards the private subnets' traffic from its public address (the Elastic IP on its "
            "fixed interface); nothing listens there and its security group lets in only the private subnets",
            plan_only=True,
        )
        suppress(
            instance,
            "CKV_AWS_126",
            "Detailed (1-minute) monitoring costs about 2 USD/month, a third of the NAT instance; 5-minute metrics "
            "and EC2's automatic recovery suffice for a staging NAT",
        )

    def route_target(self, zone_index: int) -> dict[str, str]:
        """Every private subnet routes through the one fixed interface."""
        return {"network_interface_id": self.network_interface_id}
