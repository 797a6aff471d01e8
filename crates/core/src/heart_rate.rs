//! SAF-04: the heart-rate ceiling a connected monitor enforces during a session.
//!
//! Backward walking raises heart rate more than forward walking at the same speed (24–30%
//! higher in the Korean graded study, significantly higher in Flynn 1994), so a person who
//! paces by the belt speed they know from forward walking can overshoot. The ceiling is a
//! fraction of the age-predicted maximum (Tanaka 2001: 208 − 0.7 × age); the fraction falls
//! with the risk tier because the people in the higher tiers are the ones least able to
//! recover from a stumble when breathless.

use crate::screening::Tier;
use crate::units::Age;
use serde::{Deserialize, Serialize};

/// The heart rate above which the belt stops, and how it was derived.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HeartRateCap {
    /// Beats per minute; the controller stops the belt above this.
    pub bpm: u16,
    /// Tanaka's age-predicted maximum, beats per minute.
    pub predicted_max_bpm: f64,
    /// The share of the predicted maximum allowed for this tier.
    pub fraction: f64,
}

/// Share of the predicted maximum heart rate allowed for each tier (SAF-04). 85% is the
/// top of the range ACSM calls vigorous for a healthy adult doing an unfamiliar task;
/// 80% for people who start more gently; 75% (the top of ACSM's moderate band) when a
/// spotter is required.
pub fn cap_fraction(tier: Tier) -> f64 {
    match tier {
        Tier::Standard => 0.85,
        Tier::Caution => 0.80,
        Tier::Supervised | Tier::ClearanceRequired => 0.75,
    }
}

/// Tanaka 2001: HRmax ≈ 208 − 0.7 × age.
pub fn predicted_max_bpm(age: Age) -> f64 {
    208.0 - 0.7 * f64::from(age.years())
}

/// The ceiling for a person of this age and tier, rounded down to a whole beat.
pub fn heart_rate_cap(age: Age, tier: Tier) -> HeartRateCap {
    let predicted_max_bpm = predicted_max_bpm(age);
    let fraction = cap_fraction(tier);
    // HRmax is at least 131 (age 110), so the product is always a small positive number.
    let bpm = (predicted_max_bpm * fraction).floor() as u16;
    HeartRateCap {
        bpm,
        predicted_max_bpm,
        fraction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tanaka_for_a_seventy_year_old_on_the_supervised_tier() {
        let cap = heart_rate_cap(Age::new(70).expect("valid age"), Tier::Supervised);
        assert!((cap.predicted_max_bpm - 159.0).abs() < 1e-9);
        assert_eq!(cap.bpm, 119); // 159 × 0.75 = 119.25
    }

    #[test]
    fn a_higher_tier_never_allows_a_higher_heart_rate() {
        let tiers = [
            Tier::Standard,
            Tier::Caution,
            Tier::Supervised,
            Tier::ClearanceRequired,
        ];
        for years in 16..=110u8 {
            let age = Age::new(years).expect("valid age");
            let caps: Vec<u16> = tiers.iter().map(|&t| heart_rate_cap(age, t).bpm).collect();
            assert!(
                caps.windows(2).all(|w| w[0] >= w[1]),
                "age {years}: {caps:?}"
            );
        }
    }

    #[test]
    fn older_people_get_a_lower_ceiling() {
        let young = heart_rate_cap(Age::new(25).expect("valid age"), Tier::Standard);
        let old = heart_rate_cap(Age::new(75).expect("valid age"), Tier::Standard);
        assert_eq!(young.bpm, 161); // (208 − 17.5) × 0.85 = 161.9, rounded down
        assert!(old.bpm < young.bpm);
    }
}
