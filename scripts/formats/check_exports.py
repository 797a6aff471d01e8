#!/usr/bin/env python3
"""Independent checks of retrowalk's exports (run by scripts/checks/formats.sh).

FIT: Garmin's own Python SDK must find the file intact, decode it without errors, and
read back exactly the values the CLI reported in --json (within FIT's scales); fitdecode
must read the same number of records. iCalendar: the python icalendar parser must read
both calendars, and the UIDs must not change between two exports.
"""
import json
import sys
from pathlib import Path

from garmin_fit_sdk import Decoder, Stream
import fitdecode
import icalendar

FIT_EPOCH = 631065600
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def close(a, b, tol):
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= tol


def garmin(fit_path, report):
    stream = Stream.from_file(str(fit_path))
    decoder = Decoder(stream)
    check(decoder.is_fit(), "Garmin SDK: not a FIT file")
    check(decoder.check_integrity(), "Garmin SDK: integrity (CRC) check failed")
    # The integrity check consumes the stream; reading needs a fresh one.
    decoder = Decoder(Stream.from_file(str(fit_path)))
    messages, errors = decoder.read(convert_datetimes_to_dates=False, enable_crc_check=True)
    check(not errors, f"Garmin SDK errors: {errors}")

    fid = messages["file_id_mesgs"][0]
    check(fid["type"] == "activity", f"file type {fid['type']}")
    check(fid["manufacturer"] == "development", f"manufacturer {fid['manufacturer']}")

    recs = messages.get("record_mesgs", [])
    want = report["records"]
    check(len(recs) == len(want), f"records: SDK {len(recs)}, CLI {len(want)}")
    for i, (g, w) in enumerate(zip(recs, want)):
        ok = (
            g["timestamp"] == w["time"] - FIT_EPOCH
            and close(g.get("distance"), w["distance_m"], 0.006)
            and close(g.get("enhanced_speed"), w["speed_mps"], 0.0006)
            and g.get("heart_rate") == w["heart_rate"]
        )
        check(ok, f"record {i}: SDK {g}, CLI {w}")
        if not ok:
            break

    laps = messages.get("lap_mesgs", [])
    check(len(laps) == len(report["laps"]), f"laps: SDK {len(laps)}, CLI {len(report['laps'])}")
    for i, (g, w) in enumerate(zip(laps, report["laps"])):
        dev = g.get("developer_fields", {})
        ok = (
            g["start_time"] == w["start"] - FIT_EPOCH
            and g["timestamp"] == w["end"] - FIT_EPOCH
            and close(g.get("total_timer_time"), w["timer_s"], 0.0006)
            and close(g.get("total_elapsed_time"), w["elapsed_s"], 0.0006)
            and close(g.get("total_distance"), w["distance_m"], 0.006)
            and close(g.get("enhanced_avg_speed"), w["avg_speed_mps"], 0.0006)
            and g.get("total_calories") == w["calories"]
            and g.get("intensity") == w["intensity"]
            and g.get("sport") == "walking"
            and g.get("sub_sport") == "treadmill"
            and w["segment"] in dev.values()
        )
        check(ok, f"lap {i}: SDK {g}, CLI {w}")
    check(any(l.get("intensity") == "active" for l in laps), "no backward (active) lap")

    sess = messages["session_mesgs"]
    check(len(sess) == 1, f"{len(sess)} sessions")
    g, w = sess[0], report["session"]
    check(g.get("sport") == "walking" and g.get("sub_sport") == "treadmill",
          f"sport {g.get('sport')}/{g.get('sub_sport')}")
    check(g["start_time"] == w["start"] - FIT_EPOCH, "session start")
    check(close(g.get("total_timer_time"), w["timer_s"], 0.0006), "session timer time")
    check(close(g.get("total_distance"), w["distance_m"], 0.006), "session distance")
    check(close(g.get("enhanced_avg_speed"), w["avg_speed_mps"], 0.0006), "session average speed")
    check(g.get("num_laps") == w["num_laps"], "session laps")
    check(g.get("avg_heart_rate") == w["avg_heart_rate"], "session average heart rate")
    check(len(messages.get("activity_mesgs", [])) == 1, "activity message")
    names = [f.get("field_name") for f in messages.get("field_description_mesgs", [])]
    check("segment" in names, f"developer field names {names}")
    return len(recs)


def with_fitdecode(fit_path):
    n = 0
    with fitdecode.FitReader(str(fit_path), check_crc=fitdecode.CrcCheck.RAISE) as fit:
        for frame in fit:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                n += 1
    return n


def calendar(path):
    cal = icalendar.Calendar.from_ical(Path(path).read_bytes())
    return [e for e in cal.walk("VEVENT")]


def main(tmp):
    tmp = Path(tmp)
    report = json.loads((tmp / "fit.json").read_text())
    n = garmin(tmp / "out.fit", report)
    check(with_fitdecode(tmp / "out.fit") == n, "fitdecode record count differs")
    check(n > 0, "the exported walk has no records")

    a, b = calendar(tmp / "a.ics"), calendar(tmp / "b.ics")
    check(len(a) > 0 and len(a) == len(b), f"events: {len(a)} vs {len(b)}")
    check([str(e["UID"]) for e in a] == [str(e["UID"]) for e in b], "UIDs changed between exports")
    check(len({str(e["UID"]) for e in a}) == len(a), "UIDs are not unique")
    for e in a:
        check(str(e["SUMMARY"]).startswith("Backward walk"), f"summary {e['SUMMARY']}")
        check("BACKWARD" in str(e["DESCRIPTION"]), "description lacks the backward segments")
        check("\n" in str(e["DESCRIPTION"]), "description lost its line breaks")

    if failures:
        for f in failures[:20]:
            print("FAIL:", f)
        return 1
    print(f"formats: Garmin SDK and fitdecode agree on {n} records and {len(report['laps'])} laps; "
          f"{len(a)} calendar events parse with stable UIDs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
