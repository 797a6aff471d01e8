//! Energy figures: the ACSM walking equation forward (ENE-01), a backward multiplier on
//! it (ENE-02), and a flag when a speed lies outside the range the equation was fitted on
//! (ENE-03).

use crate::units::{BodyMass, Incline, Speed};
use serde::{Deserialize, Serialize};

/// ENE-02: backward walking costs about 20–40% more oxygen than forward at the same speed.
pub const BACKWARD_FACTOR: f64 = 1.3;
/// ENE-03: the speeds the ACSM walking equation was fitted on, in m/min.
pub const VALID_M_PER_MIN: std::ops::RangeInclusive<f64> = 50.0..=100.0;
/// ENE-05: standing quietly.
pub const STANDING_MET: f64 = 1.3;
const ML_O2_PER_MET: f64 = 3.5;
const KCAL_PER_L_O2: f64 = 5.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    Forward,
    Backward,
    Standing,
}

/// Energy for a stretch of exercise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Energy {
    /// mL O2 per kg per minute.
    pub vo2: f64,
    pub mets: f64,
    pub kcal: f64,
    /// True when the speed lies outside the equation's fitted range.
    pub extrapolated: bool,
}

impl Energy {
    /// Sums energies over segments; METs become the time-weighted mean.
    pub fn combine(parts: &[(Energy, f64)]) -> Energy {
        let minutes: f64 = parts.iter().map(|(_, m)| m).sum();
        let kcal = parts.iter().map(|(e, _)| e.kcal).sum();
        let vo2 = if minutes > 0.0 {
            parts.iter().map(|(e, m)| e.vo2 * m).sum::<f64>() / minutes
        } else {
            0.0
        };
        Energy {
            vo2,
            mets: vo2 / ML_O2_PER_MET,
            kcal,
            extrapolated: parts.iter().any(|(e, _)| e.extrapolated),
        }
    }
}

/// ENE-01: VO2 = 3.5 + 0.1·S + 1.8·S·G, S in m/min, G as a fraction.
pub fn acsm_walking_vo2(speed: Speed, incline: Incline) -> f64 {
    let s = speed.m_per_min();
    ML_O2_PER_MET + 0.1 * s + 1.8 * s * incline.grade().max(0.0)
}

/// Energy for `minutes` of an activity (ENE-01..05).
pub fn energy(
    activity: Activity,
    speed: Speed,
    incline: Incline,
    mass: BodyMass,
    minutes: f64,
) -> Energy {
    let (vo2, extrapolated) = match activity {
        Activity::Standing => (STANDING_MET * ML_O2_PER_MET, false),
        Activity::Forward | Activity::Backward => {
            let factor = if activity == Activity::Backward {
                BACKWARD_FACTOR
            } else {
                1.0
            };
            (
                factor * acsm_walking_vo2(speed, incline),
                !VALID_M_PER_MIN.contains(&speed.m_per_min()),
            )
        }
    };
    Energy {
        vo2,
        mets: vo2 / ML_O2_PER_MET,
        // ENE-04
        kcal: vo2 * mass.kg() * minutes / 1000.0 * KCAL_PER_L_O2,
        extrapolated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acsm_worked_example() {
        // 3.5 mph level: 3.5 + 0.1 × 93.87 ≈ 12.9 mL/kg/min, 3.7 METs.
        let e = energy(
            Activity::Forward,
            Speed::from_mph(3.5).unwrap(),
            Incline::FLAT,
            BodyMass::from_kg(70.0).unwrap(),
            10.0,
        );
        assert!((e.vo2 - 12.887).abs() < 0.01, "{}", e.vo2);
        assert!((e.mets - 3.68).abs() < 0.01);
        // 12.887 × 70 × 10 / 1000 × 5
        assert!((e.kcal - 45.1).abs() < 0.1);
        assert!(!e.extrapolated);
    }

    #[test]
    fn backward_costs_thirty_percent_more_and_slow_is_extrapolated() {
        let m = BodyMass::from_kg(80.0).unwrap();
        let s = Speed::from_mph(1.0).unwrap();
        let f = energy(Activity::Forward, s, Incline::FLAT, m, 1.0);
        let b = energy(Activity::Backward, s, Incline::FLAT, m, 1.0);
        assert!((b.vo2 / f.vo2 - 1.3).abs() < 1e-9);
        assert!(
            b.extrapolated,
            "1 mph = 26.8 m/min is below the fitted range"
        );
    }

    #[test]
    fn incline_adds_the_vertical_term() {
        let s = Speed::from_mps(1.0).unwrap();
        let flat = acsm_walking_vo2(s, Incline::FLAT);
        let up = acsm_walking_vo2(s, Incline::from_percent(3.0).unwrap());
        assert!((up - flat - 1.8 * 60.0 * 0.03).abs() < 1e-9);
    }

    #[test]
    fn standing_is_fixed_mets() {
        let e = energy(
            Activity::Standing,
            Speed::ZERO,
            Incline::FLAT,
            BodyMass::from_kg(60.0).unwrap(),
            1.0,
        );
        assert!((e.mets - 1.3).abs() < 1e-9);
    }

    #[test]
    fn combine_weights_by_time() {
        let a = Energy {
            vo2: 7.0,
            mets: 2.0,
            kcal: 10.0,
            extrapolated: false,
        };
        let b = Energy {
            vo2: 14.0,
            mets: 4.0,
            kcal: 5.0,
            extrapolated: true,
        };
        let c = Energy::combine(&[(a, 3.0), (b, 1.0)]);
        assert!((c.vo2 - 8.75).abs() < 1e-9);
        assert!((c.kcal - 15.0).abs() < 1e-9);
        assert!(c.extrapolated);
    }
}
