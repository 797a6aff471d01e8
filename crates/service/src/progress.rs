//! History and progress figures, rebuilt by replaying the programme so each logged
//! session is paired with the load it was planned at.

use crate::actuals::{ActualSource, SessionActuals};
use crate::{Result, Service, ServiceError};
use retrowalk_core::dates::{add_days, monday_of};
use retrowalk_core::prescription::week_index;
use retrowalk_core::{Decision, Event, Load, SessionLog, StopReason, Units};
use retrowalk_store::UserId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub seq: i64,
    pub at: i64,
    pub event: Event,
    /// For sessions: the load that day was planned at.
    pub planned: Option<Load>,
    pub decision: Option<Decision>,
    pub reason: Option<String>,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    /// The person's notes on a session, or a clinician's note on a change.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionStat {
    pub date: Date,
    pub backward_min: f64,
    /// In the person's units.
    pub speed: f64,
    pub incline_pct: f64,
    pub effort: u8,
    pub pain_during: u8,
    pub pain_after: u8,
    pub kcal: f64,
    pub extrapolated: bool,
    pub stopped_early: Option<StopReason>,
    /// An off-plan walk (PRG-08): counted, but it made no progression decision.
    #[serde(default)]
    pub extra: bool,
    /// Every segment walked, warm-up and turns included.
    #[serde(default)]
    pub total_min: f64,
    /// Where the figures come from (telemetry, an import, the stop, the log).
    #[serde(default)]
    pub source: Option<ActualSource>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekStat {
    pub week_start: Date,
    pub sessions: u32,
    pub backward_min: f64,
    pub kcal: f64,
    pub mean_effort: f64,
    pub max_pain: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub units: Units,
    pub sessions: Vec<SessionStat>,
    pub weeks: Vec<WeekStat>,
}

fn monday(d: Date) -> Date {
    monday_of(d)
}

impl Service {
    pub async fn history(&self, user: UserId) -> Result<Vec<HistoryEntry>> {
        let profile = self
            .store
            .profile(user)
            .await?
            .ok_or(ServiceError::NoProfile)?;
        let mut state = self.store.initial_state(user).await?;
        let events = self.store.events(user).await?;
        Ok(events
            .into_iter()
            .map(|e| {
                let planned = match &e.event {
                    Event::Session(l) => state.plan_for(l.date).ok().map(|p| p.load),
                    _ => None,
                };
                state.apply(&e.event);
                HistoryEntry {
                    seq: e.seq,
                    at: e.created_at,
                    reason: e.decision.map(|d| d.sentence(profile.units)),
                    event: e.event,
                    planned,
                    decision: e.decision,
                    actor_id: e.actor_id,
                    actor_name: e.actor_name,
                    note: e.note,
                }
            })
            .collect())
    }

    pub async fn progress(&self, user: UserId) -> Result<Progress> {
        let (profile, _) = self.profile_and_programme(user).await?;
        let history = self.history(user).await?;
        let actuals = self.actuals_of(user, &history).await?;
        let mut sessions = Vec::new();
        for (h, a) in history.iter().zip(&actuals) {
            let (Event::Session(log), Some(a)) = (&h.event, a) else {
                continue;
            };
            sessions.push(stat(log, a, profile.units));
        }
        // Events are in the order they were logged; a late log for an earlier day must land
        // in its own week, so charts and weeks follow the calendar (stable: same-day logs
        // keep their order).
        sessions.sort_by_key(|s| s.date);
        let mut weeks: Vec<WeekStat> = Vec::new();
        for s in &sessions {
            let start = monday(s.date);
            if weeks.last().map(|w| w.week_start) != Some(start) {
                // Weeks with no sessions still appear, so gaps show on the chart.
                if let Some(prev) = weeks.last().map(|w| w.week_start) {
                    let mut w = add_days(prev, 7);
                    while w < start {
                        weeks.push(WeekStat {
                            week_start: w,
                            sessions: 0,
                            backward_min: 0.0,
                            kcal: 0.0,
                            mean_effort: 0.0,
                            max_pain: 0,
                        });
                        w = add_days(w, 7);
                    }
                }
                weeks.push(WeekStat {
                    week_start: start,
                    sessions: 0,
                    backward_min: 0.0,
                    kcal: 0.0,
                    mean_effort: 0.0,
                    max_pain: 0,
                });
            }
            if let Some(w) = weeks.last_mut() {
                w.mean_effort =
                    (w.mean_effort * w.sessions as f64 + s.effort as f64) / (w.sessions + 1) as f64;
                w.sessions += 1;
                w.backward_min += s.backward_min;
                w.kcal += s.kcal;
                w.max_pain = w.max_pain.max(s.pain_during).max(s.pain_after);
            }
        }
        Ok(Progress {
            units: profile.units,
            sessions,
            weeks,
        })
    }
}

impl Service {
    /// What is wrong with a person's logged sessions, one sentence each: the state that
    /// logging now refuses but an older database may hold (PRG-08). Empty when all is well.
    pub async fn session_problems(&self, user: UserId) -> Result<Vec<String>> {
        let Some(rec) = self.store.programme(user).await? else {
            return Ok(Vec::new());
        };
        let events = self.store.events(user).await?;
        let mut problems = Vec::new();
        let mut deciding: BTreeMap<Date, u32> = BTreeMap::new();
        let mut days: BTreeMap<Date, u32> = BTreeMap::new();
        for e in &events {
            let recorded_on = time::OffsetDateTime::from_unix_timestamp(e.created_at)
                .map(|t| t.date())
                .ok();
            match &e.event {
                Event::Session(l) => {
                    *days.entry(l.date).or_default() += 1;
                    if !l.extra {
                        *deciding.entry(l.date).or_default() += 1;
                    }
                    if l.date < rec.start_date {
                        problems.push(format!(
                            "session {} (event {}) is dated before the programme started ({})",
                            l.date, e.seq, rec.start_date
                        ));
                    }
                    // A day of slack: the record's clock is UTC, the person's date local.
                    if recorded_on.is_some_and(|r| l.date > add_days(r, 1)) {
                        problems.push(format!(
                            "session {} (event {}) was logged before its day came",
                            l.date, e.seq
                        ));
                    }
                }
                Event::MorningPain { session_date, .. } if !days.contains_key(session_date) => {
                    problems.push(format!(
                        "the morning check for {session_date} (event {}) follows no logged session",
                        e.seq
                    ));
                }
                _ => {}
            }
        }
        for (day, n) in deciding.iter().filter(|(_, n)| **n > 1) {
            problems.push(format!(
                "{day}: {n} sessions each made a progression decision; only the first of a day may (PRG-08)"
            ));
        }
        if self.store.profile(user).await?.is_some() {
            let p = self.progress(user).await?;
            if !weeks_in_order(&p.weeks) {
                problems.push("progress lists a week twice or out of order".into());
            }
        }
        Ok(problems)
    }
}

/// A session's figures as it happened (see [`SessionActuals`]).
fn stat(log: &SessionLog, a: &SessionActuals, units: Units) -> SessionStat {
    SessionStat {
        date: log.date,
        backward_min: f64::from(a.backward_s) / 60.0,
        speed: units.speed_value(a.speed),
        incline_pct: a.incline.percent(),
        effort: log.effort.value(),
        pain_during: log.pain_during.value(),
        pain_after: log.pain_after.value(),
        kcal: a.kcal,
        extrapolated: a.extrapolated,
        stopped_early: log.stopped_early,
        extra: log.extra,
        total_min: f64::from(a.elapsed_s) / 60.0,
        source: Some(a.source),
    }
}

/// Whether `weeks` run strictly forward, one row per week: what `retrowalk check` verifies.
pub fn weeks_in_order(weeks: &[WeekStat]) -> bool {
    weeks
        .windows(2)
        .all(|w| week_index(w[0].week_start) < week_index(w[1].week_start))
}
