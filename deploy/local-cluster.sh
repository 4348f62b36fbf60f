#!/usr/bin/env bash
# The domain-key cluster on one machine, each host in its own network namespace:
#
#   dks    10.78.0.11  ehsm-dkeyserver --init       (the first dkeyserver)
#   dks2   10.78.0.12  ehsm-dkeyserver --peer dks   (a replica)
#   nodea  10.78.0.21  ehsm-dkeycache + ehsm-kms --run-mode cluster
#   nodeb  10.78.0.22  ehsm-dkeycache + ehsm-kms --run-mode cluster
#   couch  10.78.0.31  a CouchDB-protocol server (pouchdb-server, with an admin user)
#
# The hosts hang off a bridge that lives in a namespace of its own, so the machine's own network
# is not touched. Needs root, iproute2 and curl; run `bash scripts/setup.sh` and
# `bash scripts/build.sh` first.
#
#   deploy/local-cluster.sh up        start everything, waiting for each part to be ready
#   deploy/local-cluster.sh status    each part: running or not, and its /readyz answer
#   deploy/local-cluster.sh down      stop everything and remove the namespaces and the state
#   deploy/local-cluster.sh exec HOST CMD...   run CMD on a host (e.g. the `ehsm` CLI)
#   deploy/local-cluster.sh start|stop|wait PART   one part: couch, dks, dks2, cache-a,
#                                      cache-b, kms-a, kms-b
#
# Environment: EHSM_LC_DIR (state, default /tmp/ehsm-local-cluster), EHSM_LC_PREFIX (namespace
# prefix, default ehsmlc), EHSM_LC_BIN (binaries, default build/bin of this checkout),
# EHSM_LC_NET (first three octets, default 10.78.0).
#
# Addresses of these hosts are reachable only from inside their namespaces: talk to them with
# `exec`, never from the machine itself (there they would follow the default route out).
#
# This is the sim TEE: every daemon shares one platform secret (W/platform.secret) and the
# policy allows simulation. Logs: W/logs/PART.log.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
W="${EHSM_LC_DIR:-/tmp/ehsm-local-cluster}"
P="${EHSM_LC_PREFIX:-ehsmlc}"
BIN="${EHSM_LC_BIN:-$REPO/build/bin}"
NET="${EHSM_LC_NET:-10.78.0}"
HOSTS=(dks:11 dks2:12 nodea:21 nodeb:22 couch:31)
PARTS=(couch dks dks2 cache-a cache-b kms-a kms-b)
READY_TIMEOUT_S="${EHSM_LC_READY_TIMEOUT_S:-60}"

die() { echo "local-cluster: $*" >&2; exit 1; }
say() { echo "local-cluster: $*" >&2; }

addr() {  # addr HOST
  local h
  for h in "${HOSTS[@]}"; do [ "${h%%:*}" = "$1" ] && { echo "$NET.${h##*:}"; return; }; done
  die "unknown host $1"
}

in_host() {  # in_host HOST CMD...: the only way this script talks to the hosts
  local h="$1"; shift
  ip netns exec "$P-$h" "$@"
}

topology_up() {
  ip netns add "$P-sw"
  ip -n "$P-sw" link add br0 type bridge
  ip -n "$P-sw" link set br0 up
  ip -n "$P-sw" link set lo up
  local h n
  for h in "${HOSTS[@]}"; do
    n="${h%%:*}"
    ip netns add "$P-$n"
    ip -n "$P-sw" link add "v-$n" type veth peer name eth0 netns "$P-$n"
    ip -n "$P-sw" link set "v-$n" master br0 up
    ip -n "$P-$n" link set lo up
    ip -n "$P-$n" addr add "$(addr "$n")/24" dev eth0
    ip -n "$P-$n" link set eth0 up
  done
}

topology_down() {
  local h
  for h in "${HOSTS[@]}"; do
    ip netns pids "$P-${h%%:*}" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  done
  for h in "${HOSTS[@]}"; do ip netns del "$P-${h%%:*}" 2>/dev/null || true; done
  ip netns del "$P-sw" 2>/dev/null || true
}

sha256_hex() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# The default sim identities of the binaries (their --help shows the same values): one signer,
# one enclave per binary.
write_policy() {
  local signer
  signer="$(sha256_hex "ehsm-kms sim mrsigner")"
  cat >"$W/policy.toml" <<EOF
# Who may take part in domain-key provisioning in this local cluster (sim TEE).
allow_simulation = true

[[dkeyserver]]
mrsigner = "$signer"
mrenclave = "$(sha256_hex "ehsm-dkeyserver sim mrenclave")"

[[dkeycache]]
mrsigner = "$signer"
mrenclave = "$(sha256_hex "ehsm-dkeycache sim mrenclave")"

[[kms]]
mrsigner = "$signer"
mrenclave = "$(sha256_hex "ehsm-kms sim mrenclave")"
EOF
}

host_of() {
  case "$1" in
    couch) echo couch ;; dks) echo dks ;; dks2) echo dks2 ;;
    cache-a|kms-a) echo nodea ;; cache-b|kms-b) echo nodeb ;;
    *) die "unknown part $1 (parts: ${PARTS[*]})" ;;
  esac
}

node_dir() { echo "$W/$(host_of "$1")"; }

# The command line of a part; extra arguments (EHSM_LC_EXTRA_ARGS) let tests vary one start.
part_cmd() {
  local part="$1" host a d
  host="$(host_of "$part")"; a="$(addr "$host")"; d="$(node_dir "$part")"
  local common=(--policy "$W/policy.toml" --platform-secret "$W/platform.secret")
  local caches="$(addr dks):8888,$(addr dks2):8888"
  case "$part" in
    dks) echo "$BIN/ehsm-dkeyserver --host $a --port 8888 --health-port 8080 --init \
--data-dir $d/dkeyserver ${common[*]}" ;;
    dks2) echo "$BIN/ehsm-dkeyserver --host $a --port 8888 --health-port 8080 \
--peer $(addr dks):8888 --data-dir $d/dkeyserver ${common[*]}" ;;
    cache-*) echo "$BIN/ehsm-dkeycache --dkeyserver $caches --socket $d/run/dkeyprovision.sock \
--health-port 8080 --data-dir $d/dkeycache ${common[*]}" ;;
    kms-*) echo "$BIN/ehsm-kms --run-mode cluster --dkeycache-socket $d/run/dkeyprovision.sock \
--host $a --port 9000 --data-dir $d/kms --store couchdb --couchdb-url http://$(addr couch):5984 \
--couchdb-user admin ${common[*]}" ;;
  esac
}

ready_url() {
  local part="$1" a
  a="$(addr "$(host_of "$part")")"
  case "$part" in
    couch) echo "http://$a:5984/" ;;
    kms-*) echo "https://$a:9000/readyz" ;;
    *) echo "http://$a:8080/readyz" ;;
  esac
}

pidfile() { echo "$W/pids/$1.pid"; }

running() { local f; f="$(pidfile "$1")"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

start_part() {
  local part="$1" host
  host="$(host_of "$part")"
  running "$part" && die "$part is already running"
  mkdir -p "$W/pids" "$W/logs" "$(node_dir "$part")"
  if [ "$part" = couch ]; then
    in_host couch bash "$REPO/scripts/couchdb-test-server.sh" start --dir "$W/couch" \
      --host "$(addr couch)" --port 5984 >/dev/null
    cp "$W/couch/pouchdb-server.pid" "$(pidfile couch)"
    return
  fi
  local cmd
  cmd="$(part_cmd "$part") ${EHSM_LC_EXTRA_ARGS:-}"
  # The CouchDB password reaches the KMS through its environment, never its command line.
  (EHSM_COUCHDB_PASSWORD="$(cat "$W/couch/admin.password" 2>/dev/null || true)" \
     exec ip netns exec "$P-$host" setsid $cmd </dev/null >>"$W/logs/$part.log" 2>&1) &
  echo $! >"$(pidfile "$part")"
}

stop_part() {  # stop_part PART [SIGNAL]
  local part="$1" sig="${2:-TERM}" pid
  running "$part" || { rm -f "$(pidfile "$part")"; return 0; }
  if [ "$part" = couch ]; then
    bash "$REPO/scripts/couchdb-test-server.sh" stop --dir "$W/couch"
    rm -f "$(pidfile couch)"
    return
  fi
  pid="$(cat "$(pidfile "$part")")"
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$(pidfile "$part")"
}

readyz() {  # readyz PART: prints the HTTP status and the body's first line
  local part="$1" host
  host="$(host_of "$part")"
  in_host "$host" curl -sk -m 2 -w ' %{http_code}' "$(ready_url "$part")" 2>/dev/null |
    tr '\n' ' ' || true
}

wait_ready() {  # wait_ready PART [TIMEOUT_S]
  local part="$1" t="${2:-$READY_TIMEOUT_S}" i
  for ((i = 0; i < t * 5; i++)); do
    running "$part" || die "$part exited; see $W/logs/$part.log"
    case "$(readyz "$part")" in *" 200") return 0 ;; esac
    if ((i % 25 == 24)); then say "waiting for $part: $(readyz "$part")"; fi
    sleep 0.2
  done
  die "$part not ready after ${t}s: $(readyz "$part"); see $W/logs/$part.log"
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
  for b in ehsm-kms ehsm-dkeyserver ehsm-dkeycache; do
    [ -x "$BIN/$b" ] || die "$BIN/$b missing: run bash scripts/build.sh (or set EHSM_LC_BIN)"
  done
  ip netns list | grep -q "^$P-sw" && die "already up (run down first)"
  mkdir -p "$W"; chmod 700 "$W"
  topology_up
  (umask 077 && head -c 32 /dev/urandom >"$W/platform.secret")
  write_policy
  # In order: each part needs the one before it; the first start of each daemon also makes its
  # sim attestation files next to the shared platform secret, which must not race.
  local part
  for part in "${PARTS[@]}"; do
    say "starting $part on $(host_of "$part") ($(addr "$(host_of "$part")"))"
    start_part "$part"
    wait_ready "$part"
  done
  say "up. Try: $0 exec nodea $BIN/ehsm --url https://$(addr nodea):9000 --insecure version"
}

down() {
  local part
  for ((i = ${#PARTS[@]} - 1; i >= 0; i--)); do stop_part "${PARTS[$i]}" || true; done
  topology_down
  # The state holds sealed keys of a throwaway sim deployment: nothing to keep.
  rm -rf "$W"
  say "down"
}

status() {
  ip netns list | grep -q "^$P-sw" || { echo "down"; return 0; }
  local part
  for part in "${PARTS[@]}"; do
    if running "$part"; then
      printf '%-8s %-6s running  %s\n' "$part" "$(host_of "$part")" "$(readyz "$part")"
    else
      printf '%-8s %-6s stopped\n' "$part" "$(host_of "$part")"
    fi
  done
}

cmd="${1:-}"; shift || true
case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  exec) [ $# -ge 2 ] || die "usage: $0 exec HOST CMD..."; in_host "$@" ;;
  start) start_part "${1:?part}" ;;
  stop) stop_part "${1:?part}" "${2:-TERM}" ;;
  wait) wait_ready "${1:?part}" "${2:-$READY_TIMEOUT_S}" ;;
  readyz) readyz "${1:?part}"; echo ;;
  addr) addr "${1:?host}" ;;
  *) die "usage: $0 up | down | status | exec HOST CMD... | start|stop|wait|readyz PART" ;;
esac
