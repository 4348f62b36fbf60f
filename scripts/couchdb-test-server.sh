#!/usr/bin/env bash
# A CouchDB-compatible server for tests: pouchdb-server from npm (Apache CouchDB is not packaged
# in Debian 12), installed into .cache/pouchdb-server of the repository, bound to 127.0.0.1.
#
#   couchdb-test-server.sh install
#   couchdb-test-server.sh start --dir DIR [--port PORT] [--host ADDR] [--in-memory]
#                                                          # prints the URL
# --host (default 127.0.0.1) is the address to bind and to print; run the script inside a
# network namespace (ip netns exec) to serve on one of its addresses.
#
# Without --port a free port is picked at random (retried if taken). As CouchDB 3 requires, the
# server has an administrator from its first start, `admin` with a random password kept in
# DIR/admin.password (mode 0600); the printed URL carries the credentials
# (http://admin:PASS@127.0.0.1:PORT), so clients that take credentials from the URL need
# nothing else. Creating a database needs them, and wrong ones are answered 401.
#   couchdb-test-server.sh stop --dir DIR
#
# DIR holds the pid file, the logs and (unless --in-memory) the databases, so a server started
# again on the same DIR finds its data. Exits non-zero when the server does not come up.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PREFIX="${EHSM_POUCHDB_PREFIX:-$REPO/.cache/pouchdb-server}"
VERSION="4.2.0"
BIN="$PREFIX/node_modules/.bin/pouchdb-server"

die() { echo "couchdb-test-server: $*" >&2; exit 1; }

install() {
  if [ -x "$BIN" ]; then return 0; fi
  bash "$REPO/scripts/ensure-npm.sh"
  echo "couchdb-test-server: installing pouchdb-server@$VERSION into $PREFIX" >&2
  mkdir -p "$PREFIX"
  # --ignore-scripts: the only install script that matters is sqlite3's (for pouchdb-server's
  # --sqlite option, which is not used), and it fetches a prebuilt binary from outside npm or
  # compiles SQLite for minutes. leveldown, the on-disk backend, loads its prebuilt binary
  # from its own package without a script.
  npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error --ignore-scripts \
    "pouchdb-server@$VERSION" >&2
  [ -x "$BIN" ] || die "install failed: $BIN missing"
}

# Starts the server on port $1; prints its URL. Fails when the port is taken or the server dies.
start_on() {
  local port="$1" url="http://$HOST:$1"
  # Something already answering there would pass the readiness check below by mistake.
  if curl -s -m 1 "$url/" >/dev/null 2>&1; then return 1; fi
  # pouchdb-server writes log.txt and config.json into its working directory.
  (cd "$DIR" && exec setsid "$BIN" --host "$HOST" --port "$port" --dir "$DIR/data" \
      --config "$DIR/config.json" --no-stdout-logs $MEMORY \
      </dev/null >"$DIR/server.log" 2>&1) &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 300); do
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      tail -n 5 "$DIR/server.log" >&2 || true
      return 1
    fi
    if curl -sf -m 2 "$url/" >/dev/null 2>&1; then add_admin "$url"; return $?; fi
    sleep 0.2
  done
  kill "$(cat "$PIDFILE")" 2>/dev/null || true
  echo "couchdb-test-server: no answer on $url within 60 s" >&2
  return 1
}

# Gives the server its administrator before it first starts, as CouchDB 3 has one from the
# start (a client never sees the server without it): the password goes into DIR/config.json,
# which pouchdb-server rewrites with its hash when it loads it. DIR/admin.password may be given
# beforehand (a test that needs the URL before the server runs) and is kept for restarts.
prepare_admin() {
  if [ ! -s "$DIR/admin.password" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$DIR/admin.password")
  fi
  if [ ! -f "$DIR/config.json" ]; then
    (umask 077 && printf '{"admins":{"admin":"%s"}}\n' "$(cat "$DIR/admin.password")" \
      >"$DIR/config.json")
  fi
}

# Prints the URL with the administrator's credentials once they are accepted.
add_admin() {
  local url="$1" pass
  pass="$(cat "$DIR/admin.password")"
  for _ in $(seq 1 50); do
    if curl -sf -m 2 -u "admin:$pass" "$url/_session" >/dev/null 2>&1; then
      echo "http://admin:$pass@${url#http://}"
      return 0
    fi
    sleep 0.1
  done
  echo "couchdb-test-server: the administrator's password is not accepted (see $DIR/config.json)" >&2
  return 1
}

cmd="${1:-}"; shift || true
DIR=""; PORT=auto; MEMORY=""; HOST=127.0.0.1
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --host) HOST="$2"; shift 2 ;;
    --in-memory) MEMORY="--in-memory"; shift ;;
    *) die "unknown option $1" ;;
  esac
done

case "$cmd" in
  install)
    install
    ;;
  start)
    [ -n "$DIR" ] || die "start needs --dir"
    install
    mkdir -p "$DIR/data"
    DIR="$(cd "$DIR" && pwd)"
    prepare_admin
    PIDFILE="$DIR/pouchdb-server.pid"
    if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      die "already running (pid $(cat "$PIDFILE")); stop it first"
    fi
    for _ in $(seq 1 10); do
      if [ "$PORT" = auto ]; then try=$((20000 + RANDOM % 20000)); else try="$PORT"; fi
      if start_on "$try"; then exit 0; fi
      [ "$PORT" = auto ] || break
    done
    die "could not start a server (log: $DIR/server.log)"
    ;;
  stop)
    [ -n "$DIR" ] || die "stop needs --dir"
    PIDFILE="$DIR/pouchdb-server.pid"
    [ -f "$PIDFILE" ] || exit 0
    PID="$(cat "$PIDFILE")"
    kill -CONT "$PID" 2>/dev/null || true   # a paused server cannot handle SIGTERM
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$PID" 2>/dev/null || { rm -f "$PIDFILE"; exit 0; }
      sleep 0.1
    done
    kill -KILL "$PID" 2>/dev/null || true
    rm -f "$PIDFILE"
    ;;
  *)
    die "usage: $0 install | start --dir DIR [--port PORT] [--host ADDR] [--in-memory] | stop --dir DIR"
    ;;
esac
