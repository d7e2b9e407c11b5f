#!/usr/bin/env bash
# Debian packages the tests use: hdf5-tools (h5dump), libhdf5-dev (HDF5's headers, for the native
# backend's addon: native/build.sh), socat (pseudo-terminal pairs for the instrument simulators),
# openssl (certificates for the TLS tests) and, when python3 cannot make a virtual environment
# (Debian's own python3 without python3-venv), python3-venv.
# Idempotent; never fails: without root it says what is missing (the h5dump tests then skip,
# except as root or in CI, where they fail).
set -uo pipefail
missing=()
command -v h5dump >/dev/null 2>&1 || missing+=(hdf5-tools)
[ -f /usr/include/hdf5/serial/hdf5.h ] || [ -f /usr/include/hdf5.h ] || missing+=(libhdf5-dev)
command -v socat >/dev/null 2>&1 || missing+=(socat)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
probe="$(mktemp -d)"
python3 -m venv --without-pip "$probe/venv" >/dev/null 2>&1 || missing+=(python3-venv)
rm -rf "$probe"
if [ ${#missing[@]} -eq 0 ]; then
  echo "debian-deps: h5dump, HDF5 headers, socat, openssl and python3 venv present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "debian-deps: missing ${missing[*]} and not root: apt-get install ${missing[*]}"
  exit 0
fi
if DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
   DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
  echo "debian-deps: installed ${missing[*]}"
else
  echo "debian-deps: apt-get install ${missing[*]} failed"
fi
exit 0
