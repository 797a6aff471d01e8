#!/usr/bin/env bash
# Mixed load benchmark of `retrowalk serve` with wrk on loopback, on a generated clinic.
#
#   bash scripts/bench/load.sh sqlite              # or: postgres
#   PATIENTS=10000 CLINICIANS=100 DAYS=365 DURATION=30s CONNECTIONS=32 bash scripts/bench/load.sh postgres
#
# Builds release binaries, seeds a clinic with seed-clinic (cached: see below), starts the
# server on a fresh copy of it, signs in a sample of accounts, runs a warm-up and then the
# measured wrk run (people reading today's session, people logging sessions, clinicians
# reading their patient lists), and prints req/s, latency percentiles, non-2xx responses
# and the server's peak resident memory (VmHWM). Exits non-zero if any request failed.
#
# The seeded clinic is kept between runs, keyed by its size, the day and a hash of the
# seeder and the migrations: SQLite under $BENCH_CACHE, PostgreSQL as a template database
# in the shared test server. Every run works on a copy, so the writes of one run never
# reach the next. FRESH=1 seeds again; SEED_ONLY=1 stops after seeding.
set -euo pipefail
cd "$(dirname "$0")/../.."
backend=${1:-sqlite}
PATIENTS=${PATIENTS:-10000}
CLINICIANS=${CLINICIANS:-100}
DAYS=${DAYS:-365}
DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-5s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
SIGNED_IN_PATIENTS=${SIGNED_IN_PATIENTS:-1000}
SIGNED_IN_CLINICIANS=${SIGNED_IN_CLINICIANS:-100}
PORT=${PORT:-18080}
BENCH_CACHE=${BENCH_CACHE:-/tmp/retrowalk-bench}
PASSWORD=load-test-password
work=$(mktemp -d)
server_pid=
run_db=
admin=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$run_db" ] && [ -n "$admin" ]; then psql "$admin" -qc "DROP DATABASE IF EXISTS $run_db" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is required (scripts/install-deps.sh installs it)"; exit 1; }
echo "== building release binaries"
cargo build --release -q -p retrowalk -p retrowalk-loadtest
bin=target/release

# What the seeded data depends on; a change to any of it seeds again.
key=$( (echo "$CLINICIANS $PATIENTS $DAYS $(date -u +%F)"; cat crates/loadtest/src/*.rs crates/loadtest/src/bin/*.rs crates/store/migrations/*/*.sql) | sha256sum | cut -c1-12)
mkdir -p "$BENCH_CACHE"
seed() { # $1 = database URL or path; the seeder's output is kept beside the cache
  echo "== seeding $CLINICIANS clinicians, $PATIENTS patients, $DAYS days of sessions on $backend"
  "$bin/seed-clinic" --db "$1" --clinicians "$CLINICIANS" --patients "$PATIENTS" --days "$DAYS" \
    --password "$PASSWORD" --concurrency 8 2>&1 | tee "$BENCH_CACHE/$backend-$key.seed.log" | grep -v '/.* patients, '
}

case "$backend" in
  sqlite)
    seeded="$BENCH_CACHE/sqlite-$key.db"
    if [ "${FRESH:-0}" = 1 ] || [ ! -f "$seeded.done" ]; then
      rm -f "$BENCH_CACHE"/sqlite-*.db "$BENCH_CACHE"/sqlite-*.db-wal "$BENCH_CACHE"/sqlite-*.db-shm "$BENCH_CACHE"/sqlite-*.done
      seed "$seeded"
      sqlite3 "$seeded" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
      touch "$seeded.done"
    else
      echo "== cached seed $seeded: $(tail -1 "$BENCH_CACHE/sqlite-$key.seed.log")"
    fi
    db="$work/clinic.db"
    cp "$seeded" "$db"
    ;;
  postgres)
    command -v psql >/dev/null || { echo "psql is required"; exit 1; }
    admin=${RETROWALK_TEST_PG:-$(bash scripts/pg-test-server.sh start)}
    base_url=${admin%/*}
    template="rw_bench_seed_$key"
    exists=$(psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$template'")
    if [ "${FRESH:-0}" = 1 ] || [ "$exists" != 1 ] || [ ! -f "$BENCH_CACHE/postgres-$key.done" ]; then
      # Earlier seeds (another day, seeder or schema) are this script's own: drop them.
      for old in $(psql "$admin" -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'rw\_bench\_seed\_%'"); do
        psql "$admin" -qc "DROP DATABASE IF EXISTS $old" >/dev/null
      done
      psql "$admin" -qc "CREATE DATABASE $template" >/dev/null
      seed "$base_url/$template"
      psql "$base_url/$template" -qc "VACUUM ANALYZE" >/dev/null
      touch "$BENCH_CACHE/postgres-$key.done"
    else
      echo "== cached seed $template: $(tail -1 "$BENCH_CACHE/postgres-$key.seed.log")"
    fi
    run_db="rw_bench_run_$$"
    psql "$admin" -qc "CREATE DATABASE $run_db TEMPLATE $template" >/dev/null
    db="$base_url/$run_db"
    ;;
  *) echo "usage: $0 sqlite|postgres"; exit 2 ;;
esac

[ "${SEED_ONLY:-0}" = 1 ] && { echo "== seeded (SEED_ONLY=1: no run)"; exit 0; }

RETROWALK_LOG=${RETROWALK_LOG:-warn} "$bin/retrowalk" serve --addr "127.0.0.1:$PORT" --db "$db" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do
  grep -q "listening" "$work/server.log" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
grep -q "listening" "$work/server.log" || { cat "$work/server.log"; echo "server did not start"; exit 1; }
base="http://127.0.0.1:$PORT"

python3 scripts/bench/login.py "$base" "$work/sessions.tsv" "$SIGNED_IN_PATIENTS" "$SIGNED_IN_CLINICIANS" "$PASSWORD"
export RW_SESSIONS="$work/sessions.tsv"

echo "== warm-up: $WARMUP"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s scripts/bench/mixed.lua "$base" >"$work/warmup.txt"
grep '^RESULT' "$work/warmup.txt" | sed 's/^RESULT/   warm-up/'

echo "== measured run: $DURATION, $CONNECTIONS connections, $THREADS wrk thread(s)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/bench/mixed.lua "$base" | tee "$work/wrk.txt"
peak=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
result=$(grep '^RESULT' "$work/wrk.txt" | cut -d' ' -f2-)
echo "RESULT backend=$backend seeded=${CLINICIANS}c/${PATIENTS}p/${DAYS}d peak_rss_mb=$((peak / 1024)) rss_end_mb=$((rss / 1024)) $result"
if grep -qi 'error\|panic' "$work/server.log"; then
  echo "== server log (errors):"; grep -i 'error\|panic' "$work/server.log" | sort | uniq -c | sort -rn | head -20
fi
bad=$(echo "$result" | tr ' ' '\n' | awk -F= '$1 == "non2xx" || $1 == "socket_errors" { s += $2 } END { print s + 0 }')
if [ "$bad" != 0 ]; then
  echo "FAILED: $bad requests failed (non-2xx responses or socket errors)"
  exit 1
fi
