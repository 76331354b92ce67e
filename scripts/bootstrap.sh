#!/usr/bin/env bash
# One-time: creates the Terraform state backend (S3 bucket, access-log bucket, KMS key, DynamoDB lock
# table) from the bootstrap stack, with local state in bootstrap/terraform.tfstate.
#
#   ./scripts/bootstrap.sh [--local] [--yes]
#     --local  against a local AWS (moto on 127.0.0.1): applies for real there, then plans again
#     --yes    apply without asking
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

yes=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --local) LOCAL=1 ;;
    --yes) yes=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done

ensure_python
ensure_terraform
[[ $LOCAL == 1 ]] && start_local_aws
synthesize
[[ $LOCAL == 1 ]] && yes=1
apply_bootstrap "$yes"
for name in $(bootstrap_stacks); do
  dir="$OUTDIR/stacks/$name"
  # A second plan must show nothing to do: the backend is exactly what the code says.
  terraform -chdir="$dir" plan -input=false -no-color -detailed-exitcode >"$dir/replan.log" 2>&1 && replan=0 || replan=$?
  [[ $replan == 0 ]] || { cat "$dir/replan.log" >&2; die "$name: a second plan is not empty (exit $replan)"; }
  echo "$name: backend ready (a second plan shows no changes)"
  terraform -chdir="$dir" output -no-color | sed 's/^/  /'
done
