"""Every name that reaches AWS, with the limit AWS puts on it beside the rule.

Resource names are ``<project>-<environment>-<what>``. Validation accepts a project of up to 20 and an
environment of up to 16 characters, so some names could exceed what AWS accepts (App Runner service
names: 40). Rather than refuse inputs that validation already accepted, a name that would be too long
is shortened deterministically: cut, then a stable 6-character hash of the full name, so two different
long names never meet and the same input always gives the same name. Names that fit, which is every
name of the shipped environments, are left exactly as they are (a renamed resource is a replaced one).

The environment stacks find their state backend by this convention (project, account, region), never
by a value copied by hand from the bootstrap outputs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

NAME = r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*"
REGION = (
    r"(?:us|eu|ap|ca|sa|me|af|il|mx)(?:-gov)?-"
    r"(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-[1-9]"
)
MAX_BUCKET_NAME = 63
# The state-backend stacks are bootstrap[-<project>-<account>-<region>]: no environment may be named so.
RESERVED_PREFIX = "bootstrap"
HASH_LENGTH = 6


@dataclass(frozen=True)
class NameRule:
    """How long a kind of name may be and what it may contain (the AWS API reference of each)."""

    max_length: int
    charset: str


# fmt: off
APPRUNNER_SERVICE = NameRule(40, "letters, digits, - and _; starts with a letter or digit (CreateService, 4-40)")
APPRUNNER_CONFIGURATION = NameRule(32, "letters, digits, - and _ (auto scaling and observability configurations, 4-32)")
APPRUNNER_VPC_CONNECTOR = NameRule(40, "letters, digits, - and _ (CreateVpcConnector, 4-40)")
# AWS documents 1-40 for replication group ids; for user and user group ids it documents only a minimum
# of 1 and the pattern [a-zA-Z][a-zA-Z0-9-]*: 40 is this project's own rule for them, to stay clear.
ELASTICACHE_ID = NameRule(40, "letters, digits and single hyphens; starts with a letter; no trailing hyphen")
RDS_IDENTIFIER = NameRule(63, "letters, digits and single hyphens; starts with a letter (clusters and instances)")
RDS_SNAPSHOT = NameRule(255, "letters, digits and single hyphens; starts with a letter")
IAM_ROLE = NameRule(64, "letters, digits and +=,.@_- (CreateRole)")
S3_BUCKET = NameRule(MAX_BUCKET_NAME, "lowercase letters, digits, hyphens and dots (3-63)")
BACKUP_NAME = NameRule(50, "letters, digits and -_. (vaults 2-50; plan and selection names 1-50)")
LOAD_BALANCER = NameRule(32, "letters, digits and hyphens; no leading or trailing hyphen (ALBs and target groups)")
ECS_NAME = NameRule(255, "letters, digits, hyphens and underscores (clusters, services, task definition families)")
S3_BUCKET_PREFIX = NameRule(37, "lowercase letters, digits and hyphens (bucket_prefix: S3 appends 26 characters)")
BUDGET_NAME = NameRule(100, "no : or \\ (CreateBudget)")
# AWS WAF (CreateWebACL): names 1-128 of letters, digits, - and _; metric names 1-255 of letters, digits and
# _ # : . - / (never All or Default_Action, which no name here can be).
WAF_NAME = NameRule(128, "letters, digits, - and _ (web ACLs and their rules, 1-128)")
WAF_METRIC = NameRule(255, "letters, digits and _ # : . - / (CloudWatch metric names of a web ACL, 1-255)")
GENERAL = NameRule(255, "security groups, parameter and subnet groups, alarms, topics, secrets, log groups (>= 255)")
# fmt: on


def fit(name: str, rule: NameRule) -> str:
    """``name`` when it fits ``rule``; otherwise cut and suffixed with a stable hash of the whole name."""
    if len(name) <= rule.max_length:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:HASH_LENGTH]
    return f"{name[: rule.max_length - HASH_LENGTH - 1].rstrip('-_.')}-{digest}"


def resource_name(prefix: str, what: str, rule: NameRule) -> str:
    """``<prefix>-<what>`` (``cerberus-stage-valkey``) within ``rule``."""
    return fit(f"{prefix}-{what}" if what else prefix, rule)


def web_acl_name(prefix: str) -> str:
    """``<prefix>-waf``: the environment's web ACL ([waf])."""
    return resource_name(prefix, "waf", WAF_NAME)


def waf_log_group_name(prefix: str) -> str:
    """``aws-waf-logs-<prefix>``: AWS WAF delivers logs only to a log group whose name starts so."""
    return fit(f"aws-waf-logs-{prefix}", GENERAL)


def waf_key_alias(prefix: str) -> str:
    """``<prefix>-waf-logs``: the alias (without ``alias/``) of the key of a web ACL's logs outside the stack's
    region (KMS aliases: up to 256 characters, letters, digits and / _ -)."""
    return resource_name(prefix, "waf-logs", WAF_NAME)


def state_bucket_name(project: str, region: str, account_id: str) -> str:
    """``<project>-tfstate-<account_id>-<region>``. S3 bucket names are global: without the account id,
    the second user anywhere who keeps the project name could not bootstrap, and whoever created the name
    first would receive the state of everyone who points a backend at it. A deploy to AWS therefore needs
    ``account_id`` (``scripts/ops`` refuses without it); only local mode, against the emulator, goes
    without it: ``<project>-tfstate-<region>``."""
    return "-".join(part for part in (project, "tfstate", account_id, region) if part)


def log_bucket_name(project: str, region: str, account_id: str) -> str:
    return "-".join(part for part in (project, "tfstate-logs", account_id, region) if part)


def lock_table_name(project: str) -> str:
    """The DynamoDB lock table bootstraps created before locking moved to S3 lockfiles (``use_lockfile``):
    no longer managed, only named where the README says how to delete it."""
    return f"{project}-tfstate-lock"


def state_key(environment: str) -> str:
    return f"{environment}/terraform.tfstate"


def state_key_alias(project: str) -> str:
    """The state CMK's alias: the S3 backend names its key by alias, found by convention."""
    return f"alias/{project}-tfstate"


def ci_role_name(prefix: str, purpose: str) -> str:
    """``cerberus-stage-ci-plan``, ``cerberus-stage-ci-apply``: the roles GitHub Actions assumes."""
    return resource_name(prefix, f"ci-{purpose}", IAM_ROLE)
