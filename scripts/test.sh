#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a full test run: installs packages, builds,
# runs every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)"
