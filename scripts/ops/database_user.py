"""The application's own database user, created by every deploy through the RDS Data API.

The app never connects as the master user. It connects as ``aurora_app_user`` (an output of the stack)
with IAM database authentication: the role is granted ``rds_iam``, so it has no password and nothing of
it expires when RDS rotates the master secret. Its rights are exactly what running migrations needs:
``USAGE`` and ``CREATE`` on the schema of its own name, which the master user owns. PostgreSQL lets only
a table's owner, its schema's owner or a superuser drop a table, so the app drops what it created and
nothing the master user owns, in that schema or elsewhere.

Every statement is idempotent and runs alone (the Data API takes one statement per call for
PostgreSQL); a second run changes nothing, and a run interrupted half-way is completed by the next
deploy. The master credentials are read by the Data API from the RDS-managed secret at each call (its
current version), so a rotation of that secret never breaks this step. tests/test_database_user.py runs
these statements against a real PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modules.layout import STACK_FILE
from scripts.ops.console import OpsError

# The outputs of an environment stack this step reads (modules/environment_stack.py).
OUTPUTS = ("aurora_cluster_arn", "aurora_master_secret_arn", "aurora_database_name", "aurora_app_user")
# What a name must look like to be written into SQL here (the settings' own rules are narrower).
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# The Data API answers these while a paused Serverless v2 cluster resumes or a new one becomes ready.
RETRYABLE = ("DatabaseResumingException", "DatabaseUnavailableException", "StatementTimeoutException")
RETRY_SECONDS = 600


def identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier; refuses anything but a plain lower-case name."""
    if not _IDENTIFIER.fullmatch(name):
        raise OpsError(f"refusing to write {name!r} into SQL: expected a lower-case name ({_IDENTIFIER.pattern})")
    return f'"{name}"'


def statements(user: str, database: str) -> list[str]:
    """The SQL that gives ``user`` its IAM login and its schema, in order; each one idempotent."""
    role, schema, db = identifier(user), identifier(user), identifier(database)
    return [
        # Created only when missing; NOSUPERUSER etc. are PostgreSQL's defaults, stated for the reader.
        f"""DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{user}') THEN
    CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
  END IF;
END
$$""",
        # IAM authentication only: a member of rds_iam cannot log in with a password.
        f"GRANT rds_iam TO {role}",
        f"GRANT CONNECT ON DATABASE {db} TO {role}",
        # PostgreSQL 15 and later already keep PUBLIC from creating in public; 13 and 14 do not.
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"CREATE SCHEMA IF NOT EXISTS {schema}",
        # A schema's owner may drop every table in it: the app must not own its schema. One that someone
        # else created stops the deploy here rather than being taken over silently.
        f"""DO $$
BEGIN
  IF (SELECT nspowner FROM pg_catalog.pg_namespace WHERE nspname = '{user}') <> CURRENT_USER::regrole THEN
    RAISE EXCEPTION 'schema {user} is owned by %, not by the master user (%): its owner may drop every '
      'table in it; ALTER SCHEMA {user} OWNER TO % first',
      (SELECT pg_get_userbyid(nspowner) FROM pg_catalog.pg_namespace WHERE nspname = '{user}'),
      CURRENT_USER, CURRENT_USER;
  END IF;
END
$$""",
        f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {role}",
    ]


Runner = Callable[[str], None]


def data_api_runner(outputs: dict[str, str], env: dict[str, str]) -> Runner:
    """Runs one statement through the RDS Data API as the master user (its RDS-managed secret); in local
    mode against the local AWS (``LOCAL_AWS_ENDPOINT``), whose Data API accepts SQL and runs none."""
    import boto3  # noqa: PLC0415  (only a deploy needs it: the rest of the CLI starts without it)

    client = boto3.client(
        "rds-data",
        endpoint_url=env.get("LOCAL_AWS_ENDPOINT") or None,
        region_name=outputs["aurora_cluster_arn"].split(":")[3],
    )

    def run(sql: str) -> None:
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            try:
                client.execute_statement(
                    resourceArn=outputs["aurora_cluster_arn"],
                    secretArn=outputs["aurora_master_secret_arn"],
                    database=outputs["aurora_database_name"],
                    sql=sql,
                )
                return
            except client.exceptions.ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code not in RETRYABLE or time.monotonic() > deadline:
                    raise OpsError(f"creating the app's database user failed: {code}: {error}") from error
                print(f"  the database is not ready ({code}); retrying in 15 s", flush=True)
                time.sleep(15)

    return run


def stack_outputs(directory: Path, env: dict[str, str]) -> dict[str, str]:
    """The outputs this step needs: from the state, or, for a constant output (the user and database
    names), from the synthesized stack (a targeted apply of the database records no constant output)."""
    result = subprocess.run(
        ["terraform", f"-chdir={directory}", "output", "-json"], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise OpsError(f"terraform output failed: {result.stderr.strip()[-500:]}")
    applied: dict[str, Any] = json.loads(result.stdout or "{}")
    synthesized = json.loads((directory / STACK_FILE).read_text(encoding="utf-8")).get("output", {})
    values: dict[str, str] = {}
    for name in OUTPUTS:
        value = applied.get(name, {}).get("value") or synthesized.get(name, {}).get("value")
        if isinstance(value, str) and value and "${" not in value:
            values[name] = value
    missing = [name for name in OUTPUTS if name not in values]
    if missing:
        raise OpsError(f"the stack has no {', '.join(missing)} output: was the database applied?")
    return values


def ensure(outputs: dict[str, str], run: Runner) -> None:
    """Creates or completes the app's database user; says what it did."""
    user, database = outputs["aurora_app_user"], outputs["aurora_database_name"]
    for sql in statements(user, database):
        run(sql)
    print(f"database user {user!r}: IAM authentication (rds_iam), USAGE and CREATE on schema {user!r} of {database}")


def main(argv: list[str]) -> int:
    """``python -m scripts.ops.database_user <stack directory>``: run by the deploy, in the deploy's
    environment (real AWS credentials, or the local AWS's), after the apply."""
    (directory,) = argv
    try:
        outputs = stack_outputs(Path(directory), dict(os.environ))
        ensure(outputs, data_api_runner(outputs, dict(os.environ)))
    except OpsError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
