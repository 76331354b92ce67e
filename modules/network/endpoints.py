"""Interface endpoints: AWS services reached from the private subnets without the internet.

Each listed service gets an endpoint with private DNS in every private subnet (about 7.30 USD/month per
AZ each), behind a security group of its own that listens on HTTPS; whoever calls the services is let
in with ``connections.allow_from``.
"""

from __future__ import annotations

from modules.framework import Construct, aws
from modules.network.firewall import HTTPS_PORT, Connections, security_group
from modules.settings.naming import GENERAL, resource_name


class InterfaceEndpoints(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        services: tuple[str, ...],
        name_prefix: str,
        region: str,
        vpc_id: str,
        subnet_ids: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.connections: Connections = security_group(
            self,
            label="endpoints",
            name=resource_name(name_prefix, "endpoints", GENERAL),
            description=f"{name_prefix}: interface endpoints of AWS services (HTTPS from the app)",
            vpc_id=vpc_id,
            port=HTTPS_PORT,
        )
        for service in services:
            aws.vpc_endpoint.VpcEndpoint(
                self,
                service.replace(".", "_").replace("-", "_"),
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=subnet_ids,
                security_group_ids=[self.connections.security_group_id],
                tags={"Name": f"{name_prefix}-{service}"},
            )
