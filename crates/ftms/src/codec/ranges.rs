//! Supported Speed Range (0x2AD4) and Supported Inclination Range (0x2AD5).

use super::reader::Reader;
use super::{names, DecodeError, EncodeError};
use crate::model::Range;

fn check_order(characteristic: &'static str, min: f64, max: f64) -> Result<(), DecodeError> {
    if min > max {
        return Err(DecodeError::Invalid {
            characteristic,
            field: "range",
            detail: format!("minimum {min} is above maximum {max}"),
        });
    }
    Ok(())
}

/// `u16 min, u16 max, u16 step`, all 0.01 km/h → a [`Range`] in km/h. A minimum above the
/// maximum is rejected: clamping against such a range would be meaningless.
pub fn decode_speed_range(bytes: &[u8]) -> Result<Range, DecodeError> {
    let c = names::SPEED_RANGE;
    if bytes.is_empty() {
        return Err(DecodeError::Empty { characteristic: c });
    }
    let mut r = Reader::new(c, bytes);
    let min = f64::from(r.u16("minimum speed")?) / 100.0;
    let max = f64::from(r.u16("maximum speed")?) / 100.0;
    let step = f64::from(r.u16("minimum increment")?) / 100.0;
    check_order(c, min, max)?;
    Ok(Range { min, max, step })
}

/// `s16 min, s16 max, u16 step`, all 0.1 % → a [`Range`] in percent (the minimum may be
/// negative, e.g. −6 % on an adidas T-800).
pub fn decode_inclination_range(bytes: &[u8]) -> Result<Range, DecodeError> {
    let c = names::INCLINATION_RANGE;
    if bytes.is_empty() {
        return Err(DecodeError::Empty { characteristic: c });
    }
    let mut r = Reader::new(c, bytes);
    let min = f64::from(r.i16("minimum inclination")?) / 10.0;
    let max = f64::from(r.i16("maximum inclination")?) / 10.0;
    let step = f64::from(r.u16("minimum increment")?) / 10.0;
    check_order(c, min, max)?;
    Ok(Range { min, max, step })
}

pub(crate) fn to_u16(field: &'static str, value: f64, scale: f64) -> Result<u16, EncodeError> {
    let raw = (value * scale).round();
    if !(0.0..=f64::from(u16::MAX)).contains(&raw) {
        return Err(EncodeError::OutOfRange {
            field,
            value,
            min: 0.0,
            max: f64::from(u16::MAX) / scale,
        });
    }
    Ok(raw as u16)
}

pub(crate) fn to_i16(field: &'static str, value: f64, scale: f64) -> Result<i16, EncodeError> {
    let raw = (value * scale).round();
    if !(f64::from(i16::MIN)..=f64::from(i16::MAX)).contains(&raw) {
        return Err(EncodeError::OutOfRange {
            field,
            value,
            min: f64::from(i16::MIN) / scale,
            max: f64::from(i16::MAX) / scale,
        });
    }
    Ok(raw as i16)
}

fn pack(a: [u8; 2], b: [u8; 2], c: [u8; 2]) -> [u8; 6] {
    [a[0], a[1], b[0], b[1], c[0], c[1]]
}

/// Encodes a speed range (rounded to the nearest 0.01 km/h); used by the simulator.
pub fn encode_speed_range(range: &Range) -> Result<[u8; 6], EncodeError> {
    Ok(pack(
        to_u16("minimum speed", range.min, 100.0)?.to_le_bytes(),
        to_u16("maximum speed", range.max, 100.0)?.to_le_bytes(),
        to_u16("speed increment", range.step, 100.0)?.to_le_bytes(),
    ))
}

/// Encodes an inclination range (rounded to the nearest 0.1 %); used by the simulator.
pub fn encode_inclination_range(range: &Range) -> Result<[u8; 6], EncodeError> {
    Ok(pack(
        to_i16("minimum inclination", range.min, 10.0)?.to_le_bytes(),
        to_i16("maximum inclination", range.max, 10.0)?.to_le_bytes(),
        to_u16("inclination increment", range.step, 10.0)?.to_le_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Constructed from the specification, ftms-notes.md §3.
    #[test]
    fn speed_range_spec_example() {
        let r = decode_speed_range(&[0x64, 0x00, 0x40, 0x06, 0x0A, 0x00]).unwrap();
        assert_eq!(
            r,
            Range {
                min: 1.0,
                max: 16.0,
                step: 0.1
            }
        );
    }

    /// Constructed from the specification, ftms-notes.md §3.
    #[test]
    fn inclination_range_spec_example() {
        let r = decode_inclination_range(&[0x00, 0x00, 0x96, 0x00, 0x05, 0x00]).unwrap();
        assert_eq!(
            r,
            Range {
                min: 0.0,
                max: 15.0,
                step: 0.5
            }
        );
    }

    /// adidas T-800 reports −6 … 40 % (qdomyos-zwift issue #5113, ftms-notes.md §3 and §8.8).
    #[test]
    fn negative_minimum_inclination() {
        let bytes = encode_inclination_range(&Range {
            min: -6.0,
            max: 40.0,
            step: 1.0,
        })
        .unwrap();
        assert_eq!(bytes, [0xC4, 0xFF, 0x90, 0x01, 0x0A, 0x00]);
        let r = decode_inclination_range(&bytes).unwrap();
        assert_eq!(r.min, -6.0);
        assert_eq!(r.max, 40.0);
    }

    #[test]
    fn short_and_inverted_ranges_are_errors() {
        let err = decode_speed_range(&[0x64, 0x00, 0x40, 0x06, 0x0A]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Supported Speed Range: minimum increment needs 2 bytes but only 1 remain"
        );
        let err = decode_speed_range(&[0x40, 0x06, 0x64, 0x00, 0x0A, 0x00]).unwrap_err();
        assert!(
            err.to_string().contains("minimum 16 is above maximum 1"),
            "{err}"
        );
        assert!(decode_inclination_range(&[]).is_err());
    }

    #[test]
    fn encoding_refuses_unrepresentable_values() {
        assert!(encode_speed_range(&Range {
            min: -1.0,
            max: 5.0,
            step: 0.1
        })
        .is_err());
        assert!(encode_speed_range(&Range {
            min: 1.0,
            max: 700.0,
            step: 0.1
        })
        .is_err());
        assert!(encode_speed_range(&Range {
            min: 1.0,
            max: f64::NAN,
            step: 0.1
        })
        .is_err());
    }

    proptest! {
        #[test]
        fn speed_round_trip(a: u16, b: u16, step: u16) {
            let (lo, hi) = (a.min(b), a.max(b));
            let range = Range { min: f64::from(lo) / 100.0, max: f64::from(hi) / 100.0, step: f64::from(step) / 100.0 };
            prop_assert_eq!(decode_speed_range(&encode_speed_range(&range).unwrap()).unwrap(), range);
        }

        #[test]
        fn inclination_round_trip(a: i16, b: i16, step: u16) {
            let (lo, hi) = (a.min(b), a.max(b));
            let range = Range { min: f64::from(lo) / 10.0, max: f64::from(hi) / 10.0, step: f64::from(step) / 10.0 };
            prop_assert_eq!(decode_inclination_range(&encode_inclination_range(&range).unwrap()).unwrap(), range);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_speed_range(&bytes);
            let _ = decode_inclination_range(&bytes);
        }
    }
}
