#!/usr/bin/env bash
# The pinned cdktf CLI with this project's Terraform configuration (provider mirror or registry,
# shared plugin cache): ./scripts/cdktf.sh diff stage, ./scripts/cdktf.sh deploy stage, ...
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${1:-}" in -h|--help) sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ensure_python
ensure_cdktf_cli
ensure_terraform
cd "$ROOT"
extra=()
# The CLI locks providers for other platforms from the registry after init; with the provider taken
# from a local mirror (no registry) that step cannot work, and the mirror's copy is what gets used.
if [[ $TF_USES_MIRROR == 1 && " diff deploy destroy output " == *" ${1:-} "* ]]; then
  extra+=(--skip-provider-lock)
fi
exec "$ROOT/node_modules/.bin/cdktf" "$@" "${extra[@]}"
