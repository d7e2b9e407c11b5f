#!/usr/bin/env bash
# `npm run bench [-- --quick]`: installs what is missing, then runs bench/run.ts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh --python >&2
exec node --import tsx bench/run.ts "$@"
