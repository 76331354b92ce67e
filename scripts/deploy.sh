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

env_name="" ; tag="" ; yes=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --local) LOCAL=1 ;;
    --yes) yes=1 ;;
    --allow-destroy) [[ $# -ge 2 ]] || die "--allow-destroy needs an address"; GUARD_ARGS+=(--allow-destroy "$2"); shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) if [[ -z "$env_name" ]]; then env_name="$1"; elif [[ -z "$tag" ]]; then tag="$1"; else die "too many arguments (see --help)"; fi ;;
  esac
  shift
done
[[ -n "$env_name" ]] || die "usage: deploy.sh <env> [image_tag] (see --help)"

plan_args=()
[[ -n "$tag" ]] && plan_args+=(-var "image_tag=$tag")
plan_and_check "$env_name" "${plan_args[@]}"
[[ $SCAN_STATUS == 0 ]] || die "refusing to deploy: the plan scan failed (findings above)"
[[ $GUARD_STATUS == 0 ]] || die "refusing to deploy: the guard refused the plan (see above)"

if [[ $LOCAL == 1 ]]; then
  echo "local mode: plan and scans passed; not applying (moto cannot create App Runner services, budgets or Valkey groups)"
  exit 0
fi
if [[ $yes != 1 ]] && "$PY" "$ROOT/scripts/guard.py" protected "$env_name"; then
  confirm "Apply this plan to $env_name?" "$env_name" || die "not applied"
fi
terraform -chdir="$PLAN_DIR" apply -input=false -no-color plan.tfplan || die "terraform apply failed: the state lock is released; fix and run again"
echo
terraform -chdir="$PLAN_DIR" output -no-color
echo "app: $(terraform -chdir="$PLAN_DIR" output -raw app_url)/health"
