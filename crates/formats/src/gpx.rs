//! Reading GPX 1.1 (Strava, FitTrackee and most apps export it): each track is one entry.
//! A treadmill GPX often has no positions; then the records carry time and heart rate only.

use crate::fit::Record;
use crate::incoming::{assemble, fingerprint, unix_time, walk_check, Incoming, Kind};
use roxmltree::{Document, Node};

fn child<'a, 'b>(n: Node<'a, 'b>, name: &str) -> Option<Node<'a, 'b>> {
    n.children().find(|c| c.tag_name().name() == name)
}

/// Metres between two positions on a sphere the size of the Earth (haversine).
fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().min(1.0).asin()
}

/// The sport a track's free-text `type` names, as FIT numbers it; None for walks and for
/// types this does not know (the speed check still applies).
fn sport_of(kind: &str) -> Option<u8> {
    let k = kind.to_ascii_lowercase();
    let has = |w: &[&str]| w.iter().any(|x| k.contains(x));
    if has(&["walk", "treadmill"]) {
        None
    } else if has(&["run", "jog"]) {
        Some(1)
    } else if has(&["cycl", "bik", "ride"]) {
        Some(2)
    } else if has(&["swim"]) {
        Some(5)
    } else if has(&["ski"]) {
        Some(12)
    } else if has(&["row", "kayak", "canoe"]) {
        Some(15)
    } else if has(&["hik"]) {
        Some(17)
    } else {
        None
    }
}

pub(crate) fn activities(name: &str, bytes: &[u8]) -> Vec<Incoming> {
    let refuse = |why: String| Incoming {
        label: name.to_string(),
        kind: Some(Kind::Gpx),
        fingerprint: 0,
        activity: Err(why),
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => return vec![refuse("the GPX file is not UTF-8 text".into())],
    };
    let doc = match Document::parse(text) {
        Ok(d) => d,
        Err(e) => return vec![refuse(format!("not a readable GPX file: {e}"))],
    };
    let tracks: Vec<Node> = doc
        .root_element()
        .children()
        .filter(|n| n.tag_name().name() == "trk")
        .collect();
    if tracks.is_empty() {
        return vec![refuse("the GPX file holds no track".into())];
    }
    let n = tracks.len();
    tracks
        .into_iter()
        .enumerate()
        .map(|(i, trk)| {
            let label = if n > 1 {
                format!("{name} (track {} of {n})", i + 1)
            } else {
                name.to_string()
            };
            let first_time = trk
                .descendants()
                .find(|d| d.tag_name().name() == "time")
                .and_then(|t| t.text())
                .unwrap_or_default();
            Incoming {
                label,
                kind: Some(Kind::Gpx),
                fingerprint: fingerprint(&format!("{first_time}/{i}/{}", bytes.len())),
                activity: one(trk),
            }
        })
        .collect()
}

fn one(trk: Node) -> Result<crate::fit::Activity, String> {
    let sport = child(trk, "type").and_then(|t| t.text()).and_then(sport_of);
    let mut records: Vec<Record> = Vec::new();
    let mut last: Option<(f64, f64)> = None;
    let mut distance = 0.0;
    for pt in trk.descendants().filter(|d| d.tag_name().name() == "trkpt") {
        let Some(time) = child(pt, "time").and_then(|t| t.text()).and_then(unix_time) else {
            continue;
        };
        let pos = pt
            .attribute("lat")
            .and_then(|v| v.parse::<f64>().ok())
            .zip(pt.attribute("lon").and_then(|v| v.parse::<f64>().ok()))
            .filter(|(la, lo)| la.abs() <= 90.0 && lo.abs() <= 180.0);
        if let (Some(a), Some(b)) = (last, pos) {
            distance += metres(a, b);
        }
        if pos.is_some() {
            last = pos;
        }
        let hr = pt
            .descendants()
            .find(|d| d.tag_name().name() == "hr")
            .and_then(|h| h.text())
            .and_then(|t| t.trim().parse::<u16>().ok())
            .and_then(|h| u8::try_from(h).ok())
            .filter(|h| *h > 0);
        records.push(Record {
            time,
            distance_m: pos.map(|_| distance),
            speed_mps: None,
            heart_rate: hr,
            grade_pct: None,
        });
    }
    if records.is_empty() {
        return Err("the track has no timed points".into());
    }
    records.sort_by_key(|r| r.time);
    // Speeds from the distance covered between points, for the telemetry charts.
    for i in 1..records.len() {
        let (a, b) = (records[i - 1], records[i]);
        if let (Some(da), Some(db)) = (a.distance_m, b.distance_m) {
            let dt = (b.time - a.time) as f64;
            records[i].speed_mps = (dt > 0.0).then(|| (db - da).max(0.0) / dt);
        }
    }
    let a = assemble(records, Vec::new());
    walk_check(sport, None, &a)?;
    Ok(a)
}
