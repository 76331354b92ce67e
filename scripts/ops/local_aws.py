"""The local AWS (the project's emulator, or moto until it exists) on a free 127.0.0.1 port: started
once here for the scripts, `scripts/local-aws.sh` and the tests; reused when LOCAL_AWS_ENDPOINT is set."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from modules.local_aws import LocalEndpointError, checked_endpoint
from scripts.ops.console import BAD_ARGUMENT, OpsError, say, step

ROOT = Path(__file__).resolve().parents[2]
EMULATOR = ROOT / "scripts" / "ops" / "emulator" / "__main__.py"
# A local run keeps no AWS_* variable of the caller's but these: profiles, session tokens, roles, web
# identity, shared config and credentials files, endpoints, CA bundles are all real AWS's.
KEPT_AWS_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
LOOPBACK_HOSTS = "127.0.0.1,localhost,::1"
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy


@dataclass
class LocalAws:
    endpoint: str
    process: subprocess.Popen[bytes] | None  # None: an emulator someone else started (reused)

    @property
    def fresh(self) -> bool:
        return self.process is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_command(port: int) -> list[str]:
    """The project's emulator when it exists, moto's server otherwise."""
    if EMULATOR.exists():
        return [sys.executable, "-m", "scripts.ops.emulator", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


def answers(endpoint: str) -> bool:
    try:
        DIRECT.open(f"{endpoint}/moto-api/", timeout=1)
    except urllib.error.HTTPError:
        return True  # it answered, even if not with 200
    except OSError:
        return False
    return True


def boot_id(endpoint: str) -> str | None:
    """The emulator's id of its current start (scripts/ops/emulator/hooks.py); None from any other server."""
    request = urllib.request.Request(f"{endpoint}/_emulator/boot-id", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    try:
        with DIRECT.open(request, timeout=10) as response:
            found = json.loads(response.read()).get("boot_id")
    except (OSError, ValueError):
        return None
    return found if isinstance(found, str) and found else None


def wait_until_ready(endpoint: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise OpsError(f"the local AWS exited (code {process.returncode}) before answering on {endpoint}")
        if answers(endpoint):
            return
        time.sleep(0.2)
    raise OpsError(f"the local AWS did not answer on {endpoint} within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@contextmanager
def local_aws(log: Path | IO[str] | None = None, port: int | None = None, reuse: bool = True) -> Iterator[LocalAws]:
    """A local AWS for the duration of the block: LOCAL_AWS_ENDPOINT's when set (and ``reuse``), else a
    new server on 127.0.0.1 (``port`` or a free one), its output to ``log``, stopped at the end."""
    existing = os.environ.get("LOCAL_AWS_ENDPOINT")
    if reuse and existing:
        try:
            endpoint = checked_endpoint(existing)
        except LocalEndpointError as error:
            raise OpsError(str(error), BAD_ARGUMENT) from error
        say(f"local AWS: using {endpoint}")
        yield LocalAws(endpoint, None)
        return
    chosen = port or free_port()
    endpoint = f"http://127.0.0.1:{chosen}"
    handle = log.open("w", encoding="utf-8") if isinstance(log, Path) else log
    try:
        process = subprocess.Popen(server_command(chosen), cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
        try:
            with step(f"starting the local AWS on {endpoint}"):
                wait_until_ready(endpoint, process)
            yield LocalAws(endpoint, process)
        finally:
            stop(process)
    finally:
        if isinstance(log, Path) and handle is not None:
            handle.close()


def local_environment(base: dict[str, str], endpoint: str) -> dict[str, str]:
    """``base`` pointed at the local AWS: dummy credentials, no real-AWS profile, role, token, config file,
    endpoint or proxy for loopback."""
    env = {key: value for key, value in base.items() if not key.startswith("AWS_") or key in KEPT_AWS_VARIABLES}
    env.update(
        LOCAL_AWS_ENDPOINT=endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
        AWS_EC2_METADATA_DISABLED="true", AWS_REGION=base.get("AWS_REGION", "us-east-1"),
        AWS_DEFAULT_REGION=base.get("AWS_DEFAULT_REGION", "us-east-1"),
        # Empty, not unset: unset, the SDKs would read ~/.aws/config and ~/.aws/credentials.
        AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )  # fmt: skip
    no_proxy = ",".join(filter(None, (LOOPBACK_HOSTS, base.get("NO_PROXY"), base.get("no_proxy"))))
    env.update(NO_PROXY=no_proxy, no_proxy=no_proxy)  # a proxy never sees local traffic
    return env


def serve(port: int | None) -> int:
    """Foreground: prints LOCAL_AWS_ENDPOINT=... first, serves until interrupted."""
    with local_aws(log=sys.stderr, port=port, reuse=False) as running:
        print(f"LOCAL_AWS_ENDPOINT={running.endpoint}", flush=True)
        say("local AWS running; Ctrl-C stops it")
        assert running.process is not None
        try:
            return running.process.wait()
        except KeyboardInterrupt:
            return 0
