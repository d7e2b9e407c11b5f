#!/usr/bin/env bash
# Lints proto/ with buf and regenerates the code generated from it, offline:
#   proto/gen                          TypeScript (protoc-gen-es)
#   clients/python/src/h5saver/v1      Python messages, type stubs and gRPC stub (grpcio-tools)
#   gen-proto.sh          lint + generate
#   gen-proto.sh --check  lint + generate into a temporary folder; fails if either is stale
# buf comes from the npm package @bufbuild/buf (its binary is in the optional dependency
# @bufbuild/buf-<os>-<arch>, so no download); protoc-gen-es from node_modules/.bin, which
# buf.gen.yaml names as a `local:` plugin. grpcio-tools comes from the repository's .venv (pinned
# in test/interop/requirements.txt; scripts/python-env.sh installs it when missing): its version
# is written into the generated Python, so only the pinned one reproduces the committed files.
# Nothing here uses the network or the Buf registry.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/node_modules/.bin"
for tool in buf protoc-gen-es; do
  if [ ! -x "$bin/$tool" ]; then
    echo "gen-proto: $bin/$tool is missing; run npm install (or scripts/bootstrap.sh)" >&2
    exit 1
  fi
done
export PATH="$bin:$PATH"
cd "$root/proto"

python_out="$root/clients/python/src/h5saver/v1"
python="$root/.venv/bin/python"
if ! "$python" -c "import grpc_tools" 2>/dev/null; then
  bash "$root/scripts/python-env.sh" >&2
fi

# The Python code of h5saver.v1 into $1/h5saver/v1. protoc names imports after the .proto paths
# ("from h5saver.v1 import data_pb2"), which is why the code lives in the client package's own
# h5saver/v1 folder. Only saver_service.proto has a service, so only it gets a _grpc module.
generate_python() {
  "$python" -m grpc_tools.protoc -I. --python_out="$1" --pyi_out="$1" h5saver/v1/*.proto
  "$python" -m grpc_tools.protoc -I. --grpc_python_out="$1" h5saver/v1/saver_service.proto
  cat >"$1/h5saver/v1/__init__.py" <<'EOF'
"""h5saver.v1: protobuf messages and gRPC stub generated from proto/h5saver/v1 by
scripts/gen-proto.sh (grpcio-tools). Never edit these files: change the .proto and regenerate."""
EOF
}

buf lint

# Wire compatibility with the committed API: compare proto/ with the main branch when there is one
# (a fresh clone has it; a detached checkout without it skips with one line).
if git -C "$root" rev-parse --verify -q main >/dev/null; then
  buf breaking --against "$root/.git#branch=main,subdir=proto"
  echo "gen-proto: no breaking change against main"
else
  echo "gen-proto: no main branch here, buf breaking skipped"
fi

case "${1:-}" in
  "")
    buf generate
    echo "gen-proto: proto/gen regenerated"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    generate_python "$tmp"
    rm -rf "$python_out"
    mv "$tmp/h5saver/v1" "$python_out"
    echo "gen-proto: clients/python/src/h5saver/v1 regenerated"
    ;;
  --check)
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    buf generate --output "$tmp"
    if ! diff -r "$tmp/gen" gen >/dev/null; then
      diff -ru gen "$tmp/gen" | head -40 >&2 || true
      echo "gen-proto: proto/gen is stale; run bash scripts/gen-proto.sh and commit the result" >&2
      exit 1
    fi
    echo "gen-proto: proto/gen is up to date"
    mkdir "$tmp/python"
    generate_python "$tmp/python"
    if ! diff -r -x __pycache__ "$tmp/python/h5saver/v1" "$python_out" >/dev/null 2>&1; then
      diff -ru -x __pycache__ "$python_out" "$tmp/python/h5saver/v1" 2>&1 | head -40 >&2 || true
      echo "gen-proto: clients/python/src/h5saver/v1 is stale; run bash scripts/gen-proto.sh and commit the result" >&2
      exit 1
    fi
    echo "gen-proto: clients/python/src/h5saver/v1 is up to date"
    ;;
  *)
    echo "gen-proto: unknown option $1" >&2
    exit 2
    ;;
esac
