#!/usr/bin/env bash
# Builds grpcurl (the generic gRPC command-line client) into .tools/bin once, with the machine's Go,
# for the test that drives every RPC through reflection alone. Prints the binary's path on stdout;
# without Go, prints nothing and says why on stderr (that test then skips, except in CI).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="v1.9.4"
bin="$root/.tools/bin"
stamp="$bin/.grpcurl-$version"
if [ -x "$bin/grpcurl" ] && [ -f "$stamp" ]; then
  echo "$bin/grpcurl"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "grpcurl.sh: no Go toolchain here, so grpcurl cannot be built" >&2
  exit 0
fi
echo "grpcurl.sh: building grpcurl $version with $(go version | cut -d' ' -f3)…" >&2
mkdir -p "$bin"
GOBIN="$bin" GOFLAGS=-mod=mod go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$version" >&2
touch "$stamp"
echo "$bin/grpcurl"
