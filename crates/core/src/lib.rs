//! The retro-walking domain, pure and free of IO: units, screening, prescription,
//! progression, energy and session plans. Every rule cites an ID in `docs/evidence.md`.

pub mod dates;
pub mod energy;
pub mod heart_rate;
pub mod prescription;
pub mod progression;
pub mod rules;
pub mod screening;
pub mod session;
pub mod slots;
pub mod units;

pub use heart_rate::{heart_rate_cap, heart_rate_guide, HeartRateCap, HeartRateGuide};
pub use prescription::{ClinicianCaps, Limits, Load, Schedule};
pub use progression::{
    Decision, Event, Outcome, Planned, Progression, SessionLog, StopReason, Why,
};
pub use rules::Rule;
pub use screening::{
    screen, ActivityLevel, ClearedBy, Goal, HeartAnswers, KneeCondition, Profile, RiskFlags,
    Screening, Sex, Tier,
};
pub use session::SessionPlan;
pub use units::{Age, BodyMass, Effort, Incline, InvalidValue, Pain, RailUse, Speed, Units};
