#!/usr/bin/env bash
# The domain-key cluster across hosts, on one machine: deploy/local-cluster.sh's topology (two
# dkeyservers, two nodes each with a dkeycache and a KMS in cluster mode, a CouchDB-protocol
# host), each host in its own network namespace. Every request goes from inside a namespace.
#
#   multi_host_test.sh BIN_DIR
#
# Exits 77 (skipped) without root or network namespaces.
set -euo pipefail

BIN="$(cd "${1:?usage: multi_host_test.sh BIN_DIR}" && pwd)"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
LC="$REPO/deploy/local-cluster.sh"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
  echo "skipped: needs root and iproute2"; exit 77
fi
if ! ip netns add ehsmct-probe$$ 2>/dev/null; then echo "skipped: no network namespaces"; exit 77; fi
ip netns del ehsmct-probe$$

export EHSM_LC_BIN="$BIN"
export EHSM_LC_DIR="$(mktemp -d /tmp/ehsm-multi-host.XXXXXX)"
export EHSM_LC_PREFIX="ehsmct$$"
W="$EHSM_LC_DIR"
lc() { bash "$LC" "$@"; }
keep_logs() {
  local rc=$?
  if [ $rc -ne 0 ] && [ -d "$W/logs" ]; then
    for f in "$W"/logs/*.log; do echo "---- $f (last lines)"; tail -n 15 "$f"; done
  fi
  lc down >/dev/null 2>&1 || true
  exit $rc
}
trap keep_logs EXIT

step() { echo "== $*"; }
# Starts a daemon on HOST in the background, output to LOG; BG_PID is the daemon itself
# (ip netns exec execs it), so it can be stopped; `lc down` kills whatever is left on the hosts.
bg_on() {  # bg_on HOST LOG CMD...
  local host="$1" log="$2"; shift 2
  ip netns exec "$EHSM_LC_PREFIX-$host" "$@" </dev/null >"$log" 2>&1 &
  BG_PID=$!
}
fail() { echo "FAIL: $*" >&2; exit 1; }

A="$(lc addr nodea)"; B="$(lc addr nodeb)"
# The CLI on a node, talking to that node's KMS.
ehsm_on() {  # ehsm_on HOST ADDR ARGS...
  local host="$1" a="$2"; shift 2
  lc exec "$host" "$BIN/ehsm" --url "https://$a:9000" --insecure --profile "$W/client.profile" "$@"
}
# Polls a readiness URL from inside HOST until it answers CODE (or fails after T seconds).
expect_ready_code() {  # HOST URL CODE T
  local host="$1" url="$2" code="$3" t="$4" got=""
  for ((i = 0; i < t * 5; i++)); do
    got="$(lc exec "$host" curl -sk -m 2 -o /dev/null -w '%{http_code}' "$url" || true)"
    [ "$got" = "$code" ] && return 0
    sleep 0.2
  done
  fail "$url answered $got, wanted $code, for ${t}s"
}
# Waits until FILE contains PATTERN (a log line saying why something was refused).
expect_log() {  # FILE PATTERN T
  for ((i = 0; i < $3 * 5; i++)); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "---- $1"; tail -n 20 "$1" || true
  fail "no line matching '$2' in $1 after $3 s"
}

step "up: two dkeyservers, two nodes, CouchDB"
lc up

step "nothing but the parts' directories next to the shared platform secret"
# The sim attestation chain derives from the platform secret and stays in memory: no
# platform.secret.sim-* (or any other file) appears beside it.
for f in "$W"/* "$W"/.[!.]*; do
  [ -e "$f" ] || continue
  case "$(basename "$f")" in
    platform.secret|policy.toml|pids|logs|couch|dks|dks2|nodea|nodeb) ;;
    *) fail "unexpected $f at the top of the state dir" ;;
  esac
done

step "a key and a ciphertext made through node A decrypt through node B"
ehsm_on nodea "$A" enroll --save >/dev/null
keyid="$(ehsm_on nodea "$A" key create --spec aes-gcm-256)"
ehsm_on nodea "$A" encrypt --key "$keyid" --out "$W/ct.bin" "attack at dawn"
got="$(ehsm_on nodeb "$B" decrypt --key "$keyid" --in "$W/ct.bin")"
[ "$got" = "attack at dawn" ] || fail "node B decrypted '$got'"

step "every dkeyserver stopped: both KMSs keep serving"
lc stop dks; lc stop dks2
for n in "nodea $A" "nodeb $B"; do
  set -- $n
  [ "$(ehsm_on "$1" "$2" decrypt --key "$keyid" --in "$W/ct.bin")" = "attack at dawn" ] ||
    fail "$1 stopped serving without dkeyservers"
done

step "node B's dkeycache and KMS restarted during the outage come back"
lc stop kms-b; lc stop cache-b
lc start cache-b; lc wait cache-b 30
lc start kms-b; lc wait kms-b 30
[ "$(ehsm_on nodeb "$B" decrypt --key "$keyid" --in "$W/ct.bin")" = "attack at dawn" ] ||
  fail "node B after restart"

step "the dkeyservers return; a dkeycache with an identity outside the policy gets nothing"
lc start dks; lc wait dks; lc start dks2; lc wait dks2
rogue="$W/rogue-cache"; mkdir -p "$rogue"
other_enclave="$(printf '%s' 'not in the policy' | sha256sum | cut -d' ' -f1)"
bg_on nodeb "$W/logs/rogue-cache.log" "$BIN/ehsm-dkeycache" --dkeyserver "$(lc addr dks):8888" \
  --socket "$rogue/sock" --data-dir "$rogue" --policy "$W/policy.toml" \
  --platform-secret "$W/platform.secret" --health-port 8081 --sim-mrenclave "$other_enclave"
rogue_cache_pid=$BG_PID
expect_log "$W/logs/dks.log" "$other_enclave" 30
expect_ready_code nodeb "http://$B:8081/readyz" 503 5
kill "$rogue_cache_pid"

step "a KMS with an identity outside the policy gets nothing from its node's dkeycache"
rogue_kms="$W/rogue-kms"; mkdir -p "$rogue_kms"
bg_on nodea "$W/logs/rogue-kms.log" "$BIN/ehsm-kms" --run-mode cluster \
  --dkeycache-socket "$W/nodea/run/dkeyprovision.sock" --policy "$W/policy.toml" \
  --platform-secret "$W/platform.secret" --host "$A" --port 9001 --data-dir "$rogue_kms" \
  --sim-mrenclave "$other_enclave"
rogue_kms_pid=$BG_PID
expect_log "$W/logs/cache-a.log" "$other_enclave" 30
expect_ready_code nodea "https://$A:9001/readyz" 503 5
kill "$rogue_kms_pid"

step "dkeycache and dkeyserver killed (SIGKILL) at random points come back with the same key"
# Kills land anywhere in a start: before the sealed copy is read, while the key is fetched over
# the attested channel, while it is sealed. Nothing written half may survive: afterwards node
# A's dkeycache starts from its sealed copy alone (every dkeyserver down), and every start of
# the first dkeyserver loads the key it created in the first step.
KILLS=${EHSM_DK_KILLS:-20}
dk_created="$(grep -o 'dkeyserver.domain_key_created dk_id=[0-9a-f]*' "$W/logs/dks.log" | head -1 |
  cut -d= -f2)"
[ -n "$dk_created" ] || fail "no domain_key_created line in dks.log"
for ((i = 0; i < KILLS; i++)); do
  lc stop cache-a KILL; lc start cache-a
  sleep "0.$((RANDOM % 10))"
  lc stop dks KILL; lc start dks
  sleep "0.$((RANDOM % 10))"
done
# A first --init killed at random points: it leaves no key or a whole one, never a second.
scratch="$W/dks-scratch"; D="$(lc addr dks)"
for ((i = 0; i < KILLS; i++)); do
  bg_on dks "$W/logs/scratch-$i.log" "$BIN/ehsm-dkeyserver" --init --host "$D" --port 8890 \
    --health-port 8091 --data-dir "$scratch" --policy "$W/policy.toml" \
    --platform-secret "$W/platform.secret"
  sleep "0.0$((RANDOM % 10))"; kill -KILL "$BG_PID"; wait "$BG_PID" 2>/dev/null || true
done
ids="$(cat "$W"/logs/scratch-*.log | grep -oE 'domain_key_(created|loaded) dk_id=[0-9a-f]*' |
  cut -d= -f2 | sort -u)"
[ "$(grep -c . <<<"$ids")" -le 1 ] || fail "killed first starts made several keys: $ids"
bg_on dks "$W/logs/scratch-last.log" "$BIN/ehsm-dkeyserver" --init --host "$D" --port 8890 \
  --health-port 8091 --data-dir "$scratch" --policy "$W/policy.toml" \
  --platform-secret "$W/platform.secret"
expect_ready_code dks "http://$D:8091/readyz" 200 30
last="$(grep -oE 'domain_key_(created|loaded) dk_id=[0-9a-f]*' "$W/logs/scratch-last.log" |
  cut -d= -f2)"
[ -z "$ids" ] || [ "$last" = "$ids" ] || fail "after the kills the key is $last, was $ids"
kill "$BG_PID"; wait "$BG_PID" 2>/dev/null || true
lc stop cache-a KILL; lc stop dks KILL; lc stop dks2
lc start cache-a; lc wait cache-a 30
lc stop kms-a; lc start kms-a; lc wait kms-a 30
[ "$(ehsm_on nodea "$A" decrypt --key "$keyid" --in "$W/ct.bin")" = "attack at dawn" ] ||
  fail "node A after $KILLS dkeycache kills"
lc start dks; lc wait dks 30; lc start dks2; lc wait dks2 30
loaded="$(grep -o 'dkeyserver.domain_key_loaded dk_id=[0-9a-f]*' "$W/logs/dks.log" | cut -d= -f2 |
  sort -u)"
[ "$loaded" = "$dk_created" ] || fail "dkeyserver loaded '$loaded' after kills, created $dk_created"
grep -q "domain_key_mismatch" "$W"/logs/cache-a.log && fail "cache-a saw another key"
echo "   $KILLS SIGKILLs each of a running dkeycache, a running dkeyserver and a first --init:" \
  "no key lost, none replaced, node A serves"

step "a dkeyserver whose data dir was wiped, started with --init, cannot make a KMS serve"
lc stop dks2; lc stop dks
rm -rf "$W/dks/dkeyserver"
lc start dks; lc wait dks
fresh="$W/fresh"; mkdir -p "$fresh/cache" "$fresh/kms"
bg_on nodeb "$W/logs/fresh-cache.log" "$BIN/ehsm-dkeycache" --dkeyserver "$(lc addr dks):8888" \
  --socket "$fresh/sock" --data-dir "$fresh/cache" --policy "$W/policy.toml" \
  --platform-secret "$W/platform.secret" --health-port 8082
fresh_cache_pid=$BG_PID
expect_ready_code nodeb "http://$B:8082/readyz" 200 30
export EHSM_COUCHDB_PASSWORD="$(cat "$W/couch/admin.password")"
bg_on nodeb "$W/logs/fresh-kms.log" "$BIN/ehsm-kms" \
  --run-mode cluster --dkeycache-socket "$fresh/sock" --policy "$W/policy.toml" \
  --platform-secret "$W/platform.secret" --host "$B" --port 9002 --data-dir "$fresh/kms" \
  --store couchdb --couchdb-url "http://$(lc addr couch):5984" --couchdb-user admin
fresh_kms_pid=$BG_PID
unset EHSM_COUCHDB_PASSWORD
expect_log "$W/logs/fresh-kms.log" "kms.domain_key_mismatch" 30
expect_ready_code nodeb "https://$B:9002/readyz" 503 5
# It refuses signed actions: the tenant enrolled above gets nothing from it.
if lc exec nodeb "$BIN/ehsm" --url "https://$B:9002" --insecure --profile "$W/client.profile" \
     decrypt --key "$keyid" --in "$W/ct.bin" >/dev/null 2>&1; then
  fail "a KMS with the new domain key decrypted"
fi
# The nodes that hold the deployment's domain key still serve.
[ "$(ehsm_on nodea "$A" decrypt --key "$keyid" --in "$W/ct.bin")" = "attack at dawn" ] ||
  fail "node A stopped serving"
kill "$fresh_kms_pid" "$fresh_cache_pid"

step "down removes everything"
lc down
ip netns list | grep -q "^$EHSM_LC_PREFIX" && fail "namespaces left behind"
[ ! -e "$W" ] || fail "state dir left behind"
trap - EXIT
echo "PASS"
