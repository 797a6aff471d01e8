//! Byte codecs for the FTMS and HRS characteristics a treadmill session uses. Pure functions,
//! no IO: transports hand in the bytes of one notification/read and get typed values back.
//!
//! Decoding never panics. Where real machines break the specification in documented ways
//! (see `/work/shared/ftms-notes.md` §8) the decoders are lenient and say so in their docs;
//! everything else is an error that names the characteristic and what was wrong.

mod control_point;
mod feature;
mod heart_rate;
mod machine_status;
mod ranges;
mod reader;
mod training_status;
mod treadmill_data;

pub use control_point::{
    decode_request, decode_response, encode_request, encode_response, op, result_code_byte,
    result_code_from_byte,
};
pub use feature::{FitnessMachineFeature, MachineFeatures, TargetSettingFeatures};
pub use heart_rate::{decode_heart_rate, encode_heart_rate};
pub use machine_status::{decode_machine_status, encode_machine_status};
pub use ranges::{
    decode_inclination_range, decode_speed_range, encode_inclination_range, encode_speed_range,
};
pub use training_status::{TrainingStatus, TrainingStatusCode};
pub use treadmill_data::{
    decode_treadmill_data, decode_treadmill_data_strict, encode_treadmill_data,
    encode_treadmill_data_split, TreadmillDataAssembler, TreadmillDataPacket, TreadmillFlags,
};

/// 16-bit Bluetooth SIG assigned numbers of the services and characteristics used here.
pub mod uuid16 {
    pub const FITNESS_MACHINE_SERVICE: u16 = 0x1826;
    pub const HEART_RATE_SERVICE: u16 = 0x180D;
    pub const FITNESS_MACHINE_FEATURE: u16 = 0x2ACC;
    pub const TREADMILL_DATA: u16 = 0x2ACD;
    pub const TRAINING_STATUS: u16 = 0x2AD3;
    pub const SUPPORTED_SPEED_RANGE: u16 = 0x2AD4;
    pub const SUPPORTED_INCLINATION_RANGE: u16 = 0x2AD5;
    pub const FITNESS_MACHINE_CONTROL_POINT: u16 = 0x2AD9;
    pub const FITNESS_MACHINE_STATUS: u16 = 0x2ADA;
    pub const HEART_RATE_MEASUREMENT: u16 = 0x2A37;
}

/// Names used in error messages, one per characteristic.
pub mod names {
    pub const FEATURE: &str = "Fitness Machine Feature";
    pub const TREADMILL_DATA: &str = "Treadmill Data";
    pub const TRAINING_STATUS: &str = "Training Status";
    pub const SPEED_RANGE: &str = "Supported Speed Range";
    pub const INCLINATION_RANGE: &str = "Supported Inclination Range";
    pub const CONTROL_POINT: &str = "Fitness Machine Control Point";
    pub const CONTROL_RESPONSE: &str = "Fitness Machine Control Point response";
    pub const MACHINE_STATUS: &str = "Fitness Machine Status";
    pub const HEART_RATE: &str = "Heart Rate Measurement";
}

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("{characteristic}: no bytes")]
    Empty { characteristic: &'static str },
    #[error(
        "{characteristic}: flags say {field} present but only {remaining} of {needed} bytes remain"
    )]
    Truncated {
        characteristic: &'static str,
        field: &'static str,
        needed: usize,
        remaining: usize,
    },
    #[error("{characteristic}: {field} needs {needed} bytes but only {remaining} remain")]
    TooShort {
        characteristic: &'static str,
        field: &'static str,
        needed: usize,
        remaining: usize,
    },
    #[error("{characteristic}: unknown op code {opcode:#04x}")]
    UnknownOpcode {
        characteristic: &'static str,
        opcode: u8,
    },
    #[error("{characteristic}: invalid {field}: {detail}")]
    Invalid {
        characteristic: &'static str,
        field: &'static str,
        detail: String,
    },
    #[error("{characteristic}: {extra} unexpected bytes after the last field")]
    TrailingBytes {
        characteristic: &'static str,
        extra: usize,
    },
}

/// Why a value could not be put on the wire. Encoding refuses rather than saturates, because
/// a saturated speed would be the machine's maximum.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EncodeError {
    #[error("{field} {value} is outside what the wire format can carry ({min} to {max})")]
    OutOfRange {
        field: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
}
