#!/usr/bin/env bash
# `npm run demo`: installs what is missing, then streams a simulated detector into a PyMoDAQ file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh >&2
exec node --import tsx service/src/cli/demo.ts "$@"
