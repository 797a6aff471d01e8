//! TCX (Garmin TrainingCenterDatabase v2) export of an activity.
//!
//! The schema's sports are Running, Biking and Other; walking is not among them, so a
//! backward treadmill walk is written as `Other` (calling it Running would skew pace,
//! calorie and training-load figures in the tools that read it). The schema's lap
//! intensities are only Active and Resting, so each lap's `Notes` says what the segment
//! was, starting with `BACKWARD` for the backward bouts. Speed rides in the ActivityExtension
//! `TPX` element, which the schema admits under `Extensions`.

use crate::fit::{Activity, Intensity, Lap, LapTrigger, Record};
use crate::xml::{escape_into, utc};
use std::fmt::Write;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2" xsi:schemaLocation="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2 http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd">
"#;

/// How a segment kind reads in a lap's notes.
pub fn segment_note(segment: &str) -> String {
    match segment {
        "backward" => "BACKWARD: backward walking bout".into(),
        "warm_up" => "Forward warm-up".into(),
        "cool_down" => "Forward cool-down".into(),
        "turn" => "Turn around at the lowest belt speed".into(),
        "forward_recovery" => "Forward recovery walking".into(),
        "stand_still" => "Belt stopped: standing still".into(),
        other => other.replace('_', " "),
    }
}

/// Writes the activity as a TCX document. `notes` go on the activity.
pub fn write(a: &Activity, notes: &str) -> String {
    let mut out = String::with_capacity(1024 + a.records.len() * 200);
    out.push_str(HEAD);
    out.push_str("  <Activities>\n    <Activity Sport=\"Other\">\n      <Id>");
    let start = a.start().unwrap_or(crate::fit::FIT_EPOCH_UNIX);
    utc(&mut out, start);
    out.push_str("</Id>\n");
    let fallback;
    let laps: &[Lap] = if a.laps.is_empty() {
        // The schema needs at least one lap.
        let s = crate::fit::summarise(&[], &a.records);
        fallback = [Lap {
            start: s.start,
            end: s.end,
            elapsed_s: Some((s.end - s.start) as f64),
            distance_m: a.records.last().and_then(|r| r.distance_m),
            max_speed_mps: s.max_speed_mps,
            ..Lap::default()
        }];
        &fallback
    } else {
        &a.laps
    };
    let n = laps.len();
    for (i, lap) in laps.iter().enumerate() {
        // Records belong to the lap whose [start, end) holds them; the last lap keeps
        // its end point too.
        let last = i + 1 == n;
        let pts = a
            .records
            .iter()
            .filter(|r| r.time >= lap.start && (r.time < lap.end || (last && r.time == lap.end)));
        write_lap(&mut out, lap, pts);
    }
    if !notes.is_empty() {
        out.push_str("      <Notes>");
        escape_into(&mut out, notes);
        out.push_str("</Notes>\n");
    }
    out.push_str("    </Activity>\n  </Activities>\n</TrainingCenterDatabase>\n");
    out
}

fn write_lap<'a>(out: &mut String, lap: &Lap, pts: impl Iterator<Item = &'a Record>) {
    out.push_str("      <Lap StartTime=\"");
    utc(out, lap.start);
    let total = lap
        .timer_s
        .or(lap.elapsed_s)
        .unwrap_or((lap.end - lap.start).max(0) as f64);
    let _ = write!(
        out,
        "\">\n        <TotalTimeSeconds>{total:.3}</TotalTimeSeconds>\n        <DistanceMeters>{:.2}</DistanceMeters>\n",
        lap.distance_m.unwrap_or(0.0)
    );
    if let Some(v) = lap.max_speed_mps {
        let _ = writeln!(out, "        <MaximumSpeed>{v:.3}</MaximumSpeed>");
    }
    let _ = writeln!(
        out,
        "        <Calories>{}</Calories>",
        lap.calories.unwrap_or(0)
    );
    for (tag, v) in [
        ("AverageHeartRateBpm", lap.avg_heart_rate),
        ("MaximumHeartRateBpm", lap.max_heart_rate),
    ] {
        if let Some(h) = v.filter(|h| *h > 0) {
            let _ = writeln!(out, "        <{tag}><Value>{h}</Value></{tag}>");
        }
    }
    let intensity = match lap.intensity {
        Some(Intensity::Rest) => "Resting",
        _ => "Active",
    };
    let trigger = match lap.trigger {
        Some(LapTrigger::Distance) => "Distance",
        Some(LapTrigger::Manual) => "Manual",
        _ => "Time",
    };
    let _ = write!(
        out,
        "        <Intensity>{intensity}</Intensity>\n        <TriggerMethod>{trigger}</TriggerMethod>\n"
    );
    let mut pts = pts.peekable();
    if pts.peek().is_some() {
        out.push_str("        <Track>\n");
        for r in pts {
            out.push_str("          <Trackpoint>\n            <Time>");
            utc(out, r.time);
            out.push_str("</Time>\n");
            if let Some(d) = r.distance_m {
                let _ = writeln!(out, "            <DistanceMeters>{d:.2}</DistanceMeters>");
            }
            if let Some(h) = r.heart_rate.filter(|h| *h > 0) {
                let _ = writeln!(
                    out,
                    "            <HeartRateBpm><Value>{h}</Value></HeartRateBpm>"
                );
            }
            if let Some(v) = r.speed_mps {
                let _ = writeln!(out, "            <Extensions><ns3:TPX><ns3:Speed>{v:.3}</ns3:Speed></ns3:TPX></Extensions>");
            }
            out.push_str("          </Trackpoint>\n");
        }
        out.push_str("        </Track>\n");
    }
    if let Some(s) = &lap.segment {
        out.push_str("        <Notes>");
        escape_into(out, &segment_note(s));
        out.push_str("</Notes>\n");
    }
    out.push_str("      </Lap>\n");
}
