#!/usr/bin/env bash
# FIT throughput: retrowalk's encoder and decoder (criterion), then the Python decoders
# fitdecode and garmin_fit_sdk on the same 10-hour, 1 Hz file, in one run.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
cargo bench -p retrowalk-formats --bench fit -- --noplot
cargo build -q --release -p retrowalk-formats --example synthetic_fit
file="$(mktemp --suffix=.fit)"
trap 'rm -f "$file"' EXIT
"$target/release/examples/synthetic_fit" "$file" 36000 1700000000
python3 scripts/formats/bench_fitdecode.py "$file"
