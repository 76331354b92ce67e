"""`--local` means local everywhere: bootstrap, plan, deploy, destroy and cdktf diff, each run with
`--local` and real-looking AWS settings (profile, session token, role, web identity, config and
credentials files whose profile runs a credential_process, a CA bundle, a service endpoint, a proxy),
in a network namespace that has only loopback (`unshare -n`), under `strace -e trace=connect`.

Each command must succeed (it can only do so against the loopback emulator: there is no other
network), the emulator must have seen its requests, the credential_process must never have run, and
every connect() of every process must go to 127.0.0.1 (or a local socket). One emulator, inside the
namespace, serves the module; the commands join it with nsenter. Needs root (unshare, nsenter) and strace.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0 or not all(shutil.which(tool) for tool in ("unshare", "nsenter", "strace", "ip")),
        reason="needs root, unshare, nsenter, strace and ip",
    ),
]
CONNECT = re.compile(r"connect\(\d+, \{sa_family=(?P<family>AF_\w+)(?P<rest>[^}]*)\}")
LOOPBACK = re.compile(r'inet_addr\("127\.0\.0\.1"\)|inet_pton\(AF_INET6, "(::1|::ffff:127\.0\.0\.1)"')
LOCAL_FAMILIES = ("AF_UNIX", "AF_NETLINK", "AF_UNSPEC")


@dataclass
class Namespace:
    pid: int
    env: dict[str, str]
    log: Path
    marker: Path
    traces: Path


def real_looking_settings(folder: Path) -> dict[str, str]:
    """What a developer's shell holds on a machine that deploys to real AWS."""
    marker = folder / "credential-process-ran"
    process = f"sh -c 'touch {marker}; echo {{\\\"Version\\\": 1}}'"
    config = folder / "aws-config"
    config.write_text(
        f"[default]\ncredential_process = {process}\nca_bundle = /nonexistent/ca.pem\n"
        f"[profile prod-admin]\ncredential_process = {process}\nregion = eu-west-1\n"
        "endpoint_url = https://example.com\n"
    )
    credentials = folder / "aws-credentials"
    credentials.write_text("[prod-admin]\naws_access_key_id = AKIAREALLOOKING00001\naws_secret_access_key = x\n")
    token = folder / "web-identity-token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.real.looking")
    return {
        "AWS_PROFILE": "prod-admin",
        "AWS_ACCESS_KEY_ID": "AKIAREALLOOKING00002",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLETOKEN",
        "AWS_ROLE_ARN": "arn:aws:iam::222222222222:role/deployer",
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_CA_BUNDLE": "/nonexistent/ca.pem",
        "AWS_ENDPOINT_URL_S3": "https://s3.us-east-1.amazonaws.com",
        "AWS_ENDPOINT_URL": "https://example.com",
        "HTTPS_PROXY": "http://10.255.255.1:3128",
        "HTTP_PROXY": "http://10.255.255.1:3128",
    }


@pytest.fixture(scope="module")
def namespace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Namespace]:
    folder = tmp_path_factory.mktemp("local-only")
    log = folder / "emulator.log"
    with log.open("w") as handle:
        emulator = subprocess.Popen(
            ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$0" -m scripts.ops local-aws',
             sys.executable],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=handle, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    try:
        assert emulator.stdout is not None
        first = emulator.stdout.readline().strip()
        assert first.startswith("LOCAL_AWS_ENDPOINT=http://127.0.0.1:"), first + log.read_text()
        env = {**os.environ, **real_looking_settings(folder), "LOCAL_AWS_ENDPOINT": first.split("=", 1)[1]}
        env["LOCAL_DIR"] = str(folder / "local")
        traces = folder / "traces"
        traces.mkdir()
        yield Namespace(emulator.pid, env, log, folder / "credential-process-ran", traces)
    finally:
        emulator.terminate()
        emulator.wait(timeout=60)


def run_local(space: Namespace, name: str, *command: str) -> subprocess.CompletedProcess[str]:
    """``command`` (a script and its arguments) inside the namespace, every connect() traced."""
    trace = space.traces / f"{name}.trace"
    seen_before = space.log.read_text().count("HTTP/1.1")
    result = subprocess.run(
        ["nsenter", "-t", str(space.pid), "-n", "--", "strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=connect",
         "-e", "signal=none", "-o", str(trace), str(ROOT / "scripts" / command[0]), *command[1:]],
        cwd=ROOT, env=space.env, capture_output=True, text=True, timeout=1200, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert space.log.read_text().count("HTTP/1.1") > seen_before, "the emulator saw no request"
    assert not space.marker.exists(), "a real-AWS credential_process ran"
    leaks = []
    for line in trace.read_text().splitlines():
        match = CONNECT.search(line)
        if match and match["family"] not in LOCAL_FAMILIES and not LOOPBACK.search(match["rest"]):
            leaks.append(line)
    assert not leaks, "connections off loopback:\n" + "\n".join(leaks[:20])
    return result


@pytest.fixture(scope="module")
def bootstrapped(namespace: Namespace) -> Namespace:
    run_local(namespace, "bootstrap", "bootstrap.sh", "--local")
    return namespace


def test_bootstrap_is_local(bootstrapped: Namespace) -> None:
    assert (Path(bootstrapped.env["LOCAL_DIR"]) / "bootstrap" / "terraform.tfstate").is_file()


def test_plan_is_local(bootstrapped: Namespace) -> None:
    result = run_local(bootstrapped, "plan", "plan.sh", "stage", "--local")
    assert "plan saved" in result.stdout


def test_deploy_is_local(bootstrapped: Namespace) -> None:
    result = run_local(bootstrapped, "deploy", "deploy.sh", "stage", "v1.2.3", "--local")
    assert "not applying" in result.stdout


def test_destroy_is_local(bootstrapped: Namespace) -> None:
    result = run_local(bootstrapped, "destroy", "destroy.sh", "stage", "--local")
    assert "destroy planned" in result.stdout


def test_cdktf_diff_is_local(bootstrapped: Namespace) -> None:
    run_local(bootstrapped, "cdktf-diff", "cdktf.sh", "diff", "stage", "--local")
