//! FIT (Flexible and Interoperable Data Transfer), the binary format of Garmin and most
//! sports devices: an activity encoder and a decoder for any FIT file, written to the
//! published protocol. Both work on byte slices without per-field allocation.
//!
//! How retrowalk marks segments in a lap, so that any decoder shows them:
//! - `intensity`: backward bouts are `active`; the forward warm-up is `warmup`, the
//!   cool-down `cooldown`, turns and forward recovery `recovery`, standing still `rest`.
//! - `wkt_step_index`: the segment's position in the session plan.
//! - a developer field `segment` (string, on the lap) with the segment kind, e.g.
//!   `backward`, named in a `field_description` message so tools print it by name.

mod crc;
mod decode;
mod encode;
pub mod profile;
pub mod synthetic;

pub use crc::{crc16, update as crc16_update};
pub use decode::{decode, Decoder};
pub use encode::{encode, encode_into, EncodeOptions};

/// Seconds from the Unix epoch to the FIT epoch, 1989-12-31T00:00:00Z.
pub const FIT_EPOCH_UNIX: i64 = 631_065_600;

/// The developer field name that carries the segment kind on laps.
pub const SEGMENT_FIELD: &str = "segment";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FitError {
    #[error("not a FIT file: {0}")]
    NotFit(&'static str),
    #[error("the file is cut short: {what} needs {need} bytes but only {have} remain")]
    Truncated {
        what: &'static str,
        need: usize,
        have: usize,
    },
    #[error("the header is damaged: its CRC is {found:#06x} but its bytes give {computed:#06x}")]
    HeaderCrc { found: u16, computed: u16 },
    #[error("the file is damaged: its CRC is {found:#06x} but its bytes give {computed:#06x}")]
    FileCrc { found: u16, computed: u16 },
    #[error("message at byte {at} uses local type {local}, which was never defined")]
    UndefinedLocal { at: usize, local: u8 },
    #[error("definition at byte {at} has architecture {arch}, not 0 (little) or 1 (big endian)")]
    BadArchitecture { at: usize, arch: u8 },
    #[error("{what} is {value}, which FIT cannot hold")]
    OutOfRange { what: &'static str, value: String },
    #[error("the file is too large for FIT ({0} bytes of data)")]
    TooLarge(usize),
}

/// A lap's intensity (the FIT `intensity` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intensity {
    Active,
    Rest,
    Warmup,
    Cooldown,
    Recovery,
    Interval,
    Other,
    Unknown(u8),
}

impl Intensity {
    pub fn to_raw(self) -> u8 {
        match self {
            Intensity::Active => 0,
            Intensity::Rest => 1,
            Intensity::Warmup => 2,
            Intensity::Cooldown => 3,
            Intensity::Recovery => 4,
            Intensity::Interval => 5,
            Intensity::Other => 6,
            Intensity::Unknown(v) => v,
        }
    }
    pub fn from_raw(v: u8) -> Intensity {
        match v {
            0 => Intensity::Active,
            1 => Intensity::Rest,
            2 => Intensity::Warmup,
            3 => Intensity::Cooldown,
            4 => Intensity::Recovery,
            5 => Intensity::Interval,
            6 => Intensity::Other,
            v => Intensity::Unknown(v),
        }
    }
}

/// What ended a lap (the FIT `lap_trigger` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LapTrigger {
    Manual,
    Time,
    Distance,
    SessionEnd,
    Unknown(u8),
}

impl LapTrigger {
    pub fn to_raw(self) -> u8 {
        match self {
            LapTrigger::Manual => 0,
            LapTrigger::Time => 1,
            LapTrigger::Distance => 2,
            LapTrigger::SessionEnd => 7,
            LapTrigger::Unknown(v) => v,
        }
    }
    pub fn from_raw(v: u8) -> LapTrigger {
        match v {
            0 => LapTrigger::Manual,
            1 => LapTrigger::Time,
            2 => LapTrigger::Distance,
            7 => LapTrigger::SessionEnd,
            v => LapTrigger::Unknown(v),
        }
    }
}

/// Who made the file (`file_id`, with the creator's `device_info`).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Creator {
    pub manufacturer: Option<u16>,
    pub product: Option<u16>,
    pub serial: Option<u32>,
    pub product_name: Option<String>,
    /// Unix seconds.
    pub time_created: Option<i64>,
    /// The FIT `file` type: 4 is an activity.
    pub file_type: Option<u8>,
}

/// One `record` message. Times are Unix seconds; FIT holds whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Record {
    pub time: i64,
    pub distance_m: Option<f64>,
    pub speed_mps: Option<f64>,
    pub heart_rate: Option<u8>,
    pub grade_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Lap {
    /// Unix seconds.
    pub start: i64,
    /// Unix seconds: when the lap ended (its `timestamp`).
    pub end: i64,
    pub elapsed_s: Option<f64>,
    pub timer_s: Option<f64>,
    pub distance_m: Option<f64>,
    pub avg_speed_mps: Option<f64>,
    pub max_speed_mps: Option<f64>,
    pub calories: Option<u16>,
    pub avg_heart_rate: Option<u8>,
    pub max_heart_rate: Option<u8>,
    pub intensity: Option<Intensity>,
    pub trigger: Option<LapTrigger>,
    pub step_index: Option<u16>,
    /// The developer field [`SEGMENT_FIELD`]: retrowalk's segment kind.
    pub segment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Session {
    pub start: i64,
    pub end: i64,
    pub elapsed_s: Option<f64>,
    pub timer_s: Option<f64>,
    pub distance_m: Option<f64>,
    pub avg_speed_mps: Option<f64>,
    pub max_speed_mps: Option<f64>,
    pub calories: Option<u16>,
    pub avg_heart_rate: Option<u8>,
    pub max_heart_rate: Option<u8>,
    pub sport: Option<u8>,
    pub sub_sport: Option<u8>,
    pub num_laps: Option<u16>,
}

/// What an activity file says: what import needs and what export writes.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Activity {
    pub creator: Creator,
    pub records: Vec<Record>,
    pub laps: Vec<Lap>,
    /// The first `session` message (multi-sport files have more; retrowalk needs one).
    pub session: Option<Session>,
    pub sessions_seen: u32,
    /// The wearer's offset from UTC when the activity ended, from the `activity` message's
    /// `local_timestamp`: what turns the file's UTC times into the person's own dates.
    pub utc_offset_s: Option<i32>,
}

/// The FIT `file` type of an activity.
pub const FILE_ACTIVITY: u8 = 4;

/// The files of a chained FIT file, each header to CRC, in order; trailing zero padding is
/// not a file. A piece whose header is cut short or announces more than there is comes last,
/// whole, for the decoder to say what is wrong with it.
pub fn chained(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    // Stop at the end, or at zero padding after at least one file.
    while !rest.is_empty() && (out.is_empty() || !rest.iter().all(|b| *b == 0)) {
        let total = rest.get(4..8).and_then(|len| {
            let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
            usize::from(rest[0]).checked_add(len)?.checked_add(2)
        });
        match total {
            Some(t) if t <= rest.len() && rest[0] >= 12 => {
                out.push(&rest[..t]);
                rest = &rest[t..];
            }
            _ => {
                out.push(rest);
                break;
            }
        }
    }
    if out.is_empty() {
        out.push(bytes);
    }
    out
}

pub mod sport {
    pub const WALKING: u8 = 11;
    pub const TREADMILL: u8 = 1;
}

impl Activity {
    /// When the activity began: the session's start, else the first lap's or record's.
    pub fn start(&self) -> Option<i64> {
        self.session
            .as_ref()
            .map(|s| s.start)
            .or_else(|| self.laps.first().map(|l| l.start))
            .or_else(|| self.records.first().map(|r| r.time))
    }

    pub(crate) fn clear(&mut self) {
        self.creator = Creator::default();
        self.records.clear();
        self.laps.clear();
        self.session = None;
        self.sessions_seen = 0;
        self.utc_offset_s = None;
    }
}

/// The session summary of a set of laps and records, for writing a file.
pub fn summarise(laps: &[Lap], records: &[Record]) -> Session {
    let start = laps
        .first()
        .map(|l| l.start)
        .or_else(|| records.first().map(|r| r.time))
        .unwrap_or(FIT_EPOCH_UNIX);
    let end = laps
        .last()
        .map(|l| l.end)
        .or_else(|| records.last().map(|r| r.time))
        .unwrap_or(start);
    let sum = |f: fn(&Lap) -> Option<f64>| -> Option<f64> {
        laps.iter().map(f).try_fold(0.0, |a, v| v.map(|v| a + v))
    };
    let timer = sum(|l| l.timer_s);
    let distance = sum(|l| l.distance_m);
    let max_speed = laps
        .iter()
        .filter_map(|l| l.max_speed_mps)
        .chain(records.iter().filter_map(|r| r.speed_mps))
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    let hrs = records.iter().filter_map(|r| r.heart_rate);
    let (n, total) = hrs
        .clone()
        .fold((0u64, 0u64), |(n, t), h| (n + 1, t + h as u64));
    Session {
        start,
        end,
        elapsed_s: sum(|l| l.elapsed_s),
        timer_s: timer,
        avg_speed_mps: match (distance, timer) {
            (Some(d), Some(t)) if t > 0.0 => Some(d / t),
            _ => None,
        },
        distance_m: distance,
        max_speed_mps: max_speed,
        calories: laps
            .iter()
            .map(|l| l.calories.map(u32::from))
            .try_fold(0u32, |a, v| v.map(|v| a + v))
            .and_then(|c| u16::try_from(c).ok()),
        avg_heart_rate: (n > 0).then(|| ((total + n / 2) / n) as u8),
        max_heart_rate: hrs.max(),
        sport: Some(sport::WALKING),
        sub_sport: Some(sport::TREADMILL),
        num_laps: u16::try_from(laps.len()).ok(),
    }
}
