#!/usr/bin/env bash
# Runs the code checks (ruff lint and format, mypy; configured in pyproject.toml), then the whole test
# suite, slow tests included (terraform validate, checkov, the cdktf CLI, a local AWS on 127.0.0.1).
# Extra arguments go to pytest, e.g. ./scripts/test.sh -m "not slow" -x
# --changed [BASE]: only the test modules a change since BASE (default HEAD) touches, fast tier first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${1:-}" in -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

ensure_python
ensure_cdktf_cli
ensure_terraform
ensure_postgresql
use_provider_mirror_only
cd "$ROOT"
say "ruff check, ruff format --check, mypy"
"$ROOT/.venv/bin/ruff" check --quiet . || die "ruff found problems (ruff check --fix fixes some)"
"$ROOT/.venv/bin/ruff" format --check --quiet . || die "code is not formatted: run .venv/bin/ruff format"
"$ROOT/.venv/bin/mypy" >&2 || die "mypy found problems"
if [[ "${1:-}" == "--changed" ]]; then
  shift
  base=HEAD
  if [[ $# -gt 0 && "$1" != -* ]]; then base="$1"; shift; fi
  selection="$("$PY" "$ROOT/scripts/changed_tests.py" "$base")" || die "could not tell which tests the change touches"
  if [[ -z "$selection" ]]; then say "no test module is touched by the change since $base"; exit 0; fi
  if [[ "$selection" == all ]]; then
    say "the change since $base touches everything: fast tier, then the rest"
    selection=""
  else
    say "the change since $base touches: $(tr '\n' ' ' <<<"$selection")"
  fi
  for tier in "not slow" slow; do
    code=0
    # shellcheck disable=SC2086  # one path a line, no spaces
    "$PY" -m pytest -n "${TEST_WORKERS:-4}" --dist loadfile --no-loadscope-reorder -m "$tier" "$@" $selection || code=$?
    [[ $code == 0 || $code == 5 ]] || exit "$code"  # 5: no test of this tier among them
  done
  exit 0
fi
# Modules run in parallel, one module per worker (pytest-xdist --dist loadfile): most of the slow ones
# wait on a local AWS rather than use a core. TEST_WORKERS=0 runs everything in this process. Modules are
# handed out in the order tests/conftest.py gives them (longest first), not by their number of tests.
exec "$PY" -m pytest -n "${TEST_WORKERS:-4}" --dist loadfile --no-loadscope-reorder "$@"
