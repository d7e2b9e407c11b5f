#!/usr/bin/env bash
# Create/refresh the Python venv of the PyMoDAQ 3.x interop suite (test/interop-pymodaq3).
# Idempotent: creates <repo>/.venv-pymodaq3 if missing and (re)installs
# test/interop-pymodaq3/requirements.txt only when its content changed since the last install
# (sha256 stamp kept inside the venv). The requirements are the whole environment, pinned, and
# are installed with --no-deps (see the file's header for why). Prints one line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/.." && pwd))"
venv="$root/.venv-pymodaq3"
req="$root/test/interop-pymodaq3/requirements.txt"
stamp="$venv/.requirements.sha256"
py="${PYTHON:-python3}"

[ -f "$req" ] || { echo "python-env-pymodaq3: missing $req" >&2; exit 1; }
want="$(sha256sum "$req" | cut -d' ' -f1)"

created=""
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
  created="created $venv; "
fi

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "python-env-pymodaq3: ${created}up to date ($venv)"
  exit 0
fi

log="$(mktemp)"
if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install -q --no-deps -r "$req" >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"
  echo "python-env-pymodaq3: pip install failed" >&2
  exit 1
fi
rm -f "$log"
echo "$want" >"$stamp"
echo "python-env-pymodaq3: ${created}installed test/interop-pymodaq3/requirements.txt into $venv"
