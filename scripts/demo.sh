#!/usr/bin/env bash
# `npm run demo`: installs what is missing, then starts a saver on loopback and streams a simulated detector into a PyMoDAQ file through it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh >&2
exec node --import tsx demo/run-demo.ts "$@"
