#!/usr/bin/env bash
# Runs CMD with a CouchDB-protocol test server for the CouchDB store tests:
#   scripts/with-couchdb.sh CMD [ARGS...]
# Unless EHSM_TEST_COUCHDB_URL already names one, a private pouchdb-server is installed (npm),
# started (in memory, with an administrator), exported as EHSM_TEST_COUCHDB_URL for CMD, and
# stopped afterwards. If it cannot start, CMD runs without it (those tests skip), unless
# EHSM_REQUIRE_COUCHDB=1 (CI), which makes that an error.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${EHSM_TEST_COUCHDB_URL:-}" ]; then
  COUCH_DIR="$(mktemp -d "${TMPDIR:-/tmp}/ehsm-kms-couchdb.XXXXXX")"
  trap 'bash scripts/couchdb-test-server.sh stop --dir "$COUCH_DIR"; rm -rf "$COUCH_DIR"' EXIT
  if URL="$(bash scripts/couchdb-test-server.sh start --dir "$COUCH_DIR" --in-memory)"; then
    export EHSM_TEST_COUCHDB_URL="$URL"
    echo "test: CouchDB test server at $(sed 's|//[^@]*@|//admin:***@|' <<<"$URL") (password in $COUCH_DIR/admin.password)"
  elif [ "${EHSM_REQUIRE_COUCHDB:-0}" = 1 ]; then
    echo "test: the CouchDB test server did not start" >&2
    exit 1
  else
    echo "test: no CouchDB test server; the CouchDB store tests will be skipped" >&2
  fi
fi
"$@"
