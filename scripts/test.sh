#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs every check and test; exits non-zero if any fails.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh --debian --python || exit 1

failed=()
step() {
  local name="$1"
  shift
  echo
  echo "== $name"
  if ! "$@"; then failed+=("$name"); fi
}

# The container tests need a Docker engine; docker/engine.sh starts one when it can (root, Debian)
# and stops what it started when the tests end.
if [ -f docker/engine.sh ]; then
  bash docker/engine.sh up
  trap 'bash docker/engine.sh down' EXIT
fi

mapfile -t python_suites < <(ls -d test/interop clients/python/tests 2>/dev/null)
mapfile -t node_tests < <(git ls-files --cached --others --exclude-standard -- '*.test.ts' | sort)
step "lint (biome)" npx biome check --error-on-warnings .
step "proto (buf lint, generated code up to date)" bash scripts/gen-proto.sh --check
step "types (tsc)" npx tsc -p tsconfig.json
step "Python client lint and types (ruff, mypy --strict)" \
  bash -c 'cd clients/python && ../../.venv/bin/ruff check . && ../../.venv/bin/ruff format --check . && ../../.venv/bin/mypy'
step "unit and integration tests (node:test)" node --import tsx --test --test-reporter=spec "${node_tests[@]}"
step "Python client; interop with PyMoDAQ, PyTables, h5py, h5dump (pytest)" \
  .venv/bin/python -m pytest -q -p no:cacheprovider "${python_suites[@]}"
step "interop with PyMoDAQ 3.6 (pytest, .venv-pymodaq3)" \
  .venv-pymodaq3/bin/python -m pytest -q -p no:cacheprovider test/interop-pymodaq3

echo
if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "all test steps passed"
