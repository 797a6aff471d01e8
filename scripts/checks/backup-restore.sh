#!/usr/bin/env bash
# Tests the backup and restore procedures of docs/operations.md through the real binary:
#   1. SQLite in WAL mode: an online `.backup` and a `VACUUM INTO` copy, taken while another
#      connection keeps the WAL live, restored to new paths; a plain copy of the main file
#      alone is shown to lose data.
#   2. PostgreSQL: pg_dump -Fc, pg_restore --clean --if-exists into a fresh database.
#   3. A person's JSON backup moved from SQLite to PostgreSQL.
# Each restored database must give the same `history`, `progress` and `today` JSON as the
# original, and `retrowalk check` must pass on it. Any difference fails the script.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

fail() { echo "backup-restore: FAIL: $*" >&2; exit 1; }

if [ -z "${RETROWALK_BIN:-}" ]; then
  cargo build -q -p retrowalk
  RETROWALK_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/retrowalk"
fi
[ -x "$RETROWALK_BIN" ] || fail "no retrowalk binary at $RETROWALK_BIN"
rw() { "$RETROWALK_BIN" "$@"; }
unset RETROWALK_LOG

WORK=$(mktemp -d)
HOLDER_PID=
OWN_PG=
ADMIN_URL=
DBS=()
cleanup() {
  [ -n "$HOLDER_PID" ] && kill "$HOLDER_PID" 2>/dev/null || true
  if [ -n "$ADMIN_URL" ]; then
    for d in "${DBS[@]}"; do
      "$PGBIN/psql" "$ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true
    done
  fi
  [ -n "$OWN_PG" ] && RW_PG_DIR="$OWN_PG" RW_PG_PORT=$OWN_PG_PORT bash scripts/pg-test-server.sh stop
  rm -rf "$WORK"
}
trap cleanup EXIT

# Writes the person's views of a database into DIR, one JSON file per view.
snapshot() {
  local db=$1 dir=$2
  mkdir -p "$dir"
  rw --db "$db" --json history >"$dir/history.json"
  rw --db "$db" --json progress >"$dir/progress.json"
  rw --db "$db" --json today --date 2026-11-30 >"$dir/today.json"
  grep -q '"decision"' "$dir/history.json" || fail "$db: history has no decisions"
}

# Restored must equal original, view by view, and pass `check`.
same() {
  local what=$1 orig=$2 db=$3
  snapshot "$db" "$WORK/$what"
  for v in history progress today; do
    diff -u "$orig/$v.json" "$WORK/$what/$v.json" || fail "$what: $v differs after restore"
  done
  rw --db "$db" check || fail "$what: check failed on the restored database"
  echo "ok: $what"
}

# A person with a week and a half of sessions, including a step back and a morning check.
populate() {
  local db=$1
  rw --db "$db" profile create --name Ada --age 58 --mass-kg 72 --units kmh \
    --goal knee-rehab --knee osteoarthritis --knee-pain 3 --days mon,wed,fri \
    --start 2026-11-02 >/dev/null
  local d
  for d in 2026-11-02 2026-11-04 2026-11-06 2026-11-09; do
    rw --db "$db" log --date "$d" --effort 3 --pain-before 0 --pain-during 1 \
      --pain-after 1 >/dev/null
  done
  rw --db "$db" log --date 2026-11-11 --effort 5 --pain-before 1 --pain-during 6 \
    --pain-after 4 >/dev/null
  rw --db "$db" morning --pain 2 >/dev/null
}

sqlite_exec() { # DB SQL-or-dot-command: the sqlite3 shell if installed, else Python's module
  if [ -z "${RW_BACKUP_NO_SQLITE3:-}" ] && command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 "$1" "$2"
  else
    python3 - "$1" "$2" <<'EOF'
import sqlite3, sys
db, cmd = sys.argv[1], sys.argv[2]
src = sqlite3.connect(db)
if cmd.startswith(".backup "):
    dst = sqlite3.connect(cmd.split(" ", 1)[1].strip().strip("'\""))
    src.backup(dst)  # the same online-backup API the shell's .backup uses
    dst.close()
else:
    src.isolation_level = None
    src.execute(cmd)
src.close()
EOF
  fi
}

echo "== SQLite (WAL mode)"
SRC="$WORK/live/retrowalk.db"
populate "$SRC"
# Another open connection (as a running web server would be) keeps the WAL from being
# checkpointed away, so the backup is taken from a live database whose newest writes are
# only in retrowalk.db-wal. It ends by itself after 5 minutes at the latest.
python3 - "$SRC" "$WORK/holder.ready" <<'EOF' &
import sqlite3, sys, time, pathlib
c = sqlite3.connect(sys.argv[1])
c.execute("SELECT count(*) FROM sqlite_master").fetchall()
pathlib.Path(sys.argv[2]).touch()
time.sleep(300)
EOF
HOLDER_PID=$!
for _ in $(seq 100); do [ -e "$WORK/holder.ready" ] && break; sleep 0.1; done
[ -e "$WORK/holder.ready" ] || fail "the holding connection did not start"
rw --db "$SRC" log --date 2026-11-13 --effort 4 --pain-before 0 --pain-during 2 \
  --pain-after 1 >/dev/null
mode=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode").fetchone()[0])' "$SRC")
[ "$mode" = wal ] || fail "the database is not in WAL mode ($mode)"
[ -s "$SRC-wal" ] || fail "expected live data in $SRC-wal"
snapshot "$SRC" "$WORK/orig-sqlite"

# The documented procedures (docs/operations.md), taken while the database is live.
sqlite_exec "$SRC" ".backup '$WORK/backup.db'"
sqlite_exec "$SRC" "VACUUM INTO '$WORK/vacuum.db'"
# What the documentation warns against: the main file alone, without its -wal.
cp "$SRC" "$WORK/plain-copy.db"

kill "$HOLDER_PID" 2>/dev/null || true
wait "$HOLDER_PID" 2>/dev/null || true
HOLDER_PID=

for m in backup vacuum; do
  mkdir -p "$WORK/restored-$m"
  cp "$WORK/$m.db" "$WORK/restored-$m/retrowalk.db"
  [ ! -e "$WORK/restored-$m/retrowalk.db-wal" ] || fail "$m: stray WAL beside the restore"
  same "sqlite-$m" "$WORK/orig-sqlite" "$WORK/restored-$m/retrowalk.db"
done
if rw --db "$WORK/plain-copy.db" --json history >"$WORK/plain.json" 2>/dev/null \
  && diff -q "$WORK/orig-sqlite/history.json" "$WORK/plain.json" >/dev/null; then
  fail "a copy of the main file alone kept everything; the WAL test did not exercise the WAL"
fi
echo "ok: a plain copy of the main file without its -wal loses data, as documented"
# The original is untouched by all this.
same "sqlite-original-after-backup" "$WORK/orig-sqlite" "$SRC"

echo "== PostgreSQL"
if [ -n "${RETROWALK_TEST_PG:-}" ]; then
  ADMIN_URL=$RETROWALK_TEST_PG
else
  # A server of our own, on its own directory and port, so one already running is untouched.
  OWN_PG=/tmp/rw-backup-check-pg-$$
  OWN_PG_PORT=${RW_BACKUP_PG_PORT:-55471}
  ADMIN_URL=$(RW_PG_DIR="$OWN_PG" RW_PG_PORT=$OWN_PG_PORT bash scripts/pg-test-server.sh start)
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || fail "PostgreSQL client binaries not found"
# pg_dump must not be older than the server: use the major version the server reports.
major=$("$PGBIN/psql" "$ADMIN_URL" -AtX -c "SHOW server_version_num" | cut -c1-2)
[ -d "/usr/lib/postgresql/$major/bin" ] && PGBIN=/usr/lib/postgresql/$major/bin
db_url() { echo "${ADMIN_URL%/*}/$1"; }
suffix="$$_$(date +%s)"
SRC_DB=rw_backup_src_$suffix
DST_DB=rw_backup_dst_$suffix
MOVED_DB=rw_backup_moved_$suffix
DBS=("$SRC_DB" "$DST_DB" "$MOVED_DB")
"$PGBIN/psql" "$ADMIN_URL" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $SRC_DB"
populate "$(db_url "$SRC_DB")"
rw --db "$(db_url "$SRC_DB")" log --date 2026-11-13 --effort 4 --pain-before 0 \
  --pain-during 2 --pain-after 1 >/dev/null
snapshot "$(db_url "$SRC_DB")" "$WORK/orig-pg"

"$PGBIN/pg_dump" -Fc -f "$WORK/retrowalk.dump" "$(db_url "$SRC_DB")"
"$PGBIN/psql" "$ADMIN_URL" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $DST_DB"
"$PGBIN/pg_restore" --clean --if-exists --no-owner --exit-on-error \
  -d "$(db_url "$DST_DB")" "$WORK/retrowalk.dump"
same "postgres-pg_dump" "$WORK/orig-pg" "$(db_url "$DST_DB")"

echo "== Moving a person from SQLite to PostgreSQL (JSON backup)"
rw --db "$SRC" backup --out "$WORK/ada.json" 2>/dev/null
"$PGBIN/psql" "$ADMIN_URL" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $MOVED_DB"
rw --db "$(db_url "$MOVED_DB")" restore "$WORK/ada.json" >/dev/null
same "sqlite-to-postgres-json" "$WORK/orig-sqlite" "$(db_url "$MOVED_DB")"
# Restoring again without --replace must refuse rather than overwrite.
if rw --db "$(db_url "$MOVED_DB")" restore "$WORK/ada.json" >/dev/null 2>&1; then
  fail "restore over an existing programme succeeded without --replace"
fi
echo "backup-restore: all procedures restored identical data"
