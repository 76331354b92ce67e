"""One environment's Terraform workspace: provider, S3 backend and everything the environment runs."""

from __future__ import annotations

from modules import local_aws
from modules.compute import RUNS_ON, AppFirewall, Workload, secret_reference
from modules.compute.apprunner import AppRunnerService
from modules.compute.ecr import ContainerRepository, EcrSettings
from modules.compute.ecs import EcsService
from modules.data.aurora import AuroraServerless
from modules.data.backup import BackupSettings, DatabaseBackup
from modules.data.valkey import ValkeyCache
from modules.framework import Construct, S3Backend, TerraformVariable, TerraformVariableValidationConfig, aws
from modules.network import Network
from modules.network.dedicated_vpc import DedicatedVpc
from modules.network.default_vpc import DefaultVpc
from modules.observability.alarms import AlarmTargets, EcsTargets, ServiceAlarms
from modules.observability.budget import CostBudget
from modules.protection import protect
from modules.security.ci_roles import CiRoles, CiTarget
from modules.security.kms import EncryptionKey, logs_statement, service_use_statement
from modules.security.secrets import AppSecrets
from modules.security.waf import WebAcl
from modules.settings import EnvironmentConfig
from modules.settings.app import IMAGE_TAG, IMAGE_TAG_RULE
from modules.settings.literal import literal_all, literal_map
from modules.settings.naming import state_bucket_name, state_key, state_key_alias
from modules.settings.waf import CLOUDFRONT_REGION
from modules.stack import Stack


class EnvironmentStack(Stack):
    """The environment's tiers, in the order they depend on each other: keys, network, data, compute,
    observability. Protection is applied to all of them at once, from the environment's switch."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, *, local_endpoint: str | None = None) -> None:
        env = config.environment
        super().__init__(scope, env.name, local_endpoint=local_endpoint)
        self.config = config
        self.warnings.extend(config.warnings)
        self._backend()
        self.provider_tags = {**env.tags, "project": env.project, "environment": env.name, "managed-by": "cdktf"}
        self.aws_provider(region=env.region, account_id=env.account_id, tags=self.provider_tags)
        self.account_id: str = aws.data_aws_caller_identity.DataAwsCallerIdentity(self, "account").account_id
        self.partition: str = aws.data_aws_partition.DataAwsPartition(self, "partition").partition
        self._foundation()
        self._data_tier()
        self._compute()
        self._observability()
        self._ci()
        protect(self, protected=config.protected)
        self._outputs()

    def _backend(self) -> None:
        """The S3 backend, found by naming convention, locked by S3 lockfiles alone (Terraform >= 1.10). Its
        bucket carries the account id; without one (local mode aside) the bucket is left out, a partial
        configuration: a name without the account may belong to anyone, who would receive the state."""
        env = self.config.environment
        S3Backend(
            self,
            bucket=state_bucket_name(env.project, env.region, env.account_id),
            key=state_key(env.name),
            region=env.region,
            encrypt=True,
            kms_key_id=state_key_alias(env.project),
            allowed_account_ids=[env.account_id] if env.account_id and not self.local_endpoint else None,
        )
        self.add_override("terraform.backend.s3.use_lockfile", True)  # cdktf 0.21's S3Backend lacks it
        if not env.account_id and not self.local_endpoint:
            self.add_override("terraform.backend.s3.bucket", None)
        if self.local_endpoint:
            for key, value in local_aws.backend_settings(self.local_endpoint).items():
                self.add_override(f"terraform.backend.s3.{key}", value)

    def _foundation(self) -> None:
        """The key everything is encrypted with, the network, the app's firewall and its secrets."""
        env, prefix = self.config.environment, self.config.environment.prefix
        self.key = EncryptionKey(
            self,
            "key",
            alias=prefix,
            description=f"{prefix}: data, logs, secrets and images of the {env.name} environment",
            account_id=self.account_id,
            partition=self.partition,
            service_statements=[
                logs_statement(env.region, self.account_id, self.partition),
                service_use_statement(
                    "CloudWatchAlarmsPublishToTheEncryptedTopic",
                    "cloudwatch.amazonaws.com",
                    self.account_id,
                    via_service=f"sns.{env.region}.amazonaws.com",
                ),
            ],
        )
        self.network = self._network()
        self.runs_on = RUNS_ON[self.config.app.platform]
        self.app_firewall = AppFirewall(
            self,
            "app",
            name_prefix=prefix,
            vpc_id=self.network.vpc_id,
            egress=self.network.https_egress,
            runs_on=self.runs_on,
        )
        if self.network.endpoints:
            self.network.endpoints.allow_from(
                self.app_firewall.connections,
                ingress=f"HTTPS from the {self.runs_on}",
                egress="HTTPS to the interface endpoints",
            )
        self.secrets = AppSecrets(
            self,
            "secrets",
            name_prefix=prefix,
            kms_key_arn=self.key.arn,
            secret_key_version=self.config.app.secret_key_version,
        )

    def _network(self) -> Network:
        """The default VPC, or the environment's own (``[network].mode``): the same attributes either way."""
        env, settings = self.config.environment, self.config.network
        if not settings.dedicated:
            return DefaultVpc(self, "network")
        return DedicatedVpc(
            self,
            "network",
            settings=settings,
            name_prefix=env.prefix,
            region=env.region,
            kms_key_arn=self.key.arn,
            log_retention_days=env.log_retention_days,
            partition=self.partition,
            public_ingress=self.config.app.ecs,  # the load balancer
        )

    def _data_tier(self) -> None:
        config, env = self.config, self.config.environment
        suffix = TerraformVariable(
            self,
            "final_snapshot_suffix",
            type="string",
            default="",
            description="Set by scripts/destroy.sh to -<UTC date>-<time>: each destroy names its own final snapshots",
            validation=[
                TerraformVariableValidationConfig(
                    condition='${can(regex("^(-[0-9]{8}-[0-9]{6})?$", var.final_snapshot_suffix))}',
                    error_message="final_snapshot_suffix is empty or -YYYYMMDD-HHMMSS.",
                )
            ],
        ).string_value
        subnets = "the isolated subnets" if config.network.dedicated else "the default subnets"
        self.database = AuroraServerless(
            self,
            "db",
            settings=config.database,
            name_prefix=env.prefix,
            vpc_id=self.network.vpc_id,
            subnet_ids=self.network.data_subnet_ids,
            kms_key_arn=self.key.arn,
            region=env.region,
            partition=self.partition,
            account_id=self.account_id,
            log_retention_days=env.log_retention_days,
            final_snapshot_suffix=suffix,
            zone_names=self.network.data_zone_names,
            subnets_description=subnets,
        )
        self.backup = DatabaseBackup(
            self,
            "backup",
            settings=BackupSettings(name_prefix=env.prefix, retention_days=config.database.backup_retention_days),
            resource_arns=[self.database.arn],
            kms_key_arn=self.key.arn,
            partition=self.partition,
        )
        self.cache = ValkeyCache(
            self,
            "cache",
            settings=config.cache,
            name_prefix=env.prefix,
            vpc_id=self.network.vpc_id,
            subnet_ids=self.network.data_subnet_ids,
            kms_key_arn=self.key.arn,
            log_retention_days=env.log_retention_days,
            final_snapshot_suffix=suffix,
            subnets_description=subnets,
        )
        app = self.app_firewall.connections
        self.database.connections.allow_from(
            app, ingress=f"PostgreSQL from the {self.runs_on}", egress="PostgreSQL to Aurora"
        )
        self.cache.connections.allow_from(
            app, ingress=f"Valkey from the {self.runs_on}", egress="Valkey (TLS) to the cache"
        )

    def _compute(self) -> None:
        config = self.config
        self.repository = ContainerRepository(
            self, "ecr", settings=EcrSettings(name=config.environment.prefix), kms_key_arn=self.key.arn
        )
        image_tag = TerraformVariable(
            self,
            "image_tag",
            type="string",
            default=config.app.image_tag,
            description="Image tag to run (tags are immutable); scripts/deploy.sh <env> <tag> sets it per deploy",
            validation=[
                TerraformVariableValidationConfig(
                    condition=f'${{can(regex("^{IMAGE_TAG}$", var.image_tag))}}',
                    error_message=f"image_tag: {IMAGE_TAG_RULE}.",
                )
            ],
        )
        workload = self._workload(image_tag.string_value)
        self.waf = self._web_acl()
        self.service: AppRunnerService | None = None
        self.ecs: EcsService | None = None
        if not config.app.ecs:
            self.service = AppRunnerService(self, "service", settings=config.app, workload=workload)
            if self.waf:
                self.waf.associate("service", self.service.arn)
            return
        self.ecs = EcsService(
            self,
            "ecs",
            settings=config.app,
            workload=workload,
            vpc_id=self.network.vpc_id,
            public_subnet_ids=self.network.public_subnet_ids,
            # The default VPC has no NAT: a task without a public address could not pull its image.
            public_task_ip=not config.network.dedicated,
            account_id=self.account_id,
            partition=self.partition,
            log_retention_days=config.environment.log_retention_days,
            # Local mode only: moto evaluates bucket policies without their conditions (see the state backend).
            tls_only_buckets=not self.local_endpoint,
            web_acl=self.waf,
        )

    def _web_acl(self) -> WebAcl | None:
        """[waf]: the web ACL in front of the service. ECS without a domain serves through CloudFront, whose
        web ACL AWS keeps in us-east-1: from another region, through a second provider configuration there
        (and, since a log group takes only a key of its own region, with a key of its own for its logs)."""
        config, env = self.config, self.config.environment
        if not config.waf.enabled:
            return None
        cloudfront = config.app.ecs and not config.app.domain
        region = CLOUDFRONT_REGION if cloudfront else env.region
        provider = None
        if region != env.region:
            alias = region.replace("-", "_")
            provider = self.aws_provider(region=region, account_id=env.account_id, tags=self.provider_tags, alias=alias)
        return WebAcl(
            self,
            "waf",
            settings=config.waf,
            name_prefix=env.prefix,
            cloudfront=cloudfront,
            region=region,
            kms_key_arn=self.key.arn if region == env.region else None,
            account_id=self.account_id,
            partition=self.partition,
            log_retention_days=env.log_retention_days,
            provider=provider,
        )

    def _observability(self) -> None:
        config, env = self.config, self.config.environment
        CostBudget(
            self,
            "budget",
            settings=config.budget,
            emails=literal_all(config.alerts.emails),
            name_prefix=env.prefix,
            environment=env.name,
        )
        self.alarms = ServiceAlarms(
            self,
            "alarms",
            settings=config.alarms,
            targets=AlarmTargets(
                name_prefix=env.prefix,
                apprunner_service_name=self.service.service_name if self.service else "",
                apprunner_service_id=self.service.service_id if self.service else "",
                ecs=EcsTargets(
                    cluster_name=self.ecs.cluster_name,
                    service_name=self.ecs.service_name,
                    load_balancer=self.ecs.alb.arn_suffix,
                    target_group=self.ecs.target_group.arn_suffix,
                    min_tasks=config.app.min_instances,
                )
                if self.ecs
                else None,
                aurora_cluster_id=self.database.identifier,
                aurora_capacity=(config.database.min_acu, config.database.max_acu),
                valkey_node_ids=self.cache.node_ids,
            ),
            emails=literal_all(config.alerts.emails),
            kms_key_arn=self.key.arn,
        )

    def _ci(self) -> None:
        """[ci]: the roles GitHub Actions assumes to plan and deploy this environment (none without it)."""
        config, env = self.config, self.config.environment
        self.ci: CiRoles | None = None
        if config.ci.enabled:
            target = CiTarget(
                repository=config.ci.github_repository, environment=env.name, project=env.project,
                prefix=env.prefix, region=env.region, account_id=env.account_id, partition=self.partition,
                key_arn=self.key.arn, platform=config.app.platform, hosted_zone_id=config.app.hosted_zone_id,
                waf_scope=self.waf.scope if self.waf else None, waf_region=self.waf.region if self.waf else env.region,
            )  # fmt: skip
            self.ci = CiRoles(self, "ci", target=target)

    def _workload(self, image_tag: str) -> Workload:
        """The runtime contract of the service: plain settings in variables, credentials as secret
        references (never values), connection details from the data tier. The environment file's own
        variables stay literal text (no Terraform template sequences)."""
        config = self.config
        variables = {
            **literal_map(config.app.environment),
            "LOG_LEVEL": config.app.log_level,
            "DATABASE_HOST": self.database.endpoint,
            "DATABASE_READER_HOST": self.database.reader_endpoint,
            "DATABASE_PORT": str(self.database.port),
            "DATABASE_NAME": self.database.database_name,
            "DATABASE_SSLMODE": config.app.database_sslmode,
            # The app's own user, with IAM authentication: a token per new connection (README, "Secrets").
            "DATABASE_USERNAME": self.database.app_username,
            "DATABASE_AUTH": "iam",
            "REDIS_HOST": self.cache.primary_endpoint,
            "REDIS_PORT": str(self.cache.port),
            "REDIS_USERNAME": self.cache.user_name,
            "REDIS_AUTH": "iam",
            "REDIS_TLS": "true",
        }
        return Workload(
            name_prefix=config.environment.prefix,
            image_repository_arn=self.repository.arn,
            image_repository_url=self.repository.url,
            image_tag=image_tag,
            port=config.app.port,
            health_check_path=config.app.health_check_path,
            variables=dict(sorted(variables.items())),
            # The master secret is never the app's: only the deploy's database-user step reads it.
            secrets={"SECRET_KEY": secret_reference(self.secrets.secret_key_arn)},
            secret_arns=(self.secrets.secret_key_arn,),
            kms_key_arn=self.key.arn,
            cache_connect_arns=(self.cache.arn, self.cache.user_arn),
            database_connect_arns=(self.database.app_connect_arn,),
            subnet_ids=self.network.app_subnet_ids,
            security_group_id=self.app_firewall.connections.security_group_id,
            region=config.environment.region,
            start_after=tuple(self.database.instances),
        )

    def _compute_outputs(self) -> dict[str, tuple[object, str]]:
        """The service's URL and names: App Runner's, or the ECS cluster's, service's and load balancer's."""
        if self.service:
            service = self.service
            url: dict[str, tuple[object, str]] = {"app_url": (service.url, "HTTPS URL of the service")}
            if service.domain:
                # App Runner's own URL stays up beside the domain (and serves while the domain validates).
                url = {
                    "app_url": (service.url, "HTTPS URL of the service: its custom domain"),
                    "apprunner_service_url": (service.service_url, "App Runner's own HTTPS URL of the service"),
                }
            return {
                **url,
                "apprunner_service_arn": (
                    service.arn,
                    "ARN of the App Runner service (aws apprunner start-deployment ...)",
                ),
                "apprunner_service_name": (
                    service.service_name,
                    "Name of the App Runner service (log group /aws/apprunner/<name>/...)",
                ),
            }
        assert self.ecs
        ecs = self.ecs
        outputs: dict[str, tuple[object, str]] = {
            "app_url": (ecs.url, "HTTPS URL of the service (the domain, or the CloudFront distribution)"),
            "ecs_cluster_name": (ecs.cluster_name, "Name of the ECS cluster"),
            "ecs_service_name": (ecs.service_name, "Name of the ECS service (aws ecs update-service ...)"),
            "ecs_task_definition_family": (ecs.task_definition.family, "Task definition family of the service"),
            "ecs_log_group_name": (ecs.log_group.name, "CloudWatch log group of the service's containers"),
            "load_balancer_dns_name": (ecs.alb.dns_name, "DNS name of the Application Load Balancer"),
            "load_balancer_access_log_bucket": (ecs.logs.name, "Bucket receiving the load balancer's access logs"),
        }
        if ecs.distribution:
            outputs["cloudfront_distribution_id"] = (ecs.distribution.id, "CloudFront distribution serving app_url")
        return outputs

    def _outputs(self) -> None:
        database, cache = self.database, self.cache
        if self.ci:
            self.outputs(
                {
                    "ci_plan_role_arn": (self.ci.plan_role_arn, "Role the pull-request plan job assumes (OIDC)"),
                    "ci_apply_role_arn": (self.ci.apply_role_arn, "Role the deploy job assumes (OIDC, environment)"),
                }
            )
        self.outputs(
            {
                **self._compute_outputs(),
                "ecr_repository_url": (self.repository.url, "Push images here: docker push <url>:<tag>"),
                "alarm_topic_arn": (
                    self.alarms.topic_arn,
                    "SNS topic of the CloudWatch alarms (e-mail subscribers confirm once)",
                ),
                "aurora_endpoint": (database.endpoint, "Aurora writer endpoint"),
                "aurora_reader_endpoint": (
                    database.reader_endpoint,
                    "Aurora reader endpoint (load-balanced over readers)",
                ),
                "aurora_port": (database.port, "Aurora PostgreSQL port"),
                "aurora_master_secret_arn": (
                    database.master_secret_arn,
                    "RDS-managed secret with the master user's credentials (rotated every 7 days; never the app's)",
                ),
                "aurora_cluster_arn": (database.arn, "ARN of the Aurora cluster (RDS Data API resource)"),
                "aurora_database_name": (database.database_name, "Database the application uses"),
                "aurora_app_user": (
                    database.app_username,
                    "Database user the application connects as with IAM authentication (created by the deploy)",
                ),
                "valkey_endpoint": (cache.primary_endpoint, "Valkey primary endpoint (TLS, IAM authentication)"),
                "valkey_reader_endpoint": (cache.reader_endpoint, "Valkey reader endpoint"),
                "valkey_port": (cache.port, "Valkey port"),
                "valkey_user": (cache.user_name, "Valkey user the application authenticates as with IAM"),
                ("ecs_security_group_id" if self.ecs else "apprunner_security_group_id"): (
                    self.app_firewall.connections.security_group_id,
                    f"Security group of the {self.runs_on}",
                ),
                "secret_key_secret_arn": (self.secrets.secret_key_arn, "Secrets Manager secret holding SECRET_KEY"),
                "kms_key_arn": (self.key.arn, "Customer-managed key of this environment"),
                "backup_vault_name": (
                    self.backup.vault_name,
                    "AWS Backup vault holding the database's daily recovery points",
                ),
            }
        )
