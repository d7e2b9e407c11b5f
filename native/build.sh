#!/usr/bin/env bash
# Builds native/build/h5saver_native.node with the C compiler and the headers Node installs beside
# itself (include/node/node_api.h): no node-gyp, nothing downloaded. Never fails: when the compiler
# or the headers are missing it says so, and h5saver runs without the addon (it then keeps the
# page cache of what it writes: slower on some virtual machines, no less safe).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/build/h5saver_native.node"
source="$here/src/page_cache.c"
headers="$(node -p 'require("node:path").resolve(process.execPath, "../../include/node")')"
if [ -f "$out" ] && [ "$out" -nt "$source" ] && [ "$out" -nt "$here/build.sh" ]; then
  echo "native: addon up to date"
  exit 0
fi
# an addon older than its source is not used: without a compiler it is removed, not kept
rm -f "$out"
compiler="$(command -v cc || command -v gcc || command -v clang || true)"
if [ -z "$compiler" ]; then
  echo "native: no C compiler (cc): the addon is not built; h5saver keeps the page cache of what it writes"
  exit 0
fi
if [ ! -f "$headers/node_api.h" ]; then
  echo "native: Node's headers are not in $headers: the addon is not built; h5saver keeps the page cache of what it writes"
  exit 0
fi
mkdir -p "$here/build"
# -fvisibility=hidden: only the module's registration is exported; Node resolves napi_* itself
# no -Werror: a newer compiler's new warning must not leave the addon out; _FILE_OFFSET_BITS: a
# 64-bit off_t on 32-bit systems too (files over 2 GiB)
if "$compiler" -std=c11 -D_POSIX_C_SOURCE=200809L -D_FILE_OFFSET_BITS=64 -O2 -Wall -Wextra -fPIC -shared \
  -fvisibility=hidden -I"$headers" -o "$out.tmp" "$source" 2>"$here/build/cc.log"; then
  mv "$out.tmp" "$out"
  rm -f "$here/build/cc.log"
  echo "native: built $(basename "$out")"
else
  rm -f "$out.tmp"
  echo "native: the C compiler failed (native/build/cc.log); h5saver keeps the page cache of what it writes"
fi
exit 0
