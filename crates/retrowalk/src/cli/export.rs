//! Export to the formats other tools read (FIT, TCX, CSV, iCalendar) and import of FIT
//! activities from watches and other treadmill apps as logged sessions.

use super::log::Feel;
use super::print_json;
use anyhow::{anyhow, Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use retrowalk_formats::{fit, tcx};
use retrowalk_service::{ImportAnswers, Service};
use retrowalk_store::UserId;
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
    /// How it went (the same answers apply to every file imported).
    #[command(flatten)]
    feel: Feel,
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
    let (bytes, default_name, summary) = match a.format {
        Format::Fit | Format::Tcx => {
            let walk = svc.session_export(me, a.run.as_deref(), a.date).await?;
            let act = &walk.activity;
            let (bytes, ext) = if a.format == Format::Fit {
                (fit::encode(act, fit::EncodeOptions::default())?, "fit")
            } else {
                (tcx::write(act, &walk.notes).into_bytes(), "tcx")
            };
            let summary = serde_json::json!({
                "date": walk.date,
                "run": walk.run_id,
                "start": act.start(),
                "records": act.records,
                "laps": act.laps,
                "session": act.session,
            });
            (bytes, walk.file_name(ext), summary)
        }
        Format::Csv => {
            let (text, name) = if a.segments {
                (svc.segments_csv(me).await?, "retrowalk-segments.csv")
            } else {
                (svc.sessions_csv(me).await?, "retrowalk-sessions.csv")
            };
            let rows = text.lines().count().saturating_sub(1);
            (
                text.into_bytes(),
                name.to_string(),
                serde_json::json!({ "rows": rows }),
            )
        }
        Format::Ics => {
            let cal = svc
                .programme_calendar(me, a.date.unwrap_or(today), a.weeks, a.at)
                .await?;
            (
                cal.text.into_bytes(),
                "retrowalk-programme.ics".to_string(),
                serde_json::json!({ "events": cal.uids.len(), "uids": cal.uids }),
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

pub async fn import(
    svc: &Service,
    me: UserId,
    a: ImportArgs,
    json: bool,
    today: Date,
) -> Result<()> {
    let feel = &a.feel;
    let scores = feel.scores()?;
    let answers = ImportAnswers {
        effort: scores.effort,
        pain_before: scores.pain_before,
        pain_during: scores.pain_during,
        pain_after: scores.pain_after,
        dizziness: feel.dizzy,
        near_fall: feel.near_fall,
        fall: feel.fall,
        rails: feel.rails,
        stopped_early: feel.stopped,
    };
    let mut read = Vec::with_capacity(a.files.len());
    for path in &a.files {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        read.push((path.display().to_string(), bytes));
    }
    // Files that carry no offset of their own were recorded on this machine's clock.
    let offset = time::UtcOffset::current_local_offset()
        .ok()
        .map(|o| o.whole_seconds());
    let found =
        retrowalk_service::prepare_imports(read.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    let bar = ProgressBar::new(found.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut results = Vec::new();
    for (_, f) in &found {
        let name = f.label.clone();
        bar.set_message(name.clone());
        let r = svc
            .import_activity(me, f, &answers, today, offset)
            .await
            .map_err(anyhow::Error::from);
        let line = match &r {
            Ok(i) => format!(
                "ok    {name}: {} with {} backward, {} record(s)",
                i.date,
                minutes((i.backward_min * 60.0).round() as u32),
                i.records
            ),
            Err(e) => format!("error {name}: {e:#}"),
        };
        if !json {
            bar.suspend(|| eprintln!("{line}"));
        }
        results.push(match r {
            Ok(i) => Imported {
                file: name,
                ok: true,
                date: Some(i.date),
                backward_min: Some(i.backward_min),
                records: i.records,
                run: Some(i.run),
                error: None,
            },
            Err(e) => Imported {
                file: name,
                ok: false,
                date: None,
                backward_min: None,
                records: 0,
                run: None,
                error: Some(format!("{e:#}")),
            },
        });
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
