#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running KMS: installs packages, builds, and
# starts ehsm-kms in single mode on SQLite with a self-signed certificate on port 9000.
# Data (database, sealed domain key, TLS pair) lives in ./data unless EHSM_DATA_DIR says else.
# Extra arguments are passed to ehsm-kms (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec ./build/bin/ehsm-kms --port "${EHSM_PORT:-9000}" --data-dir "${EHSM_DATA_DIR:-./data}" "$@"
