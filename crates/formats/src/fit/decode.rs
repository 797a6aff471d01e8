//! Reads any FIT file: checks the header and file CRCs, follows definition messages
//! (either endianness, developer fields), compressed-timestamp headers and chained files,
//! skips messages it does not need, and fills an [`Activity`].

use super::profile::{self as p, mesg};
use super::{crc, Activity, Creator, FitError, Intensity, Lap, LapTrigger, Record, Session};
use super::{FIT_EPOCH_UNIX, SEGMENT_FIELD};

#[derive(Debug, Clone, Copy)]
struct Field {
    num: u8,
    size: u8,
    base: u8,
    off: usize,
}

#[derive(Debug, Clone, Copy)]
struct DevField {
    num: u8,
    index: u8,
    size: u8,
    off: usize,
}

#[derive(Debug, Default, Clone)]
struct Def {
    defined: bool,
    global: u16,
    big: bool,
    size: usize,
    fields: Vec<Field>,
    dev: Vec<DevField>,
    timestamp: Option<Field>,
}

#[derive(Debug, Clone, Copy)]
struct DevDesc {
    index: u8,
    num: u8,
    is_segment: bool,
}

/// A decoder keeps its definition tables between files, so decoding many files reuses
/// their memory; the output [`Activity`] can be reused the same way.
#[derive(Debug, Default)]
pub struct Decoder {
    defs: Vec<Def>,
    dev: Vec<DevDesc>,
}

/// Decodes a whole FIT file (or several chained ones) into a new activity.
pub fn decode(bytes: &[u8]) -> Result<Activity, FitError> {
    let mut out = Activity::default();
    Decoder::new().decode_into(bytes, &mut out)?;
    Ok(out)
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder {
            defs: vec![Def::default(); 16],
            dev: Vec::new(),
        }
    }

    /// Decodes `bytes` into `out`, which is cleared first but keeps its capacity.
    pub fn decode_into(&mut self, bytes: &[u8], out: &mut Activity) -> Result<(), FitError> {
        out.clear();
        let mut at = 0;
        loop {
            at += self.file(bytes, at, out)?;
            // Files may be chained; trailing zero padding is not another file.
            if bytes
                .get(at..)
                .is_none_or(|rest| rest.iter().all(|b| *b == 0))
            {
                return Ok(());
            }
        }
    }

    /// One file starting at `start`; returns its length.
    fn file(&mut self, all: &[u8], start: usize, out: &mut Activity) -> Result<usize, FitError> {
        let bytes = all.get(start..).unwrap_or_default();
        let have = bytes.len();
        let header = bytes.get(..12).ok_or(FitError::Truncated {
            what: "the file header",
            need: 12,
            have,
        })?;
        let hs = header[0] as usize;
        if hs < 12 {
            return Err(FitError::NotFit("the header is shorter than 12 bytes"));
        }
        if &header[8..12] != b".FIT" {
            return Err(FitError::NotFit("no \".FIT\" signature"));
        }
        let header = bytes.get(..hs).ok_or(FitError::Truncated {
            what: "the file header",
            need: hs,
            have,
        })?;
        if hs >= 14 {
            let found = u16::from_le_bytes([header[12], header[13]]);
            let computed = crc::crc16(&header[..12]);
            // A zero header CRC means "not computed", which the protocol allows.
            if found != 0 && found != computed {
                return Err(FitError::HeaderCrc { found, computed });
            }
        }
        let data_len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let total = hs
            .checked_add(data_len)
            .and_then(|n| n.checked_add(2))
            .ok_or(FitError::TooLarge(data_len))?;
        let file = bytes.get(..total).ok_or(FitError::Truncated {
            what: "the data and CRC the header announces",
            need: total,
            have,
        })?;
        let (body, crc_bytes) = file.split_at(total - 2);
        let found = u16::from_le_bytes([crc_bytes[0], crc_bytes[1]]);
        let computed = crc::crc16(body);
        if found != computed {
            return Err(FitError::FileCrc { found, computed });
        }
        for d in &mut self.defs {
            d.defined = false;
        }
        self.dev.clear();
        self.messages(&body[hs..], start + hs, out)?;
        Ok(total)
    }

    fn messages(&mut self, data: &[u8], base: usize, out: &mut Activity) -> Result<(), FitError> {
        let mut pos = 0;
        let mut last_ts: u32 = 0;
        while let Some(&h) = data.get(pos) {
            let at = base + pos;
            pos += 1;
            let (local, compressed) = if h & 0x80 != 0 {
                let offset = (h & 0x1F) as u32;
                let mut ts = (last_ts & !0x1F).wrapping_add(offset);
                if offset < (last_ts & 0x1F) {
                    ts = ts.wrapping_add(0x20);
                }
                last_ts = ts;
                ((h >> 5) & 0x03, Some(ts))
            } else if h & 0x40 != 0 {
                pos += self.definition(data, pos, at, h & 0x0F, h & 0x20 != 0)?;
                continue;
            } else {
                (h & 0x0F, None)
            };
            let def = &self.defs[local as usize];
            if !def.defined {
                return Err(FitError::UndefinedLocal { at, local });
            }
            let msg = data.get(pos..pos + def.size).ok_or(FitError::Truncated {
                what: "a data message",
                need: def.size,
                have: data.len() - pos,
            })?;
            pos += def.size;
            // A message's own timestamp (read once) wins and becomes the reference for
            // compressed headers that follow.
            let own = def
                .timestamp
                .and_then(|f| uint(&f, msg, def.big))
                .map(|t| t as u32);
            if let Some(t) = own {
                last_ts = t;
            }
            let time = own.or(compressed).unwrap_or(last_ts);
            match def.global {
                mesg::RECORD => out.records.push(record(def, msg, time)),
                mesg::LAP => out.laps.push(lap(def, msg, time, &self.dev)),
                mesg::SESSION => {
                    out.sessions_seen += 1;
                    if out.session.is_none() {
                        out.session = Some(session(def, msg, time));
                    }
                }
                mesg::FILE_ID => out.creator = creator(def, msg),
                mesg::ACTIVITY => {
                    let local = def
                        .fields
                        .iter()
                        .find(|f| f.num == p::activity::LOCAL_TIMESTAMP)
                        .and_then(|f| uint(f, msg, def.big));
                    // Time zones lie within a day of UTC; anything else is not an offset.
                    out.utc_offset_s = local
                        .map(|l| l as i64 - i64::from(time))
                        .filter(|o| o.abs() <= 86_400)
                        .map(|o| o as i32);
                }
                mesg::FIELD_DESCRIPTION => {
                    if let Some(d) = dev_desc(def, msg) {
                        self.dev.retain(|x| (x.index, x.num) != (d.index, d.num));
                        self.dev.push(d);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Reads a definition message; returns its length after the header byte.
    fn definition(
        &mut self,
        data: &[u8],
        pos: usize,
        at: usize,
        local: u8,
        has_dev: bool,
    ) -> Result<usize, FitError> {
        let have = data.len() - pos;
        let fixed = data.get(pos..pos + 5).ok_or(FitError::Truncated {
            what: "a definition message",
            need: 5,
            have,
        })?;
        let arch = fixed[1];
        if arch > 1 {
            return Err(FitError::BadArchitecture { at, arch });
        }
        let big = arch == 1;
        let global = if big {
            u16::from_be_bytes([fixed[2], fixed[3]])
        } else {
            u16::from_le_bytes([fixed[2], fixed[3]])
        };
        let n = fixed[4] as usize;
        let mut len = 5 + 3 * n;
        let fields = data.get(pos + 5..pos + len).ok_or(FitError::Truncated {
            what: "a definition message's fields",
            need: len,
            have,
        })?;
        let def = &mut self.defs[local as usize];
        def.defined = true;
        def.global = global;
        def.big = big;
        def.fields.clear();
        def.dev.clear();
        def.timestamp = None;
        let mut off = 0;
        for f in fields.chunks_exact(3) {
            let field = Field {
                num: f[0],
                size: f[1],
                base: f[2],
                off,
            };
            off += f[1] as usize;
            if field.num == p::TIMESTAMP {
                def.timestamp = Some(field);
            }
            def.fields.push(field);
        }
        if has_dev {
            let nd = *data.get(pos + len).ok_or(FitError::Truncated {
                what: "a definition message's developer fields",
                need: len + 1,
                have,
            })? as usize;
            let start = pos + len + 1;
            len += 1 + 3 * nd;
            let devs = data.get(start..pos + len).ok_or(FitError::Truncated {
                what: "a definition message's developer fields",
                need: len,
                have,
            })?;
            for f in devs.chunks_exact(3) {
                def.dev.push(DevField {
                    num: f[0],
                    size: f[1],
                    index: f[2],
                    off,
                });
                off += f[1] as usize;
            }
        }
        def.size = off;
        Ok(len)
    }
}

/// Size in bytes of a base type (by its number, the low five bits).
#[inline]
fn base_size(base: u8) -> usize {
    match base & 0x1F {
        0 | 1 | 2 | 7 | 0x0A | 0x0D => 1,
        3 | 4 | 0x0B => 2,
        5 | 6 | 8 | 0x0C => 4,
        _ => 8,
    }
}

/// A field's first element as raw bits, zero-extended; `None` if the field is shorter
/// than its base type or runs past the message. Arrays are read by their first element.
#[inline(always)]
fn raw(f: &Field, msg: &[u8], big: bool) -> Option<u64> {
    let n = base_size(f.base);
    if (f.size as usize) < n {
        return None;
    }
    let b = msg.get(f.off..f.off + n)?;
    // Fixed-size reads: a variable-length copy here cost a memmove call per field.
    Some(match (n, big) {
        (1, _) => u64::from(b[0]),
        (2, false) => u64::from(u16::from_le_bytes([b[0], b[1]])),
        (2, true) => u64::from(u16::from_be_bytes([b[0], b[1]])),
        (4, false) => u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        (4, true) => u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        (_, false) => u64::from_le_bytes(b.try_into().ok()?),
        (_, true) => u64::from_be_bytes(b.try_into().ok()?),
    })
}

/// Signed and floating-point base types.
#[inline]
fn is_signed(base: u8) -> bool {
    matches!(base & 0x1F, 1 | 3 | 5 | 0x0E | 8 | 9)
}

/// A signed or floating-point value from its bits, or `None` for the invalid marker.
#[inline]
fn signed(base: u8, v: u64) -> Option<f64> {
    match base & 0x1F {
        1 => Some(v as u8 as i8).filter(|x| *x != i8::MAX).map(f64::from),
        3 => Some(v as u16 as i16)
            .filter(|x| *x != i16::MAX)
            .map(f64::from),
        5 => Some(v as u32 as i32)
            .filter(|x| *x != i32::MAX)
            .map(f64::from),
        0x0E => Some(v as i64).filter(|x| *x != i64::MAX).map(|x| x as f64),
        8 => Some(f32::from_bits(v as u32))
            .filter(|x| x.is_finite())
            .map(f64::from),
        9 => Some(f64::from_bits(v)).filter(|x| x.is_finite()),
        _ => None,
    }
}

/// An unsigned (or enum, or byte) value, or `None` for the invalid marker, a string or an
/// unknown base type.
#[inline]
fn unsigned(base: u8, v: u64) -> Option<u64> {
    match base & 0x1F {
        0 | 2 | 0x0D => (v != 0xFF).then_some(v),
        4 => (v != 0xFFFF).then_some(v),
        6 => (v != 0xFFFF_FFFF).then_some(v),
        0x0F => (v != u64::MAX).then_some(v),
        // The "z" types mark invalid with zero.
        0x0A | 0x0B | 0x0C | 0x10 => (v != 0).then_some(v),
        _ => None,
    }
}

/// An unsigned (or enum) field's value, or `None` if it holds the invalid marker.
/// Signed types that hold a non-negative value still count.
#[inline]
fn uint(f: &Field, msg: &[u8], big: bool) -> Option<u64> {
    let v = raw(f, msg, big)?;
    if is_signed(f.base) {
        signed(f.base, v).filter(|x| *x >= 0.0).map(|x| x as u64)
    } else {
        unsigned(f.base, v)
    }
}

/// Any numeric field as a float, or `None` if invalid or not numeric.
#[inline]
fn num(f: &Field, msg: &[u8], big: bool) -> Option<f64> {
    let v = raw(f, msg, big)?;
    if is_signed(f.base) {
        signed(f.base, v)
    } else {
        unsigned(f.base, v).map(|x| x as f64)
    }
}

fn text(msg: &[u8], off: usize, size: usize) -> Option<String> {
    let b = msg.get(off..off + size)?;
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    (end > 0).then(|| String::from_utf8_lossy(&b[..end]).into_owned())
}

fn unix(t: u32) -> i64 {
    t as i64 + FIT_EPOCH_UNIX
}

fn record(def: &Def, msg: &[u8], time: u32) -> Record {
    let mut r = Record {
        time: unix(time),
        ..Record::default()
    };
    let mut speed = None;
    let mut enhanced = None;
    for f in &def.fields {
        match f.num {
            p::record::DISTANCE => r.distance_m = num(f, msg, def.big).map(|v| v / 100.0),
            p::record::SPEED => speed = num(f, msg, def.big),
            p::record::ENHANCED_SPEED => enhanced = num(f, msg, def.big),
            p::record::HEART_RATE => r.heart_rate = uint(f, msg, def.big).map(|v| v as u8),
            p::record::GRADE => r.grade_pct = num(f, msg, def.big).map(|v| v / 100.0),
            _ => {}
        }
    }
    r.speed_mps = enhanced.or(speed).map(|v| v / 1000.0);
    r
}

fn lap(def: &Def, msg: &[u8], time: u32, dev: &[DevDesc]) -> Lap {
    let mut l = Lap {
        end: unix(time),
        start: unix(time),
        ..Lap::default()
    };
    let (mut avg, mut max, mut eavg, mut emax) = (None, None, None, None);
    let big = def.big;
    for f in &def.fields {
        let n = || num(f, msg, big);
        let u = || uint(f, msg, big);
        match f.num {
            p::lap::START_TIME => {
                if let Some(t) = u() {
                    l.start = unix(t as u32);
                }
            }
            p::lap::TOTAL_ELAPSED_TIME => l.elapsed_s = n().map(|v| v / 1000.0),
            p::lap::TOTAL_TIMER_TIME => l.timer_s = n().map(|v| v / 1000.0),
            p::lap::TOTAL_DISTANCE => l.distance_m = n().map(|v| v / 100.0),
            p::lap::TOTAL_CALORIES => l.calories = u().map(|v| v as u16),
            p::lap::AVG_SPEED => avg = n(),
            p::lap::MAX_SPEED => max = n(),
            p::lap::ENHANCED_AVG_SPEED => eavg = n(),
            p::lap::ENHANCED_MAX_SPEED => emax = n(),
            p::lap::AVG_HEART_RATE => l.avg_heart_rate = u().map(|v| v as u8),
            p::lap::MAX_HEART_RATE => l.max_heart_rate = u().map(|v| v as u8),
            p::lap::INTENSITY => l.intensity = u().map(|v| Intensity::from_raw(v as u8)),
            p::lap::LAP_TRIGGER => l.trigger = u().map(|v| LapTrigger::from_raw(v as u8)),
            p::lap::WKT_STEP_INDEX => l.step_index = u().map(|v| v as u16),
            _ => {}
        }
    }
    l.avg_speed_mps = eavg.or(avg).map(|v| v / 1000.0);
    l.max_speed_mps = emax.or(max).map(|v| v / 1000.0);
    for d in &def.dev {
        let named = dev
            .iter()
            .any(|x| x.is_segment && x.index == d.index && x.num == d.num);
        if named {
            l.segment = text(msg, d.off, d.size as usize);
        }
    }
    l
}

fn session(def: &Def, msg: &[u8], time: u32) -> Session {
    let mut s = Session {
        end: unix(time),
        start: unix(time),
        ..Session::default()
    };
    let (mut avg, mut max, mut eavg, mut emax) = (None, None, None, None);
    let big = def.big;
    for f in &def.fields {
        let n = || num(f, msg, big);
        let u = || uint(f, msg, big);
        match f.num {
            p::session::START_TIME => {
                if let Some(t) = u() {
                    s.start = unix(t as u32);
                }
            }
            p::session::SPORT => s.sport = u().map(|v| v as u8),
            p::session::SUB_SPORT => s.sub_sport = u().map(|v| v as u8),
            p::session::TOTAL_ELAPSED_TIME => s.elapsed_s = n().map(|v| v / 1000.0),
            p::session::TOTAL_TIMER_TIME => s.timer_s = n().map(|v| v / 1000.0),
            p::session::TOTAL_DISTANCE => s.distance_m = n().map(|v| v / 100.0),
            p::session::TOTAL_CALORIES => s.calories = u().map(|v| v as u16),
            p::session::AVG_SPEED => avg = n(),
            p::session::MAX_SPEED => max = n(),
            p::session::ENHANCED_AVG_SPEED => eavg = n(),
            p::session::ENHANCED_MAX_SPEED => emax = n(),
            p::session::AVG_HEART_RATE => s.avg_heart_rate = u().map(|v| v as u8),
            p::session::MAX_HEART_RATE => s.max_heart_rate = u().map(|v| v as u8),
            p::session::NUM_LAPS => s.num_laps = u().map(|v| v as u16),
            _ => {}
        }
    }
    s.avg_speed_mps = eavg.or(avg).map(|v| v / 1000.0);
    s.max_speed_mps = emax.or(max).map(|v| v / 1000.0);
    s
}

fn creator(def: &Def, msg: &[u8]) -> Creator {
    let mut c = Creator::default();
    for f in &def.fields {
        let u = || uint(f, msg, def.big);
        match f.num {
            p::file_id::TYPE => c.file_type = u().map(|v| v as u8),
            p::file_id::MANUFACTURER => c.manufacturer = u().map(|v| v as u16),
            p::file_id::PRODUCT => c.product = u().map(|v| v as u16),
            p::file_id::SERIAL_NUMBER => c.serial = u().map(|v| v as u32),
            p::file_id::TIME_CREATED => c.time_created = u().map(|v| unix(v as u32)),
            p::file_id::PRODUCT_NAME if f.base & 0x1F == 7 => {
                c.product_name = text(msg, f.off, f.size as usize)
            }
            _ => {}
        }
    }
    c
}

fn dev_desc(def: &Def, msg: &[u8]) -> Option<DevDesc> {
    let (mut index, mut num, mut is_segment) = (None, None, false);
    for f in &def.fields {
        match f.num {
            p::field_description::DEVELOPER_DATA_INDEX => {
                index = uint(f, msg, def.big).map(|v| v as u8)
            }
            p::field_description::FIELD_DEFINITION_NUMBER => {
                num = uint(f, msg, def.big).map(|v| v as u8)
            }
            p::field_description::FIELD_NAME if f.base & 0x1F == 7 => {
                is_segment = text(msg, f.off, f.size as usize).as_deref() == Some(SEGMENT_FIELD)
            }
            _ => {}
        }
    }
    Some(DevDesc {
        index: index?,
        num: num?,
        is_segment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(base: u8, size: u8) -> Field {
        Field {
            num: 0,
            size,
            base,
            off: 0,
        }
    }

    #[test]
    fn unknown_base_types_read_as_no_value() {
        // Base types 0x11–0x1F do not exist; a file may still claim them. (Reading one
        // once recursed between the signed and unsigned readers until the stack ran out.)
        let msg = [1u8; 8];
        for base in 0x11..=0x1F {
            assert_eq!(uint(&field(base, 8), &msg, false), None, "base {base:#x}");
            assert_eq!(num(&field(base, 8), &msg, true), None, "base {base:#x}");
        }
    }

    #[test]
    fn every_width_reads_in_both_byte_orders_with_invalid_markers() {
        let le = [0x34, 0x12, 0, 0, 0, 0, 0, 0];
        let be = [0x12, 0x34, 0, 0, 0, 0, 0, 0];
        assert_eq!(uint(&field(0x84, 2), &le, false), Some(0x1234));
        assert_eq!(uint(&field(0x84, 2), &be, true), Some(0x1234));
        assert_eq!(uint(&field(0x84, 2), &[0xFF, 0xFF], false), None);
        assert_eq!(num(&field(0x83, 2), &[0xFE, 0xFF], false), Some(-2.0));
        assert_eq!(
            uint(&field(0x83, 2), &[0xFE, 0xFF], false),
            None,
            "negative"
        );
        assert_eq!(
            num(&field(0x85, 4), &[0, 0, 0, 0x80], false),
            Some(f64::from(i32::MIN))
        );
        let f = 1.5f32.to_be_bytes();
        assert_eq!(num(&field(0x88, 4), &f, true), Some(1.5));
        assert_eq!(uint(&field(0x86, 4), &[1, 0, 0, 0], false), Some(1));
        assert_eq!(
            uint(&field(0x8C, 4), &[0, 0, 0, 0], false),
            None,
            "uint32z zero"
        );
        let big = 0x0102_0304_0506_0708u64;
        assert_eq!(uint(&field(0x8F, 8), &big.to_be_bytes(), true), Some(big));
        assert_eq!(uint(&field(0x8F, 8), &big.to_le_bytes(), false), Some(big));
        // Too short for its type, or past the end of the message.
        assert_eq!(uint(&field(0x86, 2), &le, false), None);
        assert_eq!(uint(&field(0x86, 4), &le[..3], false), None);
        // Strings are not numbers.
        assert_eq!(num(&field(0x07, 4), b"abc\0", false), None);
    }
}
