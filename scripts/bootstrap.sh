#!/usr/bin/env bash
# One-time: creates the Terraform state backend (S3 bucket, access-log bucket, KMS key, DynamoDB lock
# table) from the bootstrap stack, with local state in bootstrap/terraform.tfstate.
#
#   ./scripts/bootstrap.sh [--local] [--yes]
#     --local  against a local AWS (moto on 127.0.0.1): applies for real there, then plans again
#     --yes    apply without asking
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage_if_asked 2,8 "$@"
ensure_python
ensure_terraform
exec "$PY" -m scripts.ops bootstrap "$@"
