#!/usr/bin/env bash
# Builds with ThreadSanitizer in build-tsan/ and runs the concurrency-heavy tests there: the
# thread pool and limiters, the HTTPS server, the record and replay caches, SQLite group commit,
# the secret deletion sweeper, the domain-key channel and dkeycache, and the real ehsm-kms
# (itself built with TSan) under concurrent clients.
#   scripts/tsan.sh    (CI runs it; only the test binaries below and ehsm-kms are built)
# A race fails the run, also one in an ehsm-kms started by an integration test: every process
# writes its reports to $BUILD/tsan-reports/, which must stay empty.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${TSAN_BUILD_DIR:-build-tsan}
# target:gtest filter. Only the tests that run threads; the rest add build and run time only.
SUITES=(
  "common_test:ThreadPool*:ConcurrencyLimiter*:RateLimiter*"
  "net_test:HttpsServerTest*"
  "api_record_cache_test:*"
  "api_auth_test:ReplayCache*"
  "api_secret_test:SecretDeletionSweeperTest*"
  # Writer threads through the group committer (eight in the conformance tests, max_batch 1,
  # and a child process killed mid-stream).
  "sqlite_store_test:*Concurrent*:*Group*:*Sigkill*"
  # ehsm-kms (built here, so with TSan) on SQLite: eight clients at once, the deletion sweeper,
  # the replay window across restarts and crashes, SIGTERM with requests in flight.
  "kms_secret_test:*"
  "kms_integration_test:*"
  # The domain-key daemons' servers: concurrent TLS connections (stalling and garbage peers
  # beside an allowed one), the dkeycache's retry thread, socket server and health port.
  "dkey_channel_test:DkChannelTest*"
  "dkeycache_test:DkeyCacheTest*:LocalProtocolTest*"
  # Appends from eight threads racing rotations and the checkpoint timer.
  "audit_log_test:*Concurrent*"
)
if [ ! -f "$BUILD/build.ninja" ]; then
  # g++ 12 with -fsanitize=thread reports a false -Warray-bounds in a libstdc++ vector insert
  # (sm2.cc); the warnings stay visible, and the -Werror build of scripts/build.sh keeps the
  # tree clean.
  launcher=()
  if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKMS_TSAN=ON \
    -DKMS_WERROR=OFF "${launcher[@]}" >/dev/null
fi
# The load generator needs no instrumentation: the one of the ordinary build (CI has just built
# it) saves compiling its Asio code again; without one it is built here.
LOADGEN=${TSAN_LOADGEN:-${BUILD_DIR:-build}/bin/ehsm-bench}
targets=(ehsm-kms)
if [ ! -x "$LOADGEN" ]; then LOADGEN=$BUILD/bin/ehsm-bench; targets+=(ehsm-bench); fi
for s in "${SUITES[@]}"; do targets+=("${s%%:*}"); done
cmake --build "$BUILD" -j "$(nproc)" --target "${targets[@]}"

REPORTS=$PWD/$BUILD/tsan-reports
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
# Suppressions cover third-party code only; each entry says why.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}:log_path=$REPORTS/tsan:suppressions=$PWD/scripts/tsan.supp
# The integration tests on SQLite, whatever the caller's environment says.
unset EHSM_IT_STORE
failed=0
for s in "${SUITES[@]}"; do
  t=${s%%:*}
  echo "tsan: $t ${s#*:}"
  "$BUILD/bin/$t" --gtest_brief=1 --gtest_filter="${s#*:}" || failed=1
done

# The whole request path on every event loop and the worker pool at once: ehsm-bench with 32
# connections of the mixed scenario (Encrypt, Decrypt, data keys, Sign) over 8 keys, then of
# CreateKey (group commit), against one ehsm-kms that is stopped with SIGTERM afterwards.
load() {
  local dir port="" pid rc=0
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tsan-load.XXXXXX")
  "$BUILD/bin/ehsm-kms" --host 127.0.0.1 --port 0 --data-dir "$dir/data" --log-level warn \
    >"$dir/server.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$dir/server.out" | head -1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "tsan: ehsm-kms did not start:" >&2; cat "$dir/server.out" >&2; rc=1
  else
    for scenario in mixed createkey; do
      echo "tsan: ehsm-kms under ehsm-bench -s $scenario"
      "$LOADGEN" --port "$port" -s "$scenario" -k 8 -c 32 -t 2 -n 3000 \
        --no-progress >/dev/null || rc=1
    done
  fi
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || { echo "tsan: ehsm-kms exited with status $?" >&2; rc=1; }
  rm -rf "$dir"
  return "$rc"
}
load || failed=1

if compgen -G "$REPORTS/tsan.*" >/dev/null; then
  echo "tsan: data races reported:" >&2
  cat "$REPORTS"/tsan.* >&2
  failed=1
fi
exit "$failed"
