"""End to end against a local AWS (the project's emulator, or moto, on 127.0.0.1): bootstrap applied for
real, then plans of every environment through the real S3 backend, plan scans, state locking and the cdktf CLI.

One local AWS serves the whole test session (tests/conftest.py, shared with test_local_apply.py; the
scripts reuse it through LOCAL_AWS_ENDPOINT) and is stopped at the end; the last test checks that
nothing else is left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from scripts.ops.local_aws import answers
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_aws(shared_local_aws: dict[str, str]) -> dict[str, str]:
    """The session's local AWS (tests/conftest.py), shared with tests/test_local_apply.py."""
    return shared_local_aws


def script(env: dict[str, str], *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / args[0]), *args[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_bootstrap_applies_and_a_second_plan_shows_no_changes(local_aws: dict[str, str]) -> None:
    result = script(local_aws, "bootstrap.sh", "--local")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bootstrap: backend ready (a second plan shows no changes)" in result.stdout
    assert 'state_bucket_name = "cerberus-tfstate-us-east-1"' in result.stdout


@pytest.mark.parametrize("environment", ["stage", "prod"])
def test_plan_goes_through_the_s3_backend_and_its_scan_passes(local_aws: dict[str, str], environment: str) -> None:
    result = script(local_aws, "plan.sh", environment, "--local")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        f"plan for {environment}: " in result.stdout
        and " to add, 0 to change, 0 to replace, 0 to destroy" in result.stdout
    )
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
    init = subprocess.run(
        ["terraform", f"-chdir={stack}", "init", "-input=false", "-no-color", "-reconfigure"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    holder = subprocess.Popen(
        ["terraform", f"-chdir={stack}", "plan", "-input=false", "-no-color", "-lock-timeout=0s"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=local_aws["LOCAL_AWS_ENDPOINT"],
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and holder.poll() is None:
            keys = [item["Key"] for item in s3.list_objects_v2(Bucket="cerberus-tfstate-us-east-1").get("Contents", [])]
            if "stage/terraform.tfstate.tflock" in keys:
                break
            time.sleep(0.2)
        else:
            holder.kill()
            pytest.fail(f"the first plan never took the lock: {holder.communicate()[0]}")
        second = subprocess.run(
            ["terraform", f"-chdir={stack}", "plan", "-input=false", "-no-color", "-lock-timeout=0s"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert second.returncode != 0
        assert "Error acquiring the state lock" in second.stdout + second.stderr
    finally:
        output, _ = holder.communicate(timeout=300)
    assert holder.returncode == 0, output


def test_cdktf_cli_diff_works_on_the_same_app(local_aws: dict[str, str], tmp_path: Path) -> None:
    result = script(local_aws, "cdktf.sh", "diff", "stage", "--output", str(tmp_path / "cli.out"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Plan:" in result.stdout and "to add" in result.stdout


def test_cdktf_cli_local_flag_is_honoured_and_drops_real_aws_settings(local_aws: dict[str, str]) -> None:
    """--local: the local AWS (reused here), dummy credentials; a real profile or token never reaches it."""
    env = {key: value for key, value in local_aws.items() if not key.startswith("AWS_")}
    env.update(AWS_PROFILE="no-such-profile", AWS_SESSION_TOKEN="real-looking-token")
    result = script(env, "cdktf.sh", "diff", "stage", "--local")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Plan:" in result.stdout and "to add" in result.stdout
    assert (Path(local_aws["LOCAL_DIR"]) / "cdktf-cli.out" / "stacks" / "stage" / "cdk.tf.json").exists()


def test_deploy_in_local_mode_stops_before_apply_after_passing_the_scans(local_aws: dict[str, str]) -> None:
    result = script(local_aws, "deploy.sh", "stage", "v1.2.3", "--local")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "local mode: plan and scans passed; not applying" in result.stdout


def test_destroy_refuses_a_protected_environment_and_says_how(local_aws: dict[str, str]) -> None:
    result = script(local_aws, "destroy.sh", "prod", "--local")
    assert result.returncode == 3
    assert "refusing: prod is protected" in result.stdout and "aws_rds_cluster.db" in result.stdout
    assert "set protected = false under [environment]" in result.stdout


def test_local_aws_script_prints_the_endpoint_first_and_stops_on_sigterm() -> None:
    server = subprocess.Popen([str(ROOT / "scripts" / "local-aws.sh")], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, start_new_session=True)  # fmt: skip
    try:
        first = server.stdout.readline().strip() if server.stdout else ""
        assert first.startswith("LOCAL_AWS_ENDPOINT=http://127.0.0.1:"), first
        endpoint = first.split("=", 1)[1]
        assert answers(endpoint)
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) is not None
    deadline = time.monotonic() + 10
    while answers(endpoint) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not answers(endpoint), "the emulator outlived local-aws.sh"


def test_nothing_is_left_running(local_aws: dict[str, str]) -> None:
    port = local_aws["LOCAL_AWS_ENDPOINT"].rsplit(":", 1)[1]
    leftovers = subprocess.run(
        ["pgrep", "-f", f"terraform .*{local_aws['LOCAL_DIR']}"], capture_output=True, text=True, check=False
    )
    assert leftovers.stdout.strip() == ""
    # Only the module's own server holds the port until the fixture stops it.
    servers = subprocess.run(
        ["pgrep", "-f", f"127.0.0.1 (-p|--port) {port}$"], capture_output=True, text=True, check=False
    )
    assert servers.stdout.split() == [local_aws["LOCAL_AWS_PID"]]
