#!/usr/bin/env bash
# Tears an environment down: plans the destroy, shows what holds data, asks for the environment's
# name to be typed, applies. Refuses while the environment is protected (deletion_protection).
#
#   ./scripts/destroy.sh <env> [--yes] [--local]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage_if_asked 2,5 "$@"
ensure_python
ensure_terraform
exec "$PY" -m scripts.ops destroy "$@"
