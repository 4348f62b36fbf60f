#!/usr/bin/env bash
# Throughput of `ehsm bigdl encrypt|decrypt` on a 1 GiB Spark folder, next to
# `openssl enc -aes-128-cbc` (and `openssl dgst -hmac`, the other half of BigDL's format) on
# the same bytes as one file. Writes bench/results/<date>-bigdl.md (also printed).
#
#   bench/bigdl.sh [--no-build] [--size-mib 1024] [--parts 8] [--reps 3]
#
# Offline keys (--data-key-plaintext): the KMS is one round trip per folder, not part of the
# throughput. Inputs are in the page cache (read once before timing), so this measures the CPU
# path, not the disk. Each figure is the best of --reps runs; the machine may be shared.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
BUILD_IT=1 SIZE_MIB=1024 PARTS=8 REPS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD_IT=0 ;;
    --size-mib) SIZE_MIB=$2; shift ;;
    --parts) PARTS=$2; shift ;;
    --reps) REPS=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "bigdl.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$BUILD_IT" = 1 ]; then
  if [ ! -f "$BUILD/build.ninja" ]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKMS_WERROR=OFF >/dev/null
  fi
  cmake --build "$BUILD" --target ehsm -j "$(nproc)"
fi
EHSM=$BUILD/bin/ehsm
[ -x "$EHSM" ] || { echo "bigdl.sh: $EHSM missing (build first)" >&2; exit 2; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bperf.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# The format notes' data key; AES-128 key = its characters 16..31, HMAC key = 0..15.
KEY_TEXT='bf41gHTHLw/ROERm/kw/5jPk5HbxT3GG6tclD4rngk8='
AES_HEX=$(printf '%s' "${KEY_TEXT:16:16}" | od -An -tx1 | tr -d ' \n')
IV_HEX=000102030405060708090a0b0c0d0e0f
EDK=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7

echo "bigdl.sh: writing $SIZE_MIB MiB in $PARTS parts to $WORK" >&2
mkdir "$WORK/in"
PART_MIB=$((SIZE_MIB / PARTS))
for i in $(seq 0 $((PARTS - 1))); do
  head -c $((PART_MIB << 20)) /dev/urandom >"$WORK/in/part-$(printf %05d "$i").csv"
done
cat "$WORK"/in/part-* >"$WORK/all.bin"
cat "$WORK"/in/part-* "$WORK/all.bin" >/dev/null
MIB=$((PART_MIB * PARTS))

# best <command...>: the fastest wall time of REPS runs, in seconds.
best() {
  local b="" t s e
  for _ in $(seq 1 "$REPS"); do
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    t=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
    if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN { exit !(t < b) }'; then b=$t; fi
  done
  echo "$b"
}
rate() { awk -v m="$MIB" -v t="$1" 'BEGIN { printf "%.0f", m / t }'; }

ROWS=()
row() {  # row <label> <seconds>
  ROWS+=("| $1 | $(printf '%.2f' "$2") | $(rate "$2") |")
  echo "bigdl.sh: $1: $(printf '%.2f' "$2") s" >&2
}

row "openssl enc -aes-128-cbc, 1 file" \
  "$(best openssl enc -aes-128-cbc -K "$AES_HEX" -iv "$IV_HEX" -in "$WORK/all.bin" -out "$WORK/all.enc")"
row "openssl enc -d -aes-128-cbc, 1 file" \
  "$(best openssl enc -d -aes-128-cbc -K "$AES_HEX" -iv "$IV_HEX" -in "$WORK/all.enc" -out "$WORK/all.dec")"
row "openssl dgst -sha256 -hmac (the MAC alone), 1 file" \
  "$(best openssl dgst -sha256 -hmac "${KEY_TEXT:0:16}" "$WORK/all.bin")"
cmp -s "$WORK/all.bin" "$WORK/all.dec" || { echo "bigdl.sh: openssl round trip differs" >&2; exit 1; }
rm -f "$WORK/all.enc" "$WORK/all.dec"

KEYS=(--data-key-plaintext "$KEY_TEXT")
enc() { rm -rf "$WORK/enc"; "$EHSM" -q bigdl encrypt "${KEYS[@]}" --edk "$EDK" "$@"; }
dec() { rm -rf "$WORK/dec" "$WORK/dec.bin"; "$EHSM" -q bigdl decrypt "${KEYS[@]}" "$@"; }

row "ehsm bigdl encrypt --raw, 1 file" "$(best enc --raw "$WORK/all.bin" "$WORK/enc")"
row "ehsm bigdl decrypt (verify first), 1 file" "$(best dec "$WORK/enc" "$WORK/dec.bin")"
row "ehsm bigdl decrypt --no-verify-first, 1 file" \
  "$(best dec --no-verify-first "$WORK/enc" "$WORK/dec.bin")"
cmp -s "$WORK/all.bin" "$WORK/dec.bin" || { echo "bigdl.sh: file round trip differs" >&2; exit 1; }
rm -rf "$WORK/enc" "$WORK/dec.bin" "$WORK/all.bin"

CORES=$(nproc)
for jobs in 1 "$CORES"; do
  row "ehsm bigdl encrypt, folder of $PARTS, --jobs $jobs" \
    "$(best enc --jobs "$jobs" "$WORK/in" "$WORK/enc")"
done
for jobs in 1 "$CORES"; do
  row "ehsm bigdl decrypt (verify first), folder, --jobs $jobs" \
    "$(best dec --jobs "$jobs" "$WORK/enc" "$WORK/dec")"
  row "ehsm bigdl decrypt --no-verify-first, folder, --jobs $jobs" \
    "$(best dec --no-verify-first --jobs "$jobs" "$WORK/enc" "$WORK/dec")"
done
for f in "$WORK"/in/*; do
  cmp -s "$f" "$WORK/dec/$(basename "$f")" || { echo "bigdl.sh: $f differs" >&2; exit 1; }
done

OUT_DIR=$ROOT/bench/results
mkdir -p "$OUT_DIR"
OUT=$OUT_DIR/$(date -u +%Y-%m-%d-%H%M)-bigdl.md
{
  echo "# ehsm bigdl throughput, $(date -u +'%Y-%m-%d %H:%M UTC')"
  echo
  echo "\`bench/bigdl.sh --size-mib $SIZE_MIB --parts $PARTS --reps $REPS\` at $(git -C "$ROOT" rev-parse --short HEAD);"
  echo "$MIB MiB of random bytes in the page cache; $CORES cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs));"
  echo "$(openssl version); load average before: $LOAD_BEFORE. Best of $REPS."
  echo
  echo "| what | seconds | MiB/s |"
  echo "|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} >"$OUT"
cat "$OUT"
