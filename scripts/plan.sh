#!/usr/bin/env bash
# Plans one environment through its S3 backend, scans the plan with checkov (terraform_plan, the
# same suppressions as the JSON gate), runs the destructive-change guard and prints a summary.
#
#   ./scripts/plan.sh <env> [--local] [--image-tag TAG] [--allow-destroy ADDRESS]...
#     --local      against a local AWS (moto on 127.0.0.1): bootstraps there first
#     --image-tag  the image tag to plan (default: app.image_tag of the environment file)
# The saved plan is cdktf.out/stacks/<env>/plan.tfplan (plan.json beside it).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

env_name="" ; plan_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --local) LOCAL=1 ;;
    --image-tag) [[ $# -ge 2 ]] || die "--image-tag needs a tag"; plan_args+=(-var "image_tag=$2"); shift ;;
    --allow-destroy) [[ $# -ge 2 ]] || die "--allow-destroy needs an address"; GUARD_ARGS+=(--allow-destroy "$2"); shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z "$env_name" ]] || die "one environment at a time"; env_name="$1" ;;
  esac
  shift
done
[[ -n "$env_name" ]] || die "usage: plan.sh <env> [--local] (see --help)"

plan_and_check "$env_name" "${plan_args[@]}"
[[ $SCAN_STATUS == 0 ]] || die "the plan scan failed: see the findings above"
[[ $GUARD_STATUS == 0 ]] || exit "$GUARD_STATUS"
echo "plan saved: ${PLAN_DIR#"$ROOT/"}/plan.tfplan"
