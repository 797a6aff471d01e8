//! Writes an [`Activity`] as a FIT activity file: header, file_id, developer field
//! description, device_info, timer start, records with laps at their end times, timer
//! stop, session, activity, and the file CRC.

use super::profile::{self as p, base, mesg};
use super::{crc, Activity, FitError, Lap, Record, Session, FIT_EPOCH_UNIX, SEGMENT_FIELD};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Write every message big-endian (FIT allows either; little is the norm).
    pub big_endian: bool,
    /// Write records with the 1-byte compressed-timestamp header where the gap allows.
    pub compressed_timestamps: bool,
}

/// Product number and name retrowalk writes in file_id and device_info.
pub const PRODUCT: u16 = 1;
pub const PRODUCT_NAME: &str = "retrowalk";
const NAME_LEN: u8 = 16;
const SEGMENT_LEN: u8 = 24;
const HEADER_LEN: usize = 14;

// Local message types. Compressed-timestamp headers can only name locals 0–3.
const L_RECORD: u8 = 0;
const L_RECORD_COMPRESSED: u8 = 1;
const L_LAP: u8 = 2;
const L_FILE_ID: u8 = 3;
const L_DEV_ID: u8 = 4;
const L_FIELD_DESC: u8 = 5;
const L_DEVICE_INFO: u8 = 6;
const L_EVENT: u8 = 7;
const L_SESSION: u8 = 8;
const L_ACTIVITY: u8 = 9;

const RECORD_FIELDS: [(u8, u8, u8); 6] = [
    (p::TIMESTAMP, 4, base::UINT32),
    (p::record::DISTANCE, 4, base::UINT32),
    (p::record::SPEED, 2, base::UINT16),
    (p::record::ENHANCED_SPEED, 4, base::UINT32),
    (p::record::HEART_RATE, 1, base::UINT8),
    (p::record::GRADE, 2, base::SINT16),
];

const LAP_FIELDS: [(u8, u8, u8); 20] = [
    (p::MESSAGE_INDEX, 2, base::UINT16),
    (p::TIMESTAMP, 4, base::UINT32),
    (p::lap::EVENT, 1, base::ENUM),
    (p::lap::EVENT_TYPE, 1, base::ENUM),
    (p::lap::START_TIME, 4, base::UINT32),
    (p::lap::TOTAL_ELAPSED_TIME, 4, base::UINT32),
    (p::lap::TOTAL_TIMER_TIME, 4, base::UINT32),
    (p::lap::TOTAL_DISTANCE, 4, base::UINT32),
    (p::lap::TOTAL_CALORIES, 2, base::UINT16),
    (p::lap::AVG_SPEED, 2, base::UINT16),
    (p::lap::MAX_SPEED, 2, base::UINT16),
    (p::lap::AVG_HEART_RATE, 1, base::UINT8),
    (p::lap::MAX_HEART_RATE, 1, base::UINT8),
    (p::lap::INTENSITY, 1, base::ENUM),
    (p::lap::LAP_TRIGGER, 1, base::ENUM),
    (p::lap::SPORT, 1, base::ENUM),
    (p::lap::SUB_SPORT, 1, base::ENUM),
    (p::lap::WKT_STEP_INDEX, 2, base::UINT16),
    (p::lap::ENHANCED_AVG_SPEED, 4, base::UINT32),
    (p::lap::ENHANCED_MAX_SPEED, 4, base::UINT32),
];

const SESSION_FIELDS: [(u8, u8, u8); 20] = [
    (p::MESSAGE_INDEX, 2, base::UINT16),
    (p::TIMESTAMP, 4, base::UINT32),
    (p::session::EVENT, 1, base::ENUM),
    (p::session::EVENT_TYPE, 1, base::ENUM),
    (p::session::START_TIME, 4, base::UINT32),
    (p::session::SPORT, 1, base::ENUM),
    (p::session::SUB_SPORT, 1, base::ENUM),
    (p::session::TOTAL_ELAPSED_TIME, 4, base::UINT32),
    (p::session::TOTAL_TIMER_TIME, 4, base::UINT32),
    (p::session::TOTAL_DISTANCE, 4, base::UINT32),
    (p::session::TOTAL_CALORIES, 2, base::UINT16),
    (p::session::AVG_SPEED, 2, base::UINT16),
    (p::session::MAX_SPEED, 2, base::UINT16),
    (p::session::AVG_HEART_RATE, 1, base::UINT8),
    (p::session::MAX_HEART_RATE, 1, base::UINT8),
    (p::session::FIRST_LAP_INDEX, 2, base::UINT16),
    (p::session::NUM_LAPS, 2, base::UINT16),
    (p::session::TRIGGER, 1, base::ENUM),
    (p::session::ENHANCED_AVG_SPEED, 4, base::UINT32),
    (p::session::ENHANCED_MAX_SPEED, 4, base::UINT32),
];

/// Encodes an activity into a new buffer.
pub fn encode(a: &Activity, opts: EncodeOptions) -> Result<Vec<u8>, FitError> {
    let mut out = Vec::new();
    encode_into(a, opts, &mut out)?;
    Ok(out)
}

/// Encodes an activity into `out` (cleared first), so a caller can reuse one buffer.
pub fn encode_into(a: &Activity, opts: EncodeOptions, out: &mut Vec<u8>) -> Result<(), FitError> {
    out.clear();
    // About 20 bytes a record; reserving up front keeps the hot loop free of reallocation.
    out.reserve(HEADER_LEN + 600 + a.records.len() * 20 + a.laps.len() * 100);
    out.extend_from_slice(&[0u8; HEADER_LEN]);
    let mut w = Writer {
        buf: out,
        big: opts.big_endian,
        defined: 0,
        last_ts: None,
    };
    let session = a
        .session
        .clone()
        .unwrap_or_else(|| super::summarise(&a.laps, &a.records));
    let start = fit_time("session start", session.start)?;
    let end = fit_time("session end", session.end)?;
    let created = fit_time(
        "time created",
        a.creator.time_created.unwrap_or(session.start),
    )?;

    w.file_id(a, created);
    let segments = a.laps.iter().any(|l| l.segment.is_some());
    if segments {
        w.developer_field();
    }
    w.device_info(a, start);
    w.event(start, p::event::START);

    let mut laps = a.laps.iter().enumerate().peekable();
    for r in &a.records {
        while let Some((i, lap)) = laps.next_if(|(_, l)| l.end <= r.time) {
            w.lap(i, lap, segments)?;
        }
        w.record(r, opts.compressed_timestamps)?;
    }
    for (i, lap) in laps {
        w.lap(i, lap, segments)?;
    }
    w.event(end, p::event::STOP_ALL);
    w.session(&session, end)?;
    w.activity(&session, end, a.utc_offset_s)?;

    let data_len = w.buf.len() - HEADER_LEN;
    let data_len = u32::try_from(data_len).map_err(|_| FitError::TooLarge(data_len))?;
    let mut header = [0u8; HEADER_LEN];
    header[0] = HEADER_LEN as u8;
    header[1] = 0x20; // protocol 2.0: needed for developer fields
    header[2..4].copy_from_slice(&2132u16.to_le_bytes()); // profile 21.32
    header[4..8].copy_from_slice(&data_len.to_le_bytes());
    header[8..12].copy_from_slice(b".FIT");
    let hcrc = crc::crc16(&header[..12]);
    header[12..14].copy_from_slice(&hcrc.to_le_bytes());
    w.buf[..HEADER_LEN].copy_from_slice(&header);
    let fcrc = crc::crc16(w.buf);
    w.buf.extend_from_slice(&fcrc.to_le_bytes());
    Ok(())
}

fn fit_time(what: &'static str, unix: i64) -> Result<u32, FitError> {
    unix.checked_sub(FIT_EPOCH_UNIX)
        .and_then(|t| u32::try_from(t).ok())
        .filter(|t| *t != u32::MAX)
        // Lazily: formatting the message for every record was a third of encoding time.
        .ok_or_else(|| FitError::OutOfRange {
            what,
            value: format!("Unix time {unix}"),
        })
}

/// A value scaled to an unsigned integer; `None` becomes FIT's "invalid" (all ones).
fn scaled(what: &'static str, v: Option<f64>, scale: f64, max: u64) -> Result<u64, FitError> {
    let Some(v) = v else { return Ok(max) };
    let s = (v * scale).round();
    if v.is_finite() && s >= 0.0 && s < max as f64 {
        Ok(s as u64)
    } else {
        Err(FitError::OutOfRange {
            what,
            value: v.to_string(),
        })
    }
}

/// A speed for the legacy 16-bit field: invalid when only the 32-bit one can hold it.
fn speed16(v: Option<f64>) -> u16 {
    v.map(|v| (v * 1000.0).round())
        .filter(|s| (0.0..65535.0).contains(s))
        .map_or(u16::MAX, |s| s as u16)
}

struct Writer<'a> {
    buf: &'a mut Vec<u8>,
    big: bool,
    defined: u16,
    last_ts: Option<u32>,
}

impl Writer<'_> {
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u16(&mut self, v: u16) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    fn u32(&mut self, v: u32) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    fn ts(&mut self, v: u32) {
        self.last_ts = Some(v);
        self.u32(v);
    }
    fn str(&mut self, s: &str, len: u8) {
        // Cut at a character boundary, leaving room for the terminating zero.
        let mut n = s.len().min(len as usize - 1);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        self.buf.extend_from_slice(&s.as_bytes()[..n]);
        self.buf.extend(std::iter::repeat_n(0u8, len as usize - n));
    }

    fn define(&mut self, local: u8, global: u16, fields: &[(u8, u8, u8)], dev: &[(u8, u8, u8)]) {
        if self.defined & (1 << local) != 0 {
            return;
        }
        self.defined |= 1 << local;
        let dev_flag = if dev.is_empty() { 0 } else { 0x20 };
        self.u8(0x40 | dev_flag | local);
        self.u8(0);
        self.u8(u8::from(self.big));
        self.u16(global);
        self.u8(fields.len() as u8);
        for &(num, size, base) in fields {
            self.buf.extend_from_slice(&[num, size, base]);
        }
        if !dev.is_empty() {
            self.u8(dev.len() as u8);
            for &(num, size, index) in dev {
                self.buf.extend_from_slice(&[num, size, index]);
            }
        }
    }

    fn file_id(&mut self, a: &Activity, created: u32) {
        self.define(
            L_FILE_ID,
            mesg::FILE_ID,
            &[
                (p::file_id::TYPE, 1, base::ENUM),
                (p::file_id::MANUFACTURER, 2, base::UINT16),
                (p::file_id::PRODUCT, 2, base::UINT16),
                (p::file_id::SERIAL_NUMBER, 4, base::UINT32Z),
                (p::file_id::TIME_CREATED, 4, base::UINT32),
                (p::file_id::PRODUCT_NAME, NAME_LEN, base::STRING),
            ],
            &[],
        );
        let c = &a.creator;
        self.u8(L_FILE_ID);
        self.u8(c.file_type.unwrap_or(p::file_id::ACTIVITY_FILE));
        self.u16(c.manufacturer.unwrap_or(p::file_id::DEVELOPMENT));
        self.u16(c.product.unwrap_or(PRODUCT));
        self.u32(c.serial.unwrap_or(0));
        self.u32(created);
        self.str(c.product_name.as_deref().unwrap_or(PRODUCT_NAME), NAME_LEN);
    }

    fn developer_field(&mut self) {
        self.define(
            L_DEV_ID,
            mesg::DEVELOPER_DATA_ID,
            &[
                (p::developer_data_id::APPLICATION_ID, 16, base::BYTE),
                (p::developer_data_id::DEVELOPER_DATA_INDEX, 1, base::UINT8),
            ],
            &[],
        );
        self.u8(L_DEV_ID);
        self.buf.extend_from_slice(b"retrowalk\0\0\0\0\0\0\0");
        self.u8(0);
        self.define(
            L_FIELD_DESC,
            mesg::FIELD_DESCRIPTION,
            &[
                (p::field_description::DEVELOPER_DATA_INDEX, 1, base::UINT8),
                (
                    p::field_description::FIELD_DEFINITION_NUMBER,
                    1,
                    base::UINT8,
                ),
                (p::field_description::FIT_BASE_TYPE_ID, 1, base::UINT8),
                (p::field_description::FIELD_NAME, NAME_LEN, base::STRING),
            ],
            &[],
        );
        self.u8(L_FIELD_DESC);
        self.u8(0);
        self.u8(0);
        self.u8(base::STRING);
        self.str(SEGMENT_FIELD, NAME_LEN);
    }

    fn device_info(&mut self, a: &Activity, ts: u32) {
        self.define(
            L_DEVICE_INFO,
            mesg::DEVICE_INFO,
            &[
                (p::TIMESTAMP, 4, base::UINT32),
                (p::device_info::DEVICE_INDEX, 1, base::UINT8),
                (p::device_info::MANUFACTURER, 2, base::UINT16),
                (p::device_info::SERIAL_NUMBER, 4, base::UINT32Z),
                (p::device_info::PRODUCT, 2, base::UINT16),
                (p::device_info::SOFTWARE_VERSION, 2, base::UINT16),
                (p::device_info::PRODUCT_NAME, NAME_LEN, base::STRING),
            ],
            &[],
        );
        let c = &a.creator;
        self.u8(L_DEVICE_INFO);
        self.ts(ts);
        self.u8(0); // the creator
        self.u16(c.manufacturer.unwrap_or(p::file_id::DEVELOPMENT));
        self.u32(c.serial.unwrap_or(0));
        self.u16(c.product.unwrap_or(PRODUCT));
        self.u16(10); // software 0.10
        self.str(c.product_name.as_deref().unwrap_or(PRODUCT_NAME), NAME_LEN);
    }

    fn event(&mut self, ts: u32, event_type: u8) {
        self.define(
            L_EVENT,
            mesg::EVENT,
            &[
                (p::TIMESTAMP, 4, base::UINT32),
                (p::event::EVENT, 1, base::ENUM),
                (p::event::EVENT_TYPE, 1, base::ENUM),
            ],
            &[],
        );
        self.u8(L_EVENT);
        self.ts(ts);
        self.u8(p::event::TIMER);
        self.u8(event_type);
    }

    fn record(&mut self, r: &Record, compress: bool) -> Result<(), FitError> {
        let ts = fit_time("record time", r.time)?;
        let distance = scaled("record distance", r.distance_m, 100.0, u32::MAX as u64)? as u32;
        let espeed = scaled("record speed", r.speed_mps, 1000.0, u32::MAX as u64)? as u32;
        let grade = match r.grade_pct {
            None => i16::MAX,
            Some(g) => {
                let s = (g * 100.0).round();
                if g.is_finite() && s >= i16::MIN as f64 && s < i16::MAX as f64 {
                    s as i16
                } else {
                    return Err(FitError::OutOfRange {
                        what: "record grade",
                        value: g.to_string(),
                    });
                }
            }
        };
        match self.last_ts {
            Some(last) if compress && ts >= last && ts - last < 32 => {
                self.define(L_RECORD_COMPRESSED, mesg::RECORD, &RECORD_FIELDS[1..], &[]);
                self.u8(0x80 | (L_RECORD_COMPRESSED << 5) | (ts & 0x1F) as u8);
                self.last_ts = Some(ts);
            }
            _ => {
                self.define(L_RECORD, mesg::RECORD, &RECORD_FIELDS, &[]);
                self.u8(L_RECORD);
                self.ts(ts);
            }
        }
        self.u32(distance);
        self.u16(speed16(r.speed_mps));
        self.u32(espeed);
        self.u8(r.heart_rate.unwrap_or(u8::MAX));
        self.u16(grade as u16);
        Ok(())
    }

    fn lap(&mut self, index: usize, l: &Lap, segments: bool) -> Result<(), FitError> {
        let dev: &[(u8, u8, u8)] = if segments {
            &[(0, SEGMENT_LEN, 0)]
        } else {
            &[]
        };
        self.define(L_LAP, mesg::LAP, &LAP_FIELDS, dev);
        let index = u16::try_from(index).map_err(|_| FitError::OutOfRange {
            what: "number of laps",
            value: index.to_string(),
        })?;
        let start = fit_time("lap start", l.start)?;
        let end = fit_time("lap end", l.end)?;
        let m32 = u32::MAX as u64;
        let elapsed = scaled("lap elapsed time", l.elapsed_s, 1000.0, m32)? as u32;
        let timer = scaled("lap timer time", l.timer_s, 1000.0, m32)? as u32;
        let distance = scaled("lap distance", l.distance_m, 100.0, m32)? as u32;
        let avg = scaled("lap average speed", l.avg_speed_mps, 1000.0, m32)? as u32;
        let max = scaled("lap maximum speed", l.max_speed_mps, 1000.0, m32)? as u32;
        self.u8(L_LAP);
        self.u16(index);
        self.ts(end);
        self.u8(p::event::LAP);
        self.u8(p::event::STOP);
        self.u32(start);
        self.u32(elapsed);
        self.u32(timer);
        self.u32(distance);
        self.u16(l.calories.unwrap_or(u16::MAX));
        self.u16(speed16(l.avg_speed_mps));
        self.u16(speed16(l.max_speed_mps));
        self.u8(l.avg_heart_rate.unwrap_or(u8::MAX));
        self.u8(l.max_heart_rate.unwrap_or(u8::MAX));
        self.u8(l.intensity.map_or(u8::MAX, |i| i.to_raw()));
        self.u8(l.trigger.map_or(u8::MAX, |t| t.to_raw()));
        self.u8(super::sport::WALKING);
        self.u8(super::sport::TREADMILL);
        self.u16(l.step_index.unwrap_or(u16::MAX));
        self.u32(avg);
        self.u32(max);
        if segments {
            self.str(l.segment.as_deref().unwrap_or(""), SEGMENT_LEN);
        }
        Ok(())
    }

    fn session(&mut self, s: &Session, end: u32) -> Result<(), FitError> {
        self.define(L_SESSION, mesg::SESSION, &SESSION_FIELDS, &[]);
        let start = fit_time("session start", s.start)?;
        let m32 = u32::MAX as u64;
        let elapsed = scaled("session elapsed time", s.elapsed_s, 1000.0, m32)? as u32;
        let timer = scaled("session timer time", s.timer_s, 1000.0, m32)? as u32;
        let distance = scaled("session distance", s.distance_m, 100.0, m32)? as u32;
        let avg = scaled("session average speed", s.avg_speed_mps, 1000.0, m32)? as u32;
        let max = scaled("session maximum speed", s.max_speed_mps, 1000.0, m32)? as u32;
        self.u8(L_SESSION);
        self.u16(0);
        self.ts(end);
        self.u8(p::event::SESSION);
        self.u8(p::event::STOP);
        self.u32(start);
        self.u8(s.sport.unwrap_or(u8::MAX));
        self.u8(s.sub_sport.unwrap_or(u8::MAX));
        self.u32(elapsed);
        self.u32(timer);
        self.u32(distance);
        self.u16(s.calories.unwrap_or(u16::MAX));
        self.u16(speed16(s.avg_speed_mps));
        self.u16(speed16(s.max_speed_mps));
        self.u8(s.avg_heart_rate.unwrap_or(u8::MAX));
        self.u8(s.max_heart_rate.unwrap_or(u8::MAX));
        self.u16(0);
        self.u16(s.num_laps.unwrap_or(u16::MAX));
        self.u8(0); // trigger: activity end
        self.u32(avg);
        self.u32(max);
        Ok(())
    }

    fn activity(&mut self, s: &Session, end: u32, offset: Option<i32>) -> Result<(), FitError> {
        self.define(
            L_ACTIVITY,
            mesg::ACTIVITY,
            &[
                (p::TIMESTAMP, 4, base::UINT32),
                (p::activity::TOTAL_TIMER_TIME, 4, base::UINT32),
                (p::activity::NUM_SESSIONS, 2, base::UINT16),
                (p::activity::TYPE, 1, base::ENUM),
                (p::activity::EVENT, 1, base::ENUM),
                (p::activity::EVENT_TYPE, 1, base::ENUM),
                (p::activity::LOCAL_TIMESTAMP, 4, base::UINT32),
            ],
            &[],
        );
        let timer = scaled("activity timer time", s.timer_s, 1000.0, u32::MAX as u64)? as u32;
        self.u8(L_ACTIVITY);
        self.ts(end);
        self.u32(timer);
        self.u16(1);
        self.u8(0); // manual
        self.u8(p::event::ACTIVITY);
        self.u8(p::event::STOP);
        // local_timestamp is a local date_time (seconds since the FIT epoch, local clock);
        // all ones is FIT's "invalid" when the offset is unknown.
        let local = offset
            .and_then(|o| u32::try_from(i64::from(end) + i64::from(o)).ok())
            .unwrap_or(u32::MAX);
        self.u32(local);
        Ok(())
    }
}
