#!/usr/bin/env bash
# Requests/s of ehsm-pccs's GET /sgx/certification/v4/tcb (keep-alive HTTPS, wrk), serving the
# vectors of test/vectors/dcap imported into a fresh store. Prints one line per run and the
# best; the machine may be shared, so look at the load printed with it.
#
#   bench/pccs.sh [--no-build] [--threads 1] [--connections 64] [--seconds 10] [--reps 3]
#
# The server runs with --threads event loops; wrk with one thread. Both on the same box, so
# on 2 cores the figure is a lower bound of what the server alone could do.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
BUILD_IT=1 THREADS=1 CONNS=64 SECONDS_=10 REPS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD_IT=0 ;;
    --threads) THREADS=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --seconds) SECONDS_=$2; shift ;;
    --reps) REPS=$2; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "pccs.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
command -v wrk >/dev/null || { echo "pccs.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
if [ "$BUILD_IT" = 1 ]; then cmake --build "$BUILD" --target ehsm-pccs -j "$(nproc)"; fi
PCCS=$BUILD/bin/ehsm-pccs
[ -x "$PCCS" ] || { echo "pccs.sh: $PCCS missing (build first)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pccs-bench.XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir "$WORK/in"
cp "$ROOT/test/vectors/dcap/sgx_quote_collateral.json" "$WORK/in/sgx.json"
# The recorded collateral is verified as of its own time (it has expired since).
"$PCCS" import "$WORK/in" --data-dir "$WORK/data" --at 1751328000 --log-level warn >/dev/null
"$PCCS" --port 0 --host 127.0.0.1 --data-dir "$WORK/data" --threads "$THREADS" \
  --log-level warn >"$WORK/out" 2>&1 &
PID=$!
for _ in $(seq 100); do
  PORT=$(sed -n 's/^ehsm-pccs listening on port \([0-9]*\)$/\1/p' "$WORK/out")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "${PORT:-}" ] || { cat "$WORK/out" >&2; exit 1; }
URL="https://127.0.0.1:$PORT/sgx/certification/v4/tcb?fmspc=00A067110000"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); server threads=$THREADS; wrk -t1 -c$CONNS -d${SECONDS_}s $URL"
wrk -t1 -c"$CONNS" -d1s "$URL" >/dev/null  # warm-up: handshakes, caches
# Server CPU (user + system clock ticks) per request: less moved by a busy box than req/s.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
HZ=$(getconf CLK_TCK)
BEST=0
for i in $(seq "$REPS"); do
  T0=$(cpu_ticks)
  OUT=$(wrk -t1 -c"$CONNS" -d"${SECONDS_}s" "$URL")
  T1=$(cpu_ticks)
  RPS=$(awk '/^Requests\/sec:/ {print $2}' <<<"$OUT")
  N=$(awk '/requests in/ {print $1}' <<<"$OUT")
  US=$(awk -v t=$((T1 - T0)) -v hz="$HZ" -v n="$N" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
  echo "run $i: $RPS requests/s, server CPU $US us/request"
  BEST=$(awk -v a="$BEST" -v b="$RPS" 'BEGIN {print (b > a) ? b : a}')
done
echo "best: $BEST requests/s of /tcb (body $(curl -sk "$URL" | wc -c) bytes)"
