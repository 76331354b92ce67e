"""Names shared by the bootstrap stack and the environment stacks.

The environment stacks find their state backend by this convention (project, account, region), never
by a value copied by hand from the bootstrap outputs.
"""

from __future__ import annotations

NAME = r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*"
REGION = (
    r"(?:us|eu|ap|ca|sa|me|af|il|mx)(?:-gov)?-"
    r"(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-[1-9]"
)
MAX_BUCKET_NAME = 63


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
