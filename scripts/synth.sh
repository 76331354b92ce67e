#!/usr/bin/env bash
# Synthesizes every stack (bootstrap + one per environments/<name>.toml) into cdktf.out/, then runs
# the gate on each: terraform init + validate with the real AWS provider, and checkov.
#
#   ./scripts/synth.sh            install what is missing, synthesize, validate, scan
#   ./scripts/synth.sh --no-gate  synthesize only
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gate=1
case "${1:-}" in
  --no-gate) gate=0 ;;
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) die "unknown option $1 (see --help)" ;;
esac

ensure_python
ensure_terraform
cd "$ROOT"
started=$EPOCHREALTIME
"$PY" main.py
synth_seconds=$(awk "BEGIN { print $EPOCHREALTIME - $started }")
[[ $gate == 1 ]] || exit 0
"$PY" scripts/gate.py --synth-seconds "$synth_seconds"
