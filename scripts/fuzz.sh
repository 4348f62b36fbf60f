#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UBSan, every library instrumented for
# coverage) in build-asan/ and runs each for a bounded time over a copy of its seed corpus.
#   scripts/fuzz.sh [SECONDS] [TARGET...]   default: 60 s each, every target of test/fuzz
# A crash, sanitizer report, leak or timeout fails the run; the input that caused it is kept in
# build-asan/fuzz-artifacts/ and its path printed. The line per target gives the executions.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${ASAN_BUILD_DIR:-build-asan}
SECONDS_EACH=${1:-${EHSM_FUZZ_SECONDS:-60}}
shift || true
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ is missing (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
# The sanitizer build of scripts/sanitize.sh is the fuzz build (clang, every library
# instrumented): one compile of the tree serves both.
ASAN_BUILD_DIR="$BUILD" bash scripts/sanitize.sh --build fuzzers
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in test/fuzz/*_fuzzer.cc; do targets+=("$(basename "$f" _fuzzer.cc)"); done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
artifacts="$BUILD/fuzz-artifacts"
mkdir -p "$artifacts"
# One target: its result line on stdout, its log and any crashing input kept.
run_one() {
  local t=$1 work log runs cov
  work="$(mktemp -d "${TMPDIR:-/tmp}/ehsm-fuzz-$t.XXXXXX")"
  cp -r "test/fuzz/corpus/$t/." "$work/"
  log="$BUILD/fuzz-$t.log"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a runaway allocation.
  if "$BUILD/bin/${t}_fuzzer" "$work" -max_total_time="$SECONDS_EACH" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    echo "fuzz: $t: ${runs:-?} executions in ${SECONDS_EACH} s, coverage ${cov:-?} edges, corpus $(ls "$work" | wc -l) inputs"
    rm -rf "$work"
  else
    echo "fuzz: $t FAILED (log: $log; input: $(ls -t "$artifacts"/"$t"-* 2>/dev/null | head -1))"
    tail -40 "$log"
    rm -rf "$work"
    return 1
  fi
}
# As many targets at once as there are cores (each fuzzer is one process on one core), so the
# time each gets is unchanged and the whole run takes 1/nproc as long. EHSM_FUZZ_JOBS overrides.
jobs=${EHSM_FUZZ_JOBS:-$(nproc)}
results="$(mktemp -d "${TMPDIR:-/tmp}/ehsm-fuzz-results.XXXXXX")"
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
  (run_one "$t" >"$results/$t.out" 2>&1 && touch "$results/$t.ok") &
  running=$((running + 1))
done
wait || true
failed=()
for t in "${targets[@]}"; do
  cat "$results/$t.out"
  [ -f "$results/$t.ok" ] || failed+=("$t")
done
rm -rf "$results"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
