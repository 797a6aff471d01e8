//! ADA-12 (issue 12): dizziness together with a near-fall, or stops for pain or discomfort in
//! two sessions in a row, pause the programme and tell the person to contact their clinician;
//! before, such a log only stepped back.

mod common;
use common::*;
use retrowalk_core::progression::{PauseReason, RedFlag};
use retrowalk_core::*;

fn started() -> Progression {
    programme(&profile(40, Goal::Fitness), "mon,wed,fri")
}

fn next_log(prog: &Progression, n: usize) -> SessionLog {
    let date = dates(prog, 4)[n];
    let planned = prog.plan_for(date).expect("programme active");
    SessionLog::clean(date, &planned.load)
}

fn assert_paused_for(prog: &Progression, d: &Decision, flag: RedFlag) {
    assert_eq!(d.outcome, Outcome::Paused, "{d:?}");
    assert_eq!(d.rule, Rule::Ada12RedFlags);
    assert_eq!(prog.paused, Some(PauseReason::RedFlag(flag)));
    let said = d.sentence(Units::Mph);
    assert!(said.contains("contact your clinician"), "{said}");
    assert!(
        prog.plan_for(dates(prog, 4)[3]).is_err(),
        "nothing is planned"
    );
}

#[test]
fn dizziness_with_a_near_fall_pauses() {
    for (dizzy, slip) in [
        (Some(StopReason::Dizziness), None),
        (None, Some(StopReason::SlipOrNearFall)),
        (None, None),
    ] {
        let mut prog = started();
        let mut log = next_log(&prog, 0);
        log.dizziness = dizzy.is_none();
        log.near_fall = slip.is_none();
        log.stopped_early = dizzy.or(slip);
        let d = prog.apply(&Event::Session(log)).unwrap();
        assert_paused_for(&prog, &d, RedFlag::DizzinessWithNearFall);
    }
    // Either alone still steps back, as before.
    let mut prog = started();
    let mut log = next_log(&prog, 0);
    log.near_fall = true;
    let d = prog.apply(&Event::Session(log)).unwrap();
    assert_eq!(d.outcome, Outcome::StepBack);
    assert!(prog.paused.is_none());
}

#[test]
fn two_stops_in_a_row_for_pain_or_discomfort_pause() {
    for (first, second) in [
        (StopReason::Pain, StopReason::Pain),
        (StopReason::Discomfort, StopReason::Pain),
        (StopReason::Discomfort, StopReason::Discomfort),
    ] {
        let mut prog = started();
        let mut log = next_log(&prog, 0);
        log.stopped_early = Some(first);
        let d = prog.apply(&Event::Session(log)).unwrap();
        assert_ne!(d.outcome, Outcome::Paused, "one stop is not repeated");
        let mut log = next_log(&prog, 1);
        log.stopped_early = Some(second);
        let d = prog.apply(&Event::Session(log)).unwrap();
        assert_paused_for(&prog, &d, RedFlag::RepeatedPainStops);
        // Resuming restarts gently, like after a fall.
        let d = prog
            .apply(&Event::Resumed {
                date: dates(&prog, 4)[2],
            })
            .unwrap();
        assert_eq!(d.outcome, Outcome::Resumed);
        assert!(prog.next.backward_s <= prog.start.backward_s);
    }
    // A clean session between two stops resets the count.
    let mut prog = started();
    for (n, stop) in [Some(StopReason::Pain), None, Some(StopReason::Pain)]
        .into_iter()
        .enumerate()
    {
        let mut log = next_log(&prog, n);
        log.stopped_early = stop;
        let d = prog.apply(&Event::Session(log)).unwrap();
        assert_ne!(d.outcome, Outcome::Paused, "session {n}");
    }
}
