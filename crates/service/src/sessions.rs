//! Today's session, the coming weeks, and logging what happened.

use crate::{Result, Service, ServiceError};
use retrowalk_core::dates::{add_days, monday_of};
use retrowalk_core::prescription::week_index;
use retrowalk_core::progression::{PauseReason, ProgrammeError};
use retrowalk_core::session::{self, SessionPlan, NOT_A_MEDICAL_DEVICE};
use retrowalk_core::slots;
use retrowalk_core::{
    screen, ClinicianCaps, Decision, Event, Load, Pain, Planned, Profile, SessionLog, Tier, Units,
};
use retrowalk_store::{Dated, ProgrammeRecord, UserId};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    NoProfile,
    NeedsClearance,
    Paused { reason: String },
    Active,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Adherence {
    /// This week's planned sessions that have a log: never more than `planned` (issue 11).
    pub done: u32,
    /// This week's planned sessions: its training days from the programme's start on.
    pub planned: u32,
    /// This week's other walks (PRG-08): on a rest day, before the week's first slot, or a
    /// second log on a slot's day. Counted apart so "2 of 1" or "1 of 0" cannot be said.
    #[serde(default)]
    pub extra: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Today {
    pub date: Date,
    pub status: Status,
    pub units: Units,
    pub tier: Option<Tier>,
    /// The next training day on or after today without a logged session.
    pub next_date: Option<Date>,
    pub planned: Option<Planned>,
    pub plan: Option<SessionPlan>,
    /// Why the plan differs from the stored one (a break, ADA-10).
    pub adjustment: Option<String>,
    pub last_decision: Option<Decision>,
    pub last_reason: Option<String>,
    pub adherence: Adherence,
    /// The session whose next-morning knee check is still to be given.
    pub morning_check_due: Option<Date>,
    /// The programme's version, for edits that must not overwrite newer ones.
    pub seq: i64,
    /// The start rests on the person's own word that they were cleared (SCR-14).
    #[serde(default)]
    pub clearance_self_attested: bool,
    /// Limits a clinician set (ADA-11). They stay when that clinician is unlinked.
    #[serde(default)]
    pub caps: ClinicianCaps,
    /// The caps in words, in the person's unit (see [`caps_text`]); None without caps.
    #[serde(default)]
    pub caps_text: Option<String>,
    pub notice: String,
}

/// A clinician's limits in words, every figure in the person's one unit with the unit named
/// (issue 13), e.g. "max speed 2.0 mph · max 10 min backward"; None when there are none.
pub fn caps_text(caps: &ClinicianCaps, units: Units) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(s) = caps.max_speed {
        parts.push(format!("max speed {}", units.fmt_speed(s)));
    }
    if let Some(i) = caps.max_incline {
        parts.push(format!(
            "max incline {}%",
            (i.percent() * 10.0).round() / 10.0
        ));
    }
    if let Some(s) = caps.max_backward_s {
        parts.push(format!("max {} min backward", (s + 30) / 60));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upcoming {
    pub date: Date,
    pub load: Load,
    pub total_s: u32,
    pub bouts: u32,
    pub kcal: f64,
}

fn pause_text(p: PauseReason) -> String {
    match p {
        PauseReason::Fall => {
            "after a reported fall; a clinician should review before you resume".into()
        }
        PauseReason::RepeatedDizziness => {
            "after dizziness in two sessions in a row; please check with a clinician".into()
        }
        PauseReason::Clinician => "by your clinician".into(),
        PauseReason::RedFlag(flag) => format!(
            "after {}; please contact your clinician (your physical therapist or doctor) before you walk backward again",
            flag.describe()
        ),
    }
}

/// The first day whose sessions and morning checks today's page needs: only this week's
/// matter, and the last two days' (the morning check is due only when the latest session
/// is one or two days old, and a later one, if any, is then within the window too).
fn dated_window_start(today: Date) -> Date {
    monday_of(today).min(add_days(today, -2))
}

/// What every logged session must satisfy, whoever it belongs to. The date's place in the
/// programme (before its start, in the future, planned or extra) is [`Service::classify`]'s.
fn check_log_input(log: &SessionLog, today: Date) -> Result<()> {
    retrowalk_core::dates::in_window("date", log.date)?;
    if log.date > today {
        return Err(slots::Refused::Future {
            date: log.date,
            today,
        }
        .into());
    }
    if log.backward_s > 3 * 3600 {
        return Err(ServiceError::Invalid(
            "backward time must be at most 180 minutes".into(),
        ));
    }
    Ok(())
}

impl Service {
    pub(crate) async fn profile_and_programme(
        &self,
        user: UserId,
    ) -> Result<(Profile, ProgrammeRecord)> {
        let (profile, rec) = self.store.profile_and_programme(user).await?;
        let profile = profile.ok_or(ServiceError::NoProfile)?;
        let rec = rec.ok_or(ServiceError::NoProgramme)?;
        Ok((profile, rec))
    }

    pub fn build_plan(&self, profile: &Profile, rec: &ProgrammeRecord, load: &Load) -> SessionPlan {
        let s = screen(profile);
        // The person's knee brings the knee cues (SAF-02).
        session::build_for(
            load,
            rec.state.tier,
            s.requirements,
            profile.units,
            profile.body_mass,
            retrowalk_core::prescription::session_speed_ceiling(&rec.state.limits, &rec.state.caps),
            profile.knee,
        )
    }

    pub async fn today(&self, user: UserId, today: Date) -> Result<Today> {
        let (profile, programme, dated) = self
            .store
            .today_reads(user, dated_window_start(today))
            .await?;
        self.today_from(user, today, profile, programme, &dated)
            .await
    }

    /// [`Service::today`] from a profile and programme the caller already holds, and the
    /// sessions and morning checks dated from [`dated_window_start`] on.
    async fn today_from(
        &self,
        user: UserId,
        today: Date,
        profile: Option<Profile>,
        programme: Option<ProgrammeRecord>,
        dated: &[Dated],
    ) -> Result<Today> {
        let mut out = Today {
            date: today,
            status: Status::NoProfile,
            units: Units::Mph,
            tier: None,
            next_date: None,
            planned: None,
            plan: None,
            adjustment: None,
            last_decision: None,
            last_reason: None,
            adherence: Adherence::default(),
            morning_check_due: None,
            seq: 0,
            clearance_self_attested: false,
            caps: ClinicianCaps::default(),
            caps_text: None,
            notice: NOT_A_MEDICAL_DEVICE.to_string(),
        };
        let Some(profile) = profile else {
            return Ok(out);
        };
        out.units = profile.units;
        let screening = screen(&profile);
        out.tier = Some(screening.tier);
        out.clearance_self_attested = screening.clearance_self_attested;
        let Some(rec) = programme else {
            out.status = if screening.may_start() {
                Status::NoProfile
            } else {
                Status::NeedsClearance
            };
            return Ok(out);
        };
        out.seq = rec.seq;
        out.caps = rec.state.caps;
        out.caps_text = caps_text(&rec.state.caps, profile.units);
        out.tier = Some(rec.state.tier);
        // A new screening that calls for clearance holds a running programme until a
        // clinician records it (SCR-13): the old plan was made for someone else.
        if !screening.may_start() {
            out.tier = Some(screening.tier);
            out.status = Status::NeedsClearance;
            return Ok(out);
        }
        let logged: Vec<Date> = dated
            .iter()
            .filter_map(|d| match d {
                Dated::Session(d) => Some(*d),
                Dated::MorningCheck(_) => None,
            })
            .collect();
        let morning_done: Vec<Date> = dated
            .iter()
            .filter_map(|d| match d {
                Dated::MorningCheck(d) => Some(*d),
                Dated::Session(_) => None,
            })
            .collect();

        let st = &rec.state;
        let week = week_index(today);
        // The week's slots (PRG-08); a log counts as done only on one, and once per slot.
        let slots: Vec<Date> = (0..7)
            .map(|i| add_days(monday_of(today), i))
            .filter(|d| st.schedule.is_training_day(*d) && *d >= rec.start_date)
            .collect();
        let this_week = logged.iter().filter(|d| week_index(**d) == week).count() as u32;
        let done = slots.iter().filter(|d| logged.contains(d)).count() as u32;
        out.adherence = Adherence {
            done,
            planned: slots.len() as u32,
            extra: this_week.saturating_sub(done),
        };
        if let Some(last) = logged.iter().max() {
            let age = (today - *last).whole_days();
            if (1..=2).contains(&age) && !morning_done.contains(last) {
                out.morning_check_due = Some(*last);
            }
        }
        out.last_decision = st.last_decision;
        out.last_reason = st.last_decision.map(|d| d.sentence(profile.units));

        let from = if logged.contains(&today) {
            add_days(today, 1)
        } else {
            today
        };
        let next = st.schedule.next_on_or_after(from.max(rec.start_date));
        out.next_date = Some(next);
        match st.plan_for(next) {
            Ok(planned) => {
                out.status = Status::Active;
                out.adjustment = planned.adjustment.map(|a| a.sentence(profile.units));
                out.plan = Some(self.build_plan(&profile, &rec, &planned.load));
                out.planned = Some(planned);
            }
            Err(ProgrammeError::Paused(p)) => {
                let mut reason = pause_text(p);
                // The clinician's own words, when they gave any, say more than "by your
                // clinician".
                if p == PauseReason::Clinician {
                    if let Some(note) = self.store.last_pause_note(user).await? {
                        reason = format!("{reason}: {note}");
                    }
                }
                out.status = Status::Paused { reason }
            }
            Err(ProgrammeError::ClearanceNeeded) => out.status = Status::NeedsClearance,
        }
        Ok(out)
    }

    /// The session planned for a given date (for the runner).
    pub async fn plan_for(&self, user: UserId, date: Date) -> Result<(Planned, SessionPlan)> {
        let (profile, rec) = self.profile_and_programme(user).await?;
        if !screen(&profile).may_start() {
            return Err(ServiceError::NeedsClearance);
        }
        let planned = rec.state.plan_for(date).map_err(|e| match e {
            ProgrammeError::Paused(p) => ServiceError::Paused(pause_text(p)),
            ProgrammeError::ClearanceNeeded => ServiceError::NeedsClearance,
        })?;
        let plan = self.build_plan(&profile, &rec, &planned.load);
        Ok((planned, plan))
    }

    /// The coming weeks if every session goes as planned.
    pub async fn upcoming(&self, user: UserId, from: Date, weeks: u32) -> Result<Vec<Upcoming>> {
        let (profile, rec) = self.profile_and_programme(user).await?;
        if !screen(&profile).may_start() {
            // Nothing is planned while clearance is outstanding.
            return Ok(Vec::new());
        }
        let after_last = rec.state.last_session_date().map(|d| add_days(d, 1));
        let from = from.max(rec.start_date).max(after_last.unwrap_or(from));
        Ok(rec
            .state
            .project(from, weeks.min(26))
            .into_iter()
            .map(|p| {
                let plan = self.build_plan(&profile, &rec, &p.load);
                Upcoming {
                    date: p.date,
                    load: p.load,
                    total_s: plan.total_s(),
                    bouts: session::bouts(p.load.backward_s).len() as u32,
                    kcal: plan.energy.kcal,
                }
            })
            .collect())
    }

    /// Marks `log` planned or extra (PRG-08) from the sessions already logged on its day, or
    /// refuses it when it falls before the programme's start or after `today`.
    async fn classify(
        &self,
        user: UserId,
        rec: &ProgrammeRecord,
        mut log: SessionLog,
        today: Date,
    ) -> Result<SessionLog> {
        let taken = self.store.sessions_on(user, log.date).await? > 0;
        let logged: &[Date] = if taken { &[log.date] } else { &[] };
        let slot = slots::classify(rec.start_date, &rec.state.schedule, logged, log.date, today)?;
        log.extra = slot.is_extra();
        Ok(log)
    }

    /// Logs a session and returns the decision for the next one with its reason.
    pub async fn log_session(
        &self,
        user: UserId,
        log: SessionLog,
        actor: UserId,
        today: Date,
    ) -> Result<(Decision, String)> {
        self.log_session_noted(user, log, actor, today, None).await
    }

    /// Like [`Service::log_session`], under a client's idempotency key: a retry with the
    /// same key answers with the first decision and records nothing.
    pub async fn log_session_keyed(
        &self,
        user: UserId,
        log: SessionLog,
        actor: UserId,
        today: Date,
        key: Option<&str>,
    ) -> Result<(Decision, String)> {
        let (profile, before) = self.check_log_read(user, &log, today).await?;
        let log = self.classify(user, &before, log, today).await?;
        let (d, sentence, _) = self
            .record_log(user, log, actor, None, &profile, before, key)
            .await?;
        Ok((d, sentence))
    }

    /// Like [`Service::log_session`], keeping the person's notes with the log (blank
    /// notes are not kept).
    pub async fn log_session_noted(
        &self,
        user: UserId,
        log: SessionLog,
        actor: UserId,
        today: Date,
        notes: Option<&str>,
    ) -> Result<(Decision, String)> {
        let (profile, before) = self.check_log_read(user, &log, today).await?;
        let log = self.classify(user, &before, log, today).await?;
        let (d, sentence, _) = self
            .record_log(user, log, actor, notes, &profile, before, None)
            .await?;
        Ok((d, sentence))
    }

    /// Like [`Service::log_session_noted`], also answering with the person's [`Today`] on
    /// `next_day` as it stands after this log (what the log screen shows next). Built from
    /// the profile read for the log and the state the write produced, so neither is read
    /// again. With an idempotency `key` already used, nothing is recorded and the answer is
    /// the first decision with today's page as it stands.
    // The log form's fields, one by one; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub async fn log_session_today(
        &self,
        user: UserId,
        log: SessionLog,
        actor: UserId,
        today: Date,
        notes: Option<&str>,
        next_day: Date,
        key: Option<&str>,
    ) -> Result<(Decision, String, Today)> {
        check_log_input(&log, today)?;
        // The week's dated rows come with the profile and programme, before the write; the
        // session this write adds is then the only new one, unless another writer appended
        // to the programme meanwhile (its seq then moved by more than one): read again.
        let since = dated_window_start(next_day);
        let (profile, before, mut dated) = self.store.today_reads(user, since).await?;
        let profile = profile.ok_or(ServiceError::NoProfile)?;
        let before = before.ok_or(ServiceError::NoProgramme)?;
        let log = self.classify(user, &before, log, today).await?;
        let (before_seq, date) = (before.seq, log.date);
        let (d, sentence, programme) = self
            .record_log(user, log, actor, notes, &profile, before, key)
            .await?;
        if programme.seq == before_seq + 1 {
            if date >= since {
                dated.push(Dated::Session(date));
            }
        } else {
            dated = self.store.dated_since(user, since).await?;
        }
        let next = self
            .today_from(user, next_day, Some(profile), Some(programme), &dated)
            .await?;
        Ok((d, sentence, next))
    }

    /// Records a checked session from `before`, the programme just read: the decision and
    /// its sentence, and the programme as this write left it.
    // Private plumbing of the public log variants above.
    #[allow(clippy::too_many_arguments)]
    async fn record_log(
        &self,
        user: UserId,
        log: SessionLog,
        actor: UserId,
        notes: Option<&str>,
        profile: &Profile,
        before: ProgrammeRecord,
        key: Option<&str>,
    ) -> Result<(Decision, String, ProgrammeRecord)> {
        let notes = notes.map(str::trim).filter(|n| !n.is_empty());
        let start_date = before.start_date;
        if let Some(k) = key {
            check_key(k)?;
        }
        let rec = self
            .store
            .record_keyed_from(user, &Event::Session(log), Some(actor), notes, before, key)
            .await?;
        if let Some(first) = &rec.replay {
            // A retry must resend the same walk; whether it is extra is not the client's to
            // say (the first one was classified before it was stored).
            let same = match first {
                Event::Session(f) => {
                    *f == SessionLog {
                        extra: f.extra,
                        ..log
                    }
                }
                _ => false,
            };
            if !same {
                return Err(ServiceError::Invalid(
                    "idempotency_key was already used for a different log; send a new key for a new walk".into(),
                ));
            }
        }
        let d = rec.decision.ok_or(ServiceError::NoProgramme)?;
        let sentence = d.sentence(profile.units);
        let after = ProgrammeRecord {
            start_date,
            state: rec.state,
            seq: rec.seq,
            // Not shown on Today; the write's own clock is not returned.
            updated_at: 0,
        };
        Ok((d, sentence, after))
    }

    /// Like [`Service::log_session`], storing the finished run that recorded the session
    /// (an imported FIT file) in the same transaction: the session, the run and its
    /// telemetry all land, or none of them does. A conflict when the run is already stored
    /// or a session is already logged that day.
    pub(crate) async fn log_session_with_run(
        &self,
        user: UserId,
        log: SessionLog,
        actor: UserId,
        today: Date,
        run: &retrowalk_store::NewRun<'_>,
    ) -> Result<(Decision, String)> {
        let (profile, before) = self.check_log_read(user, &log, today).await?;
        let log = self.classify(user, &before, log, today).await?;
        let rec = self
            .store
            .record_with_run(user, &Event::Session(log), Some(actor), run)
            .await?;
        let d = rec.decision.ok_or(ServiceError::NoProgramme)?;
        Ok((d, d.sentence(profile.units)))
    }

    /// [`Service::check_log`], keeping the programme it read.
    async fn check_log_read(
        &self,
        user: UserId,
        log: &SessionLog,
        today: Date,
    ) -> Result<(Profile, ProgrammeRecord)> {
        check_log_input(log, today)?;
        self.profile_and_programme(user).await
    }

    /// The next-morning knee check; may step the next session back (ADA-05, ADA-06).
    /// Refused for a day with no logged session, or a day after `today`.
    pub async fn log_morning_pain(
        &self,
        user: UserId,
        session_date: Date,
        pain: Pain,
        today: Date,
    ) -> Result<Option<(Decision, String)>> {
        retrowalk_core::dates::in_window("date", session_date)?;
        let (profile, _) = self.profile_and_programme(user).await?;
        let logged = session_date <= today && self.store.sessions_on(user, session_date).await? > 0;
        slots::check_morning(session_date, logged, today)?;
        let rec = self
            .store
            .record(user, &Event::MorningPain { session_date, pain }, Some(user))
            .await?;
        Ok(rec.decision.map(|d| (d, d.sentence(profile.units))))
    }
}

/// The longest idempotency key taken; a UUID is 36 characters.
pub const KEY_MAX: usize = 100;

/// An idempotency key is a client's opaque token: printable ASCII, 1 to [`KEY_MAX`] long.
pub fn check_key(k: &str) -> Result<()> {
    if k.is_empty() || k.len() > KEY_MAX || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ServiceError::Invalid(format!(
            "idempotency_key must be 1 to {KEY_MAX} printable characters without spaces, e.g. a UUID"
        )));
    }
    Ok(())
}
