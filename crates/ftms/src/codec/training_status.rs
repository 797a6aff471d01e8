//! Training Status (0x2AD3): `u8 flags`, `u8 status`, optional UTF-8 string.

use super::reader::Reader;
use super::{names, DecodeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrainingStatusCode {
    Other,
    Idle,
    WarmingUp,
    LowIntensityInterval,
    HighIntensityInterval,
    RecoveryInterval,
    Isometric,
    HeartRateControl,
    FitnessTest,
    SpeedOutsideControlRegionLow,
    SpeedOutsideControlRegionHigh,
    CoolDown,
    WattControl,
    ManualMode,
    PreWorkout,
    PostWorkout,
    Reserved(u8),
}

const CODES: [TrainingStatusCode; 16] = [
    TrainingStatusCode::Other,
    TrainingStatusCode::Idle,
    TrainingStatusCode::WarmingUp,
    TrainingStatusCode::LowIntensityInterval,
    TrainingStatusCode::HighIntensityInterval,
    TrainingStatusCode::RecoveryInterval,
    TrainingStatusCode::Isometric,
    TrainingStatusCode::HeartRateControl,
    TrainingStatusCode::FitnessTest,
    TrainingStatusCode::SpeedOutsideControlRegionLow,
    TrainingStatusCode::SpeedOutsideControlRegionHigh,
    TrainingStatusCode::CoolDown,
    TrainingStatusCode::WattControl,
    TrainingStatusCode::ManualMode,
    TrainingStatusCode::PreWorkout,
    TrainingStatusCode::PostWorkout,
];

impl TrainingStatusCode {
    pub fn from_byte(b: u8) -> Self {
        CODES
            .get(usize::from(b))
            .copied()
            .unwrap_or(TrainingStatusCode::Reserved(b))
    }

    pub fn to_byte(self) -> u8 {
        match self {
            TrainingStatusCode::Reserved(b) => b,
            known => CODES
                .iter()
                .position(|c| *c == known)
                .and_then(|i| u8::try_from(i).ok())
                .unwrap_or(0),
        }
    }
}

const STRING_PRESENT: u8 = 0x01;
const EXTENDED_STRING: u8 = 0x02;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingStatus {
    pub status: TrainingStatusCode,
    /// The status string, when the flag says one is present and bytes follow.
    pub text: Option<String>,
    /// The string continues in a further notification (flag bit 1).
    pub extended_string: bool,
}

impl TrainingStatus {
    /// Lenient where real machines are sloppy: the FITSHOW FS-6041F1 sends `01 01` (string
    /// flag set, no string), which decodes as "no string". Invalid UTF-8 is replaced, not
    /// rejected: the text is for display only.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let c = names::TRAINING_STATUS;
        if bytes.is_empty() {
            return Err(DecodeError::Empty { characteristic: c });
        }
        let mut r = Reader::new(c, bytes);
        let flags = r.u8("flags")?;
        let status = TrainingStatusCode::from_byte(r.u8("training status")?);
        let rest = r.rest();
        let text = (flags & STRING_PRESENT != 0 && !rest.is_empty())
            .then(|| String::from_utf8_lossy(rest).into_owned());
        Ok(TrainingStatus {
            status,
            text,
            extended_string: flags & EXTENDED_STRING != 0,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut flags = 0;
        if self.text.is_some() {
            flags |= STRING_PRESENT;
        }
        if self.extended_string {
            flags |= EXTENDED_STRING;
        }
        let mut out = vec![flags, self.status.to_byte()];
        if let Some(text) = &self.text {
            out.extend_from_slice(text.as_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Real capture: FITSHOW FS-6041F1, TrackMyIndoorWorkout issue #470 (ftms-notes.md §3).
    #[test]
    fn fitshow_idle_with_flag_but_no_string() {
        let s = TrainingStatus::decode(&[0x01, 0x01]).unwrap();
        assert_eq!(s.status, TrainingStatusCode::Idle);
        assert_eq!(s.text, None);
        assert!(!s.extended_string);
    }

    #[test]
    fn string_and_reserved_codes() {
        let s = TrainingStatus::decode(&[0x01, 0x0D, b'Q', b'u', b'i', b'c', b'k']).unwrap();
        assert_eq!(s.status, TrainingStatusCode::ManualMode);
        assert_eq!(s.text.as_deref(), Some("Quick"));
        assert_eq!(
            TrainingStatus::decode(&[0x00, 0x42]).unwrap().status,
            TrainingStatusCode::Reserved(0x42)
        );
        // String bytes without the flag are ignored.
        assert_eq!(
            TrainingStatus::decode(&[0x00, 0x01, b'x']).unwrap().text,
            None
        );
        let err = TrainingStatus::decode(&[0x01]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Training Status: training status needs 1 bytes but only 0 remain"
        );
    }

    proptest! {
        #[test]
        fn round_trip(code: u8, text in proptest::option::of("[a-zA-Z ]{1,12}"), extended: bool) {
            let s = TrainingStatus { status: TrainingStatusCode::from_byte(code), text, extended_string: extended };
            prop_assert_eq!(TrainingStatus::decode(&s.encode()).unwrap(), s);
            prop_assert_eq!(TrainingStatusCode::from_byte(code).to_byte(), code);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(TrainingStatus::decode(&bytes).is_ok(), bytes.len() >= 2);
        }
    }
}
