//! Activity files as people have them: FIT (chained or gzipped too), TCX from Garmin or
//! FitTrackee, GPX from Strava and most apps, and ZIP archives of them such as Garmin's
//! account export. One uploaded file becomes the activities it holds, each with a label and
//! either the activity or the reason it cannot be imported as a walk. Nothing is merged:
//! a chained FIT file or a TCX with two activities gives two entries.

use crate::fit::{self, Activity, Lap, Record};
use std::io::Read;

/// What an unsupported file is told.
pub const SUPPORTED: &str =
    "FIT (.fit or .fit.gz), TCX (.tcx), GPX (.gpx), or a ZIP archive of them such as Garmin's export";

/// Everything one upload may unpack to (ZIP and gzip bombs stop here).
pub const MAX_UNPACKED: usize = 64 << 20;
/// Activity files taken from one archive.
pub const MAX_ENTRIES: usize = 500;
/// Faster than this on average is not a walk, whatever the file calls it.
pub const MAX_WALK_KMH: f64 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Fit,
    Tcx,
    Gpx,
}

impl Kind {
    pub fn tag(self) -> &'static str {
        match self {
            Kind::Fit => "fit",
            Kind::Tcx => "tcx",
            Kind::Gpx => "gpx",
        }
    }
}

/// One activity found in an upload.
#[derive(Debug)]
pub struct Incoming {
    /// The file's name, with the archive entry or "(activity 2 of 3)" where that tells more.
    pub label: String,
    pub kind: Option<Kind>,
    /// A checksum of the activity's own bytes: with its start time, what tells a re-import.
    pub fingerprint: u16,
    pub activity: Result<Activity, String>,
}

/// The activities in the file `name` holding `bytes`, in the order the file has them.
pub fn unpack(name: &str, bytes: &[u8]) -> Vec<Incoming> {
    let mut out = Vec::new();
    let mut left = MAX_UNPACKED;
    unpack_into(name, bytes, 0, &mut left, &mut out);
    out
}

fn refused(label: &str, kind: Option<Kind>, reason: impl Into<String>) -> Incoming {
    Incoming {
        label: label.to_string(),
        kind,
        fingerprint: 0,
        activity: Err(reason.into()),
    }
}

#[derive(Debug, PartialEq)]
enum Format {
    Gzip,
    Zip,
    Fit,
    Tcx,
    Gpx,
    Unknown,
}

fn sniff(bytes: &[u8]) -> Format {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Format::Gzip;
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Format::Zip;
    }
    if bytes.len() >= 12 && &bytes[8..12] == b".FIT" {
        return Format::Fit;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]);
    if head.contains("<TrainingCenterDatabase") {
        Format::Tcx
    } else if head.contains("<gpx") {
        Format::Gpx
    } else {
        Format::Unknown
    }
}

/// Reads at most `left` bytes, or says the upload unpacks to too much.
fn bounded(r: impl Read, left: &mut usize) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    r.take(*left as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("the compressed data is damaged: {e}"))?;
    if buf.len() > *left {
        return Err(format!(
            "it unpacks to more than {} MiB, the most one upload may hold",
            MAX_UNPACKED >> 20
        ));
    }
    *left -= buf.len();
    Ok(buf)
}

fn unpack_into(name: &str, bytes: &[u8], depth: u8, left: &mut usize, out: &mut Vec<Incoming>) {
    match sniff(bytes) {
        Format::Gzip if depth < 3 => {
            match bounded(flate2::read::MultiGzDecoder::new(bytes), left) {
                Ok(inner) => {
                    let inner_name = name.strip_suffix(".gz").unwrap_or(name);
                    unpack_into(inner_name, &inner, depth + 1, left, out);
                }
                Err(e) => out.push(refused(name, None, e)),
            }
        }
        Format::Zip if depth < 3 => unzip(name, bytes, depth, left, out),
        Format::Gzip | Format::Zip => out.push(refused(
            name,
            None,
            "archives nested this deep are not read",
        )),
        Format::Fit => fit_activities(name, bytes, out),
        Format::Tcx => out.extend(crate::tcx_read::activities(name, bytes)),
        Format::Gpx => out.extend(crate::gpx::activities(name, bytes)),
        Format::Unknown => out.push(refused(
            name,
            None,
            format!("not an activity file retrowalk can read; it imports {SUPPORTED}"),
        )),
    }
}

/// Names an archive entry may have to be read: everything else in an account export
/// (settings, JSON summaries, photos) is passed over in silence.
fn is_activity_name(n: &str) -> bool {
    let n = n.to_ascii_lowercase();
    let n = n.strip_suffix(".gz").unwrap_or(&n);
    [".fit", ".tcx", ".gpx", ".zip"]
        .iter()
        .any(|e| n.ends_with(e))
}

fn unzip(name: &str, bytes: &[u8], depth: u8, left: &mut usize, out: &mut Vec<Incoming>) {
    let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            out.push(refused(
                name,
                None,
                format!("the ZIP archive cannot be read: {e}"),
            ));
            return;
        }
    };
    let before = out.len();
    let mut taken = 0usize;
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                out.push(refused(
                    &format!("{name} entry {}", i + 1),
                    None,
                    format!("cannot be read: {e}"),
                ));
                continue;
            }
        };
        let entry_name = match entry.name() {
            Ok(n) => n.to_string(),
            Err(e) => {
                out.push(refused(
                    &format!("{name} entry {}", i + 1),
                    None,
                    format!("its name cannot be read: {e}"),
                ));
                continue;
            }
        };
        let hidden = entry_name.starts_with("__MACOSX/")
            || entry_name
                .rsplit('/')
                .next()
                .is_some_and(|b| b.starts_with('.'));
        if entry.is_dir() || hidden || !is_activity_name(&entry_name) {
            continue;
        }
        let label = format!("{name}/{entry_name}");
        taken += 1;
        if taken > MAX_ENTRIES {
            out.push(refused(
                &label,
                None,
                format!("only the first {MAX_ENTRIES} activity files of an archive are read"),
            ));
            break;
        }
        match bounded(&mut entry, left) {
            Ok(inner) => unpack_into(&label, &inner, depth + 1, left, out),
            Err(e) => {
                out.push(refused(&label, None, e));
                break;
            }
        }
    }
    if out.len() == before {
        out.push(refused(
            name,
            None,
            format!("the archive holds no activity files; retrowalk imports {SUPPORTED}"),
        ));
    }
}

fn fit_activities(name: &str, bytes: &[u8], out: &mut Vec<Incoming>) {
    let pieces = fit::chained(bytes);
    let n = pieces.len();
    let mut decoder = fit::Decoder::new();
    for (i, piece) in pieces.into_iter().enumerate() {
        let label = if n > 1 {
            format!("{name} (activity {} of {n})", i + 1)
        } else {
            name.to_string()
        };
        // The CRC of a whole FIT file is always zero, so its stored CRC is the fingerprint.
        let fingerprint = piece
            .len()
            .checked_sub(2)
            .map_or(0, |k| fit::crc16(&piece[..k]));
        let mut act = Activity::default();
        let activity = decoder
            .decode_into(piece, &mut act)
            .map_err(|e| format!("not a readable FIT file: {e}"))
            .and_then(|()| {
                if let Some(t) = act.creator.file_type.filter(|t| *t != fit::FILE_ACTIVITY) {
                    return Err(format!("this FIT file is not an activity (file type {t})"));
                }
                if act.sessions_seen > 1 {
                    return Err(format!(
                        "this activity holds {} sessions (a multi-sport file); retrowalk imports one walk per activity, so it is not split or merged",
                        act.sessions_seen
                    ));
                }
                let s = act.session.as_ref();
                walk_check(
                    s.and_then(|s| s.sport),
                    s.and_then(|s| s.sub_sport),
                    &act,
                )?;
                Ok(act)
            });
        out.push(Incoming {
            label,
            kind: Some(Kind::Fit),
            fingerprint,
            activity,
        });
    }
}

/// FIT's sport and sub-sport, as a person would say them.
pub fn sport_name(sport: u8, sub: Option<u8>) -> String {
    let sub_name = match sub {
        Some(1) => Some("treadmill"),
        Some(5) => Some("spin"),
        Some(6) => Some("indoor cycling"),
        Some(14) => Some("indoor rowing"),
        Some(15) => Some("elliptical"),
        Some(58) => Some("virtual"),
        _ => None,
    };
    let name = match sport {
        0 => "a generic activity".to_string(),
        1 => "running".into(),
        2 => "cycling".into(),
        4 => "fitness equipment".into(),
        5 => "swimming".into(),
        10 => "training".into(),
        11 => "walking".into(),
        12 => "cross-country skiing".into(),
        13 => "alpine skiing".into(),
        15 => "rowing".into(),
        17 => "hiking".into(),
        s => format!("sport {s}"),
    };
    match sub_name {
        Some(s) => format!("{name} ({s})"),
        None => name,
    }
}

/// Whether an activity is something retrowalk may log as a walk: walking, a treadmill on
/// fitness equipment, or a file that says nothing of its sport; never a run, a ride or a
/// row, and never anything faster on average than a walk can be.
pub fn walk_check(sport: Option<u8>, sub: Option<u8>, a: &Activity) -> Result<(), String> {
    const WHAT: &str = "retrowalk imports walking and treadmill-walking activities only";
    match (sport, sub) {
        (None | Some(0) | Some(11), _) | (Some(4), Some(1)) => {}
        (Some(1), _) => {
            return Err(format!(
                "this is a run ({}): {WHAT}, and a run is not logged as backward walking",
                sport_name(1, sub)
            ))
        }
        (Some(s), _) => return Err(format!("this is {}: {WHAT}", sport_name(s, sub))),
    }
    speed_check(a)
}

/// The whole activity's average speed, from its summary or its records.
pub fn average_kmh(a: &Activity) -> Option<f64> {
    let from_session = a.session.as_ref().and_then(|s| {
        s.avg_speed_mps.or_else(|| {
            let t = s.timer_s.or(s.elapsed_s)?;
            (t > 0.0).then_some(s.distance_m? / t)
        })
    });
    let from_records = || {
        let first = a.records.iter().find(|r| r.distance_m.is_some())?;
        let last = a.records.iter().rev().find(|r| r.distance_m.is_some())?;
        let t = (last.time - first.time) as f64;
        let d = last.distance_m? - first.distance_m?;
        (t > 0.0).then_some(d / t)
    };
    from_session.or_else(from_records).map(|mps| mps * 3.6)
}

fn speed_check(a: &Activity) -> Result<(), String> {
    match average_kmh(a) {
        Some(v) if v > MAX_WALK_KMH => Err(format!(
            "it averages {v:.1} km/h, faster than any walk (over {MAX_WALK_KMH} km/h), so it is not imported as one"
        )),
        _ => Ok(()),
    }
}

/// A document's timestamps: RFC 3339, or without a zone (then UTC, as GPX says).
pub(crate) fn unix_time(s: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    time::OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| time::OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339))
        .ok()
        .map(|t| t.unix_timestamp())
}

/// The activity a list of records and laps makes, with the summary FIT would carry.
pub(crate) fn assemble(records: Vec<Record>, laps: Vec<Lap>) -> Activity {
    let mut session = fit::summarise(&laps, &records);
    if laps.is_empty() {
        // Without laps the summary's times come from the records.
        let span = (session.end - session.start).max(0) as f64;
        session.elapsed_s = Some(span);
        session.timer_s = Some(span);
        let d = |r: Option<&Record>| r.and_then(|r| r.distance_m);
        if let (Some(a), Some(b)) = (d(records.first()), d(records.last())) {
            session.distance_m = Some((b - a).max(0.0));
            session.avg_speed_mps = (span > 0.0).then(|| (b - a).max(0.0) / span);
        }
    }
    Activity {
        creator: fit::Creator {
            file_type: Some(fit::FILE_ACTIVITY),
            time_created: Some(session.start),
            ..fit::Creator::default()
        },
        records,
        laps,
        session: Some(session),
        sessions_seen: 1,
        utc_offset_s: None,
    }
}

/// A checksum of part of a document, for telling a re-import.
pub(crate) fn fingerprint(text: &str) -> u16 {
    fit::crc16(text.as_bytes())
}
