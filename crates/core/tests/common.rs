//! Shared fixtures for the engine's tests.
#![allow(dead_code)]

use retrowalk_core::*;
use time::{Date, Duration};

pub fn date0() -> Date {
    // A Monday.
    time::macros::date!(2026 - 01 - 05)
}

pub fn profile(age: u8, goal: Goal) -> Profile {
    Profile::new(
        "Persona",
        Age::new(age).unwrap(),
        BodyMass::from_kg(75.0).unwrap(),
        goal,
    )
}

pub fn programme(p: &Profile, days: &str) -> Progression {
    let s = screen(p);
    Progression::new(p, &s, Schedule::parse(days).unwrap(), date0()).unwrap()
}

/// A log with the given effort and pains; completed as planned unless changed.
pub fn log(date: Date, load: &Load, effort: u8, pain: u8) -> SessionLog {
    SessionLog {
        effort: Effort::new(effort).unwrap(),
        pain_during: Pain::new(pain).unwrap(),
        pain_after: Pain::new(pain).unwrap(),
        pain_before: Pain::new(pain.saturating_sub(1)).unwrap(),
        ..SessionLog::clean(date, load)
    }
}

/// Training dates for `weeks` weeks from date0.
pub fn dates(p: &Progression, weeks: u32) -> Vec<Date> {
    p.schedule.dates(date0(), weeks)
}

pub fn week_of(d: Date) -> i64 {
    (d - date0()).whole_days().div_euclid(7)
}

pub fn days(n: i64) -> Duration {
    Duration::days(n)
}
