"""The app's database user (scripts/ops/database_user.py) against a real PostgreSQL on loopback: the
statements run twice, the second run changes nothing, the app gets its IAM login and its schema, and it
cannot drop what the master user owns. The local AWS's Data API runs no SQL, so this is where the SQL is
tested. Aurora is emulated as far as these statements see it: a master user that is no superuser but may
create roles, the database it owns, and the role ``rds_iam``."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.ops import applying, database_user
from scripts.ops.console import OpsError

MASTER, APP, DATABASE = "cerberus_admin", "app", "cerberus"


def postgres_bin() -> Path:
    """Debian's PostgreSQL server binaries (``apt-get install postgresql``; scripts/lib.sh installs them)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
    if not found:
        pytest.fail("no PostgreSQL server: apt-get install -y postgresql (./scripts/test.sh installs it)")
    return Path(found[-1]).parent


@dataclass
class Server:
    port: int

    def psql(self, sql: str, *, user: str = MASTER, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
             "-U", user, "-d", DATABASE, "-c", sql],
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        if check:
            assert result.returncode == 0, f"{sql}\n{result.stderr}"
        return result

    def value(self, sql: str, *, user: str = MASTER) -> str:
        return self.psql(sql, user=user).stdout.strip()


def _as_postgres(command: list[str]) -> list[str]:
    """initdb refuses to run as root: the server runs as the postgres OS user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def superuser(port: int, sql: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
                    "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True)  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    binaries = postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="cerberus-pg-"))
    data, port = folder / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    subprocess.run(_as_postgres([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "-E", "UTF8"]), check=True, capture_output=True)  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder}"
    subprocess.run(_as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                                 "-w", "start"]), check=True, capture_output=True)  # fmt: skip
    try:
        admin = Server(port)
        for sql in (
            "CREATE ROLE rds_iam NOLOGIN",
            f"CREATE ROLE {MASTER} LOGIN CREATEROLE CREATEDB",
            f"GRANT rds_iam TO {MASTER} WITH ADMIN OPTION",
        ):
            superuser(port, sql)
        superuser(port, f"CREATE DATABASE {DATABASE} OWNER {MASTER}")
        yield admin
    finally:
        subprocess.run(_as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       check=False, capture_output=True)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def catalog(server: Server) -> str:
    """Everything the statements may write: the role, its memberships, the schemas' owners and rights,
    the database's rights (read as the superuser: pg_authid is closed to the master user)."""
    return server.value(
        f"""
        SELECT concat_ws(' | ',
          (SELECT string_agg(concat_ws(',', rolname, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin,
                                       rolreplication, rolbypassrls, rolpassword IS NULL), ';')
             FROM pg_authid WHERE rolname = '{APP}'),
          (SELECT string_agg(r.rolname || '>' || m.rolname || ':' || a.admin_option, ';' ORDER BY r.rolname)
             FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
            WHERE m.rolname = '{APP}'),
          (SELECT string_agg(n.nspname || ':' || pg_get_userbyid(n.nspowner) || ':' || coalesce(n.nspacl::text, ''),
                             ';' ORDER BY n.nspname)
             FROM pg_namespace n WHERE n.nspname IN ('{APP}', 'public')),
          (SELECT coalesce(datacl::text, '') FROM pg_database WHERE datname = '{DATABASE}'))
    """,
        user="postgres",
    )


def run_statements(server: Server) -> None:
    for sql in database_user.statements(APP, DATABASE):
        server.psql(sql)


@pytest.fixture(scope="module")
def applied(server: Server) -> tuple[str, str, str]:
    """(catalog before, after the first run, after the second run)."""
    before = catalog(server)
    run_statements(server)
    first = catalog(server)
    run_statements(server)
    return before, first, catalog(server)


def test_the_first_run_creates_the_user_and_the_second_changes_nothing(applied: tuple[str, str, str]) -> None:
    before, first, second = applied
    assert before != first
    assert first == second


def test_the_app_logs_in_with_iam_only_and_holds_no_other_power(server: Server, applied: object) -> None:
    role = server.value(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolcanlogin "
        f"FROM pg_roles WHERE rolname = '{APP}'"
    )
    assert role == "f|f|f|f|t"
    assert server.value(f"SELECT pg_has_role('{APP}', 'rds_iam', 'MEMBER')") == "t"
    memberships = server.value(
        f"SELECT string_agg(r.rolname, ',') FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid "
        f"WHERE a.member = '{APP}'::regrole"
    )
    assert memberships == "rds_iam"


def test_the_app_may_use_and_create_in_its_schema_which_the_master_user_owns(server: Server, applied: object) -> None:
    assert server.value(f"SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = '{APP}'") == MASTER
    assert server.value(f"SELECT has_schema_privilege('{APP}', '{APP}', 'USAGE, CREATE')") == "t"
    assert server.value(f"SELECT has_schema_privilege('{APP}', 'public', 'CREATE')") == "f"
    assert server.value(f"SELECT has_database_privilege('{APP}', '{DATABASE}', 'CONNECT')") == "t"


def test_the_app_migrates_its_own_tables_and_cannot_drop_the_master_users(server: Server, applied: object) -> None:
    server.psql(f"CREATE TABLE {APP}.master_owned (id int); CREATE TABLE public.master_owned (id int)")
    # A migration: its tables land in its schema (search_path "$user", public), and it may drop them again.
    server.psql("CREATE TABLE migrated (id int PRIMARY KEY); ALTER TABLE migrated ADD COLUMN name text", user=APP)
    assert server.value("SELECT schemaname || '.' || tableowner FROM pg_tables WHERE tablename = 'migrated'") == (
        f"{APP}.{APP}"
    )
    server.psql("DROP TABLE migrated", user=APP)
    for table in (f"{APP}.master_owned", "public.master_owned"):
        refused = server.psql(f"DROP TABLE {table}", user=APP, check=False)
        assert refused.returncode != 0 and "must be owner of table master_owned" in refused.stderr, refused.stderr
    refused = server.psql("CREATE TABLE public.elsewhere (id int)", user=APP, check=False)
    assert refused.returncode != 0 and "permission denied for schema public" in refused.stderr
    assert server.value("SELECT count(*) FROM pg_tables WHERE tablename = 'master_owned'") == "2"


def test_a_schema_the_master_user_does_not_own_stops_the_statements(server: Server, applied: object) -> None:
    """A schema owner may drop every table in it: a schema of the app's name owned by anyone but the master
    user is refused, never taken over silently."""
    server.psql(f"ALTER SCHEMA {APP} OWNER TO {APP}", user="postgres")
    try:
        refused = [server.psql(sql, check=False) for sql in database_user.statements(APP, DATABASE)]
        assert any(f"schema {APP} is owned by {APP}, not by the master user" in run.stderr for run in refused)
    finally:
        server.psql(f"ALTER SCHEMA {APP} OWNER TO {MASTER}", user="postgres")


@pytest.mark.parametrize("name", ['app"; DROP TABLE x; --', "App", "1app", ""])
def test_only_plain_lower_case_names_reach_the_sql(name: str) -> None:
    with pytest.raises(OpsError, match="refusing to write"):
        database_user.statements(name, DATABASE)


def test_the_deploy_applies_a_new_database_first() -> None:
    plan = {
        "resource_changes": [
            {"address": "aws_rds_cluster.db", "change": {"actions": ["create"]}},
            {"address": "aws_rds_cluster_instance.db_instance_1", "change": {"actions": ["create"]}},
            {"address": "aws_apprunner_service.service", "change": {"actions": ["create"]}},
        ]
    }
    assert applying.new_databases(plan) == ["aws_rds_cluster_instance.db_instance_1"]
    plan["resource_changes"][1]["change"]["actions"] = ["no-op"]
    assert applying.new_databases(plan) == []


def test_the_slow_resources_beside_a_new_database_are_applied_with_it_and_the_service_after() -> None:
    changes = ["aws_rds_cluster_instance.db_instance_1", "aws_elasticache_replication_group.cache",
               "aws_instance.network_nat_instance", "aws_lb.ecs_lb", "aws_ecs_service.ecs_service",
               "aws_apprunner_service.service", "aws_cloudwatch_metric_alarm.alarms_aurora_acu_critical"]  # fmt: skip
    plan = {"resource_changes": [{"address": address, "change": {"actions": ["create"]}} for address in changes]}
    assert applying.first_apply(plan) == changes[:4]
    plan["resource_changes"][0]["change"]["actions"] = ["no-op"]  # the database exists: one apply, as before
    assert applying.first_apply(plan) == []


def test_constant_outputs_come_from_the_synthesized_stack_and_the_arns_from_the_state(tmp_path: Path) -> None:
    """A targeted apply of the database records no constant output: the names come from cdk.tf.json; the
    ARNs exist only once the database is applied."""
    outputs = {name: {"value": f"${{{name}}}"} for name in database_user.OUTPUTS}
    outputs |= {"aurora_app_user": {"value": APP}, "aurora_database_name": {"value": DATABASE}}
    (tmp_path / "cdk.tf.json").write_text(json.dumps({"output": outputs}), encoding="utf-8")
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull}
    with pytest.raises(OpsError, match="no aurora_cluster_arn, aurora_master_secret_arn output"):
        database_user.stack_outputs(tmp_path, env)
