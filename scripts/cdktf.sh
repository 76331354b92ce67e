#!/usr/bin/env bash
# The pinned cdktf CLI with this project's Terraform configuration (provider mirror or registry,
# shared plugin cache): ./scripts/cdktf.sh diff stage, ./scripts/cdktf.sh deploy stage, ...
# Its synthesis runs the checkov gate; deploy/destroy of a protected stack are refused (use
# ./scripts/deploy.sh / destroy.sh); --local runs it against the local AWS (output in .cache/local).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${1:-}" in -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ensure_python
ensure_cdktf_cli
ensure_terraform
exec "$PY" -m scripts.ops cdktf "$@"
