#!/usr/bin/env bash
# The whole test suite: Rust tests on SQLite and PostgreSQL, format checks with independent
# tools, and the browser tests in headless Chromium. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

PG_URL=$(bash scripts/pg-test-server.sh start)
trap 'bash scripts/pg-test-server.sh stop' EXIT
export RETROWALK_TEST_PG="$PG_URL"
# This script installs and starts everything the fault tests need (a PostgreSQL it can stop,
# root for a tiny tmpfs), so they must run here, not explain why they could not.
export CI="${CI:-1}"

echo "== cargo test (workspace; store suite on SQLite and PostgreSQL)"
cargo test --workspace --all-targets

for check in scripts/checks/*.sh; do
  [ -e "$check" ] || continue
  echo "== $check"
  bash "$check"
done

if [ -f tests/browser/package.json ]; then
  echo "== browser tests (headless Chromium)"
  cargo build -p retrowalk
  (cd tests/browser && RETROWALK_BIN="$PWD/../../target/debug/retrowalk" node --test)
fi
echo "all tests passed"
