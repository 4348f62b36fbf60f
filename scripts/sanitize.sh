#!/usr/bin/env bash
# Builds with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/ and runs tests there.
#   scripts/sanitize.sh          every test (about 25 minutes on 2 cores; set EHSM_TEST_COUCHDB_URL
#                                to include the CouchDB ones)
#   scripts/sanitize.sh --quick  the parser, crypto and key-handling unit tests only (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${ASAN_BUILD_DIR:-build-asan}
# ehsm_bigdl_test: the readers of untrusted BigDL files (headers, base64url, folders).
QUICK_TARGETS=(crypto_test api_auth_test api_record_cache_test keys_test ehsm_bigdl_test)
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKMS_SANITIZE=ON >/dev/null
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ "${1:-}" = --quick ]; then
  cmake --build "$BUILD" -j "$(nproc)" --target "${QUICK_TARGETS[@]}"
  for t in "${QUICK_TARGETS[@]}"; do
    echo "sanitize: $t"
    "$BUILD/bin/$t" --gtest_brief=1
  done
else
  cmake --build "$BUILD" -j "$(nproc)"
  ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)" --timeout 900
fi
