#!/usr/bin/env bash
# Builds with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/ and runs tests there.
#   scripts/sanitize.sh                every test (CI), with a CouchDB test server as
#                                      scripts/test.sh
#   scripts/sanitize.sh --quick        the parser, crypto and key-handling unit tests only
#   scripts/sanitize.sh --build T...   build the targets T only (scripts/fuzz.sh: `fuzzers`)
# With clang (scripts/setup.sh installs it) the build also instruments every library for
# coverage and holds the libFuzzer targets, so scripts/fuzz.sh reuses it instead of compiling
# the tree a third time; without clang it is a g++ build without the fuzzers.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${ASAN_BUILD_DIR:-build-asan}
# protocol_test: the request JSON parser and canonicaliser (src/protocol, from src/api).
# ehsm_bigdl_test: the readers of untrusted BigDL files (headers, base64url, folders).
QUICK_TARGETS=(crypto_test protocol_test api_auth_test api_record_cache_test keys_test ehsm_bigdl_test)
if [ ! -f "$BUILD/build.ninja" ]; then
  compiler=()
  if command -v clang++ >/dev/null 2>&1; then
    # -Werror stays with the g++ build of scripts/build.sh: clang 14 warns about other things.
    compiler=(-DCMAKE_CXX_COMPILER=clang++ -DKMS_FUZZ=ON -DKMS_WERROR=OFF)
  fi
  launcher=()
  if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  # -O1 keeps ASan's stack traces exact while running the integration tests at a usable speed;
  # no -g beyond line tables, which the reports need.
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
    -DKMS_SANITIZE=ON "${compiler[@]}" "${launcher[@]}" >/dev/null
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
case "${1:-}" in
  --quick)
    cmake --build "$BUILD" -j "$(nproc)" --target "${QUICK_TARGETS[@]}"
    for t in "${QUICK_TARGETS[@]}"; do
      echo "sanitize: $t"
      "$BUILD/bin/$t" --gtest_brief=1
    done
    ;;
  --build)
    shift
    cmake --build "$BUILD" -j "$(nproc)" --target "$@"
    ;;
  "")
    cmake --build "$BUILD" -j "$(nproc)"
    # kubernetes_manifests checks shell and YAML only: the ordinary run covers it. The
    # multi-host test's SIGKILL loops run 5 times each instead of 20: here they look for memory
    # errors in the daemons' start paths, which the ordinary run already repeats 20 times.
    EHSM_DK_KILLS=${EHSM_DK_KILLS:-5} bash scripts/with-couchdb.sh ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)" \
      --timeout 900 -E '^kubernetes_manifests$'
    ;;
  *)
    echo "usage: $0 [--quick | --build TARGET...]" >&2
    exit 2
    ;;
esac
