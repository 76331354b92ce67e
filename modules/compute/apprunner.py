"""AWS App Runner: the environment's web service, from its ECR image, on its own HTTPS URL or a custom domain.

**Custom domain** (``[app] domain`` + ``hosted_zone_id``): App Runner keeps the certificate (in ACM, on its side)
once DNS proves the domain is ours. Its association returns the validation records only after it is created,
so they are unknown at plan time and cannot drive a ``for_each`` (provider issue 23460): ``count`` gives them a
fixed number instead. For a domain without its ``www`` subdomain App Runner returns two records (one for the
domain, one for a name it adds under it; three with ``www``, the number public modules and AWS Copilot rely
on); a postcondition on the association stops the apply when AWS returns another number, before any record is
written, rather than leave a record out. The records are picked by index in the order of their names: a set
turned into a list (``tolist``) has, in Terraform's words, an undefined order that is consistent only within one
run, while a map's values come in the order of its keys, so each index keeps its record from plan to plan.
The domain itself is a CNAME to the association's ``dns_target``, which a zone's apex cannot carry:
the zone is read at plan time and an apex, a domain outside the zone or a private zone stops the plan.
"""

from __future__ import annotations

from modules.compute import Workload
from modules.compute.ecr import image_pull_statements
from modules.framework import Construct, Postcondition, TerraformResourceLifecycle, TerraformStack, aws
from modules.security.iam import policy_document, service_role, statement
from modules.settings.app import AppSettings
from modules.settings.naming import (
    APPRUNNER_CONFIGURATION,
    APPRUNNER_SERVICE,
    APPRUNNER_VPC_CONNECTOR,
    IAM_ROLE,
    resource_name,
)
from modules.settings.regions import VPC_CONNECTOR_UNSUPPORTED_ZONE_IDS

# The certificate validation records App Runner returns for a domain without its www subdomain (module docstring).
VALIDATION_RECORDS = 2
RECORD_TTL = 300


class AppRunnerService(Construct):
    """The App Runner service with its roles, auto scaling, VPC connector and X-Ray tracing.

    Egress goes through the VPC connector (so Aurora and Valkey stay private); the image comes from
    ECR through an access role only App Runner's build service can assume; the instance role reads
    exactly this environment's secrets and nothing else.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: AppSettings, workload: Workload) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        self.workload = workload
        prefix = workload.name_prefix
        access_role = self._access_role(prefix)
        instance_role = self._instance_role(prefix)
        self.service_name = resource_name(prefix, "service", APPRUNNER_SERVICE)
        self.service = self._service(access_role.arn, instance_role.arn)
        self.arn: str = self.service.arn
        self.service_id: str = self.service.service_id
        self.service_url: str = f"https://{self.service.service_url}"
        self.url: str = self.service_url
        self.instance_role_arn: str = instance_role.arn
        self.access_role_arn: str = access_role.arn
        self.domain: aws.apprunner_custom_domain_association.ApprunnerCustomDomainAssociation | None = None
        if settings.domain:
            self.domain = self._custom_domain(settings.domain, settings.hosted_zone_id or "")
            self.url = f"https://{settings.domain}"

    def _access_role(self, prefix: str) -> aws.iam_role.IamRole:
        """What App Runner's build service uses to pull the image: this repository, this key."""
        workload = self.workload
        role = service_role(
            self,
            "access_role",
            name=resource_name(prefix, "apprunner-ecr", IAM_ROLE),
            service="build.apprunner.amazonaws.com",
            description="App Runner pulls the service image from ECR",
        )
        self.access_policy = policy_document(
            self,
            "access_policy_document",
            *image_pull_statements(workload.image_repository_arn, "ecr:DescribeImages"),
            statement("DecryptImageLayers", ["kms:Decrypt"], [workload.kms_key_arn]),
        )
        self.access_role_policy = aws.iam_role_policy.IamRolePolicy(
            self, "access_policy", role=role.id, name="ecr-pull", policy=self.access_policy.json
        )
        return role

    def _instance_role(self, prefix: str) -> aws.iam_role.IamRole:
        """What the running service may do: read its own secrets, use its own key, cache user and database
        user."""
        workload = self.workload
        role = service_role(
            self,
            "instance_role",
            name=resource_name(prefix, "apprunner-instance", IAM_ROLE),
            service="tasks.apprunner.amazonaws.com",
            description="The running service: its own secrets, its own key, its own cache and database users",
        )
        traces = [
            "xray:GetSamplingRules",
            "xray:GetSamplingStatisticSummaries",
            "xray:GetSamplingTargets",
            "xray:PutTelemetryRecords",
            "xray:PutTraceSegments",
        ]
        self.instance_policy = policy_document(
            self,
            "instance_policy_document",
            statement("ReadThisEnvironmentsSecrets", ["secretsmanager:GetSecretValue"], list(workload.secret_arns)),
            statement("DecryptWithThisEnvironmentsKey", ["kms:Decrypt"], [workload.kms_key_arn]),
            statement("ConnectToTheCacheWithIam", ["elasticache:Connect"], list(workload.cache_connect_arns)),
            statement("ConnectToTheDatabaseWithIam", ["rds-db:connect"], list(workload.database_connect_arns)),
            # X-Ray's write API has no resource-level permissions: AWS only accepts "*".
            statement("WriteTraces", traces, ["*"]),
        )
        self.instance_role_policy = aws.iam_role_policy.IamRolePolicy(
            self, "instance_policy", role=role.id, name="runtime", policy=self.instance_policy.json
        )
        return role

    def _configurations(self) -> tuple[str, str, str]:
        """Auto scaling, VPC connector and tracing: the ARNs the service refers to."""
        settings, workload, prefix = self.settings, self.workload, self.workload.name_prefix
        scaling = aws.apprunner_auto_scaling_configuration_version.ApprunnerAutoScalingConfigurationVersion(
            self,
            "scaling",
            auto_scaling_configuration_name=resource_name(prefix, "", APPRUNNER_CONFIGURATION),
            min_size=settings.min_instances,
            max_size=settings.max_instances,
            max_concurrency=settings.max_concurrency,
        )
        connector = aws.apprunner_vpc_connector.ApprunnerVpcConnector(
            self,
            "vpc_connector",
            vpc_connector_name=resource_name(prefix, "", APPRUNNER_VPC_CONNECTOR),
            subnets=self._connector_subnets(),
            security_groups=[workload.security_group_id],
        )
        observability = aws.apprunner_observability_configuration
        tracing = observability.ApprunnerObservabilityConfiguration(
            self,
            "tracing",
            observability_configuration_name=resource_name(prefix, "", APPRUNNER_CONFIGURATION),
            trace_configuration=observability.ApprunnerObservabilityConfigurationTraceConfiguration(vendor="AWSXRAY"),
        )
        return scaling.arn, connector.arn, tracing.arn

    def _connector_subnets(self) -> list[str]:
        """The workload's subnets whose zone App Runner's VPC connector supports, chosen by zone ID."""
        workload = self.workload
        zone_filter = aws.data_aws_availability_zones.DataAwsAvailabilityZonesFilter
        zones = aws.data_aws_availability_zones.DataAwsAvailabilityZones(
            self,
            "connector_zones",
            state="available",
            exclude_zone_ids=list(VPC_CONNECTOR_UNSUPPORTED_ZONE_IDS.get(workload.region, ())) or None,
            # A closed list of zone names, as for the database: the set cannot grow silently when AWS
            # opens a zone, and Local / Wavelength zones are never picked.
            filter=[
                zone_filter(name="zone-name", values=[f"{workload.region}{letter}" for letter in "abcdef"]),
                zone_filter(name="zone-type", values=["availability-zone"]),
            ],
        )
        subnet_filter = aws.data_aws_subnets.DataAwsSubnetsFilter
        subnets = aws.data_aws_subnets.DataAwsSubnets(
            self,
            "connector_subnets",
            filter=[
                subnet_filter(name="subnet-id", values=workload.subnet_ids),
                subnet_filter(name="availability-zone-id", values=zones.zone_ids),
            ],
        )
        ids: list[str] = subnets.ids
        return ids

    def _service(self, access_role_arn: str, instance_role_arn: str) -> aws.apprunner_service.ApprunnerService:
        settings, workload = self.settings, self.workload
        scaling_arn, connector_arn, tracing_arn = self._configurations()
        service = aws.apprunner_service
        source = service.ApprunnerServiceSourceConfiguration(
            # Tags are immutable and deploys explicit (scripts/deploy.sh): a push never deploys itself.
            auto_deployments_enabled=False,
            authentication_configuration=service.ApprunnerServiceSourceConfigurationAuthenticationConfiguration(
                access_role_arn=access_role_arn
            ),
            image_repository=service.ApprunnerServiceSourceConfigurationImageRepository(
                image_identifier=f"{workload.image_repository_url}:{workload.image_tag}",
                image_repository_type="ECR",
                image_configuration=service.ApprunnerServiceSourceConfigurationImageRepositoryImageConfiguration(
                    port=str(workload.port),
                    runtime_environment_variables=dict(workload.variables),
                    runtime_environment_secrets=dict(workload.secrets),
                ),
            ),
        )
        network = service.ApprunnerServiceNetworkConfiguration(
            egress_configuration=service.ApprunnerServiceNetworkConfigurationEgressConfiguration(
                egress_type="VPC", vpc_connector_arn=connector_arn
            ),
            ingress_configuration=service.ApprunnerServiceNetworkConfigurationIngressConfiguration(
                is_publicly_accessible=True
            ),
        )
        return service.ApprunnerService(
            self,
            "this",
            service_name=self.service_name,
            source_configuration=source,
            instance_configuration=service.ApprunnerServiceInstanceConfiguration(
                cpu=str(settings.cpu), memory=str(settings.memory), instance_role_arn=instance_role_arn
            ),
            health_check_configuration=service.ApprunnerServiceHealthCheckConfiguration(
                protocol="HTTP",
                path=workload.health_check_path,
                interval=10,
                timeout=5,
                healthy_threshold=1,
                unhealthy_threshold=5,
            ),
            network_configuration=network,
            auto_scaling_configuration_arn=scaling_arn,
            observability_configuration=service.ApprunnerServiceObservabilityConfiguration(
                observability_enabled=True, observability_configuration_arn=tracing_arn
            ),
            encryption_configuration=service.ApprunnerServiceEncryptionConfiguration(kms_key=workload.kms_key_arn),
            # The role ARNs alone let App Runner start before the roles may pull the image or read the
            # secrets; the app also runs its migrations on start, so the database must be up.
            depends_on=[self.access_role_policy, self.instance_role_policy, *workload.start_after],
        )

    # -- custom domain --------------------------------------------------------------------------------

    def _custom_domain(
        self, domain: str, zone_id: str
    ) -> aws.apprunner_custom_domain_association.ApprunnerCustomDomainAssociation:
        """The association, its certificate validation records and the CNAME that sends the domain to the service."""
        self._domain_zone(domain, zone_id)
        association = aws.apprunner_custom_domain_association.ApprunnerCustomDomainAssociation(
            self,
            "domain",
            domain_name=domain,
            enable_www_subdomain=False,
            service_arn=self.service.arn,
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=f"${{length(self.certificate_validation_records) == {VALIDATION_RECORDS}}}",
                        error_message=f"App Runner returned ${{length(self.certificate_validation_records)}} "
                        f"certificate validation records for {domain} and this stack writes {VALIDATION_RECORDS} "
                        "(their count): none was written to the zone. List them with aws apprunner "
                        "describe-custom-domains --service-arn <apprunner_service_arn>, set VALIDATION_RECORDS in "
                        "modules/compute/apprunner.py (in an ejected workspace: the count of the validation records) "
                        "to their number, and apply again.",
                    )
                ]
            ),
        )
        logical_id = TerraformStack.of(self).get_logical_id(association)
        records = f"aws_apprunner_custom_domain_association.{logical_id}.certificate_validation_records"
        # Keyed by name: a map's values come in the order of its keys, on every run (module docstring).
        record = f"values({{ for record in {records} : record.name => record }})[count.index]"
        self.validation_records = aws.route53_record.Route53Record(
            self,
            "domain_validation",
            count=VALIDATION_RECORDS,
            zone_id=zone_id,
            name=f"${{{record}.name}}",
            type=f"${{{record}.type}}",
            records=[f"${{{record}.value}}"],
            ttl=RECORD_TTL,
            # A domain associated before (with another service, or before a re-create) has the same names.
            allow_overwrite=True,
        )
        self.domain_record = aws.route53_record.Route53Record(
            self,
            "domain_record",
            zone_id=zone_id,
            name=domain,
            type="CNAME",
            records=[association.dns_target],
            ttl=RECORD_TTL,
        )
        return association

    def _domain_zone(self, domain: str, zone_id: str) -> None:
        """The zone, read at plan time: the domain must lie inside it, below its apex, in public DNS."""
        zone_name = 'trimsuffix(self.name, ".")'
        where = f"app.hosted_zone_id = {zone_id} (zone ${{{zone_name}}})"
        aws.data_aws_route53_zone.DataAwsRoute53Zone(
            self,
            "domain_zone",
            zone_id=zone_id,
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=f'${{"{domain}" != {zone_name}}}',
                        error_message=f"app.domain = {domain} is the apex of {where}: an apex cannot carry the "
                        "CNAME App Runner needs; use a subdomain (api.<zone>).",
                    ),
                    Postcondition(
                        condition=f'${{"{domain}" == {zone_name} || endswith("{domain}", ".${{{zone_name}}}")}}',
                        error_message=f"app.domain = {domain} is not in {where}: set the zone that holds it.",
                    ),
                    Postcondition(
                        condition="${!self.private_zone}",
                        error_message=f"{where} is a private zone: App Runner validates the domain in public "
                        "DNS; set a public zone.",
                    ),
                ]
            ),
        )
