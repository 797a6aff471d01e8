#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: a PostgreSQL server, Debian's
# Chromium for browser tests, xmllint for the TCX schema check, D-Bus headers for the optional
# Bluetooth backend, the Python FIT checkers, and the browser tests' npm packages.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
dpkg -s libdbus-1-dev >/dev/null 2>&1 || need+=(libdbus-1-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ -f scripts/formats/requirements.txt ]; then
  python3 -m pip install --quiet --disable-pip-version-check -r scripts/formats/requirements.txt
fi
if [ -f tests/browser/package.json ]; then
  (cd tests/browser && { [ -f package-lock.json ] && npm ci --silent --no-audit --no-fund || npm install --silent --no-audit --no-fund; })
fi
echo "dependencies ready"
