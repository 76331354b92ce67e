#!/usr/bin/env bash
# Plans one environment through its S3 backend, scans the plan with checkov (terraform_plan, the
# same suppressions as the JSON gate), runs the destructive-change guard and prints a summary.
#
#   ./scripts/plan.sh <env> [--local] [--image-tag TAG] [--allow-destroy ADDRESS]...
#     --local      against a local AWS (moto on 127.0.0.1): bootstraps there first
#     --image-tag  the image tag to plan (default: app.image_tag of the environment file)
# The saved plan is cdktf.out/stacks/<env>/plan.tfplan (plan.json beside it).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage_if_asked 2,9 "$@"
ensure_python
ensure_terraform
exec "$PY" -m scripts.ops plan "$@"
