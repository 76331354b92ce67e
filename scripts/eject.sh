#!/usr/bin/env bash
# Writes one environment's workspace as plain Terraform (HCL) into a directory you keep: backend
# (backend.hcl), variables, one .tf file per component, checkov skip comments, a README. It then runs
# without Python, Node.js or cdktf. The directory must be new, empty, or an earlier eject of the same env.
#
#   ./scripts/eject.sh <env> <dir>
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage_if_asked 2,6 "$@"
ensure_python
ensure_terraform
exec "$PY" -m scripts.ops eject "$@"
