# Shared by the scripts in this folder: installs what is missing and points Terraform at a provider.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PIPENV_VENV_IN_PROJECT=1 PIPENV_YES=1 PIPENV_NOSPIN=1 PIPENV_VERBOSITY=-1
export CHECKPOINT_DISABLE=1                                  # no Terraform / cdktf version checks
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
PIPENV_VERSION="2026.10.3"
AWS_PROVIDER="registry.terraform.io/hashicorp/aws"
AWS_PROVIDER_VERSION="5.100.0"
PY="$ROOT/.venv/bin/python"

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Python packages exactly as locked in Pipfile.lock, in ./.venv; skipped when the lock is unchanged.
ensure_python() {
  command -v python3 >/dev/null || die "python3 (3.11) is required"
  # Called as a module: a fresh install need not be on the PATH yet.
  if ! python3 -m pipenv --version >/dev/null 2>&1; then
    say "installing pipenv $PIPENV_VERSION"
    python3 -m pip install --quiet "pipenv==$PIPENV_VERSION" || die "could not install pipenv"
  fi
  local stamp="$ROOT/.venv/.pipfile-lock.sha256" want
  want="$(sha256sum "$ROOT/Pipfile.lock" | cut -d' ' -f1)"
  if [[ ! -x "$PY" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    say "installing the locked Python packages (pipenv sync --dev)"
    (cd "$ROOT" && python3 -m pipenv sync --dev >&2) || die "pipenv sync failed"
    printf '%s\n' "$want" >"$stamp"
  fi
}

# The cdktf CLI pinned in package-lock.json, in ./node_modules.
ensure_cdktf_cli() {
  command -v npm >/dev/null || die "Node.js 20+ and npm are required for the cdktf CLI"
  local stamp="$ROOT/node_modules/.package-lock.sha256" want
  want="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
  if [[ ! -x "$ROOT/node_modules/.bin/cdktf" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    say "installing the cdktf CLI (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed"
    printf '%s\n' "$want" >"$stamp"
  fi
}

# A local copy of the AWS provider, when this machine has one: $TF_PLUGIN_MIRROR or a usual place.
find_provider_mirror() {
  local dir
  for dir in "${TF_PLUGIN_MIRROR:-}" /opt/tf-plugins /usr/share/terraform/plugins /usr/local/share/terraform/plugins \
             "$HOME/.terraform.d/plugins" "$HOME/.local/share/terraform/plugins"; do
    [[ -n "$dir" && -d "$dir/$AWS_PROVIDER/$AWS_PROVIDER_VERSION" ]] && { printf '%s\n' "$dir"; return 0; }
  done
  return 1
}

# Points Terraform (and the cdktf CLI, which runs terraform init itself) at a CLI configuration with
# a shared plugin cache, and the provider mirror when there is one; the registry otherwise. A user's
# own existing TF_CLI_CONFIG_FILE is kept.
TF_USES_MIRROR=0
ensure_terraform() {
  command -v terraform >/dev/null || die "terraform (1.11+) is required on the PATH"
  if [[ -n "${TF_CLI_CONFIG_FILE:-}" && -f "$TF_CLI_CONFIG_FILE" && "$TF_CLI_CONFIG_FILE" != "$ROOT/.cache/terraform/cli.tfrc" ]]; then
    return 0
  fi
  local config="$ROOT/.cache/terraform/cli.tfrc" mirror
  mkdir -p "$ROOT/.cache/terraform/plugin-cache"
  {
    printf 'plugin_cache_dir = "%s"\n' "$ROOT/.cache/terraform/plugin-cache"
    if mirror="$(find_provider_mirror)"; then
      TF_USES_MIRROR=1
      printf 'provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["%s"]\n  }\n' "$mirror" "$AWS_PROVIDER"
      printf '  direct {\n    exclude = ["%s"]\n  }\n}\n' "$AWS_PROVIDER"
    fi
  } >"$config"
  export TF_CLI_CONFIG_FILE="$config"
}

# --- running Terraform on a synthesized workspace ------------------------------------------------

LOCAL=0                      # 1 with --local: an AWS emulator (moto) on 127.0.0.1, plans only
LOCAL_DIR="${LOCAL_DIR:-$ROOT/.cache/local}"   # tests point it elsewhere
OUTDIR="$ROOT/cdktf.out"
CLEANUP=()
cleanup() { local step; for step in "${CLEANUP[@]}"; do eval "$step" || true; done; }
trap cleanup EXIT

# Starts moto on a free loopback port (or uses $LOCAL_AWS_ENDPOINT, which must be loopback) and
# points every AWS client of this script at it with dummy credentials; stopped when the script exits.
start_local_aws() {
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true
  export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
  unset AWS_PROFILE AWS_SESSION_TOKEN
  OUTDIR="$LOCAL_DIR/cdktf.out"
  mkdir -p "$LOCAL_DIR"
  if [[ -n "${LOCAL_AWS_ENDPOINT:-}" ]]; then
    [[ "$LOCAL_AWS_ENDPOINT" =~ ^http://(127\.[0-9.]+|localhost):[0-9]+$ ]] || die "LOCAL_AWS_ENDPOINT must be http://127.0.0.1:<port>"
    say "local AWS: using $LOCAL_AWS_ENDPOINT"
    return 0
  fi
  local port pid
  port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "$PY" -m moto.server -H 127.0.0.1 -p "$port" >"$LOCAL_DIR/moto.log" 2>&1 &
  pid=$!
  CLEANUP+=("kill $pid 2>/dev/null; wait $pid 2>/dev/null")
  export LOCAL_AWS_ENDPOINT="http://127.0.0.1:$port"
  "$PY" - "$LOCAL_AWS_ENDPOINT" <<'PYEOF' || die "the local AWS did not start: see $LOCAL_DIR/moto.log"
import sys, time, urllib.request
for _ in range(150):
    try:
        urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
PYEOF
  # A new emulator holds nothing: the local bootstrap state of an earlier run describes nothing real.
  rm -f "$LOCAL_DIR"/bootstrap/*.tfstate "$LOCAL_DIR"/bootstrap/*.tfstate.backup
  say "local AWS: moto on $LOCAL_AWS_ENDPOINT (pid $pid), stopped when this script ends"
}

# Synthesizes every stack: into cdktf.out, or in local mode into .cache/local/cdktf.out.
synthesize() {
  if [[ $LOCAL == 1 ]]; then
    CDKTF_OUTDIR="$OUTDIR" "$PY" "$ROOT/main.py" >&2
  else
    env -u LOCAL_AWS_ENDPOINT CDKTF_OUTDIR="$OUTDIR" "$PY" "$ROOT/main.py" >&2
  fi
}

stack_dir() {
  local dir="$OUTDIR/stacks/$1"
  [[ -f "$dir/cdk.tf.json" ]] || die "no stack '$1' (environments: $(ls "$ROOT/environments" | grep -v '^_' | sed 's/\.toml$//' | tr '\n' ' '))"
  printf '%s\n' "$dir"
}

bootstrap_stacks() { (cd "$OUTDIR/stacks" && ls -d bootstrap*); }

# terraform init + apply of the bootstrap stack(s); $1 = 1 applies without asking.
apply_bootstrap() {
  local auto="$1" name dir
  for name in $(bootstrap_stacks); do
    dir="$OUTDIR/stacks/$name"
    terraform -chdir="$dir" init -input=false -no-color >/dev/null || die "terraform init failed in $dir"
    terraform -chdir="$dir" plan -input=false -no-color -out=bootstrap.tfplan >"$dir/plan.log" 2>&1 || { cat "$dir/plan.log" >&2; die "plan of $name failed"; }
    grep -E "^Plan:|No changes" "$dir/plan.log" >&2 || true
    if [[ $auto != 1 ]]; then
      confirm "Apply $name (creates the state backend)?" "yes" || die "not applied"
    fi
    terraform -chdir="$dir" apply -input=false -no-color bootstrap.tfplan >"$dir/apply.log" 2>&1 || { cat "$dir/apply.log" >&2; die "apply of $name failed"; }
    grep -E "^Apply complete" "$dir/apply.log" >&2 || true
  done
}

# confirm PROMPT EXPECTED: the user types EXPECTED; refuses without a terminal.
confirm() {
  local answer
  [[ -t 0 ]] || die "$1: needs a terminal to confirm (or pass --yes)"
  read -r -p "$1 Type '$2' to continue: " answer
  [[ "$answer" == "$2" ]]
}

# make_plan STACK [terraform plan args...]: init with the S3 backend, plan to plan.tfplan, export
# plan.json. Sets PLAN_DIR.
make_plan() {
  local name="$1"; shift
  PLAN_DIR="$(stack_dir "$name")"
  terraform -chdir="$PLAN_DIR" init -input=false -reconfigure -no-color >"$PLAN_DIR/init.log" 2>&1 \
    || { cat "$PLAN_DIR/init.log" >&2; die "terraform init of $name failed (has the backend been bootstrapped? ./scripts/bootstrap.sh)"; }
  terraform -chdir="$PLAN_DIR" plan -input=false -no-color -lock-timeout="${LOCK_TIMEOUT:-0s}" -out=plan.tfplan "$@" >"$PLAN_DIR/plan.log" 2>&1 \
    || { cat "$PLAN_DIR/plan.log" >&2; die "terraform plan of $name failed"; }
  terraform -chdir="$PLAN_DIR" show -json plan.tfplan >"$PLAN_DIR/plan.json" || die "terraform show failed"
}

# plan_and_check ENV [terraform plan args...]: what plan.sh and deploy.sh share. Synthesizes, plans
# (bootstrapping the local AWS first in local mode), scans the plan and runs the guard with
# GUARD_ARGS; leaves PLAN_DIR, SCAN_STATUS and GUARD_STATUS for the caller to act on.
GUARD_ARGS=()
plan_and_check() {
  local name="$1"; shift
  [[ "$name" != bootstrap* ]] || die "the bootstrap stack is planned and applied by ./scripts/bootstrap.sh"
  ensure_python
  ensure_terraform
  [[ $LOCAL == 1 ]] && start_local_aws
  synthesize
  stack_dir "$name" >/dev/null
  [[ $LOCAL == 1 ]] && apply_bootstrap 1
  make_plan "$name" "$@"
  SCAN_STATUS=0; "$PY" "$ROOT/scripts/plan_scan.py" --stack-dir "$PLAN_DIR" --plan "$PLAN_DIR/plan.json" || SCAN_STATUS=$?
  GUARD_STATUS=0; "$PY" "$ROOT/scripts/guard.py" check "$PLAN_DIR/plan.json" --stack "$name" "${GUARD_ARGS[@]}" || GUARD_STATUS=$?
}
