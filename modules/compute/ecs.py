"""Amazon ECS on Fargate behind an Application Load Balancer, HTTPS always: the second compute backend,
for every account App Runner no longer accepts (it closed to new customers on 2026-04-30).

It takes the same ``Workload`` as App Runner, so the data tier, keys and secrets never know which one runs.

- **Tasks** run in the network's app subnets: the private subnets of a dedicated VPC (egress through its
  NAT or endpoints), or the default VPC's public subnets with a public IP (the default VPC has no NAT: without
  a public address a task could not even pull its image). Either way the tasks' security group lets in
  only the load balancer, on the container port.
- **HTTPS with a domain**: an ACM certificate validated in the Route 53 zone, an HTTPS listener with a TLS 1.3
  policy, HTTP redirected to HTTPS, and an alias record to the load balancer.
- **HTTPS without a domain**: a CloudFront distribution with its default certificate (``*.cloudfront.net``)
  in front of the load balancer, as App Runner gives an HTTPS URL without a domain. The load balancer takes
  only CloudFront: its security group admits only CloudFront's origin-facing managed prefix list, and its
  listener forwards only requests that carry a secret header CloudFront adds (anyone's distribution comes
  from that prefix list; only this one knows the header). A VPC origin to an internal load balancer would
  keep the load balancer off the internet altogether, but the emulator cannot create one (see README,
  "Choosing a platform") and it needs the same HTTP leg from CloudFront to the load balancer; the prefix list
  and header are AWS's documented pattern ("Restrict access to Application Load Balancers").
- **Scaling**: ``min_instances``/``max_instances`` bound the task count; target tracking on
  ``ALBRequestCountPerTarget`` and on CPU. App Runner's ``max_concurrency`` counts requests in flight per
  instance; a load balancer counts requests per target per minute. At one second a request (the guide's
  latency budget is far below), ``max_concurrency`` requests in flight are ``max_concurrency x 60`` requests a
  minute: that is the target, so a task scales out no later than App Runner's instance would.
"""

from __future__ import annotations

import json

from modules.compute import Workload
from modules.compute.ecr import image_pull_statements
from modules.framework import Construct, TerraformResource, TerraformResourceLifecycle, TerraformStack, aws
from modules.security.iam import policy_document, service_role, statement
from modules.security.waf import WebAcl
from modules.settings.app import AppSettings
from modules.settings.naming import (
    ECS_NAME,
    GENERAL,
    IAM_ROLE,
    LOAD_BALANCER,
    S3_BUCKET_PREFIX,
    fit,
    resource_name,
)
from modules.stack import suppress
from modules.state.backend import PrivateBucket

CONTAINER = "app"
HTTP_PORT, HTTPS_PORT = 80, 443
# ELBSecurityPolicy-TLS13-1-2-2021-06: TLS 1.3 and 1.2 with forward secrecy only, AWS's recommended policy.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# CloudFront's origin-facing addresses (a managed prefix list AWS keeps current).
CLOUDFRONT_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
ORIGIN_HEADER = "X-Origin-Verify"
# AWS's managed CloudFront policies (CloudFront Developer Guide, "Use managed cache policies", "Use managed
# origin request policies", "Use managed response headers policies"): their ids are the same in every account.
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # an API: nothing is cached
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # query, cookies, headers to the origin
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"  # HSTS, X-Content-Type-Options, X-Frame-Options...
SECONDS_PER_REQUEST = 1  # the max_concurrency -> ALBRequestCountPerTarget mapping (module docstring)
CPU_TARGET_PERCENT = 70
NO_WAF = (
    "No WAF web ACL: a web ACL costs at least 5 USD/month plus 1 USD per rule; the load balancer drops invalid "
    "headers and the service authenticates every API call"
)
# What checkov finds on a distribution without a web ACL ([waf] enabled = false).
CDN_WITHOUT_WAF = {"CKV2_AWS_47": NO_WAF, "CKV_AWS_68": NO_WAF}
# With [waf] behind CloudFront, the web ACL is the distribution's (CLOUDFRONT scope): a load balancer takes
# only a REGIONAL one.
WAF_AT_CLOUDFRONT = (
    "The load balancer serves only CloudFront (its origin-facing prefix list and the secret header), and "
    "every request CloudFront forwards passed the distribution's web ACL; a second, regional web ACL with the "
    "same rules would cost another 10 USD/month for no request it could see first"
)
# What checkov finds on CloudFront with its default certificate in front of a load balancer without one.
CDN_SUPPRESSIONS = {
    "CKV_AWS_174": "The default *.cloudfront.net certificate cannot be pinned to TLS 1.2; CloudFront "
    "still negotiates TLS 1.2+ with modern clients (set domain for a policy of your own)",
    "CKV2_AWS_42": "A custom certificate needs a domain; without one the default certificate is what "
    "gives the service an HTTPS URL",
    "CKV_AWS_305": "An API has no root document: / is the application's own route",
    "CKV2_AWS_32": "AWS's managed SecurityHeadersPolicy is attached by its id (response_headers_policy_id); "
    "checkov looks only for a policy resource of this stack",
    "CKV_AWS_86": "The load balancer's access logs record every request CloudFront forwards; standard "
    "logging would need an ACL-enabled bucket",
    "CKV_AWS_310": "One origin: the load balancer is the service; a failover origin would be a second deployment",
    "CKV_AWS_374": "The API is served worldwide; no country is excluded by design",
}
NO_TLS_TO_ORIGIN = (
    "CloudFront reaches the load balancer over HTTP: without a domain there is no certificate the load "
    "balancer could present; viewers get HTTPS from CloudFront, and only CloudFront's addresses with "
    "the secret header are served (set domain for end-to-end TLS)"
)


def requests_per_target(max_concurrency: int) -> int:
    """The ALBRequestCountPerTarget target (requests a minute) that ``max_concurrency`` maps to."""
    return max_concurrency * 60 // SECONDS_PER_REQUEST


class EcsService(Construct):
    """Cluster, task definition, roles, service and scaling, load balancer and the HTTPS front."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: AppSettings,
        workload: Workload,
        vpc_id: str,
        public_subnet_ids: list[str],
        public_task_ip: bool,
        account_id: str,
        partition: str,
        log_retention_days: int,
        tls_only_buckets: bool = True,
        web_acl: WebAcl | None = None,
    ) -> None:
        """``web_acl`` ([waf]): a CLOUDFRONT web ACL without a domain (the distribution's), a REGIONAL one with
        a domain (associated with the load balancer)."""
        super().__init__(scope, construct_id)
        self.settings, self.workload, self.web_acl = settings, workload, web_acl
        self.account_id, self.partition = account_id, partition
        prefix = workload.name_prefix
        self.cluster_name = resource_name(prefix, "", ECS_NAME)
        self.service_name = resource_name(prefix, "service", ECS_NAME)
        self.cluster = aws.ecs_cluster.EcsCluster(
            self,
            "cluster",
            name=self.cluster_name,
            setting=[aws.ecs_cluster.EcsClusterSetting(name="containerInsights", value="enabled")],
        )
        self.log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self,
            "logs",
            name=resource_name(f"/ecs/{prefix}", "app", GENERAL),
            kms_key_id=workload.kms_key_arn,
            retention_in_days=log_retention_days,
        )
        execution_role = self._execution_role(prefix)
        task_role = self._task_role(prefix)
        self.task_definition = self._task_definition(prefix, execution_role.arn, task_role.arn)
        self._load_balancer(prefix, vpc_id, public_subnet_ids, log_retention_days, tls_only_buckets)
        self.service = self._service(public_task_ip)
        self._scaling()
        self.execution_role_arn: str = execution_role.arn
        self.task_role_arn: str = task_role.arn
        self.service_arn: str = self.service.id
        self.cluster_arn: str = self.cluster.arn

    # -- roles ---------------------------------------------------------------------------------------

    def _execution_role(self, prefix: str) -> aws.iam_role.IamRole:
        """What ECS uses to start a task: pull this image, read these secrets, write this log group."""
        workload = self.workload
        role = service_role(
            self,
            "execution_role",
            name=resource_name(prefix, "ecs-execution", IAM_ROLE),
            service="ecs-tasks.amazonaws.com",
            description="ECS starts the service's tasks: its image, its secrets, its log group",
        )
        self.execution_policy = policy_document(
            self,
            "execution_policy_document",
            *image_pull_statements(workload.image_repository_arn),
            statement("ReadThisEnvironmentsSecrets", ["secretsmanager:GetSecretValue"], list(workload.secret_arns)),
            # The secrets and the image layers are encrypted with the environment's key.
            statement("DecryptWithThisEnvironmentsKey", ["kms:Decrypt"], [workload.kms_key_arn]),
            statement(
                "WriteThisServicesLogs",
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [f"{self.log_group.arn}:log-stream:*"],
            ),
        )
        self.execution_role_policy = aws.iam_role_policy.IamRolePolicy(
            self, "execution_policy", role=role.id, name="start-tasks", policy=self.execution_policy.json
        )
        return role

    def _task_role(self, prefix: str) -> aws.iam_role.IamRole:
        """What the running app may do: its cache and database users, as App Runner's instance role. The
        secrets reach it as environment variables that ECS injects with the execution role, so unlike App
        Runner's instance role it reads no secret and decrypts nothing; with no X-Ray daemon beside it, it
        writes no traces."""
        workload = self.workload
        role = service_role(
            self,
            "task_role",
            name=resource_name(prefix, "ecs-task", IAM_ROLE),
            service="ecs-tasks.amazonaws.com",
            description="The running service: its own cache and database users",
        )
        self.task_policy = policy_document(
            self,
            "task_policy_document",
            statement("ConnectToTheCacheWithIam", ["elasticache:Connect"], list(workload.cache_connect_arns)),
            statement("ConnectToTheDatabaseWithIam", ["rds-db:connect"], list(workload.database_connect_arns)),
        )
        self.task_role_policy = aws.iam_role_policy.IamRolePolicy(
            self, "task_policy", role=role.id, name="runtime", policy=self.task_policy.json
        )
        return role

    # -- task definition -----------------------------------------------------------------------------

    def container_definition(self) -> dict[str, object]:
        """The one container: the same plain variables and secret references App Runner gets."""
        settings, workload = self.settings, self.workload
        health = (
            "import sys, urllib.request; "
            f"sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:{workload.port}{workload.health_check_path}', "
            "timeout=4).status < 400 else 1)"
        )
        variables = {**workload.variables, "PORT": str(workload.port)}
        return {
            "name": CONTAINER,
            "image": f"{workload.image_repository_url}:{workload.image_tag}",
            "essential": True,
            "privileged": False,
            "readonlyRootFilesystem": settings.read_only_root,
            "portMappings": [{"containerPort": workload.port, "hostPort": workload.port, "protocol": "tcp"}],
            "environment": [{"name": name, "value": value} for name, value in sorted(variables.items())],
            # References only: ECS reads each value at task start with the execution role.
            "secrets": [{"name": name, "valueFrom": arn} for name, arn in sorted(workload.secrets.items())],
            # The image's own Python: no curl needed in a slim image.
            "healthCheck": {
                "command": ["CMD", "python3", "-c", health],
                "interval": 30,
                "timeout": 5,
                "retries": 3,
                "startPeriod": 60,
            },
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": self.log_group.name,
                    "awslogs-region": workload.region,
                    "awslogs-stream-prefix": CONTAINER,
                },
            },
            # A read-only root filesystem still needs somewhere to write temporary files.
            "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
            "volumesFrom": [],
        }

    def _task_definition(
        self, prefix: str, execution_role_arn: str, task_role_arn: str
    ) -> aws.ecs_task_definition.EcsTaskDefinition:
        settings = self.settings
        definition = aws.ecs_task_definition
        task = definition.EcsTaskDefinition(
            self,
            "task",
            family=resource_name(prefix, "app", ECS_NAME),
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(settings.cpu),
            memory=str(settings.memory),
            execution_role_arn=execution_role_arn,
            task_role_arn=task_role_arn,
            runtime_platform=definition.EcsTaskDefinitionRuntimePlatform(
                operating_system_family="LINUX", cpu_architecture=settings.cpu_architecture.upper()
            ),
            volume=[definition.EcsTaskDefinitionVolume(name="tmp")],
            container_definitions=json.dumps([self.container_definition()], sort_keys=True),
        )
        # Found once a plan knows the container definitions (every plan after the first).
        if not settings.read_only_root:
            suppress(task, "CKV_AWS_336", "read_only_root_filesystem = false in the environment file: the app "
                     "writes to its root filesystem", plan_only=True)  # fmt: skip
        return task

    # -- load balancer and HTTPS ---------------------------------------------------------------------

    def _load_balancer(
        self, prefix: str, vpc_id: str, subnet_ids: list[str], log_retention_days: int, tls_only: bool
    ) -> None:
        settings, workload = self.settings, self.workload
        self._load_balancer_group(prefix, vpc_id)
        self.logs = self._access_log_bucket(prefix, log_retention_days, tls_only)
        self.alb = aws.lb.Lb(
            self,
            "alb",
            name=resource_name(prefix, "", LOAD_BALANCER),
            load_balancer_type="application",
            internal=False,
            security_groups=[self.alb_group.id],
            subnets=subnet_ids,
            drop_invalid_header_fields=True,
            desync_mitigation_mode="defensive",
            access_logs=aws.lb.LbAccessLogs(bucket=self.logs.name, prefix="alb", enabled=True),
            # The bucket policy must let the load balancer in before it checks the bucket.
            depends_on=[self.logs.policy] if self.logs.policy else None,
        )
        self._load_balancer_waf()
        self.target_group = aws.lb_target_group.LbTargetGroup(
            self,
            "targets",
            name=resource_name(prefix, "app", LOAD_BALANCER),
            port=workload.port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=vpc_id,
            deregistration_delay="30",
            health_check=aws.lb_target_group.LbTargetGroupHealthCheck(
                path=workload.health_check_path,
                protocol="HTTP",
                matcher="200-399",
                interval=15,
                timeout=5,
                healthy_threshold=2,
                unhealthy_threshold=3,
            ),
        )
        if settings.domain:
            self._domain_front(settings.domain, settings.hosted_zone_id or "")
        else:
            self._cloudfront_front(prefix)

    def _load_balancer_waf(self) -> None:
        """The web ACL in front of the load balancer: its own with a domain, CloudFront's without one."""
        if self.web_acl is None:
            suppress(self.alb, "CKV2_AWS_28", NO_WAF)
        elif self.settings.domain:
            self.web_acl.associate("alb", self.alb.arn)
        else:
            suppress(self.alb, "CKV2_AWS_28", WAF_AT_CLOUDFRONT)

    def _load_balancer_group(self, prefix: str, vpc_id: str) -> None:
        """The load balancer's security group, and the one way into the tasks: from it, on their port."""
        workload = self.workload
        self.alb_group = aws.security_group.SecurityGroup(
            self,
            "alb_security_group",
            name=resource_name(prefix, "alb", GENERAL),
            description=f"{prefix}: the load balancer in front of the ECS service",
            vpc_id=vpc_id,
            tags={"Name": resource_name(prefix, "alb", GENERAL)},
        )
        rules = aws.vpc_security_group_ingress_rule, aws.vpc_security_group_egress_rule
        rules[0].VpcSecurityGroupIngressRule(
            self,
            "app_from_alb",
            security_group_id=workload.security_group_id,
            referenced_security_group_id=self.alb_group.id,
            ip_protocol="tcp",
            from_port=workload.port,
            to_port=workload.port,
            description="The service's port, from its load balancer only",
        )
        rules[1].VpcSecurityGroupEgressRule(
            self,
            "alb_to_app",
            security_group_id=self.alb_group.id,
            referenced_security_group_id=workload.security_group_id,
            ip_protocol="tcp",
            from_port=workload.port,
            to_port=workload.port,
            description="To the service's tasks on their port",
        )

    def _access_log_bucket(self, prefix: str, retention_days: int, tls_only: bool) -> PrivateBucket:
        """The load balancer's access logs: SSE-S3, the only encryption ALB log delivery supports."""
        elb = aws.data_aws_elb_service_account.DataAwsElbServiceAccount(self, "elb_account")
        account_id = self.account_id

        def delivery(bucket_arn: str) -> list[object]:
            return [
                statement(
                    "LoadBalancerAccessLogs",
                    ["s3:PutObject"],
                    [f"{bucket_arn}/alb/AWSLogs/{account_id}/*"],
                    principals={"AWS": [elb.arn]},
                )
            ]

        logs = PrivateBucket(
            self,
            "access_logs",
            name=None,
            name_prefix=resource_name(prefix, "alb-logs-", S3_BUCKET_PREFIX),
            owner=account_id,
            kms_key_arn=None,
            noncurrent_days=7,
            expire_days=retention_days,
            tls_only=tls_only,
            extra_statements=delivery,
        )
        bucket = logs.bucket
        reasons = {
            "CKV_AWS_145": "Load balancer access logs can only be delivered to a bucket encrypted with SSE-S3 "
            "(AES256), not SSE-KMS",
            "CKV_AWS_144": "Access logs kept for log_retention_days in one region; a replica doubles cost and "
            "protects no application data",
            "CKV2_AWS_62": "Nothing consumes events of access-log objects; notifications would be noise",
            "CKV_AWS_18": "This bucket is itself the access log of the load balancer; logging its own access "
            "would need yet another bucket",
        }
        for check_id, reason in reasons.items():
            suppress(bucket, check_id, reason)
        return logs

    def _domain_front(self, domain: str, zone_id: str) -> None:
        """ACM certificate validated in Route 53, HTTPS listener, HTTP redirected, alias record."""
        certificate_arn = self._certificate(domain, zone_id)
        listener = aws.lb_listener
        self.https_listener = listener.LbListener(
            self,
            "https",
            load_balancer_arn=self.alb.arn,
            port=HTTPS_PORT,
            protocol="HTTPS",
            ssl_policy=TLS_POLICY,
            certificate_arn=certificate_arn,
            default_action=[listener.LbListenerDefaultAction(type="forward", target_group_arn=self.target_group.arn)],
        )
        listener.LbListener(
            self,
            "http_redirect",
            load_balancer_arn=self.alb.arn,
            port=HTTP_PORT,
            protocol="HTTP",
            default_action=[
                listener.LbListenerDefaultAction(
                    type="redirect",
                    redirect=listener.LbListenerDefaultActionRedirect(
                        port=str(HTTPS_PORT), protocol="HTTPS", status_code="HTTP_301"
                    ),
                )
            ],
        )
        self.listener = self.https_listener
        self.routes: list[TerraformResource] = [self.https_listener]
        self._open_to_internet()
        aws.route53_record.Route53Record(
            self,
            "alias",
            zone_id=zone_id,
            name=domain,
            type="A",
            alias=aws.route53_record.Route53RecordAlias(
                name=self.alb.dns_name, zone_id=self.alb.zone_id, evaluate_target_health=True
            ),
        )
        self.url = f"https://{domain}"
        self.distribution: aws.cloudfront_distribution.CloudfrontDistribution | None = None

    def _open_to_internet(self) -> None:
        """With a domain, the load balancer is the public endpoint: HTTPS, and HTTP to be redirected."""
        for port, why in ((HTTPS_PORT, "HTTPS from anywhere: the service's public endpoint"),
                          (HTTP_PORT, "HTTP from anywhere, only to be redirected to HTTPS")):  # fmt: skip
            rule = aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule(
                self,
                f"alb_from_internet_{port}",
                security_group_id=self.alb_group.id,
                cidr_ipv4="0.0.0.0/0",
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=why,
            )
            if port == HTTP_PORT:
                redirect_only = "Port 80 is open only for the listener that redirects every request to HTTPS (HTTP_301)"
                suppress(rule, "CKV_AWS_260", redirect_only)
                # In a plan with known values checkov finds it on the group the rule belongs to.
                suppress(self.alb_group, "CKV_AWS_260", redirect_only, plan_only=True)

    def _certificate(self, domain: str, zone_id: str) -> str:
        """An ACM certificate for ``domain``, validated through a record in the zone; its ARN once valid."""
        certificate = aws.acm_certificate.AcmCertificate(
            self,
            "certificate",
            domain_name=domain,
            validation_method="DNS",
            key_algorithm="EC_prime256v1",
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        # One name, no alternative names: exactly one validation record, known before apply (a for_each
        # over domain_validation_options is not: provider issue 23460).
        logical_id = TerraformStack.of(self).get_logical_id(certificate)
        option = f"tolist(aws_acm_certificate.{logical_id}.domain_validation_options)[0]"
        validation = aws.route53_record.Route53Record(
            self,
            "certificate_validation",
            zone_id=zone_id,
            name=f"${{{option}.resource_record_name}}",
            type=f"${{{option}.resource_record_type}}",
            records=[f"${{{option}.resource_record_value}}"],
            ttl=300,
            allow_overwrite=True,
        )
        validated = aws.acm_certificate_validation.AcmCertificateValidation(
            self,
            "certificate_validated",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[validation.fqdn],
        )
        arn: str = validated.certificate_arn
        return arn

    def _origin_secret(self, prefix: str) -> str:
        """The header value only this distribution sends: drawn by Secrets Manager, never in the JSON."""
        generator = "origin_verify"
        TerraformStack.of(self).add_override(
            f"ephemeral.aws_secretsmanager_random_password.{generator}",
            {"password_length": 48, "exclude_punctuation": True, "require_each_included_type": True},
        )
        secret = aws.secretsmanager_secret.SecretsmanagerSecret(
            self,
            "origin_verify",
            name=fit(f"{prefix}/alb/origin-verify", GENERAL),
            description=f"{prefix}: the header CloudFront adds so that the load balancer serves it alone",
            kms_key_id=self.workload.kms_key_arn,
        )
        suppress(
            secret,
            "CKV2_AWS_57",
            "The origin header has no rotation Lambda: CloudFront and the listener must change together, "
            "which one apply does",
        )
        version = aws.secretsmanager_secret_version.SecretsmanagerSecretVersion(
            self,
            "origin_verify_value",
            secret_id=secret.id,
            secret_string_wo=f"${{ephemeral.aws_secretsmanager_random_password.{generator}.random_password}}",
            secret_string_wo_version=1,
        )
        read = aws.data_aws_secretsmanager_secret_version.DataAwsSecretsmanagerSecretVersion(
            self, "origin_verify_read", secret_id=secret.id, depends_on=[version]
        )
        value: str = read.secret_string
        return value

    def _cloudfront_front(self, prefix: str) -> None:
        """CloudFront's default certificate in front of the load balancer; the load balancer takes only
        requests from CloudFront's addresses that carry this distribution's secret header."""
        header_value = self._origin_secret(prefix)
        prefix_list = aws.data_aws_ec2_managed_prefix_list.DataAwsEc2ManagedPrefixList(
            self, "cloudfront_origin_facing", name=CLOUDFRONT_PREFIX_LIST
        )
        from_cloudfront = aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule(
            self,
            "alb_from_cloudfront",
            security_group_id=self.alb_group.id,
            prefix_list_id=prefix_list.id,
            ip_protocol="tcp",
            from_port=HTTP_PORT,
            to_port=HTTP_PORT,
            description="HTTP from CloudFront's origin-facing addresses only",
        )
        suppress(
            from_cloudfront,
            "CKV_AWS_260",
            "The source is CloudFront's origin-facing managed prefix list, not 0.0.0.0/0; checkov reads any "
            "rule without a security group source as open to the internet",
        )
        self._origin_listener(header_value)
        self.distribution = self._distribution(prefix, header_value)
        self.url = f"https://{self.distribution.domain_name}"

    def _origin_listener(self, header_value: str) -> None:
        """HTTP from CloudFront: 403 unless the request carries the secret header."""
        listener = aws.lb_listener
        self.listener = listener.LbListener(
            self,
            "http",
            load_balancer_arn=self.alb.arn,
            port=HTTP_PORT,
            protocol="HTTP",
            default_action=[
                listener.LbListenerDefaultAction(
                    type="fixed-response",
                    fixed_response=listener.LbListenerDefaultActionFixedResponse(
                        content_type="text/plain", message_body="Forbidden", status_code="403"
                    ),
                )
            ],
        )
        rule = aws.lb_listener_rule
        self.origin_rule = rule.LbListenerRule(
            self,
            "from_cloudfront",
            listener_arn=self.listener.arn,
            priority=1,
            action=[rule.LbListenerRuleAction(type="forward", target_group_arn=self.target_group.arn)],
            condition=[
                rule.LbListenerRuleCondition(
                    http_header=rule.LbListenerRuleConditionHttpHeader(
                        http_header_name=ORIGIN_HEADER, values=[header_value]
                    )
                )
            ],
        )
        self.routes = [self.listener, self.origin_rule]
        no_tls = NO_TLS_TO_ORIGIN
        for check_id in ("CKV_AWS_2", "CKV_AWS_103"):
            suppress(self.listener, check_id, no_tls)
        suppress(self.alb, "CKV2_AWS_20", no_tls)
        suppress(self.target_group, "CKV_AWS_378", no_tls)

    def _distribution(self, prefix: str, header_value: str) -> aws.cloudfront_distribution.CloudfrontDistribution:
        """CloudFront with its default certificate, nothing cached, the secret header added to every request."""
        distribution = aws.cloudfront_distribution
        cdn = distribution.CloudfrontDistribution(
            self,
            "cdn",
            comment=f"{prefix}: HTTPS in front of the load balancer",
            enabled=True,
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class="PriceClass_100",
            origin=[
                distribution.CloudfrontDistributionOrigin(
                    origin_id="alb",
                    domain_name=self.alb.dns_name,
                    custom_origin_config=distribution.CloudfrontDistributionOriginCustomOriginConfig(
                        http_port=HTTP_PORT,
                        https_port=HTTPS_PORT,
                        origin_protocol_policy="http-only",
                        origin_ssl_protocols=["TLSv1.2"],
                        origin_read_timeout=60,
                    ),
                    custom_header=[
                        distribution.CloudfrontDistributionOriginCustomHeader(name=ORIGIN_HEADER, value=header_value)
                    ],
                )
            ],
            default_cache_behavior=distribution.CloudfrontDistributionDefaultCacheBehavior(
                target_origin_id="alb",
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"],
                cached_methods=["GET", "HEAD"],
                compress=True,
                cache_policy_id=CACHING_DISABLED,
                origin_request_policy_id=ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy_id=SECURITY_HEADERS,
            ),
            restrictions=distribution.CloudfrontDistributionRestrictions(
                geo_restriction=distribution.CloudfrontDistributionRestrictionsGeoRestriction(restriction_type="none")
            ),
            viewer_certificate=distribution.CloudfrontDistributionViewerCertificate(
                cloudfront_default_certificate=True
            ),
            web_acl_id=self.web_acl.arn if self.web_acl else None,
        )
        for check_id, reason in {**CDN_SUPPRESSIONS, **({} if self.web_acl else CDN_WITHOUT_WAF)}.items():
            suppress(cdn, check_id, reason)
        # The origin leg is HTTP; checkov finds it once a plan knows the origin (every plan after the first).
        suppress(cdn, "CKV2_AWS_72", NO_TLS_TO_ORIGIN, plan_only=True)
        return cdn

    # -- service and scaling -------------------------------------------------------------------------

    def _service(self, public_task_ip: bool) -> aws.ecs_service.EcsService:
        settings, workload = self.settings, self.workload
        service = aws.ecs_service
        resource = service.EcsService(
            self,
            "service",
            name=self.service_name,
            cluster=self.cluster.id,
            task_definition=self.task_definition.arn,
            desired_count=settings.min_instances,
            launch_type="FARGATE",
            platform_version="LATEST",
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            health_check_grace_period_seconds=60,
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            deployment_circuit_breaker=service.EcsServiceDeploymentCircuitBreaker(enable=True, rollback=True),
            # A deploy (a new image_tag: a new task definition revision, a rolling deployment) returns once the
            # new tasks are healthy, or fails when the circuit breaker rolled them back.
            wait_for_steady_state=True,
            network_configuration=service.EcsServiceNetworkConfiguration(
                subnets=workload.subnet_ids,
                security_groups=[workload.security_group_id],
                assign_public_ip=public_task_ip,
            ),
            load_balancer=[
                service.EcsServiceLoadBalancer(
                    target_group_arn=self.target_group.arn, container_name=CONTAINER, container_port=workload.port
                )
            ],
            # Auto scaling owns the task count once the service runs.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["desired_count"]),
            # The roles' policies before a task starts; the app runs its migrations on start, so the
            # database too; the listener (and its rule), or the target group belongs to no load balancer yet.
            depends_on=[
                self.execution_role_policy,
                self.task_role_policy,
                *self.routes,
                *workload.start_after,
            ],
        )
        if public_task_ip:
            suppress(
                resource,
                "CKV_AWS_333",
                "The default VPC has no NAT: a task needs a public address to pull its image and reach AWS "
                "APIs; its security group admits only the load balancer (network.mode = dedicated avoids it)",
            )
        return resource

    def _scaling(self) -> None:
        settings = self.settings
        target = aws.appautoscaling_target.AppautoscalingTarget(
            self,
            "scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=f"service/{self.cluster.name}/{self.service.name}",
            min_capacity=settings.min_instances,
            max_capacity=settings.max_instances,
        )
        policy = aws.appautoscaling_policy
        tracking = policy.AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration
        metric = policy.AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification
        for policy_id, metric_type, value, label in (
            (
                "requests",
                "ALBRequestCountPerTarget",
                requests_per_target(settings.max_concurrency),
                f"{self.alb.arn_suffix}/{self.target_group.arn_suffix}",
            ),
            ("cpu", "ECSServiceAverageCPUUtilization", CPU_TARGET_PERCENT, None),
        ):
            policy.AppautoscalingPolicy(
                self,
                f"scale_on_{policy_id}",
                name=resource_name(self.service_name, policy_id, GENERAL),
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=tracking(
                    target_value=value,
                    scale_in_cooldown=300,
                    scale_out_cooldown=60,
                    predefined_metric_specification=metric(predefined_metric_type=metric_type, resource_label=label),
                ),
            )
        self.min_tasks, self.max_tasks = settings.min_instances, settings.max_instances
