#!/usr/bin/env bash
# Create/refresh the Python venv used by the interop suite (test/interop).
# Idempotent: creates <repo>/.venv if missing and (re)installs
# test/interop/requirements.txt only when its content changed since the last
# install (sha256 stamp kept inside the venv). Prints one line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/.." && pwd))"
venv="$root/.venv"
req="$root/test/interop/requirements.txt"
stamp="$venv/.requirements.sha256"
py="${PYTHON:-python3}"

[ -f "$req" ] || { echo "python-env: missing $req" >&2; exit 1; }
want="$(sha256sum "$req" | cut -d' ' -f1)"

created=""
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
  created="created $venv; "
fi

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "python-env: ${created}up to date ($venv)"
  exit 0
fi

log="$(mktemp)"
if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install -q -r "$req" >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"
  echo "python-env: pip install failed" >&2
  exit 1
fi
rm -f "$log"
echo "$want" >"$stamp"
echo "python-env: ${created}installed test/interop/requirements.txt into $venv"
