"""Serve moto plus the project's additions on a loopback address."""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
import threading
import urllib.request
from types import FrameType

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from modules.local_aws import is_loopback_host
from scripts.ops.emulator.additions import install
from scripts.ops.emulator.hooks import with_hooks

LOOPBACK_NAMES = ("localhost",)


class NotLoopbackError(ValueError):
    pass


def checked_host(host: str) -> str:
    """Only loopback (modules/local_aws.py owns the rule): 127.0.0.0/8, ::1 or localhost."""
    if not is_loopback_host(host):
        raise NotLoopbackError(f"--host {host!r}: refusing a non-loopback address (127.0.0.0/8, ::1 or localhost only)")
    if host.lower() in LOOPBACK_NAMES:
        return "127.0.0.1"
    return str(ipaddress.ip_address(host.strip("[]")))


def endpoint_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(host: str, port: int) -> None:
    """Serve in the foreground until SIGTERM/SIGINT; print LOCAL_AWS_ENDPOINT=... once requests are answered."""
    host = checked_host(host)
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    install()
    app = with_hooks(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    url = endpoint_url(host, server.server_address[1])
    worker = threading.Thread(target=server.serve_forever, name="emulator", daemon=True)
    worker.start()
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=30).read()
    print(f"LOCAL_AWS_ENDPOINT={url}", flush=True)
    stop.wait()
    server.shutdown()
    server.server_close()
    worker.join(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.ops.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free port)")
    args = parser.parse_args(argv)
    try:
        host = checked_host(args.host)
    except NotLoopbackError as error:
        print(f"emulator: {error}", file=sys.stderr)
        return 2
    serve(host, args.port)
    return 0
