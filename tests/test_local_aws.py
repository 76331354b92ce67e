"""End to end against a local AWS (moto on 127.0.0.1): bootstrap applied for real, then plans of
every environment through the real S3 backend, plan scans, state locking and the cdktf CLI.

One moto server serves the whole module (the scripts reuse it through LOCAL_AWS_ENDPOINT) and is
stopped at the end; the last test checks that nothing is left running.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def local_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("w") as handle:
        server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=handle, stderr=handle)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail(f"moto did not start: {log.read_text()}")
    env = {
        **os.environ,
        "LOCAL_AWS_ENDPOINT": endpoint,
        "LOCAL_DIR": str(tmp_path_factory.mktemp("local")),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    yield env
    server.terminate()
    server.wait(timeout=30)
    left = subprocess.run(["pgrep", "-f", f"moto.server -H 127.0.0.1 -p {port}"], capture_output=True, text=True)
    assert left.stdout.strip() == "", "the local AWS is still running"


def script(env: dict[str, str], *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / "scripts" / args[0]), *args[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False, stdin=subprocess.DEVNULL)


def test_bootstrap_applies_and_a_second_plan_shows_no_changes(local_aws: dict[str, str]) -> None:
    result = script(local_aws, "bootstrap.sh", "--local")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bootstrap: backend ready (a second plan shows no changes)" in result.stdout
    assert 'state_bucket_name = "cerberus-tfstate-us-east-1"' in result.stdout


@pytest.mark.parametrize("environment", ["stage", "prod"])
def test_plan_goes_through_the_s3_backend_and_its_scan_passes(local_aws: dict[str, str], environment: str) -> None:
    result = script(local_aws, "plan.sh", environment, "--local")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"plan for {environment}: " in result.stdout and " to add, 0 to change, 0 to replace, 0 to destroy" in result.stdout
    assert "checkov (terraform_plan): " in result.stdout and ", 0 failed, " in result.stdout
    stack = Path(local_aws["LOCAL_DIR"]) / "cdktf.out" / "stacks" / environment
    assert (stack / "plan.tfplan").exists() and (stack / ".terraform" / "terraform.tfstate").exists()
    # The real cdktf.out is never given local endpoints.
    real = ROOT / "cdktf.out" / "stacks" / environment / "cdk.tf.json"
    assert not real.exists() or "127.0.0.1" not in real.read_text()


def test_a_second_plan_on_a_locked_environment_fails_with_a_lock_error(local_aws: dict[str, str]) -> None:
    stack = Path(local_aws["LOCAL_DIR"]) / "cdktf.out" / "stacks" / "stage"
    env = {**local_aws, "TF_CLI_CONFIG_FILE": os.environ.get("TF_CLI_CONFIG_FILE", "")}
    # Every synthesis replaces the directory: initialize the one the plans of this test use.
    init = subprocess.run(["terraform", f"-chdir={stack}", "init", "-input=false", "-no-color", "-reconfigure"],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert init.returncode == 0, init.stdout + init.stderr
    holder = subprocess.Popen(["terraform", f"-chdir={stack}", "plan", "-input=false", "-no-color", "-lock-timeout=0s"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        import boto3

        s3 = boto3.client("s3", endpoint_url=local_aws["LOCAL_AWS_ENDPOINT"], region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and holder.poll() is None:
            keys = [item["Key"] for item in s3.list_objects_v2(Bucket="cerberus-tfstate-us-east-1").get("Contents", [])]
            if "stage/terraform.tfstate.tflock" in keys:
                break
            time.sleep(0.2)
        else:
            holder.kill()
            pytest.fail(f"the first plan never took the lock: {holder.communicate()[0]}")
        second = subprocess.run(["terraform", f"-chdir={stack}", "plan", "-input=false", "-no-color", "-lock-timeout=0s"],
                                env=env, capture_output=True, text=True, timeout=300, check=False)
        assert second.returncode != 0
        assert "Error acquiring the state lock" in second.stdout + second.stderr
    finally:
        output, _ = holder.communicate(timeout=300)
    assert holder.returncode == 0, output


def test_cdktf_cli_diff_works_on_the_same_app(local_aws: dict[str, str], tmp_path: Path) -> None:
    result = script(local_aws, "cdktf.sh", "diff", "stage", "--output", str(tmp_path / "cli.out"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Plan:" in result.stdout and "to add" in result.stdout


def test_deploy_in_local_mode_stops_before_apply_after_passing_the_scans(local_aws: dict[str, str]) -> None:
    result = script(local_aws, "deploy.sh", "stage", "v1.2.3", "--local")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "local mode: plan and scans passed; not applying" in result.stdout


def test_destroy_refuses_a_protected_environment_and_says_how(local_aws: dict[str, str]) -> None:
    result = script(local_aws, "destroy.sh", "prod", "--local")
    assert result.returncode == 3
    assert "refusing: prod is protected" in result.stdout and "aws_rds_cluster.db" in result.stdout
    assert "set deletion_protection = false" in result.stdout


def test_nothing_is_left_running(local_aws: dict[str, str]) -> None:
    port = local_aws["LOCAL_AWS_ENDPOINT"].rsplit(":", 1)[1]
    leftovers = subprocess.run(["pgrep", "-f", f"terraform .*{local_aws['LOCAL_DIR']}"], capture_output=True, text=True)
    assert leftovers.stdout.strip() == ""
    # Only the module's own server holds the port until the fixture stops it.
    servers = subprocess.run(["pgrep", "-f", f"moto.server -H 127.0.0.1 -p {port}"], capture_output=True, text=True)
    assert len(servers.stdout.split()) == 1
