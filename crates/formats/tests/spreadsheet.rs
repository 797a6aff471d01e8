//! CSV read back with the csv reader: headers name the units, rows hold the values.

use retrowalk_core::screening::{Requirements, Tier};
use retrowalk_core::session::build;
use retrowalk_core::{BodyMass, Incline, Load, RailUse, Speed, Units};
use retrowalk_formats::spreadsheet::{self, SessionRow};
use time::macros::date;

fn row() -> SessionRow {
    SessionRow {
        date: date!(2026 - 11 - 24),
        backward_min: 7.5,
        speed_kmh: Speed::from_mph(1.5).unwrap().kmh(),
        incline_pct: 0.0,
        rails: "light".into(),
        effort: 4,
        pain_before: 1,
        pain_during: 2,
        pain_after: 1,
        dizziness: false,
        near_fall: false,
        fall: false,
        stopped_early: None,
        decision: Some("progress".into()),
        reason: Some("Effort 4, pain 2: next time, 1 minute more, \"as planned\"".into()),
        total_min: Some(13.25),
        distance_m: Some(331.4),
        kcal: Some(38.04),
        source: Some("telemetry".into()),
    }
}

fn read(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (h, rows)
}

#[test]
fn sessions_in_mph_and_kmh() {
    let (h, rows) = read(&spreadsheet::sessions_csv(&[row()], Units::Mph).unwrap());
    assert_eq!(h[2], "speed_mph");
    assert_eq!(rows[0][0], "2026-11-24");
    assert_eq!(rows[0][1], "7.50");
    assert_eq!(rows[0][2], "1.50");
    assert_eq!(rows[0][14], row().reason.unwrap());
    // What happened, after the columns older spreadsheets already read by position.
    assert_eq!(&h[15..], ["total_min", "distance_m", "kcal", "source"]);
    assert_eq!(&rows[0][15..], ["13.25", "331", "38.0", "telemetry"]);
    let (h, rows) = read(&spreadsheet::sessions_csv(&[row()], Units::Kmh).unwrap());
    assert_eq!(h[2], "speed_kmh");
    assert_eq!(rows[0][2], "2.41");
}

#[test]
fn one_row_per_segment() {
    let load = Load {
        backward_s: 420,
        speed: Speed::from_mph(1.0).unwrap(),
        incline: Incline::FLAT,
        rails: RailUse::Light,
    };
    let plan = build(
        &load,
        Tier::Standard,
        Requirements::default(),
        Units::Kmh,
        BodyMass::from_kg(70.0).unwrap(),
    );
    let rows = spreadsheet::segment_rows(date!(2026 - 11 - 24), "planned", &plan);
    let (h, out) = read(&spreadsheet::segments_csv(&rows, Units::Kmh).unwrap());
    assert_eq!(
        h,
        [
            "date",
            "source",
            "segment",
            "kind",
            "label",
            "minutes",
            "speed_kmh",
            "incline_pct",
            "rails"
        ]
    );
    assert_eq!(out.len(), plan.segments.len());
    let backward: Vec<_> = out.iter().filter(|r| r[3] == "backward").collect();
    assert_eq!(backward.len(), 2);
    assert_eq!(backward[0][5], "3.50");
    assert_eq!(backward[0][6], "1.61");
    assert_eq!(out[0][3], "warm_up");
}
