# Shared by the scripts in this folder: installs what is missing and points Terraform at a provider.
# Everything else is Python: python -m scripts.ops <command> (scripts/ops/cli.py); the scripts are shims.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PIPENV_VENV_IN_PROJECT=1 PIPENV_YES=1 PIPENV_NOSPIN=1 PIPENV_VERBOSITY=-1
export CHECKPOINT_DISABLE=1                                  # no Terraform / cdktf version checks
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
# Terraform and the AWS provider are Go programs; most of a terraform command's CPU is the provider's
# schema (every command that needs it builds and decodes all of it again). Collecting garbage at 4x the
# live heap instead of 2x cuts that CPU by a fifth (terraform validate of stage: 5.8 -> 4.6 s) for a
# peak memory within 5% (scripts/ops/cli.py sets the same for python -m scripts.ops).
export GOGC="${GOGC:-400}"
PIPENV_VERSION="2026.10.3"
AWS_PROVIDER="registry.terraform.io/hashicorp/aws"
AWS_PROVIDER_VERSION="5.100.0"
PY="$ROOT/.venv/bin/python"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"   # python -m scripts.ops from any directory

say() { printf '%s\n' "$*" >&2; }

# usage_if_asked LINES ARGS...: prints the script's header comment (lines LINES) on -h/--help.
usage_if_asked() {
  local lines="$1" arg; shift
  for arg in "$@"; do
    case "$arg" in -h|--help) sed -n "${lines}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
  done
}
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
export TF_USES_MIRROR=0   # read by python -m scripts.ops cdktf (--skip-provider-lock)
ensure_terraform() {
  command -v terraform >/dev/null || die "terraform (1.11+) is required on the PATH"
  if [[ -n "${TF_CLI_CONFIG_FILE:-}" && -f "$TF_CLI_CONFIG_FILE" && "$TF_CLI_CONFIG_FILE" != "$ROOT/.cache/terraform/cli.tfrc" ]]; then
    grep -q 'filesystem_mirror' "$TF_CLI_CONFIG_FILE" && TF_USES_MIRROR=1
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

# For parallel test workers: every `terraform init` reads the provider from a mirror and none writes to a
# shared place. Terraform does not guard its plugin cache against concurrent writers, and an init whose
# lock file has no entry for the provider installs into the cache again, so two inits at once can remove
# the package under each other. The machine's mirror is used as it is; without one, the provider is
# installed once into the plugin cache, which then serves as the mirror (same layout), with no cache.
use_provider_mirror_only() {
  local mirror cache="$ROOT/.cache/terraform/plugin-cache" config="$ROOT/.cache/terraform/mirror-only.tfrc"
  if ! mirror="$(find_provider_mirror)"; then
    if ! compgen -G "$cache/$AWS_PROVIDER/$AWS_PROVIDER_VERSION/*" >/dev/null; then
      local scratch
      scratch="$(mktemp -d)"
      printf 'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = "%s"\n    }\n  }\n}\n' \
        "$AWS_PROVIDER_VERSION" >"$scratch/main.tf"
      terraform -chdir="$scratch" init -backend=false -input=false >/dev/null \
        || { rm -rf "$scratch"; die "terraform init could not install the AWS provider $AWS_PROVIDER_VERSION"; }
      rm -rf "$scratch"
    fi
    mirror="$cache"
  fi
  {
    printf 'provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["%s"]\n  }\n' "$mirror" "$AWS_PROVIDER"
    printf '  direct {\n    exclude = ["%s"]\n  }\n}\n' "$AWS_PROVIDER"
  } >"$config"
  export TF_CLI_CONFIG_FILE="$config" TF_USES_MIRROR=1
}

# A PostgreSQL server for tests/test_database_user.py (the SQL of the app's database user runs against a
# real one): Debian's postgresql package, installed when missing and this user may install packages.
ensure_postgresql() {
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    say "installing PostgreSQL (apt-get install postgresql) for the database-user test"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2 \
      || die "apt-get install postgresql failed"
    return 0
  fi
  die "PostgreSQL's server binaries are required by the tests: apt-get install -y postgresql"
}
