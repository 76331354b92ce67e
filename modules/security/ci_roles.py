"""The two roles GitHub Actions assumes for one environment, through the account's OIDC provider.

- ``<prefix>-ci-plan``: pull requests of the repository (``sub`` = ``repo:<repo>:pull_request``). AWS's
  ``ReadOnlyAccess`` for the refresh, its own state object and lock file, the state key through S3, and the
  environment's secrets (a refresh of ``aws_secretsmanager_secret_version`` calls GetSecretValue). Reading
  any other object of any bucket is denied: the state bucket holds every environment's state.
- ``<prefix>-ci-apply``: the job that declares ``environment: <env>`` (``sub`` =
  ``repo:<repo>:environment:<env>``). The same reads, and writes only on what carries the environment's
  name (``<prefix>-*``) or, where AWS names a resource by a random id (security groups, KMS keys, backup
  plans), its ``environment`` tag; it can never change the two CI roles themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from modules.framework import Construct, aws
from modules.security.github_oidc import github_oidc_provider_arn
from modules.security.iam import policy_document, statement
from modules.settings.ci import GITHUB_OIDC_HOST, STS_AUDIENCE, apply_subject, plan_subject
from modules.settings.naming import (
    ci_role_name,
    state_bucket_name,
    state_key,
    state_key_alias,
    waf_key_alias,
    waf_log_group_name,
    web_acl_name,
)
from modules.stack import suppress

READ_ONLY_POLICY = "ReadOnlyAccess"  # AWS managed: Describe/List/Get of every service, no secret values
ENV_TAG = "environment"  # set on every resource of the environment by the provider's default_tags
# Resources whose ARN carries no name, only an id AWS draws: scoped by the environment tag instead.
TAGGED_SERVICES = ("ec2", "kms", "backup")
# AWS managed policies the stack attaches to its service roles live under this path; nothing else may be.
SERVICE_ROLE_POLICIES = "iam::aws:policy/service-role/*"
SERVICE_LINKED_ROLES = (
    "rds.amazonaws.com",
    "elasticache.amazonaws.com",
    "apprunner.amazonaws.com",
    "backup.amazonaws.com",
    "ecs.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
)
# ECS: what AWS names by a drawn id (distributions, certificates, scalable targets) is scoped by the tag.
ECS_TAGGED_SERVICES = ("cloudfront", "acm", "application-autoscaling")


@dataclass(frozen=True, kw_only=True)
class CiTarget:
    """What the roles are for: the repository, the environment and where its state lives."""

    repository: str  # owner/name
    environment: str
    project: str
    prefix: str  # <project>-<environment>: the name of everything the environment owns
    region: str
    account_id: str
    partition: str
    key_arn: str  # the environment's own CMK (secrets, logs, data)
    platform: str = "apprunner"  # [app] platform: which compute backend's resources the apply role writes
    hosted_zone_id: str | None = None  # [app] hosted_zone_id: the zone whose records the apply role writes
    waf_scope: str | None = None  # [waf]: REGIONAL or CLOUDFRONT, the web ACL the apply role writes; None: none
    waf_region: str = ""  # where that web ACL, its log group (and, outside the stack's region, its key) live


class CiRoles(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, target: CiTarget) -> None:
        super().__init__(scope, construct_id)
        self.target = target
        provider_arn = github_oidc_provider_arn(self, "github")
        state_key_arn = (
            aws.data_aws_kms_alias.DataAwsKmsAlias(self, "state_key", name=state_key_alias(target.project))
        ).target_key_arn
        self.plan_role_name = ci_role_name(target.prefix, "plan")
        self.apply_role_name = ci_role_name(target.prefix, "apply")
        secrets = self._secrets()
        self.plan_role = self._role(
            "plan",
            name=self.plan_role_name,
            description=f"GitHub Actions plans {target.environment} on pull requests of {target.repository}",
            subject=plan_subject(target.repository),
            provider_arn=provider_arn,
            statements=[*self._state(state_key_arn, write=False), *secrets, self._deny_other_objects()],
        )
        self.apply_role = self._role(
            "apply",
            name=self.apply_role_name,
            description=f"GitHub Actions deploys {target.environment} from {target.repository}",
            subject=apply_subject(target.repository, target.environment),
            provider_arn=provider_arn,
            statements=[*self._state(state_key_arn, write=True), *secrets, *self._writes(), *self._guards()],
        )
        self.plan_role_arn: str = self.plan_role.arn
        self.apply_role_arn: str = self.apply_role.arn

    # --- roles -----------------------------------------------------------------------------------------

    def _role(
        self,
        purpose: str,
        *,
        name: str,
        description: str,
        subject: str,
        provider_arn: str,
        statements: Sequence[object],
    ) -> aws.iam_role.IamRole:
        trust = policy_document(
            self,
            f"{purpose}_trust",
            statement(
                "GitHubActionsOfOneRepository",
                ["sts:AssumeRoleWithWebIdentity"],
                principals={"Federated": [provider_arn]},
                conditions=[
                    ("StringEquals", f"{GITHUB_OIDC_HOST}:aud", [STS_AUDIENCE]),
                    ("StringEquals", f"{GITHUB_OIDC_HOST}:sub", [subject]),
                ],
            ),
        )
        suppress(
            trust,
            "PARLIAMENT.MALFORMED",
            "A trust policy names a principal and no resource; parliament reads every document as an identity policy",
        )
        suppress(
            trust,
            "PARLIAMENT.UNKNOWN_FEDERATION_SOURCE",
            "GitHub Actions' OIDC issuer, registered in the account by the bootstrap; parliament knows only the "
            "federation sources AWS has built in (Cognito, Login with Amazon, Facebook, Google)",
        )
        role = aws.iam_role.IamRole(
            self, purpose, name=name, description=description, assume_role_policy=trust.json, max_session_duration=3600
        )
        aws.iam_role_policy_attachment.IamRolePolicyAttachment(
            self,
            f"{purpose}_read_only",
            role=role.name,
            policy_arn=f"arn:{self.target.partition}:iam::aws:policy/{READ_ONLY_POLICY}",
        )
        document = policy_document(self, f"{purpose}_policy_document", *statements)
        self._accept_findings(purpose, document)
        aws.iam_role_policy.IamRolePolicy(self, f"{purpose}_policy", role=role.id, name=purpose, policy=document.json)
        return role

    def _accept_findings(self, purpose: str, document: object) -> None:
        if purpose != "apply":
            return
        suppress(
            document,  # type: ignore[arg-type]
            "PARLIAMENT.RESOURCE_MISMATCH",
            "service:* on the environment's named ARNs only: parliament reports each action of the service whose "
            "resource type is not among them, and IAM grants exactly those actions nothing",
        )
        suppress(
            document,  # type: ignore[arg-type]
            "PARLIAMENT.RESOURCE_STAR",
            "Only under aws:RequestTag or aws:ResourceTag environment = this environment: EC2, KMS and AWS Backup "
            "name these resources by ids AWS draws, so the environment tag is their scope",
        )
        if self.target.platform == "ecs":
            suppress(
                document,  # type: ignore[arg-type]
                "PARLIAMENT.UNKNOWN_ACTION",
                "cloudfront:CreateDistributionWithTags is CloudFront's (Service Authorization Reference): the "
                "provider calls it for a distribution with tags; parliament's action list predates it",
            )

    # --- what both roles read --------------------------------------------------------------------------

    def _arn(
        self, service: str, resource: str, *, region: bool = True, account: bool = True, in_region: str = ""
    ) -> str:
        """An ARN of this account in the stack's region (``in_region``: another one; ``region=False``: none)."""
        t = self.target
        where = (in_region or t.region) if region else ""
        return f"arn:{t.partition}:{service}:{where}:{t.account_id if account else ''}:{resource}"

    def _state_object(self, suffix: str = "") -> str:
        t = self.target
        bucket = state_bucket_name(t.project, t.region, t.account_id)
        return f"arn:{t.partition}:s3:::{bucket}/{state_key(t.environment)}{suffix}"

    def _state(self, state_key_arn: str, *, write: bool) -> list[object]:
        """The environment's own state object (read; written by apply only), its lock file (S3 lockfile
        locking: put and delete for every run that takes the lock) and the state key through S3."""
        t = self.target
        bucket = state_bucket_name(t.project, t.region, t.account_id)
        own_state = (
            statement("ReadWriteOwnState", ["s3:GetObject", "s3:PutObject"], [self._state_object()])
            if write
            else statement("ReadOwnState", ["s3:GetObject"], [self._state_object()])
        )
        return [
            statement("ListStateBucket", ["s3:ListBucket"], [f"arn:{t.partition}:s3:::{bucket}"]),
            own_state,
            statement(
                "HoldOwnStateLock", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [self._state_object(".tflock")]
            ),
            statement(
                "StateKeyThroughS3",
                ["kms:Decrypt", "kms:GenerateDataKey"],
                [state_key_arn],
                conditions=[("StringEquals", "kms:ViaService", [f"s3.{t.region}.amazonaws.com"])],
            ),
        ]

    def _secrets(self) -> list[object]:
        t = self.target
        return [
            statement(
                "RefreshReadsOwnSecrets",
                ["secretsmanager:GetSecretValue"],
                [self._arn("secretsmanager", f"secret:{t.prefix}/*")],
            ),
            statement(
                "OwnKeyThroughSecretsManager",
                ["kms:Decrypt"],
                [t.key_arn],
                conditions=[("StringEquals", "kms:ViaService", [f"secretsmanager.{t.region}.amazonaws.com"])],
            ),
            statement("GeneratedPasswords", ["secretsmanager:GetRandomPassword"], ["*"]),
        ]

    def _deny_other_objects(self) -> object:
        """ReadOnlyAccess reads every object; the plan role reads its own state object and lock file only
        (the state bucket's key decrypts every environment's state: S3 bucket keys hide which object)."""
        return statement(
            "NoOtherObjects",
            ["s3:GetObject", "s3:GetObjectVersion"],
            effect="Deny",
            not_resources=[self._state_object(), self._state_object(".tflock")],
        )

    # --- what the apply role writes --------------------------------------------------------------------

    def _named(self) -> dict[str, list[str]]:
        """Per service, the ARNs of what the environment names ``<prefix>`` / ``<prefix>-*``."""
        p = self.target.prefix
        apprunner = ["service", "autoscalingconfiguration", "observabilityconfiguration", "vpcconnector"]
        return {
            "rds": [
                self._arn("rds", f"{kind}:{p}-*")
                for kind in ("cluster", "db", "subgrp", "cluster-pg", "cluster-snapshot")
            ],
            "elasticache": [
                self._arn("elasticache", f"{kind}:{p}-*")
                for kind in (
                    "replicationgroup",
                    "cluster",
                    "subnetgroup",
                    "parametergroup",
                    "user",
                    "usergroup",
                    "snapshot",
                )
            ],
            "apprunner": [self._arn("apprunner", f"{kind}/{p}{tail}") for kind in apprunner for tail in ("/*", "-*/*")],
            "ecr": [self._arn("ecr", f"repository/{p}"), self._arn("ecr", f"repository/{p}-*")],
            "secretsmanager": [self._arn("secretsmanager", f"secret:{p}/*")],
            "sns": [self._arn("sns", f"{p}-*")],
            "cloudwatch": [self._arn("cloudwatch", f"alarm:{p}-*")],
            "logs": [
                self._arn("logs", f"log-group:{group}{p}-*")
                for group in ("/aws/rds/cluster/", "/aws/elasticache/", "/aws/apprunner/", "/aws/vpc/")
            ],
            "backup": [self._arn("backup", f"backup-vault:{p}-*")],
            "budgets": [self._arn("budgets", f"budget/{p}-*", region=False)],
        } | (self._named_ecs() if self.target.platform == "ecs" else {})

    def _named_ecs(self) -> dict[str, list[str]]:
        """The ECS backend's: cluster, service, task definitions, load balancer, its log bucket and log group."""
        p = self.target.prefix
        return {
            "ecs": [
                self._arn("ecs", f"cluster/{p}"),
                self._arn("ecs", f"service/{p}/*"),
                self._arn("ecs", f"task-definition/{p}-*:*"),
            ],
            "elasticloadbalancing": [
                self._arn("elasticloadbalancing", f"{kind}/{p}{tail}")
                for kind, tail in (
                    ("loadbalancer/app", "/*"),
                    ("listener/app", "/*"),
                    ("listener-rule/app", "/*"),
                    ("targetgroup", "-*/*"),
                )
            ],
            "s3": [f"arn:{self.target.partition}:s3:::{p}-alb-logs-*"],
            "logs_ecs": [self._arn("logs", f"log-group:/ecs/{p}-*")],
        }

    def _named_waf(self) -> dict[str, list[str]]:
        """[waf]: the web ACL, what it protects (AssociateWebACL is authorized on both), its log group and, in
        another region than the stack's, its key's alias."""
        t = self.target
        if not t.waf_scope:
            return {}
        kind = "global" if t.waf_scope == "CLOUDFRONT" else "regional"
        # A CLOUDFRONT web ACL is named by the distribution (cloudfront:UpdateDistribution, the ECS statements).
        protected = (
            []
            if t.waf_scope == "CLOUDFRONT"
            else [
                self._arn("elasticloadbalancing", f"loadbalancer/app/{t.prefix}/*")
                if t.platform == "ecs"
                else self._arn("apprunner", f"service/{t.prefix}-*/*")
            ]
        )
        group = waf_log_group_name(t.prefix)
        web_acl = f"{kind}/webacl/{web_acl_name(t.prefix)}/*"
        named = {
            "wafv2": [self._arn("wafv2", web_acl, in_region=t.waf_region), *protected],
            "logs_waf": [self._arn("logs", f"log-group:{group}{tail}", in_region=t.waf_region) for tail in ("", ":*")],
        }
        if t.waf_region != t.region:
            named["kms_waf"] = [self._arn("kms", f"alias/{waf_key_alias(t.prefix)}", in_region=t.waf_region)]
        return named

    def _waf_unnamed(self) -> list[object]:
        """AWS WAF writes its logs to CloudWatch Logs through a log delivery and the log group's resource
        policy, which it creates with the caller's permissions (AWS WAF Developer Guide, "Sending web ACL
        traffic logs to an Amazon CloudWatch Logs log group"): these calls accept only "*"."""
        if not self.target.waf_scope:
            return []
        delivery = [
            "logs:CreateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
        ]
        return [statement("WafLogDelivery", delivery, ["*"])]

    def _writes(self) -> list[object]:
        named = [
            statement(f"Own{service.title().replace('_', '')}", [f"{service.split('_')[0]}:*"], arns)
            for service, arns in (self._named() | self._named_waf()).items()
        ]
        # RDS creates the master user's secret with the caller's permissions, under a name RDS chooses.
        rds_secret = statement(
            "RdsManagedMasterSecret",
            [
                "secretsmanager:CreateSecret",
                "secretsmanager:TagResource",
                "secretsmanager:RotateSecret",
                "secretsmanager:DeleteSecret",
            ],
            [self._arn("secretsmanager", "secret:rds!cluster-*")],
        )
        return [
            *named,
            rds_secret,
            *self._iam(),
            *self._tagged(),
            *self._ecs_unnamed(),
            *self._domain_zone(),
            *self._waf_unnamed(),
        ]

    def _ecs_unnamed(self) -> list[object]:
        """ECS actions AWS authorizes on no resource."""
        t = self.target
        if t.platform != "ecs":
            return []
        return [
            # RegisterTaskDefinition and DeregisterTaskDefinition accept only "*" (Service Authorization
            # Reference, Amazon ECS); the family is this environment's by name. The Describe/List/Get calls of
            # ECS, ELB, CloudFront, ACM and Application Auto Scaling come with ReadOnlyAccess.
            statement("EcsTaskDefinitions", ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition"], ["*"]),
            statement(
                "EcsCreateTaggedForThisEnvironment",
                [
                    "cloudfront:CreateDistributionWithTags",
                    "cloudfront:TagResource",
                    "acm:RequestCertificate",
                    "acm:AddTagsToCertificate",
                    "application-autoscaling:RegisterScalableTarget",
                    "application-autoscaling:TagResource",
                ],
                ["*"],
                conditions=[("StringEquals", f"aws:RequestTag/{ENV_TAG}", [t.environment])],
            ),
            statement(
                "EcsChangeTaggedForThisEnvironment",
                [f"{service}:*" for service in ECS_TAGGED_SERVICES],
                ["*"],
                conditions=[("StringEquals", f"aws:ResourceTag/{ENV_TAG}", [t.environment])],
            ),
        ]

    def _domain_zone(self) -> list[object]:
        """The records of the domain's hosted zone (certificate validation, the domain's own record), on
        either platform."""
        t = self.target
        if not t.hosted_zone_id:
            return []
        return [
            statement(
                "RecordsOfTheDomainsZone",
                ["route53:ChangeResourceRecordSets", "route53:GetHostedZone", "route53:ListResourceRecordSets"],
                [f"arn:{t.partition}:route53:::hostedzone/{t.hosted_zone_id}"],
            ),
            statement("Route53Changes", ["route53:GetChange"], [f"arn:{t.partition}:route53:::change/*"]),
        ]

    def _iam(self) -> list[object]:
        """The environment's service roles (``<prefix>-*``), and only AWS's service-role policies on them."""
        t = self.target
        roles = [self._arn("iam", f"role/{t.prefix}-*", region=False)]
        return [
            statement(
                "OwnServiceRoles",
                [
                    "iam:CreateRole",
                    "iam:DeleteRole",
                    "iam:UpdateRole*",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:PutRolePolicy",
                    "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy",
                ],
                roles,
            ),
            statement(
                "AttachOnlyServiceRolePolicies",
                ["iam:AttachRolePolicy"],
                roles,
                conditions=[("ArnLike", "iam:PolicyARN", [f"arn:{t.partition}:{SERVICE_ROLE_POLICIES}"])],
            ),
            statement(
                "PassOwnRolesToTheirServices",
                ["iam:PassRole"],
                roles,
                conditions=[
                    (
                        "StringEquals",
                        "iam:PassedToService",
                        [
                            "tasks.apprunner.amazonaws.com",
                            "build.apprunner.amazonaws.com",
                            "monitoring.rds.amazonaws.com",
                            "backup.amazonaws.com",
                            "vpc-flow-logs.amazonaws.com",
                            *(["ecs-tasks.amazonaws.com"] if t.platform == "ecs" else []),
                        ],
                    ),
                ],
            ),
            statement(
                "ServiceLinkedRoles",
                ["iam:CreateServiceLinkedRole"],
                [self._arn("iam", "role/aws-service-role/*", region=False)],
                conditions=[("StringEquals", "iam:AWSServiceName", list(SERVICE_LINKED_ROLES))],
            ),
        ]

    def _tagged(self) -> list[object]:
        """Resources named by an id AWS draws: created only with the environment tag, changed only while
        they carry it."""
        env = self.target.environment
        return [
            statement(
                "CreateTaggedForThisEnvironment",
                [
                    "ec2:Create*",
                    "ec2:AllocateAddress",
                    "ec2:RunInstances",
                    "kms:CreateKey",
                    "kms:TagResource",
                    "backup:CreateBackupPlan",
                    "backup:TagResource",
                ],
                ["*"],
                conditions=[("StringEquals", f"aws:RequestTag/{ENV_TAG}", [env])],
            ),
            statement(
                "SecurityGroupsInTheVpc",
                ["ec2:CreateSecurityGroup"],
                [self._arn("ec2", "vpc/*")],
            ),
            statement(
                "ChangeTaggedForThisEnvironment",
                [f"{service}:*" for service in TAGGED_SERVICES],
                ["*"],
                conditions=[("StringEquals", f"aws:ResourceTag/{ENV_TAG}", [env])],
            ),
            statement(
                "OwnKeyAlias",
                ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
                [self._arn("kms", f"alias/{self.target.prefix}")],
            ),
        ]

    def _guards(self) -> list[object]:
        """Denials no Allow above can outweigh."""
        t = self.target
        return [
            statement(
                "NeverChangeTheCiRoles",
                ["iam:Put*", "iam:Attach*", "iam:Detach*", "iam:Delete*", "iam:Update*", "iam:Tag*", "iam:Untag*"],
                [
                    self._arn("iam", f"role/{name}", region=False)
                    for name in (self.plan_role_name, self.apply_role_name)
                ],
                effect="Deny",
            ),
            statement(
                "NeverRetagAnotherEnvironment",
                [
                    "ec2:CreateTags",
                    "ec2:DeleteTags",
                    "kms:TagResource",
                    "kms:UntagResource",
                    "backup:TagResource",
                    "backup:UntagResource",
                ],
                ["*"],
                effect="Deny",
                conditions=[
                    ("Null", f"aws:ResourceTag/{ENV_TAG}", ["false"]),
                    ("StringNotEquals", f"aws:ResourceTag/{ENV_TAG}", [t.environment]),
                ],
            ),
        ]
