//! Fitness Machine Feature (0x2ACC): what the machine measures and which targets it accepts.

use super::reader::Reader;
use super::{names, DecodeError};
use serde::{Deserialize, Serialize};

/// Bit flags of the first `u32` (what the machine can measure and report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineFeatures(pub u32);

/// Bit flags of the second `u32` (which targets the control point accepts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSettingFeatures(pub u32);

const MACHINE_NAMES: [&str; 17] = [
    "Average Speed",
    "Cadence",
    "Total Distance",
    "Inclination",
    "Elevation Gain",
    "Pace",
    "Step Count",
    "Resistance Level",
    "Stride Count",
    "Expended Energy",
    "Heart Rate Measurement",
    "Metabolic Equivalent",
    "Elapsed Time",
    "Remaining Time",
    "Power Measurement",
    "Force on Belt and Power Output",
    "User Data Retention",
];

const TARGET_NAMES: [&str; 17] = [
    "Speed Target",
    "Inclination Target",
    "Resistance Target",
    "Power Target",
    "Heart Rate Target",
    "Targeted Expended Energy",
    "Targeted Step Number",
    "Targeted Stride Number",
    "Targeted Distance",
    "Targeted Training Time",
    "Targeted Time in Two Heart Rate Zones",
    "Targeted Time in Three Heart Rate Zones",
    "Targeted Time in Five Heart Rate Zones",
    "Indoor Bike Simulation",
    "Wheel Circumference",
    "Spin Down Control",
    "Targeted Cadence",
];

fn set_names(bits: u32, table: &[&'static str]) -> Vec<&'static str> {
    table
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, name)| *name)
        .collect()
}

impl MachineFeatures {
    pub const AVERAGE_SPEED: u32 = 1 << 0;
    pub const CADENCE: u32 = 1 << 1;
    pub const TOTAL_DISTANCE: u32 = 1 << 2;
    pub const INCLINATION: u32 = 1 << 3;
    pub const ELEVATION_GAIN: u32 = 1 << 4;
    pub const PACE: u32 = 1 << 5;
    pub const STEP_COUNT: u32 = 1 << 6;
    pub const RESISTANCE_LEVEL: u32 = 1 << 7;
    pub const STRIDE_COUNT: u32 = 1 << 8;
    pub const EXPENDED_ENERGY: u32 = 1 << 9;
    pub const HEART_RATE_MEASUREMENT: u32 = 1 << 10;
    pub const METABOLIC_EQUIVALENT: u32 = 1 << 11;
    pub const ELAPSED_TIME: u32 = 1 << 12;
    pub const REMAINING_TIME: u32 = 1 << 13;
    pub const POWER_MEASUREMENT: u32 = 1 << 14;
    pub const FORCE_ON_BELT_AND_POWER_OUTPUT: u32 = 1 << 15;
    pub const USER_DATA_RETENTION: u32 = 1 << 16;

    pub fn contains(&self, flag: u32) -> bool {
        self.0 & flag == flag
    }

    /// Human names of the set bits (reserved bits are not named).
    pub fn names(&self) -> Vec<&'static str> {
        set_names(self.0, &MACHINE_NAMES)
    }
}

impl TargetSettingFeatures {
    pub const SPEED: u32 = 1 << 0;
    pub const INCLINATION: u32 = 1 << 1;
    pub const RESISTANCE: u32 = 1 << 2;
    pub const POWER: u32 = 1 << 3;
    pub const HEART_RATE: u32 = 1 << 4;
    pub const EXPENDED_ENERGY: u32 = 1 << 5;
    pub const STEP_NUMBER: u32 = 1 << 6;
    pub const STRIDE_NUMBER: u32 = 1 << 7;
    pub const DISTANCE: u32 = 1 << 8;
    pub const TRAINING_TIME: u32 = 1 << 9;
    pub const TIME_IN_TWO_HR_ZONES: u32 = 1 << 10;
    pub const TIME_IN_THREE_HR_ZONES: u32 = 1 << 11;
    pub const TIME_IN_FIVE_HR_ZONES: u32 = 1 << 12;
    pub const INDOOR_BIKE_SIMULATION: u32 = 1 << 13;
    pub const WHEEL_CIRCUMFERENCE: u32 = 1 << 14;
    pub const SPIN_DOWN_CONTROL: u32 = 1 << 15;
    pub const CADENCE: u32 = 1 << 16;

    pub fn contains(&self, flag: u32) -> bool {
        self.0 & flag == flag
    }

    pub fn names(&self) -> Vec<&'static str> {
        set_names(self.0, &TARGET_NAMES)
    }
}

/// The whole 8-byte characteristic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FitnessMachineFeature {
    pub machine: MachineFeatures,
    pub target_setting: TargetSettingFeatures,
}

impl FitnessMachineFeature {
    /// Decodes the 8 bytes. Extra trailing bytes are ignored (a later specification revision
    /// may append fields); fewer than 8 is an error because a half-read target-setting word
    /// would silently claim "no targets supported".
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.is_empty() {
            return Err(DecodeError::Empty {
                characteristic: names::FEATURE,
            });
        }
        let mut r = Reader::new(names::FEATURE, bytes);
        let machine = MachineFeatures(r.u32("machine features")?);
        let target_setting = TargetSettingFeatures(r.u32("target setting features")?);
        Ok(FitnessMachineFeature {
            machine,
            target_setting,
        })
    }

    pub fn encode(&self) -> [u8; 8] {
        let mut out = [0u8; 8];
        let (m, t) = out.split_at_mut(4);
        m.copy_from_slice(&self.machine.0.to_le_bytes());
        t.copy_from_slice(&self.target_setting.0.to_le_bytes());
        out
    }

    pub fn speed_target_supported(&self) -> bool {
        self.target_setting.contains(TargetSettingFeatures::SPEED)
    }

    pub fn inclination_target_supported(&self) -> bool {
        self.target_setting
            .contains(TargetSettingFeatures::INCLINATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Real capture: FITSHOW "FS-6041F1" treadmill, nRF Connect log quoted in
    /// TrackMyIndoorWorkout issue #470 (ftms-notes.md §1).
    #[test]
    fn fitshow_fs6041f1_capture() {
        let f = FitnessMachineFeature::decode(&[0x5C, 0x16, 0, 0, 0x03, 0, 0, 0]).unwrap();
        assert_eq!(f.machine.0, 0x165C);
        assert_eq!(
            f.machine.names(),
            vec![
                "Total Distance",
                "Inclination",
                "Elevation Gain",
                "Step Count",
                "Expended Energy",
                "Heart Rate Measurement",
                "Elapsed Time"
            ]
        );
        assert!(f.machine.contains(MachineFeatures::INCLINATION));
        assert!(!f.machine.contains(MachineFeatures::AVERAGE_SPEED));
        assert!(f.speed_target_supported());
        assert!(f.inclination_target_supported());
        assert_eq!(
            f.target_setting.names(),
            vec!["Speed Target", "Inclination Target"]
        );
    }

    #[test]
    fn seven_bytes_is_an_error_naming_the_field() {
        let err = FitnessMachineFeature::decode(&[0x5C, 0x16, 0, 0, 0x03, 0, 0]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Fitness Machine Feature: target setting features needs 4 bytes but only 3 remain"
        );
        assert!(FitnessMachineFeature::decode(&[]).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(m: u32, t: u32) {
            let f = FitnessMachineFeature { machine: MachineFeatures(m), target_setting: TargetSettingFeatures(t) };
            prop_assert_eq!(FitnessMachineFeature::decode(&f.encode()).unwrap(), f);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let r = FitnessMachineFeature::decode(&bytes);
            prop_assert_eq!(r.is_ok(), bytes.len() >= 8);
        }
    }
}
