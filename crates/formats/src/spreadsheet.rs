//! CSV for spreadsheets: one row per logged session, and one row per segment (as
//! planned and as done). Numbers are in the person's units, named in the header.

use retrowalk_core::session::SessionPlan;
use retrowalk_core::Units;
use time::Date;

#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub date: Date,
    pub backward_min: f64,
    /// Backward speed walked, in km/h; written in the person's units.
    pub speed_kmh: f64,
    pub incline_pct: f64,
    pub rails: String,
    pub effort: u8,
    pub pain_before: u8,
    pub pain_during: u8,
    pub pain_after: u8,
    pub dizziness: bool,
    pub near_fall: bool,
    pub fall: bool,
    pub stopped_early: Option<String>,
    pub decision: Option<String>,
    pub reason: Option<String>,
    /// Every segment walked, warm-up and turns included (what happened, not the plan).
    pub total_min: Option<f64>,
    pub distance_m: Option<f64>,
    pub kcal: Option<f64>,
    /// Where the figures come from: telemetry, imported, stopped or logged.
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRow {
    pub date: Date,
    /// `planned` or `done`.
    pub source: &'static str,
    pub index: usize,
    pub kind: String,
    pub label: String,
    pub duration_s: u32,
    pub speed_kmh: f64,
    pub incline_pct: f64,
    pub rails: String,
}

fn speed_header(units: Units) -> &'static str {
    match units {
        Units::Mph => "speed_mph",
        Units::Kmh => "speed_kmh",
    }
}

fn speed(units: Units, kmh: f64) -> String {
    let v = match units {
        Units::Mph => kmh / retrowalk_core::units::KMH_PER_MPH,
        Units::Kmh => kmh,
    };
    format!("{v:.2}")
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<String, csv::Error> {
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    String::from_utf8(bytes)
        .map_err(|e| csv::Error::from(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

pub fn sessions_csv(rows: &[SessionRow], units: Units) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "date",
        "backward_min",
        speed_header(units),
        "incline_pct",
        "rails",
        "effort_0_10",
        "pain_before_0_10",
        "pain_during_0_10",
        "pain_after_0_10",
        "dizziness",
        "near_fall",
        "fall",
        "stopped_early",
        "decision",
        "reason",
        "total_min",
        "distance_m",
        "kcal",
        "source",
    ])?;
    for r in rows {
        w.write_record([
            r.date.to_string(),
            format!("{:.2}", r.backward_min),
            speed(units, r.speed_kmh),
            format!("{:.1}", r.incline_pct),
            r.rails.clone(),
            r.effort.to_string(),
            r.pain_before.to_string(),
            r.pain_during.to_string(),
            r.pain_after.to_string(),
            yes(r.dizziness).into(),
            yes(r.near_fall).into(),
            yes(r.fall).into(),
            r.stopped_early.clone().unwrap_or_default(),
            r.decision.clone().unwrap_or_default(),
            r.reason.clone().unwrap_or_default(),
            r.total_min.map(|m| format!("{m:.2}")).unwrap_or_default(),
            r.distance_m.map(|d| format!("{d:.0}")).unwrap_or_default(),
            r.kcal.map(|k| format!("{k:.1}")).unwrap_or_default(),
            r.source.clone().unwrap_or_default(),
        ])?;
    }
    finish(w)
}

/// One row per segment of a session plan.
pub fn segment_rows(date: Date, source: &'static str, plan: &SessionPlan) -> Vec<SegmentRow> {
    plan.segments
        .iter()
        .enumerate()
        .map(|(i, s)| SegmentRow {
            date,
            source,
            index: i + 1,
            kind: crate::snake(&s.kind),
            label: s.label.clone(),
            duration_s: s.duration_s,
            speed_kmh: s.speed.kmh(),
            incline_pct: s.incline.percent(),
            rails: crate::snake(&s.rails),
        })
        .collect()
}

pub fn segments_csv(rows: &[SegmentRow], units: Units) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "date",
        "source",
        "segment",
        "kind",
        "label",
        "minutes",
        speed_header(units),
        "incline_pct",
        "rails",
    ])?;
    for r in rows {
        w.write_record([
            r.date.to_string(),
            r.source.to_string(),
            r.index.to_string(),
            r.kind.clone(),
            r.label.clone(),
            format!("{:.2}", r.duration_s as f64 / 60.0),
            speed(units, r.speed_kmh),
            format!("{:.1}", r.incline_pct),
            r.rails.clone(),
        ])?;
    }
    finish(w)
}
