#!/usr/bin/env bash
# Builds the native addons with the C compiler and the headers Node installs beside itself
# (include/node/node_api.h): no node-gyp, nothing downloaded.
#   native/build/h5saver_native.node  posix_fadvise for the page cache of written files, malloc_trim for the heap
#   native/build/h5saver_hdf5.node    the HDF5 C library (Debian's libhdf5-dev), h5saver's native backend
# Never fails: when the compiler, Node's headers or HDF5's are missing it says so, and h5saver runs
# without that addon (it then keeps the page cache of what it writes and its free heap memory; or writes through h5wasm,
# HDF5 compiled to WebAssembly: slower, the same files).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
headers="$(node -p 'require("node:path").resolve(process.execPath, "../../include/node")')"
compiler="$(command -v cc || command -v gcc || command -v clang || true)"
mkdir -p "$here/build"

# up_to_date NAME SOURCE: the addon exists and neither its source nor this script is newer (one
# built elsewhere and copied with its times — the image's, whose build context keeps whole
# seconds only — is used as it is)
up_to_date() {
  local out="$here/build/$1.node"
  [ -f "$out" ] && ! [ "$here/src/$2" -nt "$out" ] && ! [ "$here/build.sh" -nt "$out" ]
}

# build NAME SOURCE WITHOUT [flags…]: WITHOUT says what h5saver does without the addon
build() {
  local name="$1" source="$here/src/$2" without="$3"
  shift 3
  local out="$here/build/$name.node" log="$here/build/$name.log"
  if up_to_date "$name" "$(basename "$source")"; then
    echo "native: $name up to date"
    return
  fi
  # an addon older than its source is not used: without a compiler it is removed, not kept
  rm -f "$out"
  if [ -z "$compiler" ]; then
    echo "native: no C compiler (cc): $name is not built; $without"
    return
  fi
  if [ ! -f "$headers/node_api.h" ]; then
    echo "native: Node's headers are not in $headers: $name is not built; $without"
    return
  fi
  # -fvisibility=hidden: only the module's registration is exported; Node resolves napi_* itself
  # no -Werror: a newer compiler's new warning must not leave the addon out; _FILE_OFFSET_BITS: a
  # 64-bit off_t on 32-bit systems too (files over 2 GiB)
  if "$compiler" -std=c11 -D_POSIX_C_SOURCE=200809L -D_FILE_OFFSET_BITS=64 -O2 -Wall -Wextra -fPIC -shared \
    -fvisibility=hidden -I"$headers" -o "$out.tmp" "$source" "$@" 2>"$log"; then
    mv "$out.tmp" "$out"
    rm -f "$log"
    echo "native: built $name.node"
  else
    rm -f "$out.tmp"
    echo "native: the C compiler failed for $name (native/build/$name.log); $without"
  fi
}

build h5saver_native page_cache.c "h5saver keeps the page cache of what it writes, and its free heap memory"

# HDF5's flags: pkg-config's, else Debian's serial paths
hdf5_flags=()
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists hdf5 2>/dev/null; then
  read -r -a hdf5_flags <<<"$(pkg-config --cflags --libs hdf5)"
elif [ -f /usr/include/hdf5/serial/hdf5.h ]; then
  hdf5_flags=(-I/usr/include/hdf5/serial -L"$(dirname "$(find /usr/lib -path '*hdf5/serial/libhdf5.so' -print -quit)")" -lhdf5)
fi
if [ ${#hdf5_flags[@]} -eq 0 ] && [ ! -f /usr/include/hdf5.h ]; then
  if up_to_date h5saver_hdf5 hdf5_backend.c; then
    echo "native: h5saver_hdf5 up to date (HDF5's headers are not here to build it again)"
  else
    rm -f "$here/build/h5saver_hdf5.node"
    echo "native: HDF5's headers are missing (Debian: libhdf5-dev): h5saver_hdf5 is not built; h5saver writes through h5wasm"
  fi
else
  [ ${#hdf5_flags[@]} -eq 0 ] && hdf5_flags=(-lhdf5)
  # -z nodelete: Node unloads an addon when the last worker thread that loaded it ends, and HDF5
  # (thread-safe) has left per-thread destructors behind, which would then run unmapped code
  build h5saver_hdf5 hdf5_backend.c "h5saver writes through h5wasm" "${hdf5_flags[@]}" -lz -pthread -Wl,-z,nodelete
fi
exit 0
