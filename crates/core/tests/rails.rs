//! PRG-06 (issue 12): rails step down only after the tier's run of clean sessions, and come
//! back up after pain above the accepted level, dizziness, a near-fall or a break. Before,
//! a deconditioned 45-year-old and a knee-osteoarthritis person walked hands free from
//! session 3.

mod common;
use common::*;
use retrowalk_core::progression::rail_step_sessions;
use retrowalk_core::*;

/// The index of the first session planned hands free when every session is clean.
fn first_hands_free(p: &Profile) -> usize {
    let mut prog = programme(p, "mon,wed,fri");
    for (n, date) in dates(&prog, 12).into_iter().enumerate() {
        let planned = prog.plan_for(date).unwrap();
        if planned.load.rails == RailUse::None {
            return n;
        }
        prog.apply(&Event::Session(SessionLog::clean(date, &planned.load)))
            .unwrap();
    }
    usize::MAX
}

#[test]
fn hands_free_only_after_the_tiers_run_of_clean_sessions() {
    let deconditioned = profile(45, Goal::Fitness);
    assert_eq!(screen(&deconditioned).tier, Tier::Standard);
    let n = first_hands_free(&deconditioned);
    assert_eq!(
        n,
        rail_step_sessions(Tier::Standard) as usize,
        "session index {n}"
    );
    assert!(n >= 3, "not from session 3 any more");

    let mut oa = profile(58, Goal::KneeRehab);
    oa.knee = KneeCondition::Osteoarthritis;
    assert_eq!(screen(&oa).tier, Tier::Caution);
    let n = first_hands_free(&oa);
    assert_eq!(
        n,
        rail_step_sessions(Tier::Caution) as usize,
        "session index {n}"
    );
}

#[test]
fn rails_come_back_up_after_pain_dizziness_a_near_fall_or_a_break() {
    let p = profile(45, Goal::Fitness);
    let hands_free = || {
        let mut prog = programme(&p, "mon,wed,fri");
        let mut last = None;
        for date in dates(&prog, 4) {
            let planned = prog.plan_for(date).unwrap();
            if planned.load.rails == RailUse::None {
                return (prog, date);
            }
            prog.apply(&Event::Session(SessionLog::clean(date, &planned.load)))
                .unwrap();
            last = Some(date);
        }
        panic!("never hands free after {last:?}");
    };
    type Spoil = fn(&mut SessionLog);
    let cases: [(&str, Spoil); 4] = [
        ("pain 6/10", |l| l.pain_during = Pain::new(6).unwrap()),
        ("stop for pain", |l| {
            l.stopped_early = Some(StopReason::Pain)
        }),
        ("dizziness", |l| l.dizziness = true),
        ("near-fall", |l| l.near_fall = true),
    ];
    for (what, spoil) in cases {
        let (mut prog, date) = hands_free();
        let planned = prog.plan_for(date).unwrap();
        let mut log = SessionLog::clean(date, &planned.load);
        spoil(&mut log);
        let d = prog.apply(&Event::Session(log)).unwrap();
        assert!(d.next.rails > RailUse::None, "{what}: {d:?}");
    }
    // Two weeks off: the next session is planned with a light grip again.
    let (mut prog, date) = hands_free();
    let planned = prog.plan_for(date).unwrap();
    prog.apply(&Event::Session(SessionLog::clean(date, &planned.load)))
        .unwrap();
    let back = prog.plan_for(date + days(15)).unwrap();
    assert_eq!(back.load.rails, RailUse::Light, "{back:?}");
    let said = back.adjustment.unwrap().sentence(Units::Mph);
    assert!(said.contains("light grip"), "{said}");
}
