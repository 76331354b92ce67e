#!/usr/bin/env bash
# Runs the whole test suite, slow tests included (terraform validate, checkov, the cdktf CLI, a local
# AWS on 127.0.0.1). Extra arguments go to pytest, e.g. ./scripts/test.sh -m "not slow" -x
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${1:-}" in -h|--help) sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

ensure_python
ensure_cdktf_cli
ensure_terraform
cd "$ROOT"
exec "$PY" -m pytest "$@"
