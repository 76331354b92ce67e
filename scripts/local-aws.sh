#!/usr/bin/env bash
# Runs the local AWS (the project's emulator; moto until it exists) in the foreground on a free
# 127.0.0.1 port; the first line printed is LOCAL_AWS_ENDPOINT=http://127.0.0.1:<port>. Ctrl-C stops it.
#
#   ./scripts/local-aws.sh [--port N]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage_if_asked 2,5 "$@"
ensure_python
exec "$PY" -m scripts.ops local-aws "$@"
