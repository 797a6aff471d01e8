//! Interchange with other tools: a logged session as a FIT or TCX activity, the log and
//! its segments as CSV, the programme as iCalendar, and FIT activities (from a watch or
//! another treadmill app) imported as logged sessions. Shared by the CLI and the web app,
//! so both export exactly the same files.

use crate::actuals::{run_day, Known, SessionActuals, StoredLap};
use crate::{HistoryEntry, Result, Service, ServiceError};
use retrowalk_core::dates::add_days;
use retrowalk_core::session::SegmentKind;
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

/// Two recordings whose starts lie this close are one walk (a watch and a treadmill app
/// are rarely started more than a minute apart).
const SAME_WALK_S: i64 = 120;

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
        let actuals = if self.store.programme(user).await?.is_some() {
            self.actuals_of(user, &history).await?
        } else {
            vec![None; history.len()]
        };
        spreadsheet::sessions_csv(&session_rows(&history, &actuals), profile.units)
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
        let runs = self.store.runs(user).await?;
        if runs.iter().any(|r| r.id == run_id) {
            return Err(invalid(format!("already imported (run {run_id})")));
        }
        let history = self.history(user).await?;
        if logged(&history).iter().any(|s| s.0.date == date) {
            // A day holds one walk from a file. The same walk recorded twice (a watch beside
            // the treadmill run, the FIT and the TCX of one walk) starts when a stored run
            // did: that is no conflict, only nothing new.
            if let Some(r) = runs
                .iter()
                .find(|r| (run_start(r) - start).abs() <= SAME_WALK_S)
            {
                let how = if crate::actuals::is_import(r) {
                    "imported from another file"
                } else {
                    "recorded by the session runner"
                };
                return Err(invalid(format!(
                    "already imported: this walk is the session logged on {date} ({how}, run {})",
                    r.id
                )));
            }
            return Err(invalid(format!(
                "a session is already logged on {date}, and an imported file never adds a second walk to a day; \
                 if this was another walk that day, log it by hand (it counts as an extra walk)"
            )));
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
        let samples = import_samples(&act.records, start);
        // The file's own laps, kept with its run: its exports and progress follow them, so
        // an import exported and imported again keeps its minutes (a file from elsewhere
        // counts as backward throughout, as above).
        let tagged = act.laps.iter().any(|l| l.segment.is_some());
        let offset_s = |t: i64| u32::try_from((t - start).max(0)).unwrap_or(u32::MAX);
        let stored: Vec<StoredLap> = if !act.laps.is_empty() && (tagged || act.session.is_none()) {
            act.laps
                .iter()
                .map(|l| StoredLap {
                    kind: match l.segment.as_deref() {
                        None => SegmentKind::Backward,
                        Some(tag) => serde_json::from_value(tag.into())
                            .unwrap_or(SegmentKind::ForwardRecovery),
                    },
                    start_s: offset_s(l.start),
                    duration_s: secs(l).round().max(0.0) as u32,
                })
                .collect()
        } else {
            vec![StoredLap {
                kind: SegmentKind::Backward,
                start_s: 0,
                duration_s: backward_s,
            }]
        };
        // The store stamps a run with the time it is written, so the file's own start time
        // rides in the plan, beside the session plan for that day.
        let mut plan_json =
            serde_json::to_value(&plan).map_err(|e| invalid(format!("the plan: {e}")))?;
        if let Some(o) = plan_json.as_object_mut() {
            o.insert("started_at".into(), start.into());
            o.insert("imported_from".into(), name.into());
            o.insert("utc_offset_s".into(), offset.into());
            o.insert("date".into(), date.to_string().into());
            o.insert(
                "laps".into(),
                serde_json::to_value(&stored).map_err(|e| invalid(format!("the laps: {e}")))?,
            );
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

/// A logged session (or a run not logged yet) and what happened in it.
struct Walk {
    date: Date,
    log: Option<SessionLog>,
    run: Option<Run>,
    samples: Vec<Sample>,
    actuals: SessionActuals,
    /// Unix seconds.
    start: i64,
    /// The person's offset from UTC then, for the file's local times.
    utc_offset_s: i32,
}

/// When a run began: an imported run keeps the file's own start time in its plan.
pub(crate) fn run_start(r: &Run) -> i64 {
    r.plan
        .get("started_at")
        .and_then(|v| v.as_i64())
        .unwrap_or(r.started_at)
}

/// The offset from UTC an imported run's file gave (or its importer's clock did).
fn run_offset(r: &Run) -> Option<i32> {
    r.plan
        .get("utc_offset_s")
        .and_then(|v| v.as_i64())
        .and_then(|o| i32::try_from(o).ok())
}

pub(crate) fn utc_date(unix: i64) -> Date {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.date())
        .unwrap_or(Date::MIN)
}

/// A segment kind's name on a lap from a file, which has no plan's labels.
pub(crate) fn kind_label(k: SegmentKind) -> &'static str {
    match k {
        SegmentKind::WarmUp => "Warm-up",
        SegmentKind::Turn => "Turn",
        SegmentKind::Backward => "Backward walking",
        SegmentKind::ForwardRecovery => "Forward recovery",
        SegmentKind::CoolDown => "Cool-down",
        SegmentKind::StandStill => "Stand still",
    }
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
    let run = match run {
        Some(r) => Some(r),
        None => {
            let mut has = std::collections::HashMap::new();
            for r in runs.iter().filter(|r| run_day(r) == date) {
                has.insert(
                    r.id.clone(),
                    svc.store.last_sample_ms(&r.id).await?.is_some(),
                );
            }
            crate::actuals::run_of_day(&runs, &has, date).cloned()
        }
    };
    if session.is_none() && run.is_none() {
        return Err(ServiceError::NotFound(format!(
            "nothing logged or recorded on {date}"
        )));
    }
    let samples = match &run {
        Some(r) => svc.store.samples(&r.id).await?,
        None => Vec::new(),
    };
    let (profile, rec) = svc.profile_and_programme(me).await?;
    let planned = session.and_then(|s| s.1).or_else(|| {
        run.as_ref()
            .and_then(|r| r.plan.get("planned"))
            .and_then(|p| serde_json::from_value::<retrowalk_core::Planned>(p.clone()).ok())
            .map(|p| p.load)
    });
    let planned_plan = planned.map(|l| svc.build_plan(&profile, &rec, &l));
    let done_plan = match (session, planned) {
        (Some((log, _, _)), Some(l)) => Some(svc.build_plan(
            &profile,
            &rec,
            &Load {
                backward_s: log.backward_s,
                ..l
            },
        )),
        _ => None,
    };
    let actuals = crate::actuals::actuals(Known {
        log: session.map(|s| s.0),
        planned: planned_plan.as_ref(),
        done: done_plan.as_ref(),
        run: run.as_ref(),
        samples: &samples,
        mass: profile.body_mass,
    });
    let total = i64::from(actuals.elapsed_s);
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
        run,
        samples,
        actuals,
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

/// A file's records as telemetry, in milliseconds from `start`. FIT times are whole
/// seconds, so records that share a second (a device writing faster than 1 Hz) are spread
/// evenly across it: each is kept, in order, rather than the store keeping the first.
fn import_samples(records: &[Record], start: i64) -> Vec<Sample> {
    let mut out = Vec::with_capacity(records.len());
    let mut dist = 0.0;
    let mut i = 0;
    let kept: Vec<&Record> = records.iter().filter(|r| r.time >= start).collect();
    while i < kept.len() {
        let second = kept[i].time;
        let n = kept[i..].iter().take_while(|r| r.time == second).count();
        for (k, r) in kept[i..i + n].iter().enumerate() {
            dist = r.distance_m.unwrap_or(dist);
            out.push(Sample {
                t_ms: (second - start) * 1000 + (k as i64 * 1000) / n as i64,
                speed_kmh: r.speed_mps.unwrap_or(0.0) * 3.6,
                incline_pct: r.grade_pct,
                distance_m: dist,
                heart_rate: r.heart_rate,
                rr_ms: Vec::new(),
            });
        }
        i += n;
    }
    out
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
    let mut laps: Vec<Lap> = w
        .actuals
        .segments
        .iter()
        .enumerate()
        .map(|(i, seg)| {
            let start = w.start + i64::from(seg.start_s);
            let end = start + i64::from(seg.done_s);
            let dur = f64::from(seg.done_s);
            let window = recs.iter().filter(|r| r.time > start && r.time <= end);
            let max_speed = window
                .clone()
                .filter_map(|r| r.speed_mps)
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
                .or_else(|| recs.is_empty().then(|| seg.speed.mps()));
            let hr: Vec<u8> = window.filter_map(|r| r.heart_rate).collect();
            Lap {
                start,
                end,
                elapsed_s: Some(dur),
                timer_s: Some(dur),
                distance_m: Some(seg.distance_m),
                avg_speed_mps: (dur > 0.0).then(|| seg.distance_m / dur),
                max_speed_mps: max_speed,
                calories: Some(seg.kcal.round().clamp(0.0, 65534.0) as u16),
                avg_heart_rate: (!hr.is_empty()).then(|| {
                    (hr.iter().map(|h| u32::from(*h)).sum::<u32>() / hr.len() as u32) as u8
                }),
                max_heart_rate: hr.iter().copied().max(),
                intensity: Some(intensity(seg.kind)),
                trigger: Some(LapTrigger::Time),
                step_index: u16::try_from(i).ok(),
                segment: Some(snake(&seg.kind)),
            }
        })
        .collect();
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
    let a = &w.actuals;
    s.push_str(&format!(" {} backward", minutes(a.backward_s)));
    if a.backward_s > 0 {
        s.push_str(&format!(" at {}", units.fmt_speed(a.speed)));
    }
    s.push_str(&format!(", {} in all.", minutes(a.elapsed_s)));
    if let Some(l) = &w.log {
        s.push_str(&format!(
            " Effort {}/10; knee pain {} before, {} during, {} after.",
            l.effort.value(),
            l.pain_before.value(),
            l.pain_during.value(),
            l.pain_after.value()
        ));
        if let Some(r) = l.stopped_early {
            s.push_str(&format!(" Stopped early ({}).", snake(&r)));
        }
    }
    s
}

fn session_rows(
    history: &[HistoryEntry],
    actuals: &[Option<SessionActuals>],
) -> Vec<spreadsheet::SessionRow> {
    history
        .iter()
        .zip(actuals)
        .filter_map(|(h, a)| {
            let Event::Session(l) = &h.event else {
                return None;
            };
            Some(spreadsheet::SessionRow {
                date: l.date,
                backward_min: f64::from(a.as_ref().map_or(l.backward_s, |a| a.backward_s)) / 60.0,
                speed_kmh: a.as_ref().map_or(0.0, |a| a.speed.kmh()),
                incline_pct: a.as_ref().map_or(0.0, |a| a.incline.percent()),
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
                total_min: a.as_ref().map(|a| f64::from(a.elapsed_s) / 60.0),
                distance_m: a.as_ref().map(|a| a.distance_m),
                kcal: a.as_ref().map(|a| a.kcal),
                source: a.as_ref().map(|a| snake(&a.source)),
            })
        })
        .collect()
}

/// The planned segments of each session, then those done as [`SessionActuals`] has them.
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
    let actuals = svc.actuals_of(me, history).await?;
    let mut rows = Vec::new();
    for (h, a) in history.iter().zip(&actuals) {
        let (Event::Session(log), Some(planned), Some(a)) = (&h.event, h.planned, a) else {
            continue;
        };
        let plan = svc.build_plan(&profile, &rec, &planned);
        rows.extend(spreadsheet::segment_rows(log.date, "planned", &plan));
        rows.extend(
            a.segments
                .iter()
                .enumerate()
                .map(|(i, s)| spreadsheet::SegmentRow {
                    date: log.date,
                    source: "done",
                    index: i + 1,
                    kind: snake(&s.kind),
                    label: s.label.clone(),
                    duration_s: s.done_s,
                    speed_kmh: s.speed.kmh(),
                    incline_pct: s.incline.percent(),
                    rails: snake(&s.rails),
                }),
        );
    }
    Ok(rows)
}
