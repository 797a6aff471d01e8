//! A generated clinic for load benchmarks: clinicians, their patients, and each patient's
//! history produced by the real progression engine, so the database holds exactly what
//! months of real use would leave behind.

use anyhow::{Context, Result};
use retrowalk_core::{
    Age, BodyMass, Effort, Event, Goal, KneeCondition, Pain, Profile, Progression, RailUse,
    Schedule, SessionLog, Units,
};
use retrowalk_store::{Backup, BackupEvent, BackupPerson, BackupProgramme, Store, UserId};
use time::Date;

/// A small deterministic generator: the same seed gives the same clinic, so benchmark runs
/// compare like with like.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

pub fn patient_email(i: usize) -> String {
    format!("patient{i}@clinic.test")
}

pub fn clinician_email(i: usize) -> String {
    format!("clinician{i}@clinic.test")
}

/// A plausible patient: mostly older adults with knee problems, some athletes.
pub fn patient_profile(i: usize, rng: &mut SplitMix) -> Result<Profile> {
    let goal = Goal::ALL[rng.below(Goal::ALL.len() as u64) as usize];
    let age = Age::new(35 + rng.below(45) as u8)?;
    let mass = BodyMass::from_kg(55.0 + rng.below(45) as f64)?;
    let mut p = Profile::new(format!("Patient {i}"), age, mass, goal);
    p.units = if rng.chance(40) {
        Units::Kmh
    } else {
        Units::Mph
    };
    if goal == Goal::KneeRehab {
        p.knee = KneeCondition::Osteoarthritis;
        p.knee_pain = Pain::new(rng.below(4) as u8)?;
    }
    p.schedule = Some(Schedule::parse(if rng.chance(50) {
        "mon,wed,fri"
    } else {
        "tue,thu"
    })?);
    Ok(p)
}

/// Folds `days` of scheduled sessions through the engine with a realistic mix of clean,
/// hard, painful and missed sessions, and returns the events with their decisions.
pub fn simulate(
    initial: &Progression,
    start: Date,
    days: i64,
    rng: &mut SplitMix,
) -> Result<History> {
    let mut state = initial.clone();
    let mut events = Vec::new();
    let weeks = (days / 7).max(1) as u32;
    let started_at = time::OffsetDateTime::now_utc().unix_timestamp() - days * 86_400;
    for date in initial.schedule.dates(start, weeks) {
        if rng.chance(12) {
            continue; // missed
        }
        let Ok(planned) = state.plan_for(date) else {
            continue;
        };
        let pain = if rng.chance(10) {
            3 + rng.below(4)
        } else {
            rng.below(3)
        } as u8;
        let log = SessionLog {
            effort: Effort::new(3 + rng.below(4) as u8)?,
            pain_before: Pain::new(pain.saturating_sub(1))?,
            pain_during: Pain::new(pain)?,
            pain_after: Pain::new(pain)?,
            dizziness: rng.chance(2),
            rails_used: if rng.chance(70) {
                RailUse::Light
            } else {
                RailUse::None
            },
            ..SessionLog::clean(date, &planned.load)
        };
        let event = Event::Session(log);
        let decision = state.apply(&event);
        let created_at = started_at + (date - start).whole_days() * 86_400;
        events.push(BackupEvent {
            seq: events.len() as i64 + 1,
            data: serde_json::to_value(&event)?,
            decision: decision.as_ref().map(serde_json::to_value).transpose()?,
            actor: None,
            created_at,
            note: None,
        });
    }
    Ok(History {
        start,
        initial: initial.clone(),
        state,
        events,
    })
}

/// A generated programme: where it started, where it ended, and every event between.
pub struct History {
    pub start: Date,
    pub initial: Progression,
    pub state: Progression,
    pub events: Vec<BackupEvent>,
}

/// Writes one patient's generated history with the store's own restore, in one
/// transaction.
pub async fn write_history(
    store: &Store,
    user: UserId,
    person: BackupPerson,
    profile: Profile,
    history: History,
) -> Result<()> {
    let History {
        start,
        initial,
        state,
        events,
    } = history;
    let backup = Backup {
        format: retrowalk_store::BACKUP_FORMAT.into(),
        version: retrowalk_store::BACKUP_VERSION,
        created_at: retrowalk_store::now(),
        person,
        profile: Some(profile),
        programme: Some(BackupProgramme {
            start_date: start,
            initial,
            state,
            seq: events.len() as i64,
            updated_at: retrowalk_store::now(),
        }),
        events,
        runs: Vec::new(),
    };
    store
        .restore(user, &backup, true)
        .await
        .context("writing the generated history")
}
