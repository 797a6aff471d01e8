//! Reading TCX (Garmin TrainingCenterDatabase v2, also what FitTrackee exports): each
//! `Activity` is one entry. A retrowalk TCX marks its backward laps in the lap notes (see
//! [`crate::tcx`]); they come back as backward segments, so a re-import keeps its minutes.

use crate::fit::{Lap, Record};
use crate::incoming::{assemble, fingerprint, unix_time, walk_check, Incoming, Kind};
use roxmltree::{Document, Node};

fn child<'a, 'b>(n: Node<'a, 'b>, name: &str) -> Option<Node<'a, 'b>> {
    n.children().find(|c| c.tag_name().name() == name)
}

fn text_of(n: Node, name: &str) -> Option<String> {
    child(n, name)
        .and_then(|c| c.text())
        .map(|t| t.trim().to_string())
}

fn number(n: Node, name: &str) -> Option<f64> {
    text_of(n, name)?
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
}

fn bpm(n: Node, name: &str) -> Option<u8> {
    child(n, name)
        .and_then(|c| number(c, "Value"))
        .filter(|v| (1.0..=255.0).contains(v))
        .map(|v| v.round() as u8)
}

/// Speed in the ActivityExtension (`TPX/Speed`), whatever prefix the file gives it.
fn tpx_speed(n: Node) -> Option<f64> {
    n.descendants()
        .find(|d| d.tag_name().name() == "Speed")
        .and_then(|d| d.text())
        .and_then(|t| t.trim().parse().ok())
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)
}

/// The segment a lap's notes name, for notes retrowalk wrote.
fn segment_of(notes: &str) -> Option<&'static str> {
    const KINDS: [&str; 6] = [
        "backward",
        "warm_up",
        "cool_down",
        "turn",
        "forward_recovery",
        "stand_still",
    ];
    KINDS
        .into_iter()
        .find(|k| crate::tcx::segment_note(k) == notes)
}

pub(crate) fn activities(name: &str, bytes: &[u8]) -> Vec<Incoming> {
    let refuse = |label: &str, why: String| Incoming {
        label: label.to_string(),
        kind: Some(Kind::Tcx),
        fingerprint: 0,
        activity: Err(why),
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => return vec![refuse(name, "the TCX file is not UTF-8 text".into())],
    };
    let doc = match Document::parse(text) {
        Ok(d) => d,
        Err(e) => return vec![refuse(name, format!("not a readable TCX file: {e}"))],
    };
    let acts: Vec<Node> = doc
        .descendants()
        .filter(|n| {
            n.tag_name().name() == "Activity"
                && n.parent()
                    .is_some_and(|p| p.tag_name().name() == "Activities")
        })
        .collect();
    if acts.is_empty() {
        return vec![refuse(name, "the TCX file holds no activity".into())];
    }
    let n = acts.len();
    acts.into_iter()
        .enumerate()
        .map(|(i, act)| {
            let label = if n > 1 {
                format!("{name} (activity {} of {n})", i + 1)
            } else {
                name.to_string()
            };
            let id = text_of(act, "Id").unwrap_or_default();
            Incoming {
                label,
                kind: Some(Kind::Tcx),
                fingerprint: fingerprint(&format!("{id}/{i}/{}", bytes.len())),
                activity: one(act),
            }
        })
        .collect()
}

fn one(act: Node) -> Result<crate::fit::Activity, String> {
    // The schema's sports are Running, Biking and Other (walks are Other).
    let sport = match act.attribute("Sport").unwrap_or("Other") {
        "Running" => Some(1),
        "Biking" => Some(2),
        _ => None,
    };
    let mut laps = Vec::new();
    let mut records: Vec<Record> = Vec::new();
    let mut marked = false;
    for lap in act.children().filter(|c| c.tag_name().name() == "Lap") {
        let start = lap
            .attribute("StartTime")
            .and_then(unix_time)
            .ok_or("a lap has no readable StartTime")?;
        let total = number(lap, "TotalTimeSeconds").filter(|t| *t >= 0.0);
        let notes = text_of(lap, "Notes").unwrap_or_default();
        let segment = segment_of(&notes);
        marked |= segment.is_some();
        for pt in lap
            .descendants()
            .filter(|d| d.tag_name().name() == "Trackpoint")
        {
            let Some(time) = text_of(pt, "Time").as_deref().and_then(unix_time) else {
                continue;
            };
            records.push(Record {
                time,
                distance_m: number(pt, "DistanceMeters").filter(|d| *d >= 0.0),
                speed_mps: tpx_speed(pt),
                heart_rate: bpm(pt, "HeartRateBpm"),
                grade_pct: None,
            });
        }
        let end = start + total.unwrap_or(0.0).round() as i64;
        laps.push(Lap {
            start,
            end,
            elapsed_s: total,
            timer_s: total,
            distance_m: number(lap, "DistanceMeters").filter(|d| *d >= 0.0),
            max_speed_mps: number(lap, "MaximumSpeed").filter(|v| *v >= 0.0),
            calories: number(lap, "Calories")
                .filter(|c| (0.0..=65_535.0).contains(c))
                .map(|c| c as u16),
            avg_heart_rate: bpm(lap, "AverageHeartRateBpm"),
            max_heart_rate: bpm(lap, "MaximumHeartRateBpm"),
            segment: segment.map(str::to_string),
            ..Lap::default()
        });
    }
    if laps.is_empty() {
        return Err("the activity has no laps".into());
    }
    if marked {
        // A retrowalk file: laps whose notes name no segment are not backward bouts.
        for l in &mut laps {
            l.segment.get_or_insert_with(|| "other".into());
        }
    }
    for l in &mut laps {
        if let Some(d) = l.distance_m {
            let t = l.timer_s.unwrap_or(0.0);
            l.avg_speed_mps = (t > 0.0).then(|| d / t);
        }
    }
    records.sort_by_key(|r| r.time);
    let a = assemble(records, laps);
    walk_check(sport, None, &a)?;
    Ok(a)
}
