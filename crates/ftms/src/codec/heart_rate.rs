//! Heart Rate Measurement (0x2A37).

use super::reader::Reader;
use super::{names, DecodeError, EncodeError};
use crate::model::HeartRate;

const VALUE_IS_U16: u8 = 0x01;
const CONTACT_DETECTED: u8 = 0x02;
const CONTACT_SUPPORTED: u8 = 0x04;
const ENERGY_PRESENT: u8 = 0x08;
const RR_PRESENT: u8 = 0x10;

/// RR intervals arrive in 1/1024 s.
fn rr_to_ms(raw: u16) -> f64 {
    f64::from(raw) * 1000.0 / 1024.0
}

/// Decodes one measurement. Strict on the heart-rate value and energy field (a flag that
/// announces missing bytes is an error). Lenient on RR intervals: an odd byte left after the
/// last complete interval is ignored, because the intervals before it are still valid.
pub fn decode_heart_rate(bytes: &[u8]) -> Result<HeartRate, DecodeError> {
    let c = names::HEART_RATE;
    let mut r = Reader::new(c, bytes);
    let flags = r
        .u8("flags")
        .map_err(|_| DecodeError::Empty { characteristic: c })?;
    let bpm = if flags & VALUE_IS_U16 != 0 {
        u16::from_le_bytes(r.flagged::<2>("16-bit heart rate")?)
    } else {
        u16::from(r.flagged::<1>("8-bit heart rate")?[0])
    };
    let contact = (flags & CONTACT_SUPPORTED != 0).then_some(flags & CONTACT_DETECTED != 0);
    let energy_kj = if flags & ENERGY_PRESENT != 0 {
        Some(u16::from_le_bytes(r.flagged::<2>("energy expended")?))
    } else {
        None
    };
    let rr_ms = if flags & RR_PRESENT != 0 {
        r.rest()
            .chunks_exact(2)
            .map(|pair| rr_to_ms(u16::from_le_bytes([pair[0], pair[1]])))
            .collect()
    } else {
        Vec::new()
    };
    Ok(HeartRate {
        bpm,
        contact,
        energy_kj,
        rr_ms,
    })
}

/// Encodes a measurement (the simulator's side): 8-bit value when it fits, RR rounded to the
/// nearest 1/1024 s.
pub fn encode_heart_rate(hr: &HeartRate) -> Result<Vec<u8>, EncodeError> {
    let mut flags = 0u8;
    let mut out = vec![0u8];
    match u8::try_from(hr.bpm) {
        Ok(b) => out.push(b),
        Err(_) => {
            flags |= VALUE_IS_U16;
            out.extend_from_slice(&hr.bpm.to_le_bytes());
        }
    }
    match hr.contact {
        Some(true) => flags |= CONTACT_SUPPORTED | CONTACT_DETECTED,
        Some(false) => flags |= CONTACT_SUPPORTED,
        None => {}
    }
    if let Some(kj) = hr.energy_kj {
        flags |= ENERGY_PRESENT;
        out.extend_from_slice(&kj.to_le_bytes());
    }
    if !hr.rr_ms.is_empty() {
        flags |= RR_PRESENT;
        for ms in &hr.rr_ms {
            let raw = (ms * 1024.0 / 1000.0).round();
            if !(0.0..=f64::from(u16::MAX)).contains(&raw) {
                return Err(EncodeError::OutOfRange {
                    field: "RR interval (ms)",
                    value: *ms,
                    min: 0.0,
                    max: rr_to_ms(u16::MAX),
                });
            }
            out.extend_from_slice(&(raw as u16).to_le_bytes());
        }
    }
    if let Some(first) = out.first_mut() {
        *first = flags;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hr(bpm: u16, contact: Option<bool>, energy_kj: Option<u16>, rr: &[u16]) -> HeartRate {
        HeartRate {
            bpm,
            contact,
            energy_kj,
            rr_ms: rr.iter().map(|r| rr_to_ms(*r)).collect(),
        }
    }

    /// Every vector of ftms-notes.md §6 (built from the specification).
    #[test]
    fn spec_vectors() {
        let cases: [(&[u8], HeartRate); 8] = [
            (&[0x00, 0x48], hr(72, None, None, &[])),
            (&[0x06, 0x48], hr(72, Some(true), None, &[])),
            (&[0x04, 0x48], hr(72, Some(false), None, &[])),
            (&[0x01, 0x48, 0x00], hr(72, None, None, &[])),
            (
                &[0x16, 0x4C, 0x2A, 0x03],
                hr(76, Some(true), None, &[0x032A]),
            ),
            (
                &[0x16, 0x4C, 0x2A, 0x03, 0x1E, 0x03],
                hr(76, Some(true), None, &[0x032A, 0x031E]),
            ),
            (
                &[0x18, 0x4C, 0x10, 0x27, 0x2A, 0x03],
                hr(76, None, Some(10000), &[0x032A]),
            ),
            (
                &[0x19, 0x4C, 0x00, 0x10, 0x27, 0x2A, 0x03],
                hr(76, None, Some(10000), &[0x032A]),
            ),
        ];
        for (bytes, want) in cases {
            assert_eq!(decode_heart_rate(bytes).unwrap(), want, "{bytes:02X?}");
        }
        // 810/1024 s = 791 ms and 798/1024 s = 779 ms, as the notes state.
        let two = decode_heart_rate(&[0x16, 0x4C, 0x2A, 0x03, 0x1E, 0x03]).unwrap();
        assert_eq!(
            two.rr_ms
                .iter()
                .map(|ms| ms.round() as i64)
                .collect::<Vec<_>>(),
            [791, 779]
        );
    }

    #[test]
    fn lenient_and_strict_cases() {
        // Odd trailing RR byte: ignored, the complete interval survives.
        let h = decode_heart_rate(&[0x10, 0x4C, 0x2A, 0x03, 0x1E]).unwrap();
        assert_eq!(h.rr_ms.len(), 1);
        // RR flag with no intervals: legal, some straps send RR every other packet.
        assert!(decode_heart_rate(&[0x10, 0x4C]).unwrap().rr_ms.is_empty());
        assert_eq!(
            decode_heart_rate(&[0x01, 0x48]).unwrap_err().to_string(),
            "Heart Rate Measurement: flags say 16-bit heart rate present but only 1 of 2 bytes remain"
        );
        assert!(decode_heart_rate(&[0x08, 0x48, 0x10]).is_err());
        assert!(decode_heart_rate(&[0x00]).is_err());
        assert!(decode_heart_rate(&[]).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(
            bpm: u16,
            contact: Option<bool>,
            energy: Option<u16>,
            rr in proptest::collection::vec(any::<u16>(), 0..8),
        ) {
            let want = hr(bpm, contact, energy, &rr);
            prop_assert_eq!(decode_heart_rate(&encode_heart_rate(&want).unwrap()).unwrap(), want);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_heart_rate(&bytes);
        }
    }
}
