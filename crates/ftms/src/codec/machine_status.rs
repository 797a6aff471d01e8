//! Fitness Machine Status (0x2ADA): `u8 opcode [parameters]`.

use super::ranges::{to_i16, to_u16};
use super::reader::Reader;
use super::{names, DecodeError, EncodeError};
use crate::model::MachineStatus;

const RESET: u8 = 0x01;
const STOPPED_OR_PAUSED_BY_USER: u8 = 0x02;
const STOPPED_BY_SAFETY_KEY: u8 = 0x03;
const STARTED_OR_RESUMED_BY_USER: u8 = 0x04;
const TARGET_SPEED_CHANGED: u8 = 0x05;
const TARGET_INCLINE_CHANGED: u8 = 0x06;
const CONTROL_PERMISSION_LOST: u8 = 0xFF;

/// Decodes one status notification. Opcodes the controller does not act on become
/// [`MachineStatus::Other`] whatever their parameters.
///
/// Lenient: a "stopped or paused by user" (0x02) without its parameter byte decodes as
/// [`MachineStatus::StoppedByUser`], because the belt has halted either way and treating it
/// as a stop is the safe reading. An unknown parameter value is an error.
pub fn decode_machine_status(bytes: &[u8]) -> Result<MachineStatus, DecodeError> {
    let c = names::MACHINE_STATUS;
    let mut r = Reader::new(c, bytes);
    let opcode = r
        .u8("op code")
        .map_err(|_| DecodeError::Empty { characteristic: c })?;
    Ok(match opcode {
        RESET => MachineStatus::Reset,
        STOPPED_OR_PAUSED_BY_USER => match r.rest().first() {
            None | Some(0x01) => MachineStatus::StoppedByUser,
            Some(0x02) => MachineStatus::PausedByUser,
            Some(other) => {
                return Err(DecodeError::Invalid {
                    characteristic: c,
                    field: "stop/pause parameter",
                    detail: format!("{other:#04x} is neither 0x01 (stop) nor 0x02 (pause)"),
                })
            }
        },
        STOPPED_BY_SAFETY_KEY => MachineStatus::StoppedBySafetyKey,
        STARTED_OR_RESUMED_BY_USER => MachineStatus::StartedOrResumedByUser,
        TARGET_SPEED_CHANGED => MachineStatus::TargetSpeedChanged {
            kmh: f64::from(r.u16("new target speed")?) / 100.0,
        },
        TARGET_INCLINE_CHANGED => MachineStatus::TargetInclineChanged {
            percent: f64::from(r.i16("new target inclination")?) / 10.0,
        },
        CONTROL_PERMISSION_LOST => MachineStatus::ControlPermissionLost,
        opcode => MachineStatus::Other { opcode },
    })
}

/// Encodes a status notification (the simulator's side). `Other` encodes as its bare opcode.
pub fn encode_machine_status(status: &MachineStatus) -> Result<Vec<u8>, EncodeError> {
    Ok(match status {
        MachineStatus::Reset => vec![RESET],
        MachineStatus::StoppedByUser => vec![STOPPED_OR_PAUSED_BY_USER, 0x01],
        MachineStatus::PausedByUser => vec![STOPPED_OR_PAUSED_BY_USER, 0x02],
        MachineStatus::StoppedBySafetyKey => vec![STOPPED_BY_SAFETY_KEY],
        MachineStatus::StartedOrResumedByUser => vec![STARTED_OR_RESUMED_BY_USER],
        MachineStatus::TargetSpeedChanged { kmh } => {
            let [a, b] = to_u16("target speed", *kmh, 100.0)?.to_le_bytes();
            vec![TARGET_SPEED_CHANGED, a, b]
        }
        MachineStatus::TargetInclineChanged { percent } => {
            let [a, b] = to_i16("target inclination", *percent, 10.0)?.to_le_bytes();
            vec![TARGET_INCLINE_CHANGED, a, b]
        }
        MachineStatus::ControlPermissionLost => vec![CONTROL_PERMISSION_LOST],
        MachineStatus::Other { opcode } => vec![*opcode],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Examples written from the specification, ftms-notes.md §5.
    #[test]
    fn spec_examples() {
        assert_eq!(
            decode_machine_status(&[0x05, 0x2C, 0x01]).unwrap(),
            MachineStatus::TargetSpeedChanged { kmh: 3.0 }
        );
        assert_eq!(
            decode_machine_status(&[0x02, 0x01]).unwrap(),
            MachineStatus::StoppedByUser
        );
        assert_eq!(
            decode_machine_status(&[0x02, 0x02]).unwrap(),
            MachineStatus::PausedByUser
        );
        assert_eq!(
            decode_machine_status(&[0x04]).unwrap(),
            MachineStatus::StartedOrResumedByUser
        );
        assert_eq!(
            decode_machine_status(&[0x03]).unwrap(),
            MachineStatus::StoppedBySafetyKey
        );
        assert_eq!(
            decode_machine_status(&[0x01]).unwrap(),
            MachineStatus::Reset
        );
        assert_eq!(
            decode_machine_status(&[0x06, 0xEC, 0xFF]).unwrap(),
            MachineStatus::TargetInclineChanged { percent: -2.0 }
        );
    }

    /// 0xFF is "control permission lost"; 0x08 is Target Power Changed (a Swift test suite
    /// gets this wrong, ftms-notes.md §5).
    #[test]
    fn permission_lost_is_0xff_not_0x08() {
        assert_eq!(
            decode_machine_status(&[0xFF]).unwrap(),
            MachineStatus::ControlPermissionLost
        );
        assert_eq!(
            decode_machine_status(&[0x08, 0x64, 0x00]).unwrap(),
            MachineStatus::Other { opcode: 0x08 }
        );
    }

    #[test]
    fn lenient_and_strict_cases() {
        // Parameter missing: treated as a stop.
        assert_eq!(
            decode_machine_status(&[0x02]).unwrap(),
            MachineStatus::StoppedByUser
        );
        let err = decode_machine_status(&[0x02, 0x07]).unwrap_err();
        assert!(err.to_string().contains("0x07 is neither"), "{err}");
        let err = decode_machine_status(&[0x05, 0x2C]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Fitness Machine Status: new target speed needs 2 bytes but only 1 remain"
        );
        assert_eq!(
            decode_machine_status(&[]).unwrap_err().to_string(),
            "Fitness Machine Status: no bytes"
        );
    }

    fn status_strategy() -> impl Strategy<Value = MachineStatus> {
        prop_oneof![
            Just(MachineStatus::Reset),
            Just(MachineStatus::StoppedByUser),
            Just(MachineStatus::PausedByUser),
            Just(MachineStatus::StoppedBySafetyKey),
            Just(MachineStatus::StartedOrResumedByUser),
            Just(MachineStatus::ControlPermissionLost),
            any::<u16>().prop_map(|v| MachineStatus::TargetSpeedChanged {
                kmh: f64::from(v) / 100.0
            }),
            any::<i16>().prop_map(|v| MachineStatus::TargetInclineChanged {
                percent: f64::from(v) / 10.0
            }),
            (0x07u8..=0xFE).prop_map(|opcode| MachineStatus::Other { opcode }),
            Just(MachineStatus::Other { opcode: 0x00 }),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(status in status_strategy()) {
            let bytes = encode_machine_status(&status).unwrap();
            prop_assert_eq!(decode_machine_status(&bytes).unwrap(), status);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_machine_status(&bytes);
        }
    }
}
