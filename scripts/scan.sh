#!/usr/bin/env bash
# The checkov + terraform validate gate on the current cdktf.out, without synthesizing again.
# (./scripts/synth.sh synthesizes and then runs the same gate.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${1:-}" in -h|--help) sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ensure_python
ensure_terraform
[[ -f "$OUTDIR/manifest.json" ]] || die "nothing synthesized yet: ./scripts/synth.sh"
exec "$PY" "$ROOT/scripts/gate.py" "$@"
