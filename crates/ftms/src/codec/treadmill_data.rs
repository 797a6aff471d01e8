//! Treadmill Data (0x2ACD): `u16 flags` then the flagged fields in specification order.
//!
//! Leniency (decided from the real captures in ftms-notes.md §7–8):
//! * A field the flags announce but whose bytes are missing (Matrix treadmills send 20 bytes
//!   under flags that promise more) stops decoding there; everything before it is kept and the
//!   shortfall is reported in [`TreadmillDataPacket::truncated`]. Multi-field groups (energy,
//!   elevation, …) are read sub-field by sub-field, so a half-present group keeps its first
//!   sub-fields. [`decode_treadmill_data_strict`] turns that into an error instead.
//! * Reserved flag bits are not an error. Bit 13 with three trailing bytes (FitShow/KingSmith
//!   walking pads) is read as a step count; any other trailing bytes are counted and ignored.
//! * Values meaning "not available" become `None`: 0xFFFFFF distance, 0x7FFF inclination,
//!   ramp angle, force and power, 0xFF pace and energy per minute, 0xFFFF energy. Elevation
//!   gain treats both 0xFFFF and 0x7FFF as "not available" because Life Fitness machines send
//!   0x7FFF in that unsigned field.

use super::reader::{u24, Reader};
use super::{names, DecodeError, EncodeError};
use crate::model::TreadmillData;

/// The flags word. Bit 0 is inverted: clear means Instantaneous Speed IS present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreadmillFlags(pub u16);

impl TreadmillFlags {
    pub const MORE_DATA: u16 = 1 << 0;
    pub const AVERAGE_SPEED: u16 = 1 << 1;
    pub const TOTAL_DISTANCE: u16 = 1 << 2;
    pub const INCLINATION_AND_RAMP: u16 = 1 << 3;
    pub const ELEVATION_GAIN: u16 = 1 << 4;
    pub const INSTANTANEOUS_PACE: u16 = 1 << 5;
    pub const AVERAGE_PACE: u16 = 1 << 6;
    pub const EXPENDED_ENERGY: u16 = 1 << 7;
    pub const HEART_RATE: u16 = 1 << 8;
    pub const METABOLIC_EQUIVALENT: u16 = 1 << 9;
    pub const ELAPSED_TIME: u16 = 1 << 10;
    pub const REMAINING_TIME: u16 = 1 << 11;
    pub const FORCE_AND_POWER: u16 = 1 << 12;
    /// Reserved by the specification; walking pads set it and append a u24 step count.
    pub const STEP_COUNT_QUIRK: u16 = 1 << 13;

    pub fn has(&self, flag: u16) -> bool {
        self.0 & flag != 0
    }

    pub fn speed_present(&self) -> bool {
        !self.has(Self::MORE_DATA)
    }

    /// Which field groups the packet carries, with bit 0 meaning "speed present" (so the
    /// inverted bit no longer needs special cases when merging). Reserved bits 13-15 are left
    /// out: a walking pad repeats bit 13 in every part, which is not a repeated field.
    fn groups(&self) -> u16 {
        (self.0 & 0x1FFE) | u16::from(self.speed_present())
    }
}

/// One decoded notification, with what the lenient decoder had to overlook.
#[derive(Debug, Clone, PartialEq)]
pub struct TreadmillDataPacket {
    pub flags: TreadmillFlags,
    pub data: TreadmillData,
    /// The walking-pad step count appended after bit 13 (not part of the specification).
    pub step_count: Option<u32>,
    /// Bytes left over after every flagged field (and the step count) was read.
    pub trailing_bytes: usize,
    /// The first flagged field that did not fit; fields after it were not decoded.
    pub truncated: Option<DecodeError>,
}

fn na_u16(v: u16, na: u16) -> Option<u16> {
    (v != na).then_some(v)
}
fn na_i16(v: i16) -> Option<i16> {
    (v != i16::MAX).then_some(v)
}
fn elevation(v: u16) -> Option<f64> {
    (v != 0xFFFF && v != 0x7FFF).then(|| f64::from(v) / 10.0)
}

fn parse_fields(
    r: &mut Reader<'_>,
    flags: TreadmillFlags,
    d: &mut TreadmillData,
) -> Result<(), DecodeError> {
    type F = TreadmillFlags;
    if flags.speed_present() {
        d.speed_kmh =
            Some(f64::from(u16::from_le_bytes(r.flagged("instantaneous speed")?)) / 100.0);
    }
    if flags.has(F::AVERAGE_SPEED) {
        d.average_speed_kmh =
            Some(f64::from(u16::from_le_bytes(r.flagged("average speed")?)) / 100.0);
    }
    if flags.has(F::TOTAL_DISTANCE) {
        d.total_distance_m = Some(u24(r.flagged("total distance")?)).filter(|m| *m != 0xFF_FFFF);
    }
    if flags.has(F::INCLINATION_AND_RAMP) {
        d.inclination_percent =
            na_i16(i16::from_le_bytes(r.flagged("inclination")?)).map(|v| f64::from(v) / 10.0);
        d.ramp_angle_deg = na_i16(i16::from_le_bytes(r.flagged("ramp angle setting")?))
            .map(|v| f64::from(v) / 10.0);
    }
    if flags.has(F::ELEVATION_GAIN) {
        d.positive_elevation_m =
            elevation(u16::from_le_bytes(r.flagged("positive elevation gain")?));
        d.negative_elevation_m =
            elevation(u16::from_le_bytes(r.flagged("negative elevation gain")?));
    }
    if flags.has(F::INSTANTANEOUS_PACE) {
        let [p] = r.flagged("instantaneous pace")?;
        d.instantaneous_pace_km_per_min = (p != 0xFF).then(|| f64::from(p) / 10.0);
    }
    if flags.has(F::AVERAGE_PACE) {
        let [p] = r.flagged("average pace")?;
        d.average_pace_km_per_min = (p != 0xFF).then(|| f64::from(p) / 10.0);
    }
    if flags.has(F::EXPENDED_ENERGY) {
        d.total_energy_kcal = na_u16(u16::from_le_bytes(r.flagged("total energy")?), 0xFFFF);
        d.energy_per_hour_kcal = na_u16(u16::from_le_bytes(r.flagged("energy per hour")?), 0xFFFF);
        let [m] = r.flagged("energy per minute")?;
        d.energy_per_minute_kcal = (m != 0xFF).then_some(m);
    }
    if flags.has(F::HEART_RATE) {
        let [hr] = r.flagged("heart rate")?;
        d.heart_rate_bpm = Some(hr);
    }
    if flags.has(F::METABOLIC_EQUIVALENT) {
        let [met] = r.flagged("metabolic equivalent")?;
        d.metabolic_equivalent = Some(f64::from(met) / 10.0);
    }
    if flags.has(F::ELAPSED_TIME) {
        d.elapsed_s = Some(u16::from_le_bytes(r.flagged("elapsed time")?));
    }
    if flags.has(F::REMAINING_TIME) {
        d.remaining_s = Some(u16::from_le_bytes(r.flagged("remaining time")?));
    }
    if flags.has(F::FORCE_AND_POWER) {
        d.force_on_belt_n = na_i16(i16::from_le_bytes(r.flagged("force on belt")?));
        d.power_w = na_i16(i16::from_le_bytes(r.flagged("power output")?));
    }
    Ok(())
}

/// Lenient decode of one notification (see the module docs). Fails only when there is not
/// even a flags word.
pub fn decode_treadmill_data(bytes: &[u8]) -> Result<TreadmillDataPacket, DecodeError> {
    let c = names::TREADMILL_DATA;
    if bytes.is_empty() {
        return Err(DecodeError::Empty { characteristic: c });
    }
    let mut r = Reader::new(c, bytes);
    let flags = TreadmillFlags(r.u16("flags")?);
    let mut data = TreadmillData::default();
    let truncated = parse_fields(&mut r, flags, &mut data).err();
    let mut step_count = None;
    if truncated.is_none() && flags.has(TreadmillFlags::STEP_COUNT_QUIRK) && r.remaining() >= 3 {
        step_count = r.flagged::<3>("step count").ok().map(u24);
    }
    Ok(TreadmillDataPacket {
        flags,
        data,
        step_count,
        trailing_bytes: r.remaining(),
        truncated,
    })
}

/// Strict decode: any announced field that is missing, or any unexplained trailing byte, is
/// an error. The walking-pad step count after bit 13 is accepted.
pub fn decode_treadmill_data_strict(bytes: &[u8]) -> Result<TreadmillData, DecodeError> {
    let packet = decode_treadmill_data(bytes)?;
    if let Some(err) = packet.truncated {
        return Err(err);
    }
    if packet.trailing_bytes > 0 {
        return Err(DecodeError::TrailingBytes {
            characteristic: names::TREADMILL_DATA,
            extra: packet.trailing_bytes,
        });
    }
    Ok(packet.data)
}

fn scaled_u16(field: &'static str, v: f64, scale: f64) -> Result<[u8; 2], EncodeError> {
    super::ranges::to_u16(field, v, scale).map(u16::to_le_bytes)
}
fn scaled_i16(field: &'static str, v: f64, scale: f64) -> Result<[u8; 2], EncodeError> {
    super::ranges::to_i16(field, v, scale).map(i16::to_le_bytes)
}
fn scaled_u8(field: &'static str, v: f64, scale: f64) -> Result<u8, EncodeError> {
    let raw = (v * scale).round();
    if !(0.0..=255.0).contains(&raw) {
        return Err(EncodeError::OutOfRange {
            field,
            value: v,
            min: 0.0,
            max: 255.0 / scale,
        });
    }
    Ok(raw as u8)
}

/// The present fields as `(flag bit, bytes)` in specification order; paired fields absent
/// from `data` are written as "not available" when their partner is present.
fn fields(d: &TreadmillData) -> Result<Vec<(u16, Vec<u8>)>, EncodeError> {
    type F = TreadmillFlags;
    let mut out: Vec<(u16, Vec<u8>)> = Vec::new();
    if let Some(v) = d.speed_kmh {
        out.push((F::MORE_DATA, scaled_u16("speed", v, 100.0)?.to_vec()));
    }
    if let Some(v) = d.average_speed_kmh {
        out.push((
            F::AVERAGE_SPEED,
            scaled_u16("average speed", v, 100.0)?.to_vec(),
        ));
    }
    if let Some(m) = d.total_distance_m {
        if m > 0xFF_FFFF {
            return Err(EncodeError::OutOfRange {
                field: "total distance",
                value: f64::from(m),
                min: 0.0,
                max: f64::from(0xFF_FFFFu32),
            });
        }
        out.push((F::TOTAL_DISTANCE, m.to_le_bytes()[..3].to_vec()));
    }
    if d.inclination_percent.is_some() || d.ramp_angle_deg.is_some() {
        let mut b = Vec::with_capacity(4);
        let na = i16::MAX.to_le_bytes();
        b.extend(
            d.inclination_percent
                .map_or(Ok(na), |v| scaled_i16("inclination", v, 10.0))?,
        );
        b.extend(
            d.ramp_angle_deg
                .map_or(Ok(na), |v| scaled_i16("ramp angle", v, 10.0))?,
        );
        out.push((F::INCLINATION_AND_RAMP, b));
    }
    if d.positive_elevation_m.is_some() || d.negative_elevation_m.is_some() {
        let mut b = Vec::with_capacity(4);
        let na = u16::MAX.to_le_bytes();
        b.extend(
            d.positive_elevation_m
                .map_or(Ok(na), |v| scaled_u16("elevation gain", v, 10.0))?,
        );
        b.extend(
            d.negative_elevation_m
                .map_or(Ok(na), |v| scaled_u16("elevation loss", v, 10.0))?,
        );
        out.push((F::ELEVATION_GAIN, b));
    }
    if let Some(v) = d.instantaneous_pace_km_per_min {
        out.push((
            F::INSTANTANEOUS_PACE,
            vec![scaled_u8("instantaneous pace", v, 10.0)?],
        ));
    }
    if let Some(v) = d.average_pace_km_per_min {
        out.push((F::AVERAGE_PACE, vec![scaled_u8("average pace", v, 10.0)?]));
    }
    if d.total_energy_kcal.is_some()
        || d.energy_per_hour_kcal.is_some()
        || d.energy_per_minute_kcal.is_some()
    {
        let mut b = Vec::with_capacity(5);
        b.extend(d.total_energy_kcal.unwrap_or(0xFFFF).to_le_bytes());
        b.extend(d.energy_per_hour_kcal.unwrap_or(0xFFFF).to_le_bytes());
        b.push(d.energy_per_minute_kcal.unwrap_or(0xFF));
        out.push((F::EXPENDED_ENERGY, b));
    }
    if let Some(v) = d.heart_rate_bpm {
        out.push((F::HEART_RATE, vec![v]));
    }
    if let Some(v) = d.metabolic_equivalent {
        out.push((
            F::METABOLIC_EQUIVALENT,
            vec![scaled_u8("metabolic equivalent", v, 10.0)?],
        ));
    }
    if let Some(v) = d.elapsed_s {
        out.push((F::ELAPSED_TIME, v.to_le_bytes().to_vec()));
    }
    if let Some(v) = d.remaining_s {
        out.push((F::REMAINING_TIME, v.to_le_bytes().to_vec()));
    }
    if d.force_on_belt_n.is_some() || d.power_w.is_some() {
        let mut b = Vec::with_capacity(4);
        b.extend(d.force_on_belt_n.unwrap_or(i16::MAX).to_le_bytes());
        b.extend(d.power_w.unwrap_or(i16::MAX).to_le_bytes());
        out.push((F::FORCE_AND_POWER, b));
    }
    Ok(out)
}

fn packet(fields: &[(u16, Vec<u8>)], speed_present: bool) -> Vec<u8> {
    let mut flags =
        fields.iter().fold(0u16, |acc, (bit, _)| acc | bit) & !TreadmillFlags::MORE_DATA;
    if !speed_present {
        flags |= TreadmillFlags::MORE_DATA;
    }
    let mut out = flags.to_le_bytes().to_vec();
    for (_, bytes) in fields {
        out.extend_from_slice(bytes);
    }
    out
}

/// Encodes a whole record as one notification (up to 34 bytes). Values are rounded to the
/// nearest wire step; values the field cannot carry are an error. Without a speed the
/// "more data" bit is set, as the specification requires.
pub fn encode_treadmill_data(data: &TreadmillData) -> Result<Vec<u8>, EncodeError> {
    Ok(packet(&fields(data)?, data.speed_kmh.is_some()))
}

/// Encodes a record as notifications of at most `max_len` bytes (20 with the default ATT
/// MTU), the way a server splits a record that does not fit: every part but the last sets
/// "more data"; the speed travels in the last part. `max_len` below 7 is raised to 7 so the
/// largest field group (energy, 5 bytes) still fits next to the flags.
pub fn encode_treadmill_data_split(
    data: &TreadmillData,
    max_len: usize,
) -> Result<Vec<Vec<u8>>, EncodeError> {
    let capacity = max_len.max(7) - 2;
    let all = fields(data)?;
    let (speed, rest): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(bit, _)| *bit == TreadmillFlags::MORE_DATA);
    let mut parts: Vec<Vec<(u16, Vec<u8>)>> = Vec::new();
    let mut size = 0;
    for field in rest {
        match parts.last_mut() {
            Some(last) if size + field.1.len() <= capacity => {
                size += field.1.len();
                last.push(field);
            }
            _ => {
                size = field.1.len();
                parts.push(vec![field]);
            }
        }
    }
    if let Some(speed) = speed.into_iter().next() {
        match parts.last_mut() {
            Some(last) if size + speed.1.len() <= capacity => last.insert(0, speed),
            _ => parts.push(vec![speed]),
        }
    }
    if parts.is_empty() {
        parts.push(Vec::new());
    }
    let last = parts.len() - 1;
    Ok(parts
        .iter()
        .enumerate()
        .map(|(i, fields)| packet(fields, i == last && data.speed_kmh.is_some()))
        .collect())
}

/// Merges notifications into records. A record ends with the part that carries the speed
/// (flag bit 0 clear). Two safeguards for machines that never clear bit 0: a part that
/// repeats a field group already collected starts a new record (the collected one is
/// returned), and after [`TreadmillDataAssembler::MAX_PARTS`] parts the record is returned
/// as it is.
#[derive(Debug, Default)]
pub struct TreadmillDataAssembler {
    pending: TreadmillData,
    groups: u16,
    parts: usize,
    last_warning: Option<DecodeError>,
}

fn merge(into: &mut TreadmillData, from: TreadmillData) {
    macro_rules! take {
        ($($f:ident),*) => { $( if from.$f.is_some() { into.$f = from.$f; } )* };
    }
    take!(
        speed_kmh,
        average_speed_kmh,
        total_distance_m,
        inclination_percent,
        ramp_angle_deg,
        positive_elevation_m,
        negative_elevation_m,
        instantaneous_pace_km_per_min,
        average_pace_km_per_min,
        total_energy_kcal,
        energy_per_hour_kcal,
        energy_per_minute_kcal,
        heart_rate_bpm,
        metabolic_equivalent,
        elapsed_s,
        remaining_s,
        force_on_belt_n,
        power_w
    );
}

impl TreadmillDataAssembler {
    /// The largest legal record (34 bytes) needs 3 parts at the default MTU; one spare.
    pub const MAX_PARTS: usize = 4;

    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one notification. Returns a completed record when this part ends one. A part
    /// without even a flags word is an error and leaves the collected parts untouched.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Option<TreadmillData>, DecodeError> {
        let packet = decode_treadmill_data(bytes)?;
        if packet.truncated.is_some() {
            self.last_warning = packet.truncated.clone();
        }
        let groups = packet.flags.groups();
        let ends = packet.flags.speed_present();
        let mut out = None;
        if !ends && self.parts > 0 && self.groups & groups != 0 {
            out = self.flush();
        }
        merge(&mut self.pending, packet.data);
        self.groups |= groups;
        self.parts += 1;
        if ends || self.parts >= Self::MAX_PARTS {
            out = self.flush();
        }
        Ok(out)
    }

    /// Returns whatever has been collected (e.g. when the link closes) and starts afresh.
    pub fn flush(&mut self) -> Option<TreadmillData> {
        if self.parts == 0 {
            return None;
        }
        self.parts = 0;
        self.groups = 0;
        Some(std::mem::take(&mut self.pending))
    }

    /// The most recent truncation the lenient decoder overlooked, for logging.
    pub fn take_warning(&mut self) -> Option<DecodeError> {
        self.last_warning.take()
    }
}

#[cfg(test)]
mod tests;
