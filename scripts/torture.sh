#!/usr/bin/env bash
# `npm run torture [-- --full]`: the reliability harnesses of issue 8, one summary line each.
#   quick (default, < 10 minutes): the fuzzer with 2,000 requests, the disk-full test, the crash
#   harness with 20 kills of the server.
#   --full: the fuzzer with 10,000 requests and the crash harness with 120 kills.
# Environment: H5SAVER_FUZZ_SEED replays a fuzz run; H5SAVER_FUZZ_REQUESTS overrides its count.
# Exit status: 0 when every harness passed (or was skipped, e.g. disk-full without root), 1 otherwise.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

full=0
for arg in "$@"; do
  case "$arg" in
    --full) full=1 ;;
    -h | --help)
      sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "torture: unknown argument '$arg' (use --full)" >&2
      exit 2
      ;;
  esac
done

seed="${H5SAVER_FUZZ_SEED:-$((RANDOM * 32768 + RANDOM))}"
if [ "$full" = 1 ]; then requests="${H5SAVER_FUZZ_REQUESTS:-10000}"; else requests="${H5SAVER_FUZZ_REQUESTS:-2000}"; fi

log_dir="$(mktemp -d "${TMPDIR:-/tmp}/h5saver-torture-XXXXXX")"
summaries=()
failed=0

# run NAME COMMAND...: the harness' output goes to its log; its last line is its summary
run() {
  local name="$1"
  shift
  local log="$log_dir/$name.log"
  echo "== $name (log: $log)"
  "$@" >"$log" 2>&1
  local status=$?
  grep -E '^  (FINDING|HDF5|server log|well-behaved|disk-full problem|crash problem)' "$log" | cut -c1-400
  local summary
  summary="$(grep -E "^$name: " "$log" | tail -n 1)"
  if [ -z "$summary" ]; then summary="$name: FAILED (no summary; exit $status; see $log)"; fi
  if [ "$status" -ne 0 ]; then failed=1; fi
  summaries+=("$summary")
}

run fuzz node --import tsx test/torture/fuzz.ts --seed "$seed" --requests "$requests"
run disk-full node --import tsx test/torture/disk-full.ts

if [ "$full" = 1 ]; then run crash node --import tsx test/torture/crash.ts --full; else run crash node --import tsx test/torture/crash.ts; fi

echo
echo "== torture summary ($([ "$full" = 1 ] && echo full || echo quick) mode)"
printf '%s\n' "${summaries[@]}"
exit "$failed"
