#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a full test run: installs packages, builds,
# runs every test with CTest.
#
# The CouchDB store tests need a server: unless EHSM_TEST_COUCHDB_URL names one, a private
# pouchdb-server is installed (npm) and started for the run, and stopped afterwards
# (scripts/with-couchdb.sh). If it cannot start, those tests are skipped, unless
# EHSM_REQUIRE_COUCHDB=1 (CI), which makes that an error.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
bash scripts/with-couchdb.sh ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)"
