"""The one loopback rule (modules/local_aws.py): what LOCAL_AWS_ENDPOINT and the emulator's --host accept."""

from __future__ import annotations

import pytest

from modules.local_aws import LocalEndpointError, checked_endpoint, is_loopback_host
from scripts.ops.emulator.server import NotLoopbackError, checked_host


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:4566", "http://localhost:80", "http://[::1]:99", "http://127.9.9.9:1"]
)
def test_loopback_endpoints_are_accepted(endpoint: str) -> None:
    assert checked_endpoint(endpoint) == endpoint


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://10.0.0.1:1",  # private, not loopback
        "https://127.0.0.1:1",  # the emulator speaks plain HTTP
        "http://127.0.0.1",  # no port
        "http://127.0.0.1:1/x",
        "http://127.0.0.1.evil.example:1",
        "http://user@127.0.0.1:1",
        "http://127.0.0.1:99999",
        "",
    ],
)
def test_anything_else_is_refused(endpoint: str) -> None:
    with pytest.raises(LocalEndpointError, match="loopback only"):
        checked_endpoint(endpoint)


def test_the_emulator_host_check_uses_the_same_rule() -> None:
    for host in ("127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST"):
        assert is_loopback_host(host) and checked_host(host)
    for host in ("0.0.0.0", "10.1.1.1", "example.com", "::"):
        assert not is_loopback_host(host)
        with pytest.raises(NotLoopbackError):
            checked_host(host)
