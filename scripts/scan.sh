#!/usr/bin/env bash
# The checkov + terraform validate gate on the current cdktf.out, without synthesizing again.
# (./scripts/synth.sh synthesizes and then runs the same gate.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage_if_asked 2,3 "$@"
ensure_python
ensure_terraform
exec "$PY" -m scripts.ops gate "$@"
