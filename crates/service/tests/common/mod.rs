//! Set-up shared by the service's tests.

use retrowalk_core::*;

/// Pat, with knee osteoarthritis (pain 2/10), training Monday, Wednesday and Friday: at 58
/// and without red flags a programme starts without clearance.
pub fn knee_profile(age: u8) -> Profile {
    Profile {
        knee: KneeCondition::Osteoarthritis,
        knee_pain: Pain::new(2).unwrap(),
        schedule: Some(Schedule::parse("mon,wed,fri").unwrap()),
        ..Profile::new(
            "Pat",
            Age::new(age).unwrap(),
            BodyMass::from_kg(70.0).unwrap(),
            Goal::KneeRehab,
        )
    }
}
