#!/usr/bin/env bash
# Debian packages needed by the interop suite: hdf5-tools (h5dump).
# Idempotent; never fails: without root and without h5dump it says so and the
# h5dump tests skip with a reason.
set -uo pipefail
if command -v h5dump >/dev/null 2>&1; then
  echo "debian-deps: h5dump present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "debian-deps: h5dump missing and not root: h5dump tests will be skipped (apt-get install hdf5-tools)"
  exit 0
fi
if DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
   DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hdf5-tools >/dev/null 2>&1; then
  echo "debian-deps: installed hdf5-tools ($(command -v h5dump))"
else
  echo "debian-deps: apt-get install hdf5-tools failed: h5dump tests will be skipped"
fi
exit 0
