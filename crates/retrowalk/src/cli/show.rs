//! The reading commands, as text for people or JSON for programs.

use super::print_json;
use anyhow::Result;
use retrowalk_core::session::{SegmentKind, SessionPlan};
use retrowalk_core::{Event, Screening, Tier, Units};
use retrowalk_service::{Service, Status};
use retrowalk_store::UserId;
use time::Date;

fn mmss(s: u32) -> String {
    format!("{}:{:02}", s / 60, s % 60)
}

pub fn print_screening(s: &Screening) {
    println!("Risk tier: {}", s.tier.label().to_uppercase());
    if s.clearance_self_attested {
        println!("{}", retrowalk_core::screening::SELF_ATTESTED_NOTE);
    }
    println!("{}", s.tier.explain());
    if s.reasons.is_empty() {
        println!("Nothing in your answers calls for extra care.");
    }
    // Plain sentences: the rule behind each is in `--json` output and on the clinician's
    // page, not in what the person reads.
    for r in &s.reasons {
        println!("  • {}", r.text);
    }
    let q = s.requirements;
    if q.clinician_clearance || q.spotter || q.continuous_rails {
        println!("Requires:");
        if q.clinician_clearance {
            println!("  • a clinician's clearance before the first session");
        }
        if q.spotter {
            println!("  • a spotter beside you in every session");
        }
        if q.continuous_rails {
            println!("  • continuous contact with the rails");
        }
    }
}

pub async fn screening(svc: &Service, me: UserId, json: bool) -> Result<()> {
    let s = svc.screening(me).await?;
    if json {
        return print_json(&s);
    }
    print_screening(&s);
    Ok(())
}

pub fn print_plan(plan: &SessionPlan, units: Units) {
    println!("Before you start, check:");
    for item in &plan.checklist {
        println!("  [ ] {}", item.text);
    }
    println!();
    println!(
        "{} in all, {} walking backward at {}{}, {}.",
        mmss(plan.total_s()),
        mmss(plan.backward_s()),
        units.fmt_speed(plan.load.speed),
        if plan.load.incline.percent() > 0.0 {
            format!(" and {:.0}% incline", plan.load.incline.percent())
        } else {
            String::new()
        },
        plan.load.rails.describe()
    );
    println!();
    let mut t = 0;
    for s in &plan.segments {
        let arrow = match s.kind {
            SegmentKind::Backward => "◀ backward",
            SegmentKind::StandStill => "■ stopped ",
            SegmentKind::Turn => "↻ turn    ",
            _ => "▶ forward ",
        };
        let speed = if s.kind == SegmentKind::StandStill {
            "—".to_string()
        } else {
            units.fmt_speed(s.speed)
        };
        println!(
            "{:>6}  {arrow}  {:>6}  {:<10} {}",
            mmss(t),
            mmss(s.duration_s),
            speed,
            s.label
        );
        for c in &s.cues {
            println!("{:>6}      “{}”", mmss(t + c.at_s), c.text);
        }
        t += s.duration_s;
    }
    println!();
    println!(
        "Energy: about {:.0} kcal ({:.1} METs on average){}.",
        plan.energy.kcal,
        plan.energy.mets,
        if plan.energy.extrapolated {
            ", estimated below the speeds the equation was fitted on"
        } else {
            ""
        }
    );
    println!("\n{}", plan.notice);
}

pub async fn today(svc: &Service, me: UserId, date: Date, json: bool) -> Result<()> {
    let t = svc.today(me, date).await?;
    if json {
        return print_json(&t);
    }
    match &t.status {
        Status::NoProfile => {
            println!("No programme yet: run `retrowalk profile create` to answer the screening questions.");
            return Ok(());
        }
        Status::NeedsClearance => {
            println!("Your screening asks for a clinician's clearance before you start.");
            println!("If your clinician uses retrowalk, they record it once you are linked; otherwise, once a doctor or physical therapist has cleared you, run `retrowalk profile clearance` (recorded as self-attested).");
            return Ok(());
        }
        Status::Paused { reason } => {
            println!("Your programme is paused {reason}.");
            return Ok(());
        }
        Status::Active => {}
    }
    if t.clearance_self_attested {
        println!("{}\n", retrowalk_core::screening::SELF_ATTESTED_NOTE);
    }
    if let Some(d) = t.morning_check_due {
        println!("How is your knee this morning? Run `retrowalk morning --pain N` for the session on {d}.\n");
    }
    if let Some(r) = &t.last_reason {
        println!("Last time: {r}\n");
    }
    if let Some(a) = &t.adjustment {
        println!("{a}\n");
    }
    let next = t.next_date.unwrap_or(date);
    let when = if next == date {
        "Today".to_string()
    } else {
        format!("Next session: {} {next}", next.weekday())
    };
    let a = t.adherence;
    let week = match (a.planned, a.extra) {
        (0, 0) => "no sessions planned this week".to_string(),
        (0, x) => format!("no sessions planned this week, {x} extra walk{}", plural(x)),
        (p, 0) => format!("this week {}/{p} sessions done", a.done),
        (p, x) => format!(
            "this week {}/{p} sessions done and {x} extra walk{}",
            a.done,
            plural(x)
        ),
    };
    println!(
        "{when} · {week} · tier {}\n",
        t.tier.unwrap_or(Tier::Standard)
    );
    if let Some(plan) = &t.plan {
        print_plan(plan, t.units);
    }
    Ok(())
}

pub async fn plan(svc: &Service, me: UserId, from: Date, weeks: u32, json: bool) -> Result<()> {
    let up = svc.upcoming(me, from, weeks).await?;
    if json {
        return print_json(&up);
    }
    let units = svc
        .store
        .profile(me)
        .await?
        .map(|p| p.units)
        .unwrap_or_default();
    println!("The coming {weeks} week(s), if every session goes as planned:\n");
    println!(
        "{:<15} {:>9} {:>10} {:>7} {:>6} {:<22} {:>6}",
        "date", "backward", "speed", "incline", "bouts", "rails", "kcal"
    );
    for u in up {
        println!(
            "{:<15} {:>9} {:>10} {:>6.0}% {:>6} {:<22} {:>6.0}",
            format!("{} {}", &u.date.weekday().to_string()[..3], u.date),
            mmss(u.load.backward_s),
            units.fmt_speed(u.load.speed),
            u.load.incline.percent(),
            u.bouts,
            u.load.rails.describe(),
            u.kcal
        );
    }
    Ok(())
}

pub async fn history(svc: &Service, me: UserId, json: bool) -> Result<()> {
    let h = svc.history(me).await?;
    if json {
        return print_json(&h);
    }
    if h.is_empty() {
        println!("Nothing logged yet.");
    }
    for e in h {
        let who = match (&e.actor_name, e.actor_id) {
            (Some(n), Some(a)) if a != me => format!(" (by {n})"),
            _ => String::new(),
        };
        let what = match &e.event {
            Event::Session(l) => format!(
                "{}{}: {} backward, effort {}, pain {}/{}/{}{}",
                l.date,
                if l.extra { " (extra)" } else { "" },
                mmss(l.backward_s),
                l.effort,
                l.pain_before.value(),
                l.pain_during.value(),
                l.pain_after.value(),
                l.stopped_early
                    .map(|r| format!(", stopped for {}", r.describe()))
                    .unwrap_or_default()
            ),
            Event::MorningPain { session_date, pain } => {
                format!("{session_date}: next-morning knee pain {pain}")
            }
            Event::CapsSet { .. } => "Limits changed".into(),
            Event::Retiered { tier, .. } => format!("Tier set to {tier}"),
            Event::ScheduleSet { .. } => "Training days changed".into(),
            Event::Paused { date, .. } => format!("{date}: programme paused"),
            Event::Resumed { date } => format!("{date}: programme resumed"),
            Event::ClearanceRecorded { date } => format!("{date}: clearance recorded"),
        };
        println!("#{:<3} {what}{who}", e.seq);
        if let Some(r) = e.reason {
            println!("      → {r}");
        }
    }
    Ok(())
}

pub async fn progress(svc: &Service, me: UserId, json: bool) -> Result<()> {
    let p = svc.progress(me).await?;
    if json {
        return print_json(&p);
    }
    if p.sessions.is_empty() {
        println!("No sessions logged yet.");
        return Ok(());
    }
    let max = p.weeks.iter().map(|w| w.backward_min).fold(1.0, f64::max);
    println!("Backward minutes per week:");
    for w in &p.weeks {
        let bar = "█".repeat(((w.backward_min / max) * 30.0).round() as usize);
        println!(
            "  {}  {:>5.1} min  {:<30}  {} session(s), {:.0} kcal, effort {:.1}, max pain {}",
            w.week_start, w.backward_min, bar, w.sessions, w.kcal, w.mean_effort, w.max_pain
        );
    }
    println!("\nSessions:");
    println!(
        "  {:<11} {:>8} {:>10} {:>7} {:>6} {:>10} {:>6}",
        "date", "backward", "speed", "incline", "effort", "pain d/a", "kcal"
    );
    for s in &p.sessions {
        println!(
            "  {:<11} {:>8.1} {:>6.1} {:<3} {:>6.0}% {:>6} {:>7}/{:<2} {:>6.0}{}{}",
            s.date.to_string(),
            s.backward_min,
            s.speed,
            p.units.label(),
            s.incline_pct,
            s.effort,
            s.pain_during,
            s.pain_after,
            s.kcal,
            if s.extrapolated { "*" } else { "" },
            if s.extra { "  extra" } else { "" }
        );
    }
    if p.sessions.iter().any(|s| s.extrapolated) {
        println!("\n* energy estimated below the speeds the walking equation was fitted on (50–100 m/min)");
    }
    Ok(())
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
