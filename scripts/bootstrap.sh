#!/usr/bin/env bash
# Installs what h5saver needs on a fresh machine, only what is missing, and says what it did.
#   bootstrap.sh            npm packages (npm ci when package-lock.json changed), the native addons
#   bootstrap.sh --python   + the Python test environments (.venv: PyMoDAQ 5, the Python client;
#                             .venv-pymodaq3: PyMoDAQ 3.6 for the 3.x layout)
#   bootstrap.sh --debian   + Debian packages: hdf5-tools (h5dump) and libhdf5-dev (the native HDF5 backend) …
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 20 ]; then
  echo "bootstrap: h5saver needs Node.js 20 or newer (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

stamp="node_modules/.h5saver-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "bootstrap: npm packages up to date"
else
  echo "bootstrap: installing npm packages (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

for arg in "$@"; do
  case "$arg" in
    --python) bash scripts/python-env.sh && bash scripts/python-env-pymodaq3.sh ;;
    --debian) bash scripts/debian-deps.sh ;;
    *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
  esac
done

# the native addons (posix_fadvise for the page cache of written files; the HDF5 C library, whose
# headers --debian installs): optional, never fail — without them h5saver runs on h5wasm alone
bash native/build.sh
