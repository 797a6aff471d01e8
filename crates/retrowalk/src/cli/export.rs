//! Export to the formats other tools read (FIT, TCX, CSV, iCalendar) and import of FIT
//! activities from watches and other treadmill apps as logged sessions.

use super::{print_json, prompt};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use retrowalk_core::session::{SegmentKind, SessionPlan};
use retrowalk_core::{Effort, Event, Load, Pain, RailUse, SessionLog, StopReason, Units};
use retrowalk_formats::fit::{self, Activity, Intensity, Lap, LapTrigger, Record};
use retrowalk_formats::{ics, snake, spreadsheet, tcx};
use retrowalk_service::{HistoryEntry, Service};
use retrowalk_store::{Run, Sample, UserId};
use std::path::{Path, PathBuf};
use time::{Date, Time};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A logged session as a FIT activity (Garmin Connect, Strava, TrainingPeaks).
    Fit,
    /// A logged session as TCX (TrainingCenterDatabase v2).
    Tcx,
    /// The session log (or, with --segments, every segment) for spreadsheets.
    Csv,
    /// The planned sessions as an iCalendar file; re-import replaces, not duplicates.
    Ics,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    format: Format,
    /// fit/tcx: the treadmill run to export, by id.
    #[arg(long, conflicts_with = "date")]
    run: Option<String>,
    /// fit/tcx: the session's day (default: the last logged session).
    /// ics: the first day of the calendar (default: today).
    #[arg(long, value_parser = super::parse_date)]
    date: Option<Date>,
    /// Where to write (default: a file named after what is exported, in this folder).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// csv: one row per segment (planned and done) instead of one per session.
    #[arg(long)]
    segments: bool,
    /// ics: how many weeks ahead (1–26).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=26))]
    weeks: u32,
    /// ics: the local time sessions start, HH:MM (default: all-day events).
    #[arg(long, value_parser = parse_time)]
    at: Option<Time>,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// FIT activity files from a watch or treadmill app.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// How hard it felt, 0–10 (applies to every file imported).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    effort: Option<u8>,
    /// Knee pain before, 0–10.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    pain_before: Option<u8>,
    /// Worst knee pain during, 0–10.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    pain_during: Option<u8>,
    /// Knee pain after, 0–10.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    pain_after: Option<u8>,
    /// You felt dizzy.
    #[arg(long)]
    dizzy: bool,
    /// You slipped or nearly fell.
    #[arg(long)]
    near_fall: bool,
    /// You fell.
    #[arg(long)]
    fall: bool,
    /// How much you held the rails (default: as planned).
    #[arg(long)]
    rails: Option<RailUse>,
    /// You stopped early, and why.
    #[arg(long)]
    stopped: Option<StopReason>,
}

fn parse_time(s: &str) -> Result<Time, String> {
    let (h, m) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?} is not a time like 07:30"))?;
    let h: u8 = h.parse().map_err(|_| format!("{s:?}: bad hour"))?;
    let m: u8 = m.parse().map_err(|_| format!("{s:?}: bad minute"))?;
    Time::from_hms(h, m, 0).map_err(|_| format!("{s:?} is not a time of day"))
}

/// Writes beside the target and renames, so a crash never leaves half a file.
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

pub async fn export(
    svc: &Service,
    me: UserId,
    a: ExportArgs,
    json: bool,
    today: Date,
) -> Result<()> {
    let profile = svc
        .store
        .profile(me)
        .await?
        .context("no profile yet: run `retrowalk profile create`")?;
    let units = profile.units;
    let (bytes, default_name, summary) = match a.format {
        Format::Fit | Format::Tcx => {
            let walk = find_walk(svc, me, a.run.as_deref(), a.date).await?;
            let act = activity(&walk);
            let ext = if a.format == Format::Fit {
                "fit"
            } else {
                "tcx"
            };
            let bytes = if a.format == Format::Fit {
                fit::encode(&act, fit::EncodeOptions::default())?
            } else {
                tcx::write(&act, &notes(&walk, units)).into_bytes()
            };
            let summary = serde_json::json!({
                "date": walk.date,
                "run": walk.run.as_ref().map(|r| &r.id),
                "start": act.start(),
                "records": act.records,
                "laps": act.laps,
                "session": act.session,
            });
            (bytes, format!("retrowalk-{}.{ext}", walk.date), summary)
        }
        Format::Csv => {
            let history = svc.history(me).await?;
            let text = if a.segments {
                spreadsheet::segments_csv(&segment_rows(svc, me, &history).await?, units)?
            } else {
                spreadsheet::sessions_csv(&session_rows(&history), units)?
            };
            let name = if a.segments {
                "retrowalk-segments.csv"
            } else {
                "retrowalk-sessions.csv"
            };
            let rows = text.lines().count().saturating_sub(1);
            (
                text.into_bytes(),
                name.to_string(),
                serde_json::json!({ "rows": rows }),
            )
        }
        Format::Ics => {
            let rec = svc
                .store
                .programme(me)
                .await?
                .context("no programme yet: run `retrowalk profile create`")?;
            let from = a.date.unwrap_or(today);
            let mut events = Vec::new();
            for u in svc.upcoming(me, from, a.weeks).await? {
                let plan = svc.build_plan(&profile, &rec, &u.load);
                events.push(ics::PlannedEvent {
                    date: u.date,
                    duration_s: plan.total_s(),
                    summary: format!(
                        "Backward walk: {} at {}",
                        minutes(u.load.backward_s),
                        units.fmt_speed(u.load.speed)
                    ),
                    description: ics::describe(&plan, units),
                });
            }
            let opts = ics::CalendarOptions {
                owner: format!("person-{me}"),
                name: format!("retrowalk: {}", profile.name),
                start_time: a.at,
                stamp: retrowalk_store::now(),
            };
            let uids: Vec<String> = events
                .iter()
                .map(|e| ics::uid(&opts.owner, e.date))
                .collect();
            (
                ics::calendar(&events, &opts).into_bytes(),
                "retrowalk-programme.ics".to_string(),
                serde_json::json!({ "events": events.len(), "uids": uids }),
            )
        }
    };
    let path = a.out.unwrap_or_else(|| PathBuf::from(default_name));
    write_file(&path, &bytes)?;
    if json {
        let mut out = serde_json::json!({
            "format": format!("{:?}", a.format).to_lowercase(),
            "path": path.display().to_string(),
            "bytes": bytes.len(),
        });
        if let (Some(o), serde_json::Value::Object(s)) = (out.as_object_mut(), summary) {
            o.extend(s);
        }
        return print_json(&out);
    }
    println!("{}", path.display());
    Ok(())
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
}

/// When a run began: an imported run keeps the file's own start time in its plan.
fn run_start(r: &Run) -> i64 {
    r.plan
        .get("started_at")
        .and_then(|v| v.as_i64())
        .unwrap_or(r.started_at)
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
    let run = match run_id {
        Some(id) => Some(
            runs.iter()
                .find(|r| r.id == id)
                .cloned()
                .with_context(|| format!("no treadmill run with id {id:?}"))?,
        ),
        None => None,
    };
    let date = match (&run, date) {
        (Some(r), _) => utc_date(run_start(r)),
        (None, Some(d)) => d,
        (None, None) => sessions
            .last()
            .map(|s| s.0.date)
            .context("no session logged yet: log one with `retrowalk log` first")?,
    };
    let session = sessions.iter().rev().find(|s| s.0.date == date);
    let run = run.or_else(|| {
        runs.iter()
            .rev()
            .find(|r| utc_date(run_start(r)) == date)
            .cloned()
    });
    if session.is_none() && run.is_none() {
        bail!("nothing logged or recorded on {date}");
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
            let profile = svc.store.profile(me).await?.context("no profile")?;
            let rec = svc.store.programme(me).await?.context("no programme")?;
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
    Ok(Walk {
        date,
        log: session.map(|s| *s.0),
        plan,
        run,
        samples,
        start,
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
    let profile = svc.store.profile(me).await?.context("no profile")?;
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

fn score(s: &str) -> Result<u8, String> {
    s.parse::<u8>()
        .ok()
        .filter(|v| *v <= 10)
        .ok_or_else(|| "a whole number from 0 to 10".into())
}

#[derive(serde::Serialize)]
struct Imported {
    file: String,
    ok: bool,
    date: Option<Date>,
    backward_min: Option<f64>,
    records: usize,
    run: Option<String>,
    error: Option<String>,
}

/// The answers a FIT file cannot give, asked once for all files.
struct Answers {
    effort: Effort,
    pain_before: Pain,
    pain_during: Pain,
    pain_after: Pain,
}

pub async fn import(
    svc: &Service,
    me: UserId,
    a: ImportArgs,
    json: bool,
    today: Date,
) -> Result<()> {
    let answers = Answers {
        effort: Effort::new(prompt::value(
            a.effort,
            "--effort",
            "Effort, 0–10 (3 moderate, 5 hard, 7 very hard):",
            score,
        )?)?,
        pain_before: Pain::new(prompt::value(
            a.pain_before,
            "--pain-before",
            "Knee pain before, 0–10:",
            score,
        )?)?,
        pain_during: Pain::new(prompt::value(
            a.pain_during,
            "--pain-during",
            "Worst knee pain during, 0–10:",
            score,
        )?)?,
        pain_after: Pain::new(prompt::value(
            a.pain_after,
            "--pain-after",
            "Knee pain after, 0–10:",
            score,
        )?)?,
    };
    let bar = ProgressBar::new(a.files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut results = Vec::new();
    let mut decoder = fit::Decoder::new();
    let mut act = Activity::default();
    for path in &a.files {
        let name = path.display().to_string();
        bar.set_message(name.clone());
        let r = import_one(svc, me, &a, &answers, path, &mut decoder, &mut act, today).await;
        let line = match &r {
            Ok(i) => format!(
                "ok    {name}: {} with {} backward, {} record(s)",
                i.date.map(|d| d.to_string()).unwrap_or_default(),
                minutes((i.backward_min.unwrap_or(0.0) * 60.0).round() as u32),
                i.records
            ),
            Err(e) => format!("error {name}: {e:#}"),
        };
        if !json {
            bar.suspend(|| eprintln!("{line}"));
        }
        results.push(r.unwrap_or_else(|e| Imported {
            file: name,
            ok: false,
            date: None,
            backward_min: None,
            records: 0,
            run: None,
            error: Some(format!("{e:#}")),
        }));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let failed = results.iter().filter(|r| !r.ok).count();
    if json {
        print_json(&results)?;
    } else {
        println!(
            "Imported {} of {} file(s){}.",
            results.len() - failed,
            results.len(),
            if failed > 0 {
                format!("; {failed} failed")
            } else {
                String::new()
            }
        );
    }
    if failed > 0 {
        return Err(anyhow!(
            "{failed} of {} file(s) could not be imported",
            results.len()
        ));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn import_one(
    svc: &Service,
    me: UserId,
    a: &ImportArgs,
    answers: &Answers,
    path: &Path,
    decoder: &mut fit::Decoder,
    act: &mut Activity,
    today: Date,
) -> Result<Imported> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    decoder
        .decode_into(&bytes, act)
        .context("not a readable FIT file")?;
    if act.creator.file_type.is_some_and(|t| t != 4) {
        bail!(
            "this FIT file is not an activity (file type {:?})",
            act.creator.file_type
        );
    }
    let start = act
        .start()
        .context("the file has no session, laps or records")?;
    let date = utc_date(start);
    let marked: Vec<&Lap> = act
        .laps
        .iter()
        .filter(|l| l.segment.as_deref() == Some("backward"))
        .collect();
    let secs = |l: &Lap| {
        l.timer_s
            .or(l.elapsed_s)
            .unwrap_or((l.end - l.start) as f64)
    };
    // A file from retrowalk marks its backward laps; from anything else the whole walk
    // counts as backward, since that is what the person recorded it for.
    let backward = if act.laps.iter().any(|l| l.segment.is_some()) {
        marked.iter().map(|l| secs(l)).sum::<f64>()
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
        bail!(
            "{} min backward is more than the 180 min a session may have",
            backward_s / 60
        );
    }
    // The CRC of a whole FIT file is always zero, so name the run by the stored one.
    let crc = bytes
        .len()
        .checked_sub(2)
        .map_or(0, |n| fit::crc16(&bytes[..n]));
    let run_id = format!("fit-{start}-{crc:04x}");
    if svc.store.runs(me).await?.iter().any(|r| r.id == run_id) {
        bail!("already imported (run {run_id})");
    }
    let history = svc.history(me).await?;
    if logged(&history).iter().any(|s| s.0.date == date) {
        bail!("a session is already logged on {date}");
    }
    let (planned, plan) = svc.plan_for(me, date).await?;
    let log = SessionLog {
        date,
        backward_s,
        effort: answers.effort,
        pain_before: answers.pain_before,
        pain_during: answers.pain_during,
        pain_after: answers.pain_after,
        dizziness: a.dizzy,
        near_fall: a.near_fall,
        fall: a.fall,
        rails_used: a.rails.unwrap_or(planned.load.rails),
        stopped_early: a.stopped,
    };
    svc.log_session(me, log, me, today).await?;
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
    let mut plan_json = serde_json::to_value(&plan)?;
    if let Some(o) = plan_json.as_object_mut() {
        o.insert("started_at".into(), start.into());
        o.insert(
            "imported_from".into(),
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
                .into(),
        );
    }
    svc.store.start_run(&run_id, me, &plan_json).await?;
    svc.store.append_samples(&run_id, &samples).await?;
    svc.store.end_run(&run_id, Some("imported")).await?;
    Ok(Imported {
        file: path.display().to_string(),
        ok: true,
        date: Some(date),
        backward_min: Some(f64::from(backward_s) / 60.0),
        records: samples.len(),
        run: Some(run_id),
        error: None,
    })
}
