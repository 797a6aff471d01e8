//! Export and import through the real binary: a FIT walk imported as a logged session
//! with telemetry, bad files reported one by one, and every export format written.

use retrowalk_formats::fit::{self, synthetic, EncodeOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};

mod common;
use common::Env;

fn env() -> Env {
    Env::with_profile("2026-11-16")
}

const ANSWERS: &[&str] = &[
    "--effort",
    "4",
    "--pain-before",
    "1",
    "--pain-during",
    "2",
    "--pain-after",
    "1",
];

/// 2026-11-23T17:00:00Z, a Monday.
const START: i64 = 1_795_453_200;

fn walk_file(dir: &Path, name: &str, start: i64) -> (PathBuf, fit::Activity) {
    let walk = synthetic::treadmill_walk(start, 20 * 60, 240);
    let path = dir.join(name);
    std::fs::write(&path, fit::encode(&walk, EncodeOptions::default()).unwrap()).unwrap();
    (path, walk)
}

#[test]
fn import_keeps_good_files_reports_bad_ones_and_exports_every_format() {
    let e = env();
    let (good, walk) = walk_file(e.dir.path(), "walk.fit", START);
    std::fs::write(e.path("notes.fit"), b"this is not a FIT file at all").unwrap();
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(e.path("cut.fit"), &bytes[..bytes.len() / 2]).unwrap();

    let out = e
        .cmd()
        .args(["import", "walk.fit", "notes.fit", "cut.fit"])
        .args(ANSWERS)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a failed file must fail the command");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr.contains("error notes.fit: not an activity file retrowalk can read; it imports FIT"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error cut.fit") && stderr.contains("cut short"),
        "{stderr}"
    );
    assert!(stderr.contains("ok    walk.fit: 2026-11-23"), "{stderr}");
    assert!(
        stdout.contains("Imported 1 of 3 file(s); 2 failed."),
        "{stdout}"
    );

    // The good file became a logged session whose backward time is its backward laps.
    let backward_s: f64 = walk
        .laps
        .iter()
        .filter(|l| l.segment.as_deref() == Some("backward"))
        .map(|l| l.timer_s.unwrap())
        .sum();
    let history = e.json(&["history"]);
    let sessions: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"]["kind"] == "session")
        .collect();
    assert_eq!(sessions.len(), 1, "{history}");
    assert_eq!(sessions[0]["event"]["date"], "2026-11-23");
    assert_eq!(sessions[0]["event"]["backward_s"], backward_s as u64);

    // The same file again is refused, not logged twice.
    let again = e
        .cmd()
        .args(["import", "walk.fit"])
        .args(ANSWERS)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already imported"));

    // FIT export of that day carries the telemetry back out, record for record.
    let fit_json = e.json(&["export", "fit", "--date", "2026-11-23", "-o", "out.fit"]);
    assert_eq!(fit_json["path"], "out.fit");
    let back = fit::decode(&std::fs::read(e.path("out.fit")).unwrap()).unwrap();
    assert_eq!(back.records.len(), walk.records.len());
    for (a, b) in walk.records.iter().zip(&back.records) {
        assert_eq!(a.time, b.time);
        assert!((a.distance_m.unwrap() - b.distance_m.unwrap()).abs() < 0.006);
        assert!((a.speed_mps.unwrap() - b.speed_mps.unwrap()).abs() < 0.0006);
        assert_eq!(a.heart_rate, b.heart_rate);
    }
    let s = back.session.unwrap();
    assert_eq!((s.sport, s.sub_sport), (Some(11), Some(1)));
    assert!(back
        .laps
        .iter()
        .any(|l| l.segment.as_deref() == Some("backward")
            && l.intensity == Some(fit::Intensity::Active)));
    assert_eq!(fit_json["laps"].as_array().unwrap().len(), back.laps.len());

    // TCX of the same walk: a trackpoint per record, backward laps noted.
    e.cmd()
        .args(["export", "tcx", "--date", "2026-11-23"])
        .assert()
        .success();
    let tcx = std::fs::read_to_string(e.path("retrowalk-2026-11-23.tcx")).unwrap();
    assert_eq!(tcx.matches("<Trackpoint>").count(), walk.records.len());
    assert!(tcx.contains("<Notes>BACKWARD"));

    // CSV: the session log and its segments.
    e.cmd().args(["export", "csv"]).assert().success();
    let csv = std::fs::read_to_string(e.path("retrowalk-sessions.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("date,backward_min,speed_kmh,"));
    let row = lines.next().unwrap();
    assert!(
        row.starts_with(&format!("2026-11-23,{:.2},", backward_s / 60.0)),
        "{row}"
    );
    e.cmd()
        .args(["export", "csv", "--segments"])
        .assert()
        .success();
    let seg = std::fs::read_to_string(e.path("retrowalk-segments.csv")).unwrap();
    assert!(seg
        .lines()
        .any(|l| l.contains(",planned,") && l.contains(",backward,")));
    assert!(seg
        .lines()
        .any(|l| l.contains(",done,") && l.contains(",backward,")));
}

#[test]
fn ics_uids_are_stable_across_exports() {
    let e = env();
    let a = e.json(&[
        "export",
        "ics",
        "--date",
        "2026-11-30",
        "--weeks",
        "2",
        "-o",
        "a.ics",
    ]);
    let b = e.json(&[
        "export",
        "ics",
        "--date",
        "2026-11-30",
        "--weeks",
        "2",
        "--at",
        "07:30",
        "-o",
        "b.ics",
    ]);
    assert_eq!(a["events"], 6, "{a}");
    assert_eq!(a["uids"], b["uids"]);
    let text = std::fs::read_to_string(e.path("b.ics")).unwrap();
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 6);
    assert!(text.contains("DTSTART:20261130T073000\r\n"), "{text}");
    assert!(text.split("\r\n").all(|l| l.len() <= 75));
}

#[test]
fn exporting_with_nothing_logged_says_what_to_do() {
    let e = env();
    let out = e.cmd().args(["export", "fit"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no session logged yet"));
}

#[test]
fn import_without_answers_outside_a_terminal_names_the_flag() {
    let e = env();
    let (_, _) = walk_file(e.dir.path(), "w.fit", START);
    let out = e.cmd().args(["import", "w.fit"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing --effort"));
}
