#!/usr/bin/env bash
# `npm run bench [-- --quick]`: installs what is missing, runs bench/run.ts, then draws
# bench/results/latest.json as bench/results/latest.png (matplotlib in a venv of its own,
# .tools/bench-chart-venv, from bench/requirements.txt; without it the chart is skipped).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh --python >&2
node --import tsx bench/run.ts "$@"

# The instrument chain (issue 5): simulator on a pty → driver → gRPC → saver, TCD1304 and the
# 512×512 camera, with the time split into waiting for the device, decoding and sending.
chain_frames=()
for arg in "$@"; do [ "$arg" = "--quick" ] && chain_frames=(--frames 50); done
if command -v socat >/dev/null 2>&1; then
  echo "bench: instrument chain (simulator → driver → gRPC → saver)…" >&2
  node --import tsx hardware/src/bench/chain.ts "${chain_frames[@]}" | tee bench/results/chain.jsonl
else
  echo "bench: instrument chain skipped: socat is missing (scripts/debian-deps.sh installs it)" >&2
fi

venv=.tools/bench-chart-venv
if ! "$venv/bin/python" -c "import matplotlib" 2>/dev/null; then
  echo "bench: installing matplotlib for the chart into $venv" >&2
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q -r bench/requirements.txt; } >&2; then
    echo "bench: no chart (matplotlib could not be installed)" >&2
    exit 0
  fi
fi
"$venv/bin/python" bench/chart.py bench/results/latest.json bench/results/latest.png
