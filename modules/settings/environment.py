"""[environment]: who and where an environment is, and whether it is protected."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from modules.settings.naming import MAX_BUCKET_NAME, NAME, REGION, state_bucket_name
from modules.settings.schema import Problem, at_most_items, each, each_key, matches, no_prefix, none_of, one_of, setting

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


# AWS tag restrictions (Tagging AWS resources; every service's Tag type): keys of 1-128 and values of 0-256
# Unicode characters, letters, digits, spaces and + - = . _ : / @ only, the aws: prefix reserved in any case, at
# most 50 tags per resource. The stacks add their own tags to every resource (default_tags): environment stacks
# project, environment and managed-by, the state-backend stacks project, managed-by and stack.
TAG_CHARACTERS = r"[\w +\-=.:/@]"
STACK_TAGS = ("project", "environment", "managed-by", "stack")
MAX_TAGS = 50
TAGS_ADDED_PER_STACK = 3


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
        "AWS account id: required for a deploy to AWS (the state bucket is <project>-tfstate-<account_id>-<region>;"
        " the provider and the backend refuse any other account); local mode may leave it out",
        matches(r"([0-9]{12})?", "12 digits, or empty"),  # ASCII digits: S3 and IAM take no others
        default="",
    )
    protected: bool = setting(
        "Protects the environment's data: deletion protection on the database and the cache, prevent_destroy on "
        "every stateful resource, and scripts/destroy.sh refuses it. Unset: protected",
        default=True,
    )
    tags: Mapping[str, str] = setting(
        "Extra tags on every resource (default_tags): keys 1-128 and values 0-256 characters of letters, digits, "
        "spaces and + - = . _ : / @; no aws: prefix; not project, environment, managed-by or stack, which the "
        "stack sets",
        each_key(
            matches(rf"{TAG_CHARACTERS}{{1,128}}", "a tag key of 1-128 letters, digits, spaces and + - = . _ : / @")
        ),
        each_key(no_prefix("aws:", "reserved for AWS's own tags")),
        each_key(none_of(*STACK_TAGS, why="the stack sets it on every resource")),
        each(
            matches(rf"{TAG_CHARACTERS}{{0,256}}", "a tag value of 0-256 letters, digits, spaces and + - = . _ : / @")
        ),
        at_most_items(
            MAX_TAGS - TAGS_ADDED_PER_STACK,
            f"AWS allows {MAX_TAGS} tags per resource and the stack adds {TAGS_ADDED_PER_STACK}",
        ),
        default={},
    )
    log_retention_days: int = setting(
        "Retention of every CloudWatch log group of the environment", one_of(*LOG_RETENTION_DAYS), default=365
    )

    def problems(self) -> list[Problem]:
        # The name a deploy to AWS uses: with the account id, which may still be missing from the file.
        bucket = state_bucket_name(self.project, self.region, self.account_id or "0" * 12)
        if len(bucket) > MAX_BUCKET_NAME:
            return [("project", self.project, f"shorter: the state bucket name {bucket} exceeds 63 characters")]
        return []

    @property
    def prefix(self) -> str:
        """Prefix of this environment's resource names: ``cerberus-stage``."""
        return f"{self.project}-{self.name}"
