//! Interchange with other tools: a logged session as a FIT or TCX activity, the log and
//! its segments as CSV, the programme as iCalendar, and FIT activities (from a watch or
//! another treadmill app) imported as logged sessions. Shared by the CLI and the web app,
//! so both export exactly the same files.

use crate::{HistoryEntry, Result, Service, ServiceError};
use retrowalk_core::dates::add_days;
use retrowalk_core::session::{SegmentKind, SessionPlan};
use retrowalk_core::{Effort, Event, Load, Pain, RailUse, SessionLog, StopReason, Units};
use retrowalk_formats::fit::{self, Activity, Intensity, Lap, LapTrigger, Record};
use retrowalk_formats::incoming::{self, Incoming};
use retrowalk_formats::{ics, snake, spreadsheet};
use retrowalk_store::{NewRun, Run, Sample, StoreError, UserId};
use serde::Serialize;
use time::{Date, Time};

/// A logged session ready to be written as FIT or TCX.
#[derive(Debug, Clone)]
pub struct SessionExport {
    pub date: Date,
    /// The treadmill run it came from, when there was one.
    pub run_id: Option<String>,
    pub activity: Activity,
    /// A sentence or two for TCX's notes: what was planned and how it felt.
    pub notes: String,
}

impl SessionExport {
    /// A file name for downloads: `retrowalk-YYYY-MM-DD.EXT`.
    pub fn file_name(&self, ext: &str) -> String {
        format!("retrowalk-{}.{ext}", self.date)
    }
}

/// The programme as an iCalendar file.
#[derive(Debug, Clone)]
pub struct CalendarExport {
    pub text: String,
    /// One per planned session, stable across exports so a re-import replaces.
    pub uids: Vec<String>,
}

/// What a FIT file cannot say about a walk, given once for every file imported.
#[derive(Debug, Clone, Copy)]
pub struct ImportAnswers {
    pub effort: Effort,
    pub pain_before: Pain,
    pub pain_during: Pain,
    pub pain_after: Pain,
    pub dizziness: bool,
    pub near_fall: bool,
    pub fall: bool,
    /// None: as planned that day.
    pub rails: Option<RailUse>,
    pub stopped_early: Option<StopReason>,
}

/// One FIT file imported as a logged session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Imported {
    pub date: Date,
    pub backward_min: f64,
    /// Telemetry samples kept (one per FIT record).
    pub records: usize,
    /// The run holding the telemetry; its id derives from the file, so a second import
    /// of the same file is refused.
    pub run: String,
}

/// The activities in uploaded files, ready to import: those that cannot be imported first
/// (in the files' order), then the rest by start time, so a programme folds sessions in the
/// order they happened whatever the files are called. Each comes with its place in the
/// upload, for reporting in the order the person chose the files.
pub fn prepare_imports<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Vec<(usize, Incoming)> {
    let mut all: Vec<(usize, Incoming)> = files
        .into_iter()
        .flat_map(|(name, bytes)| incoming::unpack(name, bytes))
        .enumerate()
        .collect();
    all.sort_by_key(|(_, i)| match &i.activity {
        Err(_) => (0, i64::MIN),
        Ok(a) => (1, a.start().unwrap_or(i64::MIN)),
    });
    all
}

fn invalid(msg: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(msg.into())
}

impl Service {
    /// A logged session as an activity: by treadmill run id, by day, or (neither) the last
    /// session logged. Telemetry, when the run recorded any, becomes 1 Hz records.
    pub async fn session_export(
        &self,
        user: UserId,
        run_id: Option<&str>,
        date: Option<Date>,
    ) -> Result<SessionExport> {
        let profile = self
            .store
            .profile(user)
            .await?
            .ok_or(ServiceError::NoProfile)?;
        let walk = find_walk(self, user, run_id, date).await?;
        Ok(SessionExport {
            date: walk.date,
            run_id: walk.run.as_ref().map(|r| r.id.clone()),
            activity: activity(&walk),
            notes: notes(&walk, profile.units),
        })
    }

    /// One row per logged session, in the person's units.
    pub async fn sessions_csv(&self, user: UserId) -> Result<String> {
        let profile = self
            .store
            .profile(user)
            .await?
            .ok_or(ServiceError::NoProfile)?;
        let history = self.history(user).await?;
        spreadsheet::sessions_csv(&session_rows(&history), profile.units)
            .map_err(|e| invalid(format!("writing CSV: {e}")))
    }

    /// One row per segment of every logged session, as planned and as done.
    pub async fn segments_csv(&self, user: UserId) -> Result<String> {
        let profile = self
            .store
            .profile(user)
            .await?
            .ok_or(ServiceError::NoProfile)?;
        let history = self.history(user).await?;
        let rows = segment_rows(self, user, &history).await?;
        spreadsheet::segments_csv(&rows, profile.units)
            .map_err(|e| invalid(format!("writing CSV: {e}")))
    }

    /// The planned sessions from `from` for `weeks` weeks as iCalendar: one event per
    /// session with its segments in the description, all-day unless `at` is given.
    pub async fn programme_calendar(
        &self,
        user: UserId,
        from: Date,
        weeks: u32,
        at: Option<Time>,
    ) -> Result<CalendarExport> {
        self.calendar(user, None, from, weeks, at).await
    }

    /// The subscribed calendar: the sessions logged in the `past_weeks` weeks before
    /// `today`, then the planned ones from `today` for `weeks` weeks. A calendar app drops
    /// whatever a feed stops listing, so the recent past stays in it; a walk keeps the UID
    /// it had while planned (the person and the day), so it is updated in place — from
    /// the plan to what was done — rather than added again. A planned day that was missed
    /// is not listed once it has passed.
    pub async fn calendar_feed(
        &self,
        user: UserId,
        today: Date,
        past_weeks: u32,
        weeks: u32,
    ) -> Result<CalendarExport> {
        let since = add_days(today, -7 * i64::from(past_weeks));
        self.calendar(user, Some(since), today, weeks, None).await
    }

    /// Logged sessions from `past` on (when given), then the plan from `from` (which starts
    /// after the last session logged).
    async fn calendar(
        &self,
        user: UserId,
        past: Option<Date>,
        from: Date,
        weeks: u32,
        at: Option<Time>,
    ) -> Result<CalendarExport> {
        let (profile, rec) = self.profile_and_programme(user).await?;
        let units = profile.units;
        // By day: a day's UID is its date, so one event each (the last log of a day wins),
        // in date order whatever order the logs came in (an older walk imported later).
        let mut days = std::collections::BTreeMap::new();
        if let Some(since) = past {
            let history = self.history(user).await?;
            for (log, planned, _) in logged(&history) {
                if log.date < since {
                    continue;
                }
                let Some(planned) = planned else { continue };
                let done = Load {
                    backward_s: log.backward_s,
                    ..planned
                };
                let plan = self.build_plan(&profile, &rec, &done);
                let event = ics::PlannedEvent {
                    date: log.date,
                    duration_s: plan.total_s(),
                    summary: format!(
                        "Backward walk (done): {} at {}",
                        minutes(log.backward_s),
                        units.fmt_speed(done.speed)
                    ),
                    description: format!(
                        "Logged: effort {}/10; knee pain {} before, {} during, {} after.\n{}",
                        log.effort.value(),
                        log.pain_before.value(),
                        log.pain_during.value(),
                        log.pain_after.value(),
                        ics::describe(&plan, units)
                    ),
                };
                days.insert(log.date, event);
            }
        }
        for u in self.upcoming(user, from, weeks).await? {
            if days.contains_key(&u.date) {
                continue; // already walked that day
            }
            let plan = self.build_plan(&profile, &rec, &u.load);
            days.insert(
                u.date,
                ics::PlannedEvent {
                    date: u.date,
                    duration_s: plan.total_s(),
                    summary: format!(
                        "Backward walk: {} at {}",
                        minutes(u.load.backward_s),
                        units.fmt_speed(u.load.speed)
                    ),
                    description: ics::describe(&plan, units),
                },
            );
        }
        let events: Vec<ics::PlannedEvent> = days.into_values().collect();
        // The owner names the person, so UIDs stay the same between exports and between
        // the downloaded file and the feed: a calendar replaces rather than duplicates.
        let opts = ics::CalendarOptions {
            owner: format!("person-{user}"),
            name: format!("retrowalk: {}", profile.name),
            start_time: at,
            stamp: retrowalk_store::now(),
        };
        let uids = events
            .iter()
            .map(|e| ics::uid(&opts.owner, e.date))
            .collect();
        Ok(CalendarExport {
            text: ics::calendar(&events, &opts),
            uids,
        })
    }

    /// Logs one activity found in an upload (see [`prepare_imports`]) as a session with its
    /// telemetry. Its date is the person's own: the file's offset from UTC where it has one
    /// (FIT's `local_timestamp`), else `utc_offset_s` (the client's clock), else UTC. Errors
    /// say what is wrong with this activity; nothing is stored then.
    pub async fn import_activity(
        &self,
        user: UserId,
        found: &Incoming,
        answers: &ImportAnswers,
        today: Date,
        utc_offset_s: Option<i32>,
    ) -> Result<Imported> {
        let act = found.activity.as_ref().map_err(|e| invalid(e.clone()))?;
        let name = found.label.as_str();
        let start = act
            .start()
            .ok_or_else(|| invalid("the file has no session, laps or records"))?;
        let offset = act.utc_offset_s.or(utc_offset_s).unwrap_or(0);
        let date = utc_date(start + i64::from(offset));
        let secs = |l: &Lap| {
            l.timer_s
                .or(l.elapsed_s)
                .unwrap_or((l.end - l.start) as f64)
        };
        // A file from retrowalk marks its backward laps; from anything else the whole walk
        // counts as backward, since that is what the person recorded it for.
        let backward = if act.laps.iter().any(|l| l.segment.is_some()) {
            act.laps
                .iter()
                .filter(|l| l.segment.as_deref() == Some("backward"))
                .map(secs)
                .sum::<f64>()
        } else if let Some(s) = &act.session {
            s.timer_s
                .or(s.elapsed_s)
                .unwrap_or((s.end - s.start) as f64)
        } else if !act.laps.is_empty() {
            act.laps.iter().map(secs).sum()
        } else {
            act.records.last().map_or(0.0, |r| (r.time - start) as f64)
        };
        let backward_s = backward.round().max(0.0) as u32;
        if backward_s > 3 * 3600 {
            return Err(invalid(format!(
                "{} min backward is more than the 180 min a session may have",
                backward_s / 60
            )));
        }
        // Run ids are unique across the database, so the person is part of it: two people
        // may import the same file, and neither learns that the other did.
        let kind = found.kind.map_or("file", |k| k.tag());
        let run_id = format!("{kind}-{user}-{start}-{:04x}", found.fingerprint);
        if self.store.runs(user).await?.iter().any(|r| r.id == run_id) {
            return Err(invalid(format!("already imported (run {run_id})")));
        }
        let history = self.history(user).await?;
        if logged(&history).iter().any(|s| s.0.date == date) {
            return Err(invalid(format!("a session is already logged on {date}")));
        }
        let (planned, plan) = self.plan_for(user, date).await?;
        let log = SessionLog {
            date,
            backward_s,
            effort: answers.effort,
            pain_before: answers.pain_before,
            pain_during: answers.pain_during,
            pain_after: answers.pain_after,
            dizziness: answers.dizziness,
            near_fall: answers.near_fall,
            fall: answers.fall,
            rails_used: answers.rails.unwrap_or(planned.load.rails),
            stopped_early: answers.stopped_early,
            extra: false,
        };
        let samples: Vec<Sample> = act
            .records
            .iter()
            .filter(|r| r.time >= start)
            .scan(0.0, |dist, r| {
                *dist = r.distance_m.unwrap_or(*dist);
                Some(Sample {
                    t_ms: (r.time - start) * 1000,
                    speed_kmh: r.speed_mps.unwrap_or(0.0) * 3.6,
                    incline_pct: r.grade_pct,
                    distance_m: *dist,
                    heart_rate: r.heart_rate,
                    rr_ms: Vec::new(),
                })
            })
            .collect();
        // The store stamps a run with the time it is written, so the file's own start time
        // rides in the plan, beside the session plan for that day.
        let mut plan_json =
            serde_json::to_value(&plan).map_err(|e| invalid(format!("the plan: {e}")))?;
        if let Some(o) = plan_json.as_object_mut() {
            o.insert("started_at".into(), start.into());
            o.insert("imported_from".into(), name.into());
            o.insert("utc_offset_s".into(), offset.into());
            o.insert("date".into(), date.to_string().into());
        }
        // One transaction: a failure part way leaves no session without its telemetry,
        // and the same file sent twice at once is logged once (the checks above are the
        // quick answer; the store's, inside the transaction, are the guarantee).
        let run = NewRun {
            id: &run_id,
            plan: &plan_json,
            stop_reason: Some("imported"),
            samples: &samples,
        };
        match self
            .log_session_with_run(user, log, user, today, &run)
            .await
        {
            Ok(_) => {}
            Err(ServiceError::Store(StoreError::Conflict(m))) => return Err(invalid(m)),
            Err(e) => return Err(e),
        }
        Ok(Imported {
            date,
            backward_min: f64::from(backward_s) / 60.0,
            records: samples.len(),
            run: run_id,
        })
    }
}

fn minutes(s: u32) -> String {
    match (s / 60, s % 60) {
        (m, 0) => format!("{m} min"),
        (m, sec) => format!("{m} min {sec} s"),
    }
}

/// A logged session and what was recorded of it.
struct Walk {
    date: Date,
    log: Option<SessionLog>,
    plan: Option<SessionPlan>,
    run: Option<Run>,
    samples: Vec<Sample>,
    /// Unix seconds.
    start: i64,
    /// The person's offset from UTC then, for the file's local times.
    utc_offset_s: i32,
}

/// When a run began: an imported run keeps the file's own start time in its plan.
fn run_start(r: &Run) -> i64 {
    r.plan
        .get("started_at")
        .and_then(|v| v.as_i64())
        .unwrap_or(r.started_at)
}

/// The person's date of a run: an imported run keeps the local date it was logged on;
/// otherwise the day of its start in UTC.
fn run_day(r: &Run) -> Date {
    r.plan
        .get("date")
        .and_then(|v| v.as_str())
        .and_then(|d| {
            Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok()
        })
        .unwrap_or_else(|| utc_date(run_start(r)))
}

/// The offset from UTC an imported run's file gave (or its importer's clock did).
fn run_offset(r: &Run) -> Option<i32> {
    r.plan
        .get("utc_offset_s")
        .and_then(|v| v.as_i64())
        .and_then(|o| i32::try_from(o).ok())
}

fn utc_date(unix: i64) -> Date {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.date())
        .unwrap_or(Date::MIN)
}

fn logged(history: &[HistoryEntry]) -> Vec<(&SessionLog, Option<Load>, i64)> {
    history
        .iter()
        .filter_map(|h| match &h.event {
            Event::Session(l) => Some((l, h.planned, h.at)),
            _ => None,
        })
        .collect()
}

async fn find_walk(
    svc: &Service,
    me: UserId,
    run_id: Option<&str>,
    date: Option<Date>,
) -> Result<Walk> {
    let history = svc.history(me).await?;
    let sessions = logged(&history);
    let runs = svc.store.runs(me).await?;
    let run =
        match run_id {
            Some(id) => Some(runs.iter().find(|r| r.id == id).cloned().ok_or_else(|| {
                ServiceError::NotFound(format!("no treadmill run with id {id:?}"))
            })?),
            None => None,
        };
    let date = match (&run, date) {
        (Some(r), _) => run_day(r),
        (None, Some(d)) => d,
        (None, None) => sessions
            .last()
            .map(|s| s.0.date)
            .ok_or_else(|| ServiceError::NotFound("no session logged yet: log one first".into()))?,
    };
    let session = sessions.iter().rev().find(|s| s.0.date == date);
    let run = run.or_else(|| runs.iter().rev().find(|r| run_day(r) == date).cloned());
    if session.is_none() && run.is_none() {
        return Err(ServiceError::NotFound(format!(
            "nothing logged or recorded on {date}"
        )));
    }
    let samples = match &run {
        Some(r) => svc.store.samples(&r.id).await?,
        None => Vec::new(),
    };
    let run_plan = run
        .as_ref()
        .and_then(|r| serde_json::from_value::<SessionPlan>(r.plan.clone()).ok());
    let plan = match (run_plan, session) {
        (Some(p), _) => Some(p),
        (None, Some((log, Some(planned), _))) => {
            let (profile, rec) = svc.profile_and_programme(me).await?;
            let done = Load {
                backward_s: log.backward_s,
                ..*planned
            };
            Some(svc.build_plan(&profile, &rec, &done))
        }
        _ => None,
    };
    let total = plan.as_ref().map_or(0, |p| i64::from(p.total_s()));
    let start = match (&run, session) {
        (Some(r), _) => run_start(r),
        // Without telemetry the only clock is when the session was logged, just after.
        (None, Some((_, _, at))) if utc_date(at - total) == date => at - total,
        _ => date.midnight().assume_utc().unix_timestamp() + 12 * 3600,
    };
    // An imported file's own offset; else this machine's clock, which is the person's as
    // far as the app knows (it is also what "today" means here).
    let utc_offset_s = run.as_ref().and_then(run_offset).unwrap_or_else(|| {
        use chrono::{Offset, TimeZone};
        chrono::Local
            .timestamp_opt(start, 0)
            .single()
            .map_or(0, |t| t.offset().fix().local_minus_utc())
    });
    Ok(Walk {
        date,
        log: session.map(|s| *s.0),
        plan,
        run,
        samples,
        start,
        utc_offset_s,
    })
}

fn intensity(k: SegmentKind) -> Intensity {
    match k {
        SegmentKind::WarmUp => Intensity::Warmup,
        SegmentKind::Backward => Intensity::Active,
        SegmentKind::Turn | SegmentKind::ForwardRecovery => Intensity::Recovery,
        SegmentKind::CoolDown => Intensity::Cooldown,
        SegmentKind::StandStill => Intensity::Rest,
    }
}

/// Telemetry at 1 Hz as FIT records: one per whole second (the last sample wins).
fn records(start: i64, samples: &[Sample]) -> Vec<Record> {
    let mut out: Vec<Record> = Vec::with_capacity(samples.len());
    for s in samples {
        let r = Record {
            time: start + s.t_ms.div_euclid(1000),
            distance_m: Some(s.distance_m),
            speed_mps: Some(s.speed_kmh / 3.6),
            heart_rate: s.heart_rate,
            grade_pct: s.incline_pct,
        };
        match out.last_mut() {
            Some(last) if last.time == r.time => *last = r,
            _ => out.push(r),
        }
    }
    out
}

fn activity(w: &Walk) -> Activity {
    let recs = records(w.start, &w.samples);
    let run_end = recs.last().map(|r| r.time);
    let dist_at = |t: i64| {
        recs.iter()
            .take_while(|r| r.time <= t)
            .last()
            .and_then(|r| r.distance_m)
            .unwrap_or(0.0)
    };
    let mut laps = Vec::new();
    let mut t = w.start;
    let segments = w.plan.as_ref().map_or(&[][..], |p| &p.segments[..]);
    for (i, seg) in segments.iter().enumerate() {
        if run_end.is_some_and(|e| t >= e) {
            break; // the run stopped before this segment
        }
        let planned_end = t + i64::from(seg.duration_s);
        let end = run_end.map_or(planned_end, |e| planned_end.min(e));
        let dur = (end - t) as f64;
        let window = recs.iter().filter(|r| r.time > t && r.time <= end);
        let (distance, max_speed, hr) = if run_end.is_some() {
            let max = window
                .clone()
                .filter_map(|r| r.speed_mps)
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
            let hrs: Vec<u8> = window.filter_map(|r| r.heart_rate).collect();
            (dist_at(end) - dist_at(t), max, hrs)
        } else {
            (seg.speed.mps() * dur, Some(seg.speed.mps()), Vec::new())
        };
        let share = if seg.duration_s > 0 {
            dur / f64::from(seg.duration_s)
        } else {
            0.0
        };
        laps.push(Lap {
            start: t,
            end,
            elapsed_s: Some(dur),
            timer_s: Some(dur),
            distance_m: Some(distance.max(0.0)),
            avg_speed_mps: (dur > 0.0).then(|| distance.max(0.0) / dur),
            max_speed_mps: max_speed,
            calories: Some((seg.energy.kcal * share).round().clamp(0.0, 65534.0) as u16),
            avg_heart_rate: (!hr.is_empty())
                .then(|| (hr.iter().map(|h| u32::from(*h)).sum::<u32>() / hr.len() as u32) as u8),
            max_heart_rate: hr.iter().copied().max(),
            intensity: Some(intensity(seg.kind)),
            trigger: Some(LapTrigger::Time),
            step_index: u16::try_from(i).ok(),
            segment: Some(snake(&seg.kind)),
        });
        t = end;
    }
    // A run that went on past its plan: the last lap runs to the last record.
    if let (Some(e), Some(last)) = (run_end, laps.last_mut()) {
        if last.end < e {
            let extra = (e - last.end) as f64;
            last.end = e;
            last.elapsed_s = last.elapsed_s.map(|v| v + extra);
            last.timer_s = last.timer_s.map(|v| v + extra);
            last.distance_m = Some((dist_at(e) - dist_at(last.start)).max(0.0));
            let d = last.end - last.start;
            last.avg_speed_mps = (d > 0).then(|| last.distance_m.unwrap_or(0.0) / d as f64);
        }
    }
    if laps.is_empty() && !recs.is_empty() {
        laps.push(Lap {
            start: w.start,
            end: run_end.unwrap_or(w.start),
            ..Lap::default()
        });
    }
    if let Some(l) = laps.last_mut() {
        l.trigger = Some(LapTrigger::SessionEnd);
    }
    let session = fit::summarise(&laps, &recs);
    Activity {
        creator: fit::Creator {
            time_created: Some(w.start),
            ..Default::default()
        },
        records: recs,
        laps,
        session: Some(session),
        sessions_seen: 1,
        utc_offset_s: Some(w.utc_offset_s),
    }
}

fn notes(w: &Walk, units: Units) -> String {
    let mut s = String::from("retrowalk: backward (retro) walking on a treadmill.");
    if let Some(l) = &w.log {
        s.push_str(&format!(
            " {} backward. Effort {}/10; knee pain {} before, {} during, {} after.",
            minutes(l.backward_s),
            l.effort.value(),
            l.pain_before.value(),
            l.pain_during.value(),
            l.pain_after.value()
        ));
    }
    if let Some(p) = &w.plan {
        s.push_str(&format!(
            " Backward speed {}.",
            units.fmt_speed(p.load.speed)
        ));
    }
    s
}

fn session_rows(history: &[HistoryEntry]) -> Vec<spreadsheet::SessionRow> {
    history
        .iter()
        .filter_map(|h| {
            let Event::Session(l) = &h.event else {
                return None;
            };
            Some(spreadsheet::SessionRow {
                date: l.date,
                backward_min: f64::from(l.backward_s) / 60.0,
                speed_kmh: h.planned.map_or(0.0, |p| p.speed.kmh()),
                incline_pct: h.planned.map_or(0.0, |p| p.incline.percent()),
                rails: snake(&l.rails_used),
                effort: l.effort.value(),
                pain_before: l.pain_before.value(),
                pain_during: l.pain_during.value(),
                pain_after: l.pain_after.value(),
                dizziness: l.dizziness,
                near_fall: l.near_fall,
                fall: l.fall,
                stopped_early: l.stopped_early.map(|s| snake(&s)),
                decision: h.decision.map(|d| snake(&d.outcome)),
                reason: h.reason.clone(),
            })
        })
        .collect()
}

async fn segment_rows(
    svc: &Service,
    me: UserId,
    history: &[HistoryEntry],
) -> Result<Vec<spreadsheet::SegmentRow>> {
    let profile = svc
        .store
        .profile(me)
        .await?
        .ok_or(ServiceError::NoProfile)?;
    let Some(rec) = svc.store.programme(me).await? else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for (log, planned, _) in logged(history) {
        let Some(planned) = planned else { continue };
        let plan = svc.build_plan(&profile, &rec, &planned);
        rows.extend(spreadsheet::segment_rows(log.date, "planned", &plan));
        let done = Load {
            backward_s: log.backward_s,
            ..planned
        };
        let plan = svc.build_plan(&profile, &rec, &done);
        rows.extend(spreadsheet::segment_rows(log.date, "done", &plan));
    }
    Ok(rows)
}
