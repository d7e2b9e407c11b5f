#!/usr/bin/env bash
# Create/refresh the Python venv used by the interop suite (test/interop) and the Python client
# (clients/python). Idempotent: creates <repo>/.venv if missing and (re)installs
# test/interop/requirements.txt, then clients/python editable, only when what decides the
# installation changed since the last install: the requirements, the client's pyproject.toml,
# this script and the repository's location (the editable install points at it). The sha256 of
# those is the stamp kept inside the venv. Prints one line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/.." && pwd))"
venv="$root/.venv"
req="$root/test/interop/requirements.txt"
client="$root/clients/python"
stamp="$venv/.requirements.sha256"
py="${PYTHON:-python3}"

[ -f "$req" ] || { echo "python-env: missing $req" >&2; exit 1; }
[ -f "$client/pyproject.toml" ] || { echo "python-env: missing $client/pyproject.toml" >&2; exit 1; }
want="$( { cat "$req" "$client/pyproject.toml" "${BASH_SOURCE[0]}"; echo "$root"; } | sha256sum | cut -d' ' -f1)"

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
export PIP_DISABLE_PIP_VERSION_CHECK=1
if ! "$venv/bin/python" -m pip install -q -r "$req" >"$log" 2>&1 \
  || ! "$venv/bin/python" -m pip install -q --no-build-isolation -e "$client" >>"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"
  echo "python-env: pip install failed" >&2
  exit 1
fi
rm -f "$log"
echo "$want" >"$stamp"
echo "python-env: ${created}installed test/interop/requirements.txt and clients/python (editable) into $venv"
