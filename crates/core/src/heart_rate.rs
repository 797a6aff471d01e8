//! SAF-04: the heart-rate ceiling a connected monitor enforces during a session.
//!
//! Backward walking raises heart rate more than forward walking at the same speed (24–30%
//! higher in the Korean graded study, significantly higher in Flynn 1994), so a person who
//! paces by the belt speed they know from forward walking can overshoot. The ceiling is a
//! fraction of the age-predicted maximum (Tanaka 2001: 208 − 0.7 × age); the fraction falls
//! with the risk tier because the people in the higher tiers are the ones least able to
//! recover from a stumble when breathless.
//!
//! A medicine that slows the heart (a beta-blocker, a rate-limiting calcium-channel
//! blocker) blunts the heart-rate response to exercise, so an age-predicted figure says
//! nothing about how hard such a person is working (SCR-16). For them effort on the 0–10
//! scale is the guide, and the age-based ceiling is kept only as a backstop that says so.

use crate::screening::{Profile, Tier, EFFORT_GUIDE};
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

/// What guides a person's intensity in a session, and the heart rate that stops the belt.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HeartRateGuide {
    /// The controller stops the belt above `cap.bpm`.
    pub cap: HeartRateCap,
    /// The person takes a medicine that slows the heart (SCR-16): effort is the guide and
    /// the cap is only a backstop, never a target or a limit worked out for them.
    pub by_effort: bool,
}

/// The guide for this person on this tier (SAF-04, SCR-16).
pub fn heart_rate_guide(profile: &Profile, tier: Tier) -> HeartRateGuide {
    HeartRateGuide {
        cap: heart_rate_cap(profile.age, tier),
        by_effort: profile.heart.is_some_and(|h| h.rate_limiting_medicine),
    }
}

impl HeartRateGuide {
    /// One sentence for the person before a session.
    pub fn describe(&self) -> String {
        if self.by_effort {
            format!(
                "Go by effort, not heart rate: your medicine slows your heart, so limits worked out from your age do not apply to you. Effort: {EFFORT_GUIDE} The belt still stops above {} bpm, as a backstop only, not a target.",
                self.cap.bpm
            )
        } else {
            format!(
                "Heart-rate cap {} bpm ({:.0}% of the maximum expected at your age).",
                self.cap.bpm,
                self.cap.fraction * 100.0
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screening::{Goal, HeartAnswers};
    use crate::units::BodyMass;

    fn person(age: u8, medicine: bool) -> Profile {
        let mut p = Profile::new(
            "Test",
            Age::new(age).expect("valid age"),
            BodyMass::from_kg(70.0).expect("valid mass"),
            Goal::Fitness,
        );
        p.heart = Some(HeartAnswers {
            rate_limiting_medicine: medicine,
            ..HeartAnswers::default()
        });
        p
    }

    #[test]
    fn a_rate_limiting_medicine_makes_effort_the_guide_and_the_age_cap_a_backstop() {
        let g = heart_rate_guide(&person(60, true), Tier::Supervised);
        assert!(g.by_effort);
        let text = g.describe();
        assert!(text.starts_with("Go by effort, not heart rate"), "{text}");
        assert!(text.contains("3 to 4 out of 10"), "{text}");
        assert!(text.contains("backstop only, not a target"), "{text}");
        assert!(
            !text.contains("cap"),
            "no heart-rate cap is presented: {text}"
        );
        // The backstop is the tier's age-based ceiling: never a stricter number that the
        // person could mistake for their own limit.
        assert_eq!(
            g.cap,
            heart_rate_cap(Age::new(60).expect("valid age"), Tier::Supervised)
        );
    }

    #[test]
    fn without_the_medicine_the_age_cap_is_the_limit() {
        for p in [person(60, false), {
            let mut p = person(60, false);
            // A profile saved before the heart questions were asked.
            p.heart = None;
            p
        }] {
            let g = heart_rate_guide(&p, Tier::Standard);
            assert!(!g.by_effort);
            assert_eq!(g.cap.bpm, 141); // (208 − 0.7 × 60) × 0.85 = 141.1
            assert!(
                g.describe().starts_with("Heart-rate cap 141 bpm"),
                "{}",
                g.describe()
            );
        }
    }

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
