#!/usr/bin/env bash
# Lints proto/ with buf and regenerates proto/gen (TypeScript, protoc-gen-es), offline.
#   gen-proto.sh          lint + generate
#   gen-proto.sh --check  lint + generate into a temporary folder; fails if proto/gen is stale
# buf comes from the npm package @bufbuild/buf (its binary is in the optional dependency
# @bufbuild/buf-<os>-<arch>, so no download); protoc-gen-es from node_modules/.bin, which
# buf.gen.yaml names as a `local:` plugin. Nothing here uses the network or the Buf registry.
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
    ;;
  *)
    echo "gen-proto: unknown option $1" >&2
    exit 2
    ;;
esac
