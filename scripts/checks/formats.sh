#!/usr/bin/env bash
# Exports checked by independent tools, through the real binary: a FIT walk is imported
# as a logged session with telemetry, then exported as FIT (Garmin's Python SDK and
# fitdecode), TCX (xmllint against the committed TrainingCenterDatabase v2 schema) and
# iCalendar (python icalendar, UIDs stable across exports).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
cargo build -q -p retrowalk
cargo build -q -p retrowalk-formats --example synthetic_fit
bin="$target/debug/retrowalk"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export RETROWALK_DB="$tmp/rw.db"

"$bin" profile create --name Ada --age 58 --mass-kg 72 --units kmh --goal knee-rehab \
  --knee osteoarthritis --knee-pain 3 --days mon,wed,fri --start 2026-11-16 >/dev/null
# 20 minutes from 2026-11-23T17:00Z, with warm-up, backward bouts and recovery laps.
"$target/debug/examples/synthetic_fit" "$tmp/walk.fit" 1200 1795453200 >/dev/null
"$bin" import "$tmp/walk.fit" --effort 4 --pain-before 1 --pain-during 2 --pain-after 1

"$bin" --json export fit --date 2026-11-23 -o "$tmp/out.fit" >"$tmp/fit.json"
"$bin" export tcx --date 2026-11-23 -o "$tmp/out.tcx" >/dev/null
xmllint --noout --schema crates/formats/schemas/TrainingCenterDatabasev2.xsd "$tmp/out.tcx"
"$bin" export ics --date 2026-11-30 --weeks 4 -o "$tmp/a.ics" >/dev/null
"$bin" export ics --date 2026-11-30 --weeks 4 --at 07:30 -o "$tmp/b.ics" >/dev/null
"$bin" export csv -o "$tmp/sessions.csv" >/dev/null
grep -q '^2026-11-23,' "$tmp/sessions.csv"

python3 scripts/formats/check_exports.py "$tmp"
