//! Twelve weeks for several personas, asserting the trajectory each should follow.

mod common;
use common::*;
use retrowalk_core::*;

struct Trace {
    loads: Vec<(time::Date, Load)>,
    decisions: Vec<Decision>,
}

fn weekly_backward(t: &Trace) -> Vec<u32> {
    let mut w = vec![0u32; 12];
    for (d, l) in &t.loads {
        w[week_of(*d) as usize] += l.backward_s;
    }
    w
}

/// Runs 12 weeks; `feel` gives (effort, pain) for session n in week w.
fn run(prog: &mut Progression, feel: impl Fn(i64, usize) -> (u8, u8)) -> Trace {
    let mut t = Trace {
        loads: vec![],
        decisions: vec![],
    };
    for (n, date) in dates(prog, 12).into_iter().enumerate() {
        let planned = prog.plan_for(date).expect("programme active");
        let (effort, pain) = feel(week_of(date), n);
        let d = prog
            .apply(&Event::Session(log(date, &planned.load, effort, pain)))
            .unwrap();
        t.loads.push((date, planned.load));
        t.decisions.push(d);
    }
    t
}

#[test]
fn seventy_year_old_with_balance_problems() {
    let mut p = profile(70, Goal::Balance);
    p.flags.poor_balance_or_falls = true;
    let s = screen(&p);
    assert_eq!(s.tier, Tier::ClearanceRequired);
    assert!(Progression::new(&p, &s, Schedule::parse("tue,thu").unwrap(), date0()).is_err());

    p.clearance = true;
    let s = screen(&p);
    assert_eq!(s.tier, Tier::Supervised);
    let mut prog = programme(&p, "tue,thu");
    assert_eq!(prog.start.rails, RailUse::Full);
    assert!((prog.start.speed.mph() - 0.5).abs() < 1e-9);
    assert_eq!(prog.start.backward_s, 180);

    let t = run(&mut prog, |_, _| (4, 0));
    for (date, l) in &t.loads {
        assert!(
            l.rails >= RailUse::Light,
            "{date}: supervised rails never below light"
        );
        assert_eq!(
            l.incline,
            Incline::FLAT,
            "{date}: no incline without a clinician"
        );
        assert!(l.speed.mph() <= 1.5 + 1e-9);
        let plan = session::build(l, prog.tier, s.requirements, p.units, p.body_mass);
        assert!(plan.checklist.iter().any(|i| i.id == "spotter"));
        assert!(plan.checklist.iter().any(|i| i.id == "continuous_rails"));
    }
    // Time builds before speed for supervised people (PRG-03), and slowly.
    let last = t.loads.last().unwrap().1;
    assert!(
        last.backward_s > 180 && last.backward_s <= 15 * 60,
        "{last:?}"
    );
    assert!(
        (last.speed.mph() - 0.5).abs() < 1e-9,
        "speed waits until time reaches target"
    );
    assert!(t.decisions.iter().any(|d| d.why
        == Why::RailsDown {
            from: RailUse::Full,
            to: RailUse::Light
        }));
    let w = weekly_backward(&t);
    assert!(
        w.windows(2).all(|p| p[1] >= p[0]),
        "steady growth when all is well: {w:?}"
    );
}

#[test]
fn runner_builds_time_and_speed_within_the_weekly_cap() {
    let p = profile(29, Goal::Fitness);
    let mut prog = programme(&p, "mon,wed,fri");
    assert_eq!(prog.tier, Tier::Standard);
    let t = run(&mut prog, |_, _| (3, 0));
    let first = t.loads[0].1;
    let last = t.loads.last().unwrap().1;
    assert!(
        last.backward_s >= 2 * first.backward_s,
        "{first:?} -> {last:?}"
    );
    assert!(
        last.speed.mph() >= first.speed.mph() + 1.0 - 1e-9,
        "speed rose at least two steps"
    );
    assert!(last.speed.mph() <= 3.0 + 1e-9);
    assert_eq!(last.rails, RailUse::None);
    // Speed rose at most once in any 7 days (PRG-04).
    let ups: Vec<time::Date> = t
        .decisions
        .iter()
        .zip(&t.loads)
        .filter(|(d, _)| matches!(d.why, Why::SpeedUp { .. }))
        .map(|(_, (date, _))| *date)
        .collect();
    assert!(
        ups.windows(2).all(|w| (w[1] - w[0]).whole_days() >= 7),
        "{ups:?}"
    );
    // Incline stays flat until time and speed targets are reached.
    for (_, l) in &t.loads {
        if l.incline.percent() > 0.0 {
            assert!(l.backward_s >= prog.limits.target_backward_s);
        }
    }
    let w = weekly_backward(&t);
    for i in 1..w.len() {
        assert!(
            w[i] as f64 <= 1.1 * w[i - 1].max(prog.start.backward_s * 3) as f64,
            "{w:?}"
        );
    }
}

#[test]
fn knee_osteoarthritis_with_a_flare_in_week_three() {
    let mut p = profile(58, Goal::KneeRehab);
    p.knee = KneeCondition::Osteoarthritis;
    p.knee_pain = Pain::new(3).unwrap();
    let s = screen(&p);
    assert_eq!(s.tier, Tier::Caution);
    let mut prog = programme(&p, "mon,wed,fri");
    // Week 3 (index 2): pain 6 in the first session, 4 in the next two; otherwise pain 1.
    let t = run(&mut prog, |week, n| match (week, n % 3) {
        (2, 0) => (5, 6),
        (2, _) => (5, 4),
        _ => (4, 1),
    });
    let by_week = |w: i64| -> Vec<(usize, &Load)> {
        t.loads
            .iter()
            .enumerate()
            .filter(|(_, (d, _))| week_of(*d) == w)
            .map(|(i, (_, l))| (i, l))
            .collect()
    };
    let wk3 = by_week(2);
    let flare = wk3[0].0;
    assert_eq!(t.decisions[flare].outcome, Outcome::StepBack);
    assert_eq!(t.decisions[flare].rule, Rule::Ada04PainHigh);
    assert!(t.decisions[flare].sentence(Units::Mph).contains("6/10"));
    for (i, _) in &wk3 {
        assert_ne!(
            t.decisions[*i].outcome,
            Outcome::Progress,
            "no increase during a flare"
        );
    }
    let before_flare = wk3[0].1.backward_s;
    let after_flare = by_week(3)[0].1.backward_s;
    assert!(
        after_flare < before_flare,
        "the flare stepped the load back"
    );
    // Progress resumes once pain settles, and time ends above the pre-flare level.
    assert!(t.decisions[wk3.last().unwrap().0 + 1..]
        .iter()
        .any(|d| d.outcome == Outcome::Progress));
    let end = t.loads.last().unwrap().1;
    assert!(end.backward_s > before_flare);
    assert!(end.backward_s <= 10 * 60, "knee rehab target is 10 min");
    assert!(end.speed.mph() <= 2.0 + 1e-9);
}

#[test]
fn morning_pain_that_does_not_settle_steps_back() {
    let p = profile(45, Goal::KneeRehab);
    let mut prog = programme(&p, "mon,wed,fri");
    let d0 = date0();
    let load = prog.plan_for(d0).unwrap().load;
    let mut l = log(d0, &load, 3, 1);
    l.pain_before = Pain::new(1).unwrap();
    prog.apply(&Event::Session(l));
    let before = prog.next;
    let d = prog
        .apply(&Event::MorningPain {
            session_date: d0,
            pain: Pain::new(4).unwrap(),
        })
        .expect("a rise of 3 points changes the plan");
    assert_eq!(d.rule, Rule::Ada05MorningPain);
    assert!(d.next.backward_s < before.backward_s);
    assert!(d.sentence(Units::Mph).contains("next morning"));
}

#[test]
fn dizziness_twice_pauses_and_a_fall_pauses() {
    let p = profile(40, Goal::Fitness);
    let mut prog = programme(&p, "mon,wed,fri");
    let ds = dates(&prog, 2);
    let mut l = log(ds[0], &prog.plan_for(ds[0]).unwrap().load, 4, 0);
    l.dizziness = true;
    let d1 = prog.apply(&Event::Session(l)).unwrap();
    assert_eq!(d1.outcome, Outcome::StepBack);
    assert_eq!(d1.next.rails, RailUse::Full);
    let mut l = log(ds[1], &prog.plan_for(ds[1]).unwrap().load, 4, 0);
    l.stopped_early = Some(StopReason::Dizziness);
    let d2 = prog.apply(&Event::Session(l)).unwrap();
    assert_eq!(d2.outcome, Outcome::Paused);
    assert!(prog.plan_for(ds[2]).is_err());
    prog.apply(&Event::Resumed { date: ds[2] });
    // Resumes from the start values, or gentler where the step-backs had gone further.
    let resumed = prog.plan_for(ds[2]).unwrap().load;
    assert_eq!(resumed, prog.start.gentler(d1.next));
    assert!(resumed.backward_s <= prog.start.backward_s && resumed.speed <= prog.start.speed);

    let mut l = log(ds[3], &prog.plan_for(ds[3]).unwrap().load, 4, 0);
    l.fall = true;
    let d = prog.apply(&Event::Session(l)).unwrap();
    assert_eq!(d.rule, Rule::Ada01Fall);
    assert!(prog.plan_for(ds[4]).is_err());
}

#[test]
fn clinician_caps_win_and_are_explained() {
    let p = profile(30, Goal::Fitness);
    let mut prog = programme(&p, "mon,wed,fri");
    let caps = ClinicianCaps {
        max_speed: Some(Speed::from_mph(1.0).unwrap()),
        max_incline: Some(Incline::FLAT),
        max_backward_s: Some(360),
    };
    let d = prog.apply(&Event::CapsSet { caps }).unwrap();
    assert_eq!(d.rule, Rule::Ada11ClinicianCaps);
    let t = run(&mut prog, |_, _| (2, 0));
    for (_, l) in &t.loads {
        assert!(l.speed.mph() <= 1.0 + 1e-9 && l.backward_s <= 360 && l.incline == Incline::FLAT);
    }
}

/// A recorded clearance is history, not a change of plan: mid-programme (after a
/// decision, paused or not) the state after it is the state before it, so replaying an
/// old log with clearances in it gives the same programme.
#[test]
fn a_recorded_clearance_changes_nothing_in_the_fold() {
    let p = profile(50, Goal::KneeRehab);
    let mut prog = programme(&p, "mon,wed,fri");
    let _ = run(&mut prog, |w, _| if w == 2 { (7, 4) } else { (4, 1) });
    assert!(prog.last_decision.is_some());
    let before = prog.clone();
    let ev = Event::ClearanceRecorded {
        date: date0() + days(90),
    };
    assert_eq!(prog.apply(&ev), None);
    assert_eq!(prog, before);
    prog.apply(&Event::Paused {
        date: date0() + days(91),
        by_clinician: true,
    });
    let paused = prog.clone();
    assert_eq!(prog.apply(&ev), None);
    assert_eq!(prog, paused, "clearance does not resume a paused programme");

    // Stored as its own kind, and read back as itself.
    let json = serde_json::to_value(&ev).unwrap();
    assert_eq!(json["kind"], "clearance_recorded");
    assert_eq!(json["date"], "2026-04-05");
    assert_eq!(serde_json::from_value::<Event>(json).unwrap(), ev);
}

#[test]
fn projection_forecasts_the_coming_weeks_without_touching_state() {
    let p = profile(30, Goal::Strength);
    let prog = programme(&p, "tue,thu,sat");
    let before = prog.clone();
    let plan = prog.project(date0(), 4);
    assert_eq!(plan.len(), 12);
    assert_eq!(prog, before);
    assert!(plan.windows(2).all(|w| w[0].date < w[1].date));
    assert!(plan.last().unwrap().load.backward_s >= plan[0].load.backward_s);
}
