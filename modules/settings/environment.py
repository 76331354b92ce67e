"""[environment]: who and where an environment is, and whether it is protected."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from modules.settings.naming import MAX_BUCKET_NAME, NAME, REGION, state_bucket_name
from modules.settings.schema import Problem, matches, one_of, setting

# The retention values CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


@dataclass(frozen=True, kw_only=True)
class EnvironmentSettings:
    """[environment]: who and where an environment is, and whether its data is protected."""

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
    protected: bool = setting(
        "Protects the environment's data: deletion protection on the database and the cache, prevent_destroy on "
        "every stateful resource, and scripts/destroy.sh refuses it. Unset: protected",
        default=True,
    )
    tags: Mapping[str, str] = setting("Extra tags on every resource (default_tags)", default={})
    log_retention_days: int = setting(
        "Retention of every CloudWatch log group of the environment", one_of(*LOG_RETENTION_DAYS), default=365
    )

    def problems(self) -> list[Problem]:
        bucket = state_bucket_name(self.project, self.region, self.account_id)
        if len(bucket) > MAX_BUCKET_NAME:
            return [("project", self.project, f"shorter: the state bucket name {bucket} exceeds 63 characters")]
        return []

    @property
    def prefix(self) -> str:
        """Prefix of this environment's resource names: ``cerberus-stage``."""
        return f"{self.project}-{self.name}"
