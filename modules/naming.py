"""Names shared by the bootstrap stack and the environment stacks, and the environment's identity.

The environment stacks find their state backend by this convention (project, account, region), never
by a value copied by hand from the bootstrap outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from modules.schema import matches, one_of, setting

NAME = r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*"
REGION = r"(?:us|eu|ap|ca|sa|me|af|il|mx)(?:-gov)?-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-[1-9]"
MAX_BUCKET_NAME = 63
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)


@dataclass(frozen=True, kw_only=True)
class EnvironmentSettings:
    """[environment]: who and where an environment is."""

    name: str = setting(
        "Environment name; must equal the file name without .toml",
        matches(NAME, "lowercase letters, digits and single hyphens, starting with a letter"),
        matches(r".{1,16}", "at most 16 characters"),
    )
    project: str = setting(
        "Project name, the prefix of every resource name",
        matches(NAME, "lowercase letters, digits and single hyphens, starting with a letter"),
        matches(r".{1,20}", "at most 20 characters"),
        default="cerberus",
    )
    region: str = setting("AWS region", matches(REGION, "an AWS region such as us-east-1"), default="us-east-1")
    account_id: str = setting(
        "AWS account id; when set, the provider refuses any other account (allowed_account_ids)",
        matches(r"(\d{12})?", "12 digits, or empty"),
        default="",
    )
    tags: Mapping[str, str] = setting("Extra tags on every resource (default_tags)", default={})
    log_retention_days: int = setting(
        "Retention of every CloudWatch log group of the environment", one_of(*LOG_RETENTION_DAYS), default=365
    )

    def problems(self) -> list[tuple[str, object, str]]:
        bucket = state_bucket_name(self.project, self.region, self.account_id)
        if len(bucket) > MAX_BUCKET_NAME:
            return [("project", self.project, f"shorter: the state bucket name {bucket} exceeds 63 characters")]
        return []

    @property
    def prefix(self) -> str:
        """Prefix of this environment's resource names: ``cerberus-stage``."""
        return f"{self.project}-{self.name}"


def state_bucket_name(project: str, region: str, account_id: str) -> str:
    """S3 bucket names are global: the account id (when known) and the region make it unique."""
    return "-".join(part for part in (project, "tfstate", account_id, region) if part)


def log_bucket_name(project: str, region: str, account_id: str) -> str:
    return "-".join(part for part in (project, "tfstate-logs", account_id, region) if part)


def lock_table_name(project: str) -> str:
    """DynamoDB names are per account and region, so the project is enough."""
    return f"{project}-tfstate-lock"


def state_key(environment: str) -> str:
    return f"{environment}/terraform.tfstate"


def state_key_alias(project: str) -> str:
    """The state CMK's alias: the S3 backend names its key by alias, found by convention."""
    return f"alias/{project}-tfstate"
