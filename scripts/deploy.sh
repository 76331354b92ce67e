#!/usr/bin/env bash
# Plans, scans the plan, checks it against the destructive-change guard, asks (protected
# environments: type the environment's name), applies the saved plan and prints the outputs.
#
#   ./scripts/deploy.sh <env> [image_tag] [--yes] [--local] [--allow-destroy ADDRESS]...
#     image_tag        the image to run (pushed to the environment's ECR repository first);
#                      default: app.image_tag of the environment file
#     --yes            no confirmation (CI)
#     --local          against a local AWS (moto): everything up to the apply, which moto cannot do
#     --allow-destroy  accept deleting/replacing this stateful resource (repeat per address)
# Rollback: deploy the previous tag again (tags are immutable, so it is exactly the old image).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage_if_asked 2,12 "$@"
ensure_python
ensure_terraform
exec "$PY" -m scripts.ops deploy "$@"
