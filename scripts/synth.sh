#!/usr/bin/env bash
# Synthesizes every stack (bootstrap + one per environments/<name>.toml) into cdktf.out/, then runs
# the gate on each: terraform init + validate with the real AWS provider, and checkov.
#
#   ./scripts/synth.sh            install what is missing, synthesize, validate, scan
#   ./scripts/synth.sh --no-gate  synthesize only
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage_if_asked 2,7 "$@"
ensure_python
ensure_cdktf_cli   # so that `npx cdktf synth` works right after, as the README says
ensure_terraform
exec "$PY" -m scripts.ops synth "$@"
