"""AWS App Runner: the environment's web service, from its ECR image."""

from __future__ import annotations

from modules.compute import Workload
from modules.framework import Construct, aws
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
        self.url: str = f"https://{self.service.service_url}"
        self.instance_role_arn: str = instance_role.arn
        self.access_role_arn: str = access_role.arn

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
        pull = [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:DescribeImages",
            "ecr:GetDownloadUrlForLayer",
        ]
        self.access_policy = policy_document(
            self,
            "access_policy_document",
            statement("PullThisEnvironmentsImages", pull, [workload.image_repository_arn]),
            # GetAuthorizationToken has no resource to name: AWS only accepts "*" for it.
            statement("GetRegistryToken", ["ecr:GetAuthorizationToken"], ["*"]),
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
