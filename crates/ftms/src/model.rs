//! Typed FTMS and HRS messages, independent of their byte encoding. The codec modules turn
//! bytes into these and back; transports and the session controller speak only these.

use serde::{Deserialize, Serialize};

/// A request written to the Fitness Machine Control Point (0x2AD9).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ControlRequest {
    RequestControl,
    Reset,
    /// Target belt speed in km/h (resolution 0.01 km/h on the wire).
    SetTargetSpeed {
        kmh: f64,
    },
    /// Target inclination in percent (resolution 0.1 % on the wire).
    SetTargetInclination {
        percent: f64,
    },
    StartOrResume,
    Stop,
    Pause,
}

impl ControlRequest {
    pub fn opcode(&self) -> u8 {
        match self {
            ControlRequest::RequestControl => 0x00,
            ControlRequest::Reset => 0x01,
            ControlRequest::SetTargetSpeed { .. } => 0x02,
            ControlRequest::SetTargetInclination { .. } => 0x03,
            ControlRequest::StartOrResume => 0x07,
            ControlRequest::Stop | ControlRequest::Pause => 0x08,
        }
    }

    /// Stop and pause both halt the belt; the controller treats them as the safe commands
    /// that must always get through.
    pub fn halts_belt(&self) -> bool {
        matches!(self, ControlRequest::Stop | ControlRequest::Pause)
    }
}

/// Result code of a control point response indication (`80 <op> <result>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResultCode {
    Success,
    OpCodeNotSupported,
    InvalidParameter,
    OperationFailed,
    ControlNotPermitted,
    /// A value the specification reserves; kept so nothing is lost.
    Reserved(u8),
}

/// A response indication from the control point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlResponse {
    pub request_opcode: u8,
    pub result: ResultCode,
}

/// One Treadmill Data record (0x2ACD). Every field is optional because machines send
/// different subsets and may split a record over several notifications.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TreadmillData {
    pub speed_kmh: Option<f64>,
    pub average_speed_kmh: Option<f64>,
    pub total_distance_m: Option<u32>,
    pub inclination_percent: Option<f64>,
    pub ramp_angle_deg: Option<f64>,
    pub positive_elevation_m: Option<f64>,
    pub negative_elevation_m: Option<f64>,
    pub instantaneous_pace_km_per_min: Option<f64>,
    pub average_pace_km_per_min: Option<f64>,
    pub total_energy_kcal: Option<u16>,
    pub energy_per_hour_kcal: Option<u16>,
    pub energy_per_minute_kcal: Option<u8>,
    pub heart_rate_bpm: Option<u8>,
    pub metabolic_equivalent: Option<f64>,
    pub elapsed_s: Option<u16>,
    pub remaining_s: Option<u16>,
    pub force_on_belt_n: Option<i16>,
    pub power_w: Option<i16>,
}

/// Fitness Machine Status notifications (0x2ADA) the controller cares about.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum MachineStatus {
    Reset,
    StoppedByUser,
    PausedByUser,
    StoppedBySafetyKey,
    StartedOrResumedByUser,
    TargetSpeedChanged {
        kmh: f64,
    },
    TargetInclineChanged {
        percent: f64,
    },
    ControlPermissionLost,
    /// Any other opcode, kept raw.
    Other {
        opcode: u8,
    },
}

/// Supported ranges (0x2AD4, 0x2AD5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub min: f64,
    pub max: f64,
    pub step: f64,
}

impl Range {
    /// The nearest value the machine accepts that is not above `want` (never rounds up,
    /// so a clamp can only make a command gentler).
    pub fn clamp_down(&self, want: f64) -> f64 {
        if want <= self.min {
            return self.min;
        }
        let capped = want.min(self.max);
        if self.step > 0.0 {
            let steps = ((capped - self.min) / self.step + 1e-9).floor();
            self.min + steps * self.step
        } else {
            capped
        }
    }
}

/// What a treadmill says it can do.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    pub speed: Range,
    /// `None` when the machine has no incline (or does not report one).
    pub incline: Option<Range>,
    pub speed_target_supported: bool,
    pub incline_target_supported: bool,
}

/// A Heart Rate Measurement (0x2A37).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeartRate {
    pub bpm: u16,
    /// `None` when the strap does not support contact detection.
    pub contact: Option<bool>,
    pub energy_kj: Option<u16>,
    /// RR intervals in milliseconds.
    pub rr_ms: Vec<f64>,
}
