#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL server on loopback for the test suites.
#   scripts/pg-test-server.sh start   -> prints the admin URL to use as RETROWALK_TEST_PG
#   scripts/pg-test-server.sh stop
#   scripts/pg-test-server.sh pause|resume   -> stop / start again keeping the data (fault tests)
# The data lives in $RW_PG_DIR (default /tmp/retrowalk-pg) and is removed on stop.
set -euo pipefail
DIR=${RW_PG_DIR:-/tmp/retrowalk-pg}
PORT=${RW_PG_PORT:-55432}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$BIN" ] || { echo "PostgreSQL server binaries not found: apt-get install postgresql" >&2; exit 1; }
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
  start)
    if [ -f "$DIR/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      echo "postgres://postgres@127.0.0.1:$PORT/postgres"; exit 0
    fi
    rm -rf "$DIR"; mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    as_pg "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 >/dev/null
    as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=on -c max_connections=200" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  pause)
    as_pg "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null
    ;;
  resume)
    as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=on -c max_connections=200" start >/dev/null
    ;;
  stop)
    if [ -d "$DIR" ]; then
      as_pg "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null 2>&1 || true
      rm -rf "$DIR"
    fi
    ;;
  *) echo "usage: $0 start|stop|pause|resume" >&2; exit 2 ;;
esac
