#!/usr/bin/env bash
# Tears an environment down: plans the destroy, shows what holds data, asks for the environment's
# name to be typed, applies. Refuses while the environment is protected (deletion_protection).
#
#   ./scripts/destroy.sh <env> [--yes] [--local]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

env_name="" ; yes=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --local) LOCAL=1 ;;
    --yes) yes=1 ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z "$env_name" ]] || die "one environment at a time"; env_name="$1" ;;
  esac
  shift
done
[[ -n "$env_name" ]] || die "usage: destroy.sh <env> (see --help)"
[[ "$env_name" != bootstrap* ]] || die "the state backend is not destroyed by this script (it holds every environment's state)"

ensure_python
ensure_terraform
[[ $LOCAL == 1 ]] && start_local_aws
synthesize
dir="$(stack_dir "$env_name")"
if "$PY" "$ROOT/scripts/guard.py" protected "$env_name"; then
  echo "refusing: $env_name is protected (deletion_protection = true); these resources hold data:"
  "$PY" "$ROOT/scripts/guard.py" stateful "$dir" | sed 's/^/  /'
  cat <<MSG
To destroy it on purpose:
  1. take a final snapshot: aws rds create-db-cluster-snapshot --db-cluster-identifier <project>-$env_name-aurora-cluster \\
       --db-cluster-snapshot-identifier <project>-$env_name-final-\$(date +%Y%m%d)
  2. set deletion_protection = false under [database] in environments/$env_name.toml
  3. ./scripts/deploy.sh $env_name   (turns RDS deletion protection off and drops prevent_destroy)
  4. ./scripts/destroy.sh $env_name
MSG
  exit 3
fi
[[ $LOCAL == 1 ]] && apply_bootstrap 1
make_plan "$env_name" -destroy
"$PY" "$ROOT/scripts/plan_scan.py" --stack-dir "$PLAN_DIR" --plan "$PLAN_DIR/plan.json" --no-scan
"$PY" "$ROOT/scripts/guard.py" check "$PLAN_DIR/plan.json" --stack "$env_name"
if [[ $LOCAL == 1 ]]; then
  echo "local mode: destroy planned; not applied"
  exit 0
fi
[[ $yes == 1 ]] || confirm "Destroy $env_name and the data listed above?" "$env_name" || die "not destroyed"
terraform -chdir="$PLAN_DIR" apply -input=false -no-color plan.tfplan || die "terraform apply (destroy) failed"
