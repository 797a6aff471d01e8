//! Which planned session a log belongs to (PRG-08).
//!
//! A programme's planned sessions are its dated training slots: every training day of the
//! schedule from the start date on. The first log dated on a slot is that slot's session and
//! the only one that makes a progression decision. Any other walk (on a rest day, or a
//! second one on a slot's day) is extra: stored, shown and counted toward the week's
//! minutes for the weekly cap, but it never advances the load. A log dated before the
//! programme started or after today belongs to no session at all and is refused.

use crate::prescription::Schedule;
use serde::{Deserialize, Serialize};
use time::Date;

/// What a new log is, given the programme and the logs already recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// The first log for a dated training slot: the one progression decision for it.
    Planned,
    /// An off-plan walk.
    Extra(ExtraReason),
}

impl Slot {
    pub fn is_extra(self) -> bool {
        matches!(self, Slot::Extra(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtraReason {
    /// Not a training day in the schedule.
    RestDay,
    /// The day's planned session is already logged.
    SlotTaken,
}

/// A log date that belongs to no session. The field at fault is always the log's `date`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error(
        "date {date} is before your programme started ({start}); log sessions from {start} on"
    )]
    BeforeStart { date: Date, start: Date },
    #[error("date {date} is in the future (today is {today}); log a session on or after the day you walk")]
    Future { date: Date, today: Date },
}

/// Classifies a log dated `date`, arriving on `today`, against a programme that started on
/// `start` with `schedule`, where `logged` are the dates of the sessions already recorded
/// (in any order, duplicates allowed).
pub fn classify(
    start: Date,
    schedule: &Schedule,
    logged: &[Date],
    date: Date,
    today: Date,
) -> Result<Slot, Refused> {
    if date < start {
        return Err(Refused::BeforeStart { date, start });
    }
    if date > today {
        return Err(Refused::Future { date, today });
    }
    if !schedule.is_training_day(date) {
        Ok(Slot::Extra(ExtraReason::RestDay))
    } else if logged.contains(&date) {
        Ok(Slot::Extra(ExtraReason::SlotTaken))
    } else {
        Ok(Slot::Planned)
    }
}

/// A next-morning knee check must follow a session that was logged, on a day that has
/// come.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MorningRefused {
    #[error("date {date} has no logged session; a morning check follows a session you logged")]
    NoSession { date: Date },
    #[error("date {date} is in the future (today is {today}); a morning check follows a session you walked")]
    Future { date: Date, today: Date },
}

/// Checks a morning check for the session dated `session_date`; `has_session` says whether
/// a session is logged on that day.
pub fn check_morning(
    session_date: Date,
    has_session: bool,
    today: Date,
) -> Result<(), MorningRefused> {
    if session_date > today {
        return Err(MorningRefused::Future {
            date: session_date,
            today,
        });
    }
    if !has_session {
        return Err(MorningRefused::NoSession { date: session_date });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prescription::week_index;
    use crate::progression::{Outcome, Progression, SessionLog, Why};
    use crate::rules::Rule;
    use crate::screening::{screen, Goal, Profile};
    use crate::units::{Age, BodyMass, RailUse};
    use time::macros::date;

    // 2026-01-05 is a Monday.
    const MON: Date = date!(2026 - 01 - 05);
    const TUE: Date = date!(2026 - 01 - 06);
    const WED: Date = date!(2026 - 01 - 07);

    fn mwf() -> Schedule {
        Schedule::parse("mon,wed,fri").unwrap()
    }

    #[test]
    fn the_first_log_on_a_training_day_is_planned_and_the_rest_extra() {
        let s = mwf();
        assert_eq!(classify(MON, &s, &[], MON, MON), Ok(Slot::Planned));
        assert_eq!(
            classify(MON, &s, &[MON], MON, MON),
            Ok(Slot::Extra(ExtraReason::SlotTaken))
        );
        assert_eq!(
            classify(MON, &s, &[], TUE, WED),
            Ok(Slot::Extra(ExtraReason::RestDay))
        );
        // A back-dated log for a slot nobody logged is still that slot's session.
        assert_eq!(classify(MON, &s, &[WED], MON, WED), Ok(Slot::Planned));
    }

    #[test]
    fn before_the_start_and_the_future_are_refused() {
        let s = mwf();
        let e = classify(WED, &s, &[], MON, WED).unwrap_err();
        assert_eq!(
            e,
            Refused::BeforeStart {
                date: MON,
                start: WED
            }
        );
        assert!(
            e.to_string().starts_with("date 2026-01-05 is before"),
            "{e}"
        );
        assert_eq!(
            classify(MON, &s, &[], WED, TUE),
            Err(Refused::Future {
                date: WED,
                today: TUE
            })
        );
    }

    #[test]
    fn a_morning_check_needs_a_session_on_a_day_that_has_come() {
        assert!(check_morning(MON, true, TUE).is_ok());
        assert!(check_morning(MON, true, MON).is_ok());
        assert_eq!(
            check_morning(MON, false, TUE),
            Err(MorningRefused::NoSession { date: MON })
        );
        assert_eq!(
            check_morning(WED, true, TUE),
            Err(MorningRefused::Future {
                date: WED,
                today: TUE
            })
        );
    }

    fn standard() -> Progression {
        let p = Profile::new(
            "S",
            Age::new(30).unwrap(),
            BodyMass::from_kg(70.0).unwrap(),
            Goal::Fitness,
        );
        Progression::new(&p, &screen(&p), mwf(), MON).unwrap()
    }

    /// Logs a clean walk, classified as the service does.
    fn walk(p: &mut Progression, logged: &mut Vec<Date>, date: Date) -> crate::Decision {
        let slot = classify(MON, &p.schedule, logged, date, date).unwrap();
        let load = p.plan_for(date).unwrap().load;
        let log = SessionLog {
            extra: slot.is_extra(),
            ..SessionLog::clean(date, &load)
        };
        logged.push(date);
        p.apply(&crate::Event::Session(log)).unwrap()
    }

    #[test]
    fn five_walks_on_one_day_make_one_decision() {
        let mut p = standard();
        let mut logged = Vec::new();
        let start = p.next;
        let first = walk(&mut p, &mut logged, MON);
        assert_eq!(first.outcome, Outcome::Progress);
        let after_first = p.next;
        for _ in 0..4 {
            let d = walk(&mut p, &mut logged, MON);
            assert_eq!(d.outcome, Outcome::Hold);
            assert_eq!(d.rule, Rule::Prg08OneDecision);
            assert_eq!(d.why, Why::Extra);
        }
        assert_eq!(p.next, after_first, "extra walks leave the plan alone");
        assert_eq!(p.next.rails, start.rails);
        assert_eq!(p.next.speed, start.speed);
        // ...but their minutes count toward the week (PRG-02): Wednesday is held to the start.
        assert!(p.weekly_max_session_s(WED) < after_first.backward_s);
        assert_eq!(week_index(MON), week_index(WED));
    }

    #[test]
    fn a_rest_day_walk_is_extra_and_a_fall_on_it_still_pauses() {
        let mut p = standard();
        let mut logged = Vec::new();
        let d = walk(&mut p, &mut logged, TUE);
        assert_eq!((d.outcome, d.why), (Outcome::Hold, Why::Extra));
        let load = p.plan_for(WED).unwrap().load;
        let fell = SessionLog {
            fall: true,
            extra: true,
            ..SessionLog::clean(WED, &load)
        };
        let d = p.apply(&crate::Event::Session(fell)).unwrap();
        assert_eq!(d.outcome, Outcome::Paused, "safety is never off-plan");
        // More rail support than planned carries over from an extra walk too.
        let mut q = standard();
        let load = q.plan_for(TUE).unwrap().load;
        let held = SessionLog {
            rails_used: RailUse::Full,
            extra: true,
            ..SessionLog::clean(TUE, &load)
        };
        q.apply(&crate::Event::Session(held));
        assert_eq!(q.next.rails, RailUse::Full);
    }

    #[test]
    fn stored_logs_without_the_flag_read_as_planned() {
        let mut p = standard();
        let load = p.plan_for(MON).unwrap().load;
        let log = SessionLog::clean(MON, &load);
        let json = serde_json::to_string(&log).unwrap();
        assert!(!json.contains("extra"), "{json}");
        let back: SessionLog = serde_json::from_str(&json).unwrap();
        assert!(!back.extra);
        let extra = SessionLog { extra: true, ..log };
        let json = serde_json::to_string(&extra).unwrap();
        assert!(json.contains("\"extra\":true"), "{json}");
        assert_eq!(
            p.apply(&crate::Event::Session(log)).unwrap().outcome,
            Outcome::Progress
        );
    }
}
