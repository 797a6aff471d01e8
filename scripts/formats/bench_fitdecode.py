#!/usr/bin/env python3
"""Times Python FIT decoders on a file, for comparison with retrowalk's own decoder
(crates/formats/benches/fit.rs decodes the same file). Usage: bench_fitdecode.py FILE.fit
"""
import sys
import time
from pathlib import Path

import fitdecode
from garmin_fit_sdk import Decoder, Stream


def best_of(fn, runs):
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        n = fn()
        best = min(best, time.perf_counter() - t)
    return best, n


def with_fitdecode(path):
    n = 0
    with fitdecode.FitReader(path, check_crc=fitdecode.CrcCheck.RAISE) as fit:
        for frame in fit:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                n += 1
    return n


def with_garmin(path):
    messages, errors = Decoder(Stream.from_file(path)).read()
    if errors:
        raise SystemExit(f"garmin_fit_sdk errors: {errors}")
    return len(messages["record_mesgs"])


def main(path):
    size = Path(path).stat().st_size
    print(f"file: {path}, {size} bytes")
    for name, fn in [("fitdecode", with_fitdecode), ("garmin_fit_sdk", with_garmin)]:
        secs, n = best_of(lambda: fn(path), 3)
        print(f"{name:15} {n} records  best of 3: {secs * 1000:9.1f} ms  {size / secs / 1e6:8.2f} MB/s")


if __name__ == "__main__":
    main(sys.argv[1])
