//! What a clinician does for linked patients, each change recorded with who and when, and
//! the flags that draw a clinician's eye on the patient list.

use crate::{Result, Service, ServiceError};
use retrowalk_core::dates::add_days;
use retrowalk_core::progression::PauseReason;
use retrowalk_core::SessionLog;
use retrowalk_core::{
    screen, ClearedBy, ClinicianCaps, Decision, Event, Profile, Progression, StopReason, Tier,
};
use retrowalk_store::{
    Among, ProgrammeRecord, ProgrammeVersion, StoreError, StoredEvent, UserId, LAST_SESSIONS,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::Date;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    /// Knee pain rose across the last three sessions.
    PainRising {
        from: u8,
        to: u8,
    },
    /// A stop or report of dizziness, a slip, a near-fall or a fall, or a stop for pain or
    /// discomfort, in the last 14 days.
    SafetyEvent {
        date: Date,
        what: String,
    },
    /// Planned sessions in the last 14 days with nothing logged.
    MissedSessions {
        count: u32,
    },
    /// No session logged for this many days.
    NoLogFor {
        days: i64,
    },
    Paused,
    /// ADA-12: a red flag paused the programme; the patient was told to contact you.
    RedFlag {
        what: String,
    },
    NeedsClearance,
}

impl Flag {
    pub fn describe(&self) -> String {
        match self {
            Flag::PainRising { from, to } => {
                format!("Knee pain rising: {from}/10 → {to}/10 over the last sessions")
            }
            Flag::SafetyEvent { date, what } => format!("{what} on {date}"),
            Flag::MissedSessions { count } => {
                format!("{count} planned session(s) missed in the last 2 weeks")
            }
            Flag::NoLogFor { days } => format!("No session logged for {days} days"),
            Flag::Paused => "Programme paused".into(),
            Flag::RedFlag { what } => format!("Red flag: {what}; programme paused"),
            Flag::NeedsClearance => "Waiting for clearance".into(),
        }
    }
}

/// Above this many changed patients the whole list is made again (the same two queries
/// without the list of ids; the store pads that list to 1, 2, 4, 8 or 16 entries).
const FEW_CHANGED: usize = 16;

/// Days without a log before the clinician is told.
pub const NO_LOG_DAYS: i64 = 7;

/// The earliest session date a patient's flags look at: safety events go back 14 days,
/// and a planned day 14 days ago counts as done by a session a day either side.
pub fn flags_since(today: Date) -> Date {
    add_days(today, -15)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientSummary {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub tier: Option<Tier>,
    pub last_session: Option<Date>,
    pub flags: Vec<Flag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: i64,
    pub who: String,
    pub what: String,
    /// What the clinician wrote with the change (a pause reason, a clearance note).
    pub note: Option<String>,
}

impl Service {
    async fn clinician_event(
        &self,
        clinician: UserId,
        patient: UserId,
        ev: Event,
        expected_seq: Option<i64>,
        note: Option<&str>,
    ) -> Result<Option<Decision>> {
        self.ensure_clinician_of(clinician, patient).await?;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let rec = self
            .store
            .record_noted(patient, &ev, Some(clinician), expected_seq, note)
            .await?;
        Ok(rec.decision)
    }

    /// ADA-11: caps that the engine never exceeds.
    pub async fn set_caps(
        &self,
        clinician: UserId,
        patient: UserId,
        caps: ClinicianCaps,
        expected_seq: Option<i64>,
    ) -> Result<Option<Decision>> {
        caps.validate()?;
        self.ensure_clinician_of(clinician, patient).await?;
        let rec = self.programme_at(patient, expected_seq).await?;
        if loosens(&rec.state.caps, &caps) {
            let setter = self
                .store
                .newest_events_like(patient, &Event::CapsSet { caps }, 1)
                .await?
                .pop();
            self.ensure_not_overriding(
                clinician,
                patient,
                setter,
                "the limits in force",
                "loosen or remove",
            )
            .await?;
        }
        // At the version just checked: a change made meanwhile is refused, not overridden.
        self.clinician_event(
            clinician,
            patient,
            Event::CapsSet { caps },
            Some(rec.seq),
            None,
        )
        .await
    }

    /// The patient's programme, refused as changed meanwhile if it is not at `expected_seq`.
    async fn programme_at(
        &self,
        patient: UserId,
        expected_seq: Option<i64>,
    ) -> Result<ProgrammeRecord> {
        let rec = self
            .store
            .programme(patient)
            .await?
            .ok_or(StoreError::NotFound("programme"))?;
        if let Some(expected) = expected_seq.filter(|e| *e != rec.seq) {
            return Err(StoreError::Conflict(format!(
                "the programme changed since you loaded it (version {expected}, now {}); reload and try again",
                rec.seq
            ))
            .into());
        }
        Ok(rec)
    }

    /// Refuses a change that lifts or loosens `what`, set by the event `setter`, when that
    /// was another clinician who still looks after the patient (approved, linked): a second
    /// clinician must not silently undo the first one's safety settings. Someone no longer
    /// approved or linked holds nothing back, or the patient would be stuck for ever.
    async fn ensure_not_overriding(
        &self,
        clinician: UserId,
        patient: UserId,
        setter: Option<StoredEvent>,
        what: &str,
        verb: &str,
    ) -> Result<()> {
        let Some(set) = setter else {
            return Ok(());
        };
        let Some(by) = set.actor_id.filter(|a| *a != clinician) else {
            return Ok(());
        };
        let holds = match self.store.user(by).await? {
            Some(u) if u.approved_clinician() => self.store.is_linked(by, patient).await?,
            _ => false,
        };
        if !holds {
            return Ok(());
        }
        let name = set.actor_name.unwrap_or_else(|| "another clinician".into());
        Err(ServiceError::SetByAnother(format!(
            "{name} set {what}; only {name} can {verb} them. Ask {name}, who sees this patient on their list too"
        )))
    }

    pub async fn pause(
        &self,
        clinician: UserId,
        patient: UserId,
        today: Date,
    ) -> Result<Option<Decision>> {
        self.pause_with_reason(clinician, patient, today, None)
            .await
    }

    /// Pauses with the clinician's reason, which the patient is shown.
    pub async fn pause_with_reason(
        &self,
        clinician: UserId,
        patient: UserId,
        today: Date,
        reason: Option<&str>,
    ) -> Result<Option<Decision>> {
        self.clinician_event(
            clinician,
            patient,
            Event::Paused {
                date: today,
                by_clinician: true,
            },
            None,
            reason,
        )
        .await
    }

    pub async fn resume(
        &self,
        clinician: UserId,
        patient: UserId,
        today: Date,
    ) -> Result<Option<Decision>> {
        self.ensure_clinician_of(clinician, patient).await?;
        let rec = self.programme_at(patient, None).await?;
        if rec.state.paused == Some(PauseReason::Clinician) {
            let like = Event::Paused {
                date: today,
                by_clinician: true,
            };
            // The pause in force is the newest one a clinician made (a person's own pause
            // events do not pause the programme).
            let setter = self
                .store
                .newest_events_like(patient, &like, 50)
                .await?
                .into_iter()
                .find(|e| {
                    matches!(
                        e.event,
                        Event::Paused {
                            by_clinician: true,
                            ..
                        }
                    )
                });
            self.ensure_not_overriding(clinician, patient, setter, "this pause", "lift")
                .await?;
        }
        self.clinician_event(
            clinician,
            patient,
            Event::Resumed { date: today },
            Some(rec.seq),
            None,
        )
        .await
    }

    /// SCR-12: clearance lifts the highest tier to supervised and starts the programme.
    pub async fn record_clearance(
        &self,
        clinician: UserId,
        patient: UserId,
        today: Date,
    ) -> Result<bool> {
        self.record_clearance_noted(clinician, patient, today, None)
            .await
    }

    /// Like [`Service::record_clearance`], keeping the clinician's note. Every clearance
    /// leaves its own entry in the patient's history (who, when, the note), also when the
    /// programme was already running and nothing else about it changes.
    pub async fn record_clearance_noted(
        &self,
        clinician: UserId,
        patient: UserId,
        today: Date,
        note: Option<&str>,
    ) -> Result<bool> {
        self.record_clearance_in_tier(clinician, patient, today, note, Tier::Supervised)
            .await
    }

    /// SCR-12: the clinician's clearance, starting the person in the `tier` they chose
    /// (standard, caution or supervised), with their note.
    pub async fn record_clearance_in_tier(
        &self,
        clinician: UserId,
        patient: UserId,
        today: Date,
        note: Option<&str>,
        tier: Tier,
    ) -> Result<bool> {
        if tier == Tier::ClearanceRequired {
            return Err(ServiceError::Invalid(
                "a clearance starts the person in the standard, caution or supervised tier".into(),
            ));
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        self.ensure_clinician_of(clinician, patient).await?;
        let mut profile = self
            .store
            .profile(patient)
            .await?
            .ok_or(ServiceError::NoProfile)?;
        if let Some(rec) = self.store.programme(patient).await? {
            if tier < rec.state.tier {
                // Issue 14's rule holds for a clearance too: a second clinician cannot
                // lower the tier another linked clinician set or cleared the patient in.
                let kinds = [
                    Event::ClearanceRecorded { date: today },
                    Event::Retiered {
                        tier: rec.state.tier,
                        limits: rec.state.limits,
                        start: rec.state.start,
                    },
                ];
                for like in kinds {
                    let setter = self
                        .store
                        .newest_events_like(patient, &like, 50)
                        .await?
                        .into_iter()
                        .find(|e| e.actor_id.is_some_and(|a| a != patient));
                    self.ensure_not_overriding(clinician, patient, setter, "this tier", "lower")
                        .await?;
                }
            }
        }
        profile.clearance = true;
        profile.clearance_by = Some(ClearedBy::Clinician { tier });
        self.store.save_profile(patient, &profile).await?;
        let schedule = profile.schedule.clone().ok_or_else(|| {
            ServiceError::Invalid("the patient has not chosen training days yet".into())
        })?;
        let s = screen(&profile);
        // Starts the programme, or records the tier clearance brings (the clinician's act,
        // with their note, as the reason for the new tier).
        let (running, _) = self
            .ensure_programme(patient, &profile, &s, schedule, today, clinician, note)
            .await?;
        if !running {
            // Screening with clearance always allows a start (SCR-12); without a programme
            // there is no history to record it in.
            return Ok(false);
        }
        self.store
            .record_noted(
                patient,
                &Event::ClearanceRecorded { date: today },
                Some(clinician),
                None,
                note,
            )
            .await?;
        Ok(true)
    }

    /// A clinician's explicit tier: new limits and start values for that tier.
    pub async fn set_tier(&self, clinician: UserId, patient: UserId, tier: Tier) -> Result<()> {
        self.ensure_clinician_of(clinician, patient).await?;
        if tier == Tier::ClearanceRequired {
            return self
                .pause(clinician, patient, time::OffsetDateTime::now_utc().date())
                .await
                .map(|_| ());
        }
        let profile = self
            .store
            .profile(patient)
            .await?
            .ok_or(ServiceError::NoProfile)?;
        let mut s = screen(&profile);
        s.tier = tier;
        s.requirements.spotter = tier >= Tier::Supervised;
        s.requirements.continuous_rails = tier >= Tier::Supervised;
        let ev =
            Progression::retier_event(&profile, &s).map_err(|_| ServiceError::NeedsClearance)?;
        let rec = self.programme_at(patient, None).await?;
        if tier < rec.state.tier {
            // The tier in force is the newest one someone other than the patient set (a
            // re-screening is the patient's own).
            let setter = self
                .store
                .newest_events_like(patient, &ev, 50)
                .await?
                .into_iter()
                .find(|e| e.actor_id.is_some_and(|a| a != patient));
            self.ensure_not_overriding(clinician, patient, setter, "this tier", "lower")
                .await?;
        }
        self.store
            .record_if(patient, &ev, Some(clinician), Some(rec.seq))
            .await?;
        Ok(())
    }

    /// A patient's flags, as the patient list shows them.
    pub async fn patient_flags(&self, patient: UserId, today: Date) -> Result<Vec<Flag>> {
        let (profile, rec) = self.store.profile_and_programme(patient).await?;
        self.flags_read(patient, profile.as_ref(), rec.as_ref(), today)
            .await
    }

    /// [`Service::patient_flags`] from the profile and programme already read, reading
    /// the recent sessions the flags depend on.
    async fn flags_read(
        &self,
        patient: UserId,
        profile: Option<&Profile>,
        rec: Option<&ProgrammeRecord>,
        today: Date,
    ) -> Result<Vec<Flag>> {
        let Some(rec) = rec else {
            return Ok(Service::flags_of(profile, None, &[], None, today));
        };
        let logs: Vec<SessionLog> = self
            .store
            .recent_sessions(patient, flags_since(today))
            .await?
            .into_iter()
            .map(|r| r.log)
            .collect();
        let last = self.store.last_session_day(patient).await?;
        Ok(Service::flags_of(profile, Some(rec), &logs, last, today))
    }

    /// Every flag of a patient: waiting for clearance first, then the programme's
    /// ([`Service::flags_from`]). A patient whose latest screening calls for clearance
    /// waits for it whether or not a programme is running: a re-screening holds a running
    /// programme until a clinician records clearance (SCR-13), as their own page says.
    fn flags_of(
        profile: Option<&Profile>,
        rec: Option<&ProgrammeRecord>,
        logs: &[SessionLog],
        last: Option<Date>,
        today: Date,
    ) -> Vec<Flag> {
        let mut flags = Vec::new();
        if profile.is_some_and(|p| !screen(p).may_start()) {
            flags.push(Flag::NeedsClearance);
        }
        if let Some(rec) = rec {
            flags.extend(Service::flags_from(rec, logs, last, today));
        }
        flags
    }

    /// A patient's programme flags from what they depend on: `logs` in log order, holding at least
    /// the last [`LAST_SESSIONS`] sessions and every session dated [`flags_since`] or
    /// later (the whole log gives the same answer), and `last`, the latest date any
    /// session was logged for.
    pub fn flags_from(
        rec: &ProgrammeRecord,
        logs: &[SessionLog],
        last: Option<Date>,
        today: Date,
    ) -> Vec<Flag> {
        let mut flags = Vec::new();
        match rec.state.paused {
            Some(PauseReason::RedFlag(flag)) => flags.push(Flag::RedFlag {
                what: flag.describe().into(),
            }),
            Some(_) => flags.push(Flag::Paused),
            None => {}
        }
        let pains: Vec<u8> = logs
            .iter()
            .rev()
            .take(LAST_SESSIONS)
            .rev()
            .map(|l| l.pain_during.value().max(l.pain_after.value()))
            .collect();
        if pains.len() == 3 && pains[2] > pains[0] && pains.windows(2).all(|w| w[1] >= w[0]) {
            flags.push(Flag::PainRising {
                from: pains[0],
                to: pains[2],
            });
        }
        let since = add_days(today, -14);
        for l in logs.iter().filter(|l| l.date >= since) {
            let what = if l.fall || l.stopped_early == Some(StopReason::Fall) {
                Some("Fall")
            } else if l.near_fall || l.stopped_early == Some(StopReason::SlipOrNearFall) {
                Some("Slip or near-fall")
            } else if l.dizziness || l.stopped_early == Some(StopReason::Dizziness) {
                Some("Dizziness")
            } else if l.stopped_early == Some(StopReason::Pain) {
                Some("Stopped for pain")
            } else if l.stopped_early == Some(StopReason::Discomfort) {
                Some("Stopped for discomfort")
            } else {
                None
            };
            if let Some(what) = what {
                flags.push(Flag::SafetyEvent {
                    date: l.date,
                    what: what.into(),
                });
            }
        }
        let window_start = since.max(rec.start_date);
        let missed = rec
            .state
            .schedule
            .dates(window_start, 3)
            .into_iter()
            .filter(|d| *d < today)
            .filter(|d| !logs.iter().any(|l| (l.date - *d).whole_days().abs() <= 1))
            .count() as u32;
        if missed >= 2 {
            flags.push(Flag::MissedSessions { count: missed });
        }
        let quiet = (today - last.unwrap_or(rec.start_date)).whole_days();
        if quiet >= NO_LOG_DAYS {
            flags.push(Flag::NoLogFor { days: quiet });
        }
        flags
    }

    /// The patient list. Summaries remembered from earlier requests are reused while each
    /// patient's programme is at the same version (one index-only query checks them all);
    /// the ones that changed are made again together, in two queries whatever their number.
    pub async fn patients(&self, clinician: UserId, today: Date) -> Result<Vec<PatientSummary>> {
        self.ensure_approved_clinician(clinician).await?;
        let versions = self.store.patient_versions(clinician).await?;
        let mut out: Vec<Option<PatientSummary>> = versions
            .iter()
            .map(|(id, v)| v.and_then(|v| self.summaries.get(*id, v, today)))
            .collect();
        let changed: Vec<UserId> = versions
            .iter()
            .zip(&out)
            .filter(|(_, s)| s.is_none())
            .map(|((id, _), _)| *id)
            .collect();
        if changed.is_empty() {
            return Ok(out.into_iter().flatten().collect());
        }
        if changed.len() > FEW_CHANGED {
            return self.summaries_among(clinician, Among::All, today).await;
        }
        let mut fresh: HashMap<UserId, PatientSummary> = self
            .summaries_among(clinician, Among::Only(&changed), today)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        for (slot, (id, _)) in out.iter_mut().zip(&versions) {
            if slot.is_none() {
                // None if the patient was unlinked meanwhile.
                *slot = fresh.remove(id);
            }
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// Summaries of the patients `among` names, made from the database in two queries
    /// whatever their number (the patients with their profiles and programmes, and the few
    /// recent sessions their flags depend on), and remembered for the next list.
    async fn summaries_among(
        &self,
        clinician: UserId,
        among: Among<'_>,
        today: Date,
    ) -> Result<Vec<PatientSummary>> {
        // The programmes (with the profiles, in the same query) are read before the
        // sessions, so a summary is never older than the version it is remembered under
        // (at worst newer, which only costs a rebuild); a profile save moves that version.
        let rows = self.store.patient_rows(clinician, among).await?;
        let mut recent: HashMap<UserId, Vec<SessionLog>> = HashMap::new();
        for r in self
            .store
            .recent_sessions_of_patients(clinician, among, flags_since(today))
            .await?
        {
            recent.entry(r.user_id).or_default().push(r.log);
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let flags = Service::flags_of(
                row.profile.as_ref(),
                row.programme.as_ref(),
                recent.get(&row.id).map(Vec::as_slice).unwrap_or_default(),
                row.last_session_day,
                today,
            );
            let summary = PatientSummary {
                id: row.id,
                name: row.name,
                email: row.email,
                tier: row.programme.as_ref().map(|r| r.state.tier),
                last_session: row
                    .programme
                    .as_ref()
                    .and_then(|r| r.state.last_session_date()),
                flags,
            };
            if let Some(rec) = &row.programme {
                self.summaries
                    .put(ProgrammeVersion::of(rec), today, &summary);
            }
            out.push(summary);
        }
        Ok(out)
    }

    /// Changes made by someone other than the patient, newest first: shown to the patient.
    pub async fn audit(&self, patient: UserId) -> Result<Vec<AuditEntry>> {
        let profile = self.store.profile(patient).await?;
        let units = profile.map(|p| p.units).unwrap_or_default();
        let mut out: Vec<AuditEntry> = self
            .store
            .events(patient)
            .await?
            .into_iter()
            .filter(|e| e.actor_id.is_some_and(|a| a != patient))
            .map(|e| AuditEntry {
                at: e.created_at,
                who: e.actor_name.clone().unwrap_or_else(|| "a clinician".into()),
                what: describe_change(&e.event, units),
                note: e.note,
            })
            .collect();
        out.reverse();
        Ok(out)
    }
}

/// Whether `new` allows more than `old` on any limit: a higher maximum, or none at all.
fn loosens(old: &ClinicianCaps, new: &ClinicianCaps) -> bool {
    fn looser<T: PartialOrd>(old: Option<T>, new: Option<T>) -> bool {
        match (old, new) {
            (Some(_), None) => true,
            (Some(o), Some(n)) => n > o,
            (None, _) => false,
        }
    }
    looser(old.max_speed, new.max_speed)
        || looser(old.max_incline, new.max_incline)
        || looser(old.max_backward_s, new.max_backward_s)
}

fn describe_change(e: &Event, units: retrowalk_core::Units) -> String {
    match e {
        // Before clearance had its own event, empty caps marked it; still shown that way.
        Event::CapsSet { caps } if caps.is_empty() => "Recorded clearance / removed limits".into(),
        Event::CapsSet { caps } => {
            let mut parts = Vec::new();
            if let Some(s) = caps.max_speed {
                parts.push(format!("max speed {}", units.fmt_speed(s)));
            }
            if let Some(i) = caps.max_incline {
                parts.push(format!("max incline {:.0}%", i.percent()));
            }
            if let Some(m) = caps.max_backward_s {
                parts.push(format!("max backward time {} min", m / 60));
            }
            format!("Set limits: {}", parts.join(", "))
        }
        Event::Retiered { tier, .. } => format!("Changed tier to {tier}"),
        Event::Paused { .. } => "Paused the programme".into(),
        Event::Resumed { .. } => "Resumed the programme".into(),
        Event::ScheduleSet { .. } => "Changed the training days".into(),
        Event::ClearanceRecorded { .. } => "Recorded clearance".into(),
        Event::Session(l) => format!("Logged a session for {}", l.date),
        Event::MorningPain { session_date, .. } => {
            format!("Logged the morning check for {session_date}")
        }
    }
}
