use super::{print_json, prompt};
use anyhow::{Context, Result};
use clap::Args;
use retrowalk_core::{Effort, Pain, RailUse, SessionLog, StopReason};
use retrowalk_service::Service;
use retrowalk_store::UserId;
use time::Date;

#[derive(Args, Debug)]
pub struct LogArgs {
    /// The session's day (YYYY-MM-DD); default today.
    #[arg(long, value_parser = super::parse_date)]
    date: Option<Date>,
    /// Backward minutes actually walked; default the planned time.
    #[arg(long)]
    backward_min: Option<f64>,
    /// A key for this log, e.g. a UUID: running the same command again with the same key
    /// records nothing new and prints the first answer (for scripts that retry).
    #[arg(long)]
    idempotency_key: Option<String>,
    #[command(flatten)]
    feel: Feel,
}

/// How a session went, as `log` and `import` both ask it.
#[derive(Args, Debug)]
pub struct Feel {
    /// How hard it felt, Borg CR10: 0 nothing … 3 moderate … 5 hard … 7 very hard … 10 maximal.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    pub effort: Option<u8>,
    /// Knee pain before the session, 0–10.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    pub pain_before: Option<u8>,
    /// Worst knee pain during the session, 0–10.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    pub pain_during: Option<u8>,
    /// Knee pain just after, 0–10.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    pub pain_after: Option<u8>,
    /// You felt dizzy.
    #[arg(long)]
    pub dizzy: bool,
    /// You slipped or nearly fell.
    #[arg(long)]
    pub near_fall: bool,
    /// You fell.
    #[arg(long)]
    pub fall: bool,
    /// How much you held the rails: none, light or full. Default: as planned.
    #[arg(long)]
    pub rails: Option<RailUse>,
    /// You stopped early, and why: dizziness, pain, discomfort, slip, fall or other.
    #[arg(long)]
    pub stopped: Option<StopReason>,
}

/// The four 0–10 answers, asked in the terminal when not given as flags.
pub struct Scores {
    pub effort: Effort,
    pub pain_before: Pain,
    pub pain_during: Pain,
    pub pain_after: Pain,
}

impl Feel {
    pub fn scores(&self) -> Result<Scores> {
        let ask = |given, flag, question: &str| prompt::value(given, flag, question, score);
        // The limit the next session is decided by (ADA-04), as the session's cues say it.
        let during = format!(
            "Worst knee pain during, 0–10 (up to {} is acceptable if it settles by tomorrow morning):",
            retrowalk_core::progression::PAIN_ACCEPTED_MAX
        );
        Ok(Scores {
            effort: Effort::new(ask(
                self.effort,
                "--effort",
                "Effort, 0–10 (3 moderate, 5 hard, 7 very hard):",
            )?)?,
            pain_before: Pain::new(ask(
                self.pain_before,
                "--pain-before",
                "Knee pain before, 0–10:",
            )?)?,
            pain_during: Pain::new(ask(self.pain_during, "--pain-during", &during)?)?,
            pain_after: Pain::new(ask(
                self.pain_after,
                "--pain-after",
                "Knee pain after, 0–10:",
            )?)?,
        })
    }
}

#[derive(Args, Debug)]
pub struct MorningArgs {
    /// Knee pain this morning, 0–10.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    pain: u8,
    /// The session it follows (YYYY-MM-DD); default your last session.
    #[arg(long, value_parser = super::parse_date)]
    session_date: Option<Date>,
}

fn score(s: &str) -> Result<u8, String> {
    s.parse::<u8>()
        .ok()
        .filter(|v| *v <= 10)
        .ok_or_else(|| "a whole number from 0 to 10".into())
}

pub async fn log(svc: &Service, me: UserId, a: LogArgs, json: bool, today: Date) -> Result<()> {
    let date = a.date.unwrap_or(today);
    let (planned, _) = svc.plan_for(me, date).await?;
    let load = planned.load;
    let backward_s = match a.backward_min {
        Some(m) if m.is_finite() && (0.0..=180.0).contains(&m) => (m * 60.0).round() as u32,
        Some(m) => anyhow::bail!("--backward-min must be between 0 and 180 (got {m})"),
        None => load.backward_s,
    };
    let feel = &a.feel;
    let scores = feel.scores()?;
    let log = SessionLog {
        date,
        backward_s,
        effort: scores.effort,
        pain_before: scores.pain_before,
        pain_during: scores.pain_during,
        pain_after: scores.pain_after,
        dizziness: feel.dizzy,
        near_fall: feel.near_fall,
        fall: feel.fall,
        rails_used: feel.rails.unwrap_or(load.rails),
        stopped_early: feel.stopped,
        extra: false,
    };
    let (decision, why) = svc
        .log_session_keyed(me, log, me, today, a.idempotency_key.as_deref())
        .await?;
    if json {
        return print_json(&serde_json::json!({ "decision": decision, "reason": why }));
    }
    println!(
        "Logged. {} — {why}",
        decision.outcome.to_string().to_uppercase()
    );
    Ok(())
}

pub async fn morning(
    svc: &Service,
    me: UserId,
    a: MorningArgs,
    json: bool,
    today: Date,
) -> Result<()> {
    let session_date = match a.session_date {
        Some(d) => d,
        None => svc
            .store
            .programme(me)
            .await?
            .and_then(|r| r.state.last_session_date())
            .context("no session logged yet")?,
    };
    let out = svc
        .log_morning_pain(me, session_date, Pain::new(a.pain)?, today)
        .await?;
    if json {
        return print_json(
            &serde_json::json!({ "session_date": session_date, "changed": out.map(|(d, r)| serde_json::json!({"decision": d, "reason": r})) }),
        );
    }
    match out {
        Some((_, why)) => println!("Noted. {why}"),
        None => println!("Noted: your next session stays as planned."),
    }
    Ok(())
}
