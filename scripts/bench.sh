#!/usr/bin/env bash
# `npm run bench [-- --quick]`: installs what is missing, runs bench/run.ts, then draws
# bench/results/latest.json as bench/results/latest.png (matplotlib in a venv of its own,
# .tools/bench-chart-venv, from bench/requirements.txt; without it the chart is skipped).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh --python >&2
node --import tsx bench/run.ts "$@"

venv=.tools/bench-chart-venv
if ! "$venv/bin/python" -c "import matplotlib" 2>/dev/null; then
  echo "bench: installing matplotlib for the chart into $venv" >&2
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q -r bench/requirements.txt; } >&2; then
    echo "bench: no chart (matplotlib could not be installed)" >&2
    exit 0
  fi
fi
"$venv/bin/python" bench/chart.py bench/results/latest.json bench/results/latest.png
