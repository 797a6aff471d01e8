//! The command line: every job the web app does, for people who live in a terminal.

mod admin;
mod backup;
mod devices;
mod export;
mod log;
mod profile;
mod prompt;
mod run;
mod serve;
mod show;
mod user;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use retrowalk_service::Service;
use retrowalk_store::Store;
use std::path::PathBuf;
use time::Date;

#[derive(Parser, Debug)]
#[command(
    name = "retrowalk",
    version,
    about = "Coaches backward (retro) walking on a treadmill, safely and by the evidence.",
    long_about = "Coaches backward (retro) walking on a treadmill, safely and by the evidence.\n\n\
        Start with `retrowalk profile create`, then `retrowalk today` before each session and \
        `retrowalk log` after it.\n\n\
        retrowalk is not a medical device: it structures exercise but does not diagnose or treat."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Database: a file path, sqlite://PATH or postgres://USER@HOST/DB.
    /// Default: retrowalk.db in your data directory.
    #[arg(long, global = true, env = "RETROWALK_DB")]
    pub db: Option<String>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create, change or show your profile (screening answers and training days).
    #[command(subcommand)]
    Profile(profile::ProfileCmd),
    /// Show your risk tier and the reasons for it.
    #[command(alias = "tier")]
    Screening,
    /// Show the next session: checklist, segments and cues.
    Today(DateArg),
    /// Show the plan for the coming weeks.
    Plan {
        /// How many weeks ahead (1–26).
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=26))]
        weeks: u32,
        #[command(flatten)]
        date: DateArg,
    },
    /// Log a session's outcome; prints what the next session will be and why.
    Log(log::LogArgs),
    /// Log the next-morning knee check for your last session.
    Morning(log::MorningArgs),
    /// Every logged session and change, with the decision each one led to.
    History,
    /// Weekly and per-session figures: backward minutes, speed, incline, pain, effort, energy.
    Progress,
    /// Write everything about you (profile, programme, sessions, telemetry, changes) as JSON.
    Backup(backup::BackupArgs),
    /// Bring back a JSON backup, exactly as it was.
    Restore(backup::RestoreArgs),
    /// Check the database: the programme replayed from its log must equal the stored state.
    Check,
    /// Write a session as FIT or TCX, the log as CSV, or the plan as an iCalendar file.
    Export(export::ExportArgs),
    /// Log sessions from FIT activity files (a watch or another treadmill app).
    Import(export::ImportArgs),
    /// Run the web app (sign-in, the session runner, clinicians' pages) on this database.
    Serve(serve::ServeArgs),
    /// List the Bluetooth treadmills and heart-rate straps in range.
    Devices(devices::DevicesArgs),
    /// The web server's administrators, and the clinicians they approve before a
    /// clinician can see or change any patient.
    #[command(subcommand)]
    Admin(admin::AdminCmd),
    /// Drive a treadmill through today's session, with a live view; Ctrl-C or `s` stops it.
    Run(run::RunArgs),
    /// Manage the server's accounts (a password-reset link).
    #[command(subcommand)]
    User(user::UserCmd),
}

#[derive(Args, Debug, Clone, Copy)]
pub struct DateArg {
    /// The day to use instead of today (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<Date>,
}

pub fn parse_date(s: &str) -> Result<Date, String> {
    let d = Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| format!("{s:?} is not a date like 2026-11-24"))?;
    retrowalk_core::dates::in_window("the date", d).map_err(|e| e.to_string())
}

fn default_db() -> Result<String> {
    let dir: PathBuf = dirs::data_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/share")))
        .context("cannot find your data directory; pass --db PATH or set RETROWALK_DB")?
        .join("retrowalk");
    Ok(dir.join("retrowalk.db").display().to_string())
}

pub async fn open(global: &Global) -> Result<Service> {
    let url = match &global.db {
        Some(d) => d.clone(),
        None => default_db()?,
    };
    let store = Store::open(&url)
        .await
        .with_context(|| format!("cannot open the database at {url}"))?;
    Ok(Service::new(store))
}

pub async fn run(cli: Cli, today: Date) -> Result<()> {
    // The web app serves many people, so it must not create the CLI's local person.
    if let Command::Serve(args) = cli.command {
        return serve::run(&cli.global, args).await;
    }
    // Account administration works on the server's accounts, not the terminal's person.
    if let Command::User(cmd) = cli.command {
        return user::run(&cli.global, cmd).await;
    }
    // Scanning needs no database.
    if let Command::Devices(args) = cli.command {
        return devices::devices(args, cli.global.json).await;
    }
    let svc = open(&cli.global).await?;
    // Accounts on the server, not the local person's data: no local person is made.
    if let Command::Admin(cmd) = cli.command {
        return admin::run(&svc, cmd, cli.global.json).await;
    }
    let me = svc.store.local_user().await?;
    let json = cli.global.json;
    match cli.command {
        Command::Profile(cmd) => profile::run(&svc, me, cmd, json, today).await,
        Command::Screening => show::screening(&svc, me, json).await,
        Command::Today(d) => show::today(&svc, me, d.date.unwrap_or(today), json).await,
        Command::Plan { weeks, date } => {
            show::plan(&svc, me, date.date.unwrap_or(today), weeks, json).await
        }
        Command::Log(args) => log::log(&svc, me, args, json, today).await,
        Command::Morning(args) => log::morning(&svc, me, args, json, today).await,
        Command::History => show::history(&svc, me, json).await,
        Command::Progress => show::progress(&svc, me, json).await,
        Command::Backup(a) => backup::backup(&svc, me, a).await,
        Command::Restore(a) => backup::restore(&svc, me, a).await,
        Command::Check => check(&svc, me, json).await,
        Command::Export(a) => export::export(&svc, me, a, json, today).await,
        Command::Import(a) => export::import(&svc, me, a, json, today).await,
        Command::Run(a) => run::run(&svc, me, a, json, today).await,
        Command::Serve(_) | Command::Devices(_) | Command::Admin(_) | Command::User(_) => Ok(()),
    }
}

/// Prints a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

async fn check(svc: &Service, me: retrowalk_store::UserId, json: bool) -> Result<()> {
    let Some(stored) = svc.store.programme(me).await? else {
        println!("No programme yet: nothing to check.");
        return Ok(());
    };
    let replayed = svc.store.replay(me).await?;
    let events = svc.store.events(me).await?;
    let gapless = events
        .iter()
        .enumerate()
        .all(|(i, e)| e.seq == i as i64 + 1)
        && events.len() as i64 == stored.seq;
    let consistent = replayed == stored.state && gapless;
    // Sessions the engine should never have counted (PRG-08): several decisions on one
    // day, logs before the start or ahead of their day, and progress weeks out of order.
    let problems = svc.session_problems(me).await?;
    let ok = consistent && problems.is_empty();
    if json {
        print_json(&serde_json::json!({
            "ok": ok,
            "events": events.len(),
            "seq": stored.seq,
            "replay_matches": consistent,
            "problems": problems,
        }))?;
    } else if ok {
        println!(
            "OK: {} event(s), and replaying them gives the stored programme.",
            events.len()
        );
    } else {
        for p in &problems {
            eprintln!("problem: {p}");
        }
    }
    anyhow::ensure!(
        consistent,
        "the stored programme does not match its event log ({} events, version {})",
        events.len(),
        stored.seq
    );
    anyhow::ensure!(
        problems.is_empty(),
        "{} problem(s) with the logged sessions (listed above)",
        problems.len()
    );
    Ok(())
}
