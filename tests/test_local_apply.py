"""Apply for real against the local AWS: stage applies (all but App Runner), a second plan changes and
replaces nothing, AWS upgrading the engine's minor version proposes no downgrade, destroy removes what
was applied, and a re-created stage destroys again (each destroy names its own final snapshots). Prod
applies and plans clean. The session's one local AWS (tests/conftest.py), shared with test_local_aws.

Prod's apply and plan run beside stage's tests, in a folder of their own (a copy of the bootstrap's local
state): most of an apply is the provider waiting for the local AWS, so the two overlap instead of queueing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow
APP_RUNNER_AND_ITS_ALARMS = re.compile(r"aws_apprunner_\w+\.\w+|aws_cloudwatch_metric_alarm\.alarms_apprunner_\w+")


@pytest.fixture(scope="module")
def local(shared_local_aws: dict[str, str]) -> dict[str, str]:
    """The session's local AWS (tests/conftest.py), bootstrapped (a no-op when another module did it)."""
    result = script(shared_local_aws, "bootstrap.sh", "--local")
    assert result.returncode == 0, result.stdout + result.stderr
    return shared_local_aws


@pytest.fixture(scope="module")
def prod_run(local: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Future[dict[str, str]]]:
    """Prod deployed and planned again in the background, from its own folder; the test reads the result."""
    folder = tmp_path_factory.mktemp("local-prod")
    shutil.copytree(Path(local["LOCAL_DIR"]) / "bootstrap", folder / "bootstrap")
    env = {**local, "LOCAL_DIR": str(folder)}

    def run() -> dict[str, str]:
        deploy_and_check(env, "prod")
        plan_changes_nothing_applied(env, "prod")
        return env

    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(run)


def script(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / args[0]), *args[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=1200, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def state(env: dict[str, str], stack: str) -> list[str]:
    directory = Path(env["LOCAL_DIR"]) / "cdktf.out" / "stacks" / stack
    listed = subprocess.run(["terraform", f"-chdir={directory}", "state", "list"], env=env, capture_output=True,
                            text=True, check=False)  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    return listed.stdout.split()


def not_applied(output: str) -> list[str]:
    """The addresses deploy.sh listed as not applied."""
    head, _, rest = output.partition("planned resource(s) not applied:\n")
    assert rest, output
    return [line.split()[0] for line in rest.splitlines() if line.startswith("  aws_")]


def deploy_and_check(env: dict[str, str], stack: str) -> None:
    result = script(env, "deploy.sh", stack, "--local", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    # The app's database user, through the local AWS's Data API (which accepts the SQL and runs none).
    assert "database user 'app': IAM authentication (rds_iam)" in result.stdout, result.stdout
    missing = not_applied(result.stdout)
    assert missing and all(APP_RUNNER_AND_ITS_ALARMS.fullmatch(address) for address in missing), missing
    assert len(state(env, stack)) > 40


def plan_changes_nothing_applied(env: dict[str, str], stack: str) -> None:
    result = script(env, "plan.sh", stack, "--local")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"plan for \w+: \d+ to add, 0 to change, 0 to replace, 0 to destroy", result.stdout), result.stdout
    plan = json.loads((Path(env["LOCAL_DIR"]) / "cdktf.out" / "stacks" / stack / "plan.json").read_text())
    added = [c["address"] for c in plan["resource_changes"] if c["change"]["actions"] == ["create"]]
    assert all(APP_RUNNER_AND_ITS_ALARMS.fullmatch(address) for address in added), added


def test_stage_applies_everything_but_app_runner(local: dict[str, str], prod_run: Future[dict[str, str]]) -> None:
    assert prod_run.running() or prod_run.done()  # prod's apply has started beside it
    deploy_and_check(local, "stage")


def test_after_an_engine_minor_upgrade_by_aws_a_plan_changes_nothing(local: dict[str, str]) -> None:
    """The second plan of what was applied, after AWS moved both engines to a newer minor version: no
    update (no downgrade), no replace."""
    for service, identifier, version in (("rds", "cerberus-stage-aurora-cluster", "16.7"),
                                         ("elasticache", "cerberus-stage-valkey", "8.0.2")):  # fmt: skip
        request = urllib.request.Request(
            f"{local['LOCAL_AWS_ENDPOINT']}/_emulator/set-engine-version",
            data=json.dumps({"service": service, "id": identifier, "engine_version": version}).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
    plan_changes_nothing_applied(local, "stage")


def client(env: dict[str, str], service: str):  # noqa: ANN201  (a boto3 client)
    import boto3

    return boto3.client(service, endpoint_url=env["LOCAL_AWS_ENDPOINT"], region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip


def push_image(env: dict[str, str], repository: str, tag: str) -> None:
    """An image in the repository (ECR PutImage with a manifest), so destroy must delete a repository that
    holds one (force_delete on an unprotected environment; the local AWS refuses otherwise, as AWS does)."""
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                   "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
        "layers": [],
    }  # fmt: skip
    ecr = client(env, "ecr")
    ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)
    assert ecr.list_images(repositoryName=repository)["imageIds"]


def destroy_keeps_the_key(env: dict[str, str], stack: str = "stage") -> None:
    """Destroy succeeds in one run with an image in the repository, and keeps the key that decrypts the
    final snapshots: not scheduled for deletion, out of the state (its alias is gone, for the next deploy)."""
    name = f"cerberus-{stack}"
    push_image(env, name, "v0.1.0")
    stack_dir = Path(env["LOCAL_DIR"]) / "cdktf.out" / "stacks" / stack
    key = subprocess.run(["terraform", f"-chdir={stack_dir}", "output", "-raw", "kms_key_arn"], env=env,
                         capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    result = script(env, "destroy.sh", stack, "--local", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert state(env, stack) == []
    assert f"kept: aws_kms_key.key {key}" in result.stdout, result.stdout
    kms = client(env, "kms")
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
    aliases = [alias["AliasName"] for alias in kms.list_aliases()["Aliases"]]
    assert f"alias/{name}" not in aliases
    assert name not in [item["repositoryName"] for item in client(env, "ecr").describe_repositories()["repositories"]]


def test_destroy_removes_what_was_applied(local: dict[str, str]) -> None:
    destroy_keeps_the_key(local)


def test_a_re_created_stage_destroys_again_with_new_final_snapshot_names(local: dict[str, str]) -> None:
    deploy_and_check(local, "stage")
    destroy_keeps_the_key(local)
    rds = client(local, "rds")
    names = [item["DBClusterSnapshotIdentifier"] for item in rds.describe_db_cluster_snapshots()["DBClusterSnapshots"]]
    finals = [name for name in names if name.startswith("cerberus-stage-aurora-cluster-final-")]
    assert len(finals) == 2 and len(set(finals)) == 2, names
    elasticache = client(local, "elasticache")
    cache_names = [item["SnapshotName"] for item in elasticache.describe_snapshots()["Snapshots"]]
    cache_finals = [name for name in cache_names if name.startswith("cerberus-stage-valkey-final-")]
    assert len(cache_finals) == 2 and len(set(cache_finals)) == 2, cache_names


def test_prod_applies_and_a_second_plan_changes_nothing(prod_run: Future[dict[str, str]]) -> None:
    env = prod_run.result(timeout=2400)  # the background run's own assertions fail here, with their messages
    assert len(state(env, "prod")) > 40
