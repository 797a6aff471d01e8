use super::{print_json, prompt};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use retrowalk_core::{
    screen, ActivityLevel, Age, BodyMass, ClearedBy, Goal, HeartAnswers, KneeCondition, Pain,
    Profile, RiskFlags, Schedule, Sex, Units,
};
use retrowalk_service::Service;
use retrowalk_store::UserId;
use time::Date;

#[derive(Subcommand, Debug)]
pub enum ProfileCmd {
    /// Answer the screening questions (asked in a terminal; or give every flag for scripts).
    /// Running it again updates the profile and carries the programme over.
    Create(Box<CreateArgs>),
    /// Show the stored profile.
    Show,
    /// Say that a doctor or physical therapist cleared you to start. Recorded as
    /// self-attested; refused while you are linked to a clinician, who records it instead.
    Clearance,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[arg(long)]
    name: Option<String>,
    /// Age in years (16–110).
    #[arg(long)]
    age: Option<u8>,
    /// Body mass in kilograms.
    #[arg(long, conflicts_with = "mass_lb")]
    mass_kg: Option<f64>,
    /// Body mass in pounds.
    #[arg(long)]
    mass_lb: Option<f64>,
    /// female or male (optional; only for energy figures).
    #[arg(long, value_parser = parse_sex)]
    sex: Option<Sex>,
    /// mph or kmh.
    #[arg(long)]
    units: Option<Units>,
    /// knee-rehab, strength, balance, fitness or variety.
    #[arg(long)]
    goal: Option<Goal>,
    /// none, osteoarthritis, patellofemoral-pain, acl-reconstruction or other-surgery.
    #[arg(long)]
    knee: Option<KneeCondition>,
    /// Knee pain today, 0–10.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    knee_pain: Option<u8>,
    /// Poor balance, or a fall in the last 12 months.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    poor_balance: Option<bool>,
    /// Inner-ear (vestibular) problems or dizziness.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    vestibular: Option<bool>,
    /// A neurological condition.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    neurological: Option<bool>,
    /// Impaired vision.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    vision: Option<bool>,
    /// Whole months since the knee operation (with --knee acl-reconstruction or
    /// other-surgery), e.g. 4, or 120 for ten years. Left out, clearance is asked for.
    #[arg(long, value_parser = clap::value_parser!(u16).range(0..=1320))]
    surgery_months: Option<u16>,
    /// How active you are now: inactive (little or no planned exercise), some, or regular
    /// (30 minutes of at least moderate exercise on 3 or more days a week, for 3 months).
    #[arg(long)]
    activity: Option<ActivityLevel>,
    /// A doctor has said you have a heart condition.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    heart_condition: Option<bool>,
    /// Chest pain at rest, in daily life or when active.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    chest_pain: Option<bool>,
    /// Fainted, blacked out or lost your balance from dizziness in the last 12 months.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    fainting: Option<bool>,
    /// A doctor has said you have high blood pressure.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    high_blood_pressure: Option<bool>,
    /// You take a medicine that slows the heart (a beta-blocker such as bisoprolol or
    /// metoprolol, or verapamil or diltiazem).
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    heart_rate_medicine: Option<bool>,
    /// Seconds for the 3-metre backward walk test, if measured.
    #[arg(long)]
    walk_test_s: Option<f64>,
    /// A doctor or physical therapist has cleared you to start (recorded as self-attested).
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    clearance: Option<bool>,
    /// Training days: 2 or 3 weekdays, e.g. mon,wed,fri.
    #[arg(long)]
    days: Option<String>,
    /// First day of the programme (YYYY-MM-DD); default today.
    #[arg(long, value_parser = super::parse_date)]
    start: Option<Date>,
}

fn parse_sex(s: &str) -> Result<Sex, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "f" | "female" => Ok(Sex::Female),
        "m" | "male" => Ok(Sex::Male),
        _ => Err("use female or male (or leave it out)".into()),
    }
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| e.to_string())
}

async fn create(svc: &Service, me: UserId, a: CreateArgs, json: bool, today: Date) -> Result<()> {
    let ask = prompt::interactive() && !json;
    if ask {
        println!("Screening: a few questions decide how retrowalk starts you, and whether a clinician should see you first.\n");
    }
    let name = prompt::value(a.name, "--name", "Your name:", |s| {
        if s.is_empty() {
            Err("please type a name".into())
        } else {
            Ok(s.to_string())
        }
    })?;
    let age = prompt::value(
        a.age.map(Age::new).transpose()?,
        "--age",
        "Age in years:",
        |s| Age::new(parse::<u8>(s)?).map_err(|e| e.to_string()),
    )?;
    let mass = match (a.mass_kg, a.mass_lb) {
        (Some(kg), _) => BodyMass::from_kg(kg)?,
        (None, Some(lb)) => BodyMass::from_lb(lb)?,
        (None, None) => prompt::value(None, "--mass-kg", "Body mass (e.g. 72kg or 160lb):", |s| {
            let t = s.to_ascii_lowercase();
            if let Some(lb) = t.strip_suffix("lb") {
                BodyMass::from_lb(parse(lb.trim())?).map_err(|e| e.to_string())
            } else {
                BodyMass::from_kg(parse(t.trim_end_matches("kg").trim())?)
                    .map_err(|e| e.to_string())
            }
        })?,
    };
    let units = prompt::value(a.units, "--units", "Speeds in mph or kmh?", parse)?;
    let goal = prompt::value(
        a.goal,
        "--goal",
        "Goal (knee-rehab, strength, balance, fitness, variety):",
        parse,
    )?;
    let knee = prompt::value(
        a.knee,
        "--knee",
        "Knee condition (none, osteoarthritis, patellofemoral-pain, acl-reconstruction, other-surgery):",
        parse,
    )?;
    let surgery = matches!(
        knee,
        KneeCondition::AclReconstruction | KneeCondition::OtherSurgery
    );
    let knee_surgery_months = match a.surgery_months {
        Some(m) => Some(m),
        None if ask && surgery => prompt::value(
            None,
            "--surgery-months",
            "How many months ago was the operation? (e.g. 4, or 120 for ten years; Enter if you are not sure):",
            |s| {
                if s.is_empty() {
                    Ok(None)
                } else {
                    parse::<u16>(s).map(Some)
                }
            },
        )?,
        None => None,
    };
    let knee_pain = prompt::value(
        a.knee_pain.map(Pain::new).transpose()?,
        "--knee-pain",
        "Knee pain right now, 0–10:",
        |s| Pain::new(parse(s)?).map_err(|e| e.to_string()),
    )?;
    let flags = RiskFlags {
        poor_balance_or_falls: prompt::yes_no(
            a.poor_balance,
            "--poor-balance",
            "Poor balance, or a fall in the last 12 months?",
        )?,
        vestibular_or_dizziness: prompt::yes_no(
            a.vestibular,
            "--vestibular",
            "Dizziness or inner-ear problems?",
        )?,
        neurological: prompt::yes_no(
            a.neurological,
            "--neurological",
            "A neurological condition?",
        )?,
        vision_impairment: prompt::yes_no(a.vision, "--vision", "Impaired vision?")?,
    };
    if ask {
        println!("\nYour heart and circulation (any yes means a doctor or physical therapist should clear you first):");
    }
    let heart = HeartAnswers {
        heart_condition: prompt::yes_no(
            a.heart_condition,
            "--heart-condition",
            "Has a doctor said you have a heart condition?",
        )?,
        chest_pain: prompt::yes_no(
            a.chest_pain,
            "--chest-pain",
            "Do you get chest pain at rest, in daily life or when active?",
        )?,
        fainting: prompt::yes_no(
            a.fainting,
            "--fainting",
            "Have you fainted, blacked out or lost your balance from dizziness in the last 12 months?",
        )?,
        high_blood_pressure: prompt::yes_no(
            a.high_blood_pressure,
            "--high-blood-pressure",
            "Has a doctor said you have high blood pressure?",
        )?,
        rate_limiting_medicine: prompt::yes_no(
            a.heart_rate_medicine,
            "--heart-rate-medicine",
            "Do you take a medicine that slows your heart, such as a beta-blocker (bisoprolol, metoprolol, atenolol) or verapamil or diltiazem?",
        )?,
    };
    let activity = match a.activity {
        Some(level) => Some(level),
        None if ask => Some(prompt::value(
            None,
            "--activity",
            "How active are you now? inactive (little or no planned exercise), some, or regular (30 minutes on 3 or more days a week):",
            parse,
        )?),
        None => None,
    };
    let walk = match a.walk_test_s {
        Some(s) => Some(s),
        None if ask => prompt::value(
            None,
            "--walk-test-s",
            "3-m backward walk test in seconds (Enter if not measured):",
            |s| {
                if s.is_empty() {
                    Ok(None)
                } else {
                    parse::<f64>(s).map(Some)
                }
            },
        )?,
        None => None,
    };
    let clearance = prompt::yes_no(
        a.clearance,
        "--clearance",
        "Has a doctor or physical therapist cleared you for backward treadmill walking? (recorded as self-attested)",
    )?;
    let schedule = prompt::value(
        a.days.map(|d| Schedule::parse(&d)).transpose()?,
        "--days",
        "Training days, 2 or 3 (e.g. mon,wed,fri):",
        |s| Schedule::parse(s).map_err(|e| e.to_string()),
    )?;
    let profile = Profile {
        name,
        age,
        body_mass: mass,
        sex: a.sex,
        units,
        goal,
        knee,
        knee_pain,
        flags,
        heart: Some(heart),
        activity,
        knee_surgery_months,
        backward_walk_test_s: walk,
        clearance,
        // The service decides who cleared the person (SCR-12, SCR-14).
        clearance_by: None,
        schedule: Some(schedule),
    };
    let outcome = svc
        .onboard(me, profile.clone(), a.start.unwrap_or(today))
        .await?;
    svc.store.set_display_name(me, &profile.name).await?;
    if json {
        return print_json(&outcome);
    }
    println!();
    super::show::print_screening(&outcome.screening);
    if let Some(kept) = &outcome.clinician_tier {
        println!("\n{}", kept.message);
    }
    if outcome.programme_started {
        println!("\nYour programme is ready: run `retrowalk today` to see your first session.");
    } else {
        println!("\nNo programme yet. Your clinician records your clearance once you are linked; without one in retrowalk, once a doctor or physical therapist has cleared you, run `retrowalk profile clearance` (recorded as self-attested).");
    }
    Ok(())
}

/// The heart answers that are "yes", in words, or "no to every question".
fn heart_summary(h: &HeartAnswers) -> String {
    let yes: Vec<&str> = [
        (h.heart_condition, "a heart condition"),
        (h.chest_pain, "chest pain"),
        (h.fainting, "fainting or dizzy falls in the last year"),
        (h.high_blood_pressure, "high blood pressure"),
        (h.rate_limiting_medicine, "a medicine that slows the heart"),
    ]
    .into_iter()
    .filter_map(|(on, what)| on.then_some(what))
    .collect();
    if yes.is_empty() {
        "no to every question".into()
    } else {
        yes.join(", ")
    }
}

pub async fn run(
    svc: &Service,
    me: UserId,
    cmd: ProfileCmd,
    json: bool,
    today: Date,
) -> Result<()> {
    match cmd {
        ProfileCmd::Create(a) => create(svc, me, *a, json, today).await,
        ProfileCmd::Show => {
            let p = svc
                .store
                .profile(me)
                .await?
                .context("no profile yet: run `retrowalk profile create`")?;
            if json {
                return print_json(&p);
            }
            println!(
                "{} · {} years · {:.1} kg · {}",
                p.name,
                p.age.years(),
                p.body_mass.kg(),
                p.units.label()
            );
            println!(
                "Goal: {} · Knee: {} · knee pain {}",
                p.goal.describe(),
                p.knee.describe(),
                p.knee_pain
            );
            if let Some(m) = p.knee_surgery_months {
                println!("Knee operation: {m} months ago");
            }
            match p.heart {
                Some(h) => println!("Heart and circulation: {}", heart_summary(&h)),
                None => println!("Heart and circulation: not answered yet (run `retrowalk profile create` again)"),
            }
            if let Some(level) = p.activity {
                println!("Activity now: {}", level.describe());
            }
            if p.clearance_self_attested() {
                println!("Clearance: self-attested (no clinician has confirmed it in retrowalk)");
            } else if let Some(ClearedBy::Clinician { tier }) = p.clearance_by {
                println!("Clearance: recorded by your clinician, {tier} tier");
            }
            if let Some(s) = &p.schedule {
                let days: Vec<String> = s
                    .days()
                    .iter()
                    .map(|d| d.to_string()[..3].to_string())
                    .collect();
                println!("Training days: {}", days.join(", "));
            }
            Ok(())
        }
        ProfileCmd::Clearance => {
            let mut p = svc
                .store
                .profile(me)
                .await?
                .context("no profile yet: run `retrowalk profile create`")?;
            p.clearance = true;
            let start = today;
            let outcome = svc.onboard(me, p, start).await?;
            if json {
                return print_json(&outcome);
            }
            super::show::print_screening(&screen(
                &svc.store.profile(me).await?.context("profile vanished")?,
            ));
            if outcome.programme_started {
                println!("\nClearance recorded. Run `retrowalk today` to see your first session.");
            }
            Ok(())
        }
    }
}
