//! The programme's state machine: what was logged decides the next session's load.
//!
//! Two progression rules hold at once: the per-session step (PRG-01) and the weekly cap
//! (PRG-02); at most one kind of increase happens per session. Anything adverse (pain,
//! dizziness, a near-fall, a hard session) holds or steps back, never increases.
//! The state is a pure fold over [`Event`]s, so a store can rebuild it by replaying history.

use crate::prescription;
use crate::prescription::{capped, week_index, ClinicianCaps, Limits, Load, Schedule};
use crate::rules::Rule;
use crate::screening::{Profile, Screening, Tier};
use crate::units::{Effort, Incline, Pain, RailUse, Speed, Units};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;

/// Why a session ended before its plan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    Dizziness,
    Pain,
    Discomfort,
    SlipOrNearFall,
    Fall,
    Other,
}

impl StopReason {
    pub const ALL: [StopReason; 6] = [
        StopReason::Dizziness,
        StopReason::Pain,
        StopReason::Discomfort,
        StopReason::SlipOrNearFall,
        StopReason::Fall,
        StopReason::Other,
    ];
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::Dizziness => "dizziness",
            StopReason::Pain => "pain",
            StopReason::Discomfort => "discomfort",
            StopReason::SlipOrNearFall => "a slip or near-fall",
            StopReason::Fall => "a fall",
            StopReason::Other => "another reason",
        }
    }
}

impl std::str::FromStr for StopReason {
    type Err = crate::units::InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "dizziness" | "dizzy" => Ok(StopReason::Dizziness),
            "pain" => Ok(StopReason::Pain),
            "discomfort" => Ok(StopReason::Discomfort),
            "slip" | "near_fall" | "slip_or_near_fall" => Ok(StopReason::SlipOrNearFall),
            "fall" => Ok(StopReason::Fall),
            "other" => Ok(StopReason::Other),
            other => Err(crate::units::InvalidValue {
                what: "stop reason",
                accepted: "dizziness, pain, discomfort, slip, fall or other",
                got: other.to_string(),
            }),
        }
    }
}

/// What a person reports after a session.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SessionLog {
    pub date: Date,
    /// Backward seconds actually walked.
    pub backward_s: u32,
    pub effort: Effort,
    pub pain_before: Pain,
    pub pain_during: Pain,
    pub pain_after: Pain,
    #[serde(default)]
    pub dizziness: bool,
    #[serde(default)]
    pub near_fall: bool,
    #[serde(default)]
    pub fall: bool,
    pub rails_used: RailUse,
    /// Set when the session ended before the plan did.
    #[serde(default)]
    pub stopped_early: Option<StopReason>,
    /// An off-plan walk (PRG-08): on a rest day, or after the day's planned session was
    /// already logged. It counts toward the week's minutes but never advances the load.
    /// Absent in the stored form of planned sessions, so logs recorded before this field
    /// existed read, and replay, as they always did.
    #[serde(default, skip_serializing_if = "is_false")]
    pub extra: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl SessionLog {
    /// A session that went exactly as planned, felt moderate, and hurt nothing.
    pub fn clean(date: Date, load: &Load) -> SessionLog {
        SessionLog {
            date,
            backward_s: load.backward_s,
            effort: Effort::new(4).unwrap_or_default(),
            pain_before: Pain::default(),
            pain_during: Pain::default(),
            pain_after: Pain::default(),
            dizziness: false,
            near_fall: false,
            fall: false,
            rails_used: load.rails,
            stopped_early: None,
            extra: false,
        }
    }

    fn dizzy(&self) -> bool {
        self.dizziness || self.stopped_early == Some(StopReason::Dizziness)
    }
    fn slipped(&self) -> bool {
        self.near_fall || self.stopped_early == Some(StopReason::SlipOrNearFall)
    }
    /// A STOP for pain or for discomfort: the runner offers both for a hurting knee.
    fn stopped_for_pain(&self) -> bool {
        matches!(
            self.stopped_early,
            Some(StopReason::Pain | StopReason::Discomfort)
        )
    }
    fn fell(&self) -> bool {
        self.fall || self.stopped_early == Some(StopReason::Fall)
    }
    fn worst_pain(&self) -> u8 {
        self.pain_during.value().max(self.pain_after.value())
    }
    /// ADA-07: the session's pain lets the programme move on, judged against the person's
    /// usual knee pain (see [`pain_allows_progress`]).
    pub fn pain_accepted(&self, usual: Pain) -> bool {
        pain_allows_progress(self.worst_pain(), usual, self.pain_before)
    }
    /// Any sign that the session was too much; used for the streaks that unlock changes.
    fn adverse(&self, usual: Pain) -> bool {
        self.dizzy()
            || self.slipped()
            || self.fell()
            || !self.pain_accepted(usual)
            || self.stopped_early.is_some()
    }
}

/// ADA-04: the most knee pain (0–10), during or right after a session, that the
/// pain-monitoring model accepts; above it the next session steps back. The session's
/// spoken cues and the log form quote this same number.
pub const PAIN_ACCEPTED_MAX: u8 = 5;
/// ADA-07: the model's "safe" zone: pain up to 2/10 never holds anyone back.
pub const PAIN_SAFE_MAX: u8 = 2;

/// ADA-07: whether a session's worst pain (during or right after) lets the programme move
/// on. It must be within [`PAIN_ACCEPTED_MAX`] and no worse than the person's baseline, or
/// within the safe zone. The baseline is their usual knee pain (the profile's), but never
/// more than they reported before this session: on a good day the good day is the
/// baseline, and a flare-up before the session does not make more pain acceptable.
/// A stable 4/10 knee that stays at 4/10 while walking progresses; one that rises to 5 holds.
pub fn pain_allows_progress(worst: u8, usual: Pain, before: Pain) -> bool {
    let baseline = usual.value().min(before.value());
    worst <= PAIN_ACCEPTED_MAX && worst <= baseline.max(PAIN_SAFE_MAX)
}

/// Everything that can change a programme, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Session(SessionLog),
    /// The next-morning knee check for the session on `session_date`.
    MorningPain {
        session_date: Date,
        pain: Pain,
    },
    CapsSet {
        caps: ClinicianCaps,
    },
    /// A new tier (clearance, or a clinician's change) brings new limits and start values.
    Retiered {
        tier: Tier,
        limits: Limits,
        start: Load,
    },
    ScheduleSet {
        schedule: Schedule,
    },
    Paused {
        date: Date,
        by_clinician: bool,
    },
    Resumed {
        date: Date,
    },
    /// A clinician recorded clearance (SCR-12) on `date`. The load is untouched: any new
    /// tier that clearance brings is its own [`Event::Retiered`], and screening reads the
    /// clearance from the profile. Kept so the clinician's act, who made it and their note
    /// stay in the history even when nothing else changes.
    ClearanceRecorded {
        date: Date,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Progress,
    Hold,
    StepBack,
    Paused,
    Resumed,
}

/// The facts behind a decision, kept as data so the sentence can be written in the
/// person's units when it is shown, not when it is made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Why {
    Fall,
    /// A red flag paused the programme (ADA-12).
    RedFlag {
        flag: RedFlag,
    },
    /// `slowed` is false when the speed was already the lowest step and could not drop.
    NearFall {
        #[serde(default)]
        slowed: bool,
    },
    Dizziness {
        repeated: bool,
        #[serde(default)]
        slowed: bool,
    },
    PainHigh {
        pain: Pain,
    },
    MorningPain {
        before: Pain,
        morning: Pain,
    },
    MorningTrend {
        last_week: f64,
        this_week: f64,
    },
    /// Pain within the accepted 5/10 but above the person's baseline (or the safe zone).
    PainModerate {
        pain: Pain,
        /// The baseline the pain was judged against; absent in decisions stored before it.
        #[serde(default)]
        baseline: Pain,
    },
    EffortVeryHigh {
        effort: Effort,
    },
    EffortHigh {
        effort: Effort,
    },
    StoppedEarly {
        reason: StopReason,
    },
    NotCompleted,
    Missed {
        days: i32,
    },
    TimeUp {
        from_s: u32,
        to_s: u32,
    },
    SpeedUp {
        from: Speed,
        to: Speed,
        /// A smaller step than usual, so the weekly backward distance stays within its cap.
        #[serde(default, skip_serializing_if = "is_false")]
        distance_capped: bool,
        /// Set when even the smallest speed step only fits a shorter session: its length.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        time_to_s: Option<u32>,
    },
    InclineUp {
        from: Incline,
        to: Incline,
    },
    RailsDown {
        from: RailUse,
        to: RailUse,
    },
    WeeklyCap {
        max_week_s: u32,
    },
    /// Today's session is shorter than the stored plan because the week may not hold more
    /// (PRG-02), e.g. after a short or missed week.
    WeekTrimmed {
        from_s: u32,
        max_week_s: u32,
    },
    /// PRG-02's load measure with speed in it: more would take this week's backward
    /// distance past 110% of last week's.
    WeeklyDistanceCap {
        max_week_m: f64,
    },
    SpeedWait {
        days_left: i32,
    },
    AllTargetsReached,
    /// An extra, off-plan walk (PRG-08): stored and counted, but no progression decision.
    Extra,
    ClinicianCaps,
    ClinicianPause,
    Resumed,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub rule: Rule,
    pub why: Why,
    /// The load of the next session after this decision.
    pub next: Load,
}

fn mins(s: u32) -> String {
    if s.is_multiple_of(60) {
        format!("{} min", s / 60)
    } else {
        format!("{}:{:02} min", s / 60, s % 60)
    }
}

/// Says "slower" only when the speed really dropped (issue 11: "next time is slower
/// (0.5 mph)" was said while the speed stayed at 0.5 mph, the lowest step).
/// "with a light grip on the rails", for sentences about the next session.
fn with_rails(r: RailUse) -> &'static str {
    match r {
        RailUse::None => "hands free",
        RailUse::Light => "with a light grip on the rails",
        RailUse::Full => "with a firm grip on the rails",
    }
}

fn slower_or_same(slowed: bool, speed: Speed, units: Units) -> String {
    if slowed {
        format!("is slower ({})", units.fmt_speed(speed))
    } else {
        format!(
            "stays at {}, the slowest speed we use,",
            units.fmt_speed(speed)
        )
    }
}

impl Decision {
    /// One sentence a person understands, in their units.
    pub fn sentence(&self, units: Units) -> String {
        let n = &self.next;
        match self.why {
            Why::Fall => "You reported a fall, so the programme is paused until your clinician has reviewed it; it will restart from the beginning.".into(),
            Why::RedFlag { flag: RedFlag::DizzinessWithNearFall } => "You felt dizzy and had a slip or near-fall in the same session. That is a warning sign, so the programme is paused: please contact your clinician (your physical therapist or doctor) before you walk backward again.".into(),
            Why::RedFlag { flag: RedFlag::RepeatedPainStops } => "You stopped for pain or discomfort in two sessions in a row, even after the step back, so the programme is paused: please contact your clinician (your physical therapist or doctor) before you walk backward again.".into(),
            Why::NearFall { slowed } => format!("You had a slip or near-fall, so next time {} with a firm grip on the rails.", slower_or_same(slowed, n.speed, units)),
            Why::Dizziness { repeated: true, .. } => "You felt dizzy in two sessions in a row, so the programme is paused: please check with a clinician before going on.".into(),
            Why::Dizziness { repeated: false, slowed } => format!("You felt dizzy, so next time {} with a firm grip on the rails.", slower_or_same(slowed, n.speed, units)),
            Why::PainHigh { pain } => format!("Your knee pain reached {pain}, above the {PAIN_ACCEPTED_MAX}/10 we accept, so next time is shorter, {} backward, {}.", mins(n.backward_s), with_rails(n.rails)),
            Why::MorningPain { before, morning } => format!("Your knee was {morning} the next morning against {before} before the session, so it did not settle overnight; next time is shorter: {} backward.", mins(n.backward_s)),
            Why::MorningTrend { last_week, this_week } => format!("Your morning knee pain rose from {last_week:.1} to {this_week:.1} on average this week, so we ease off to {} backward.", mins(n.backward_s)),
            Why::PainModerate { pain, baseline } if baseline.value() > PAIN_SAFE_MAX => format!("Your knee pain reached {pain}, above your usual {baseline}: within the {PAIN_ACCEPTED_MAX}/10 we accept, but not a day to add more, so next time stays the same."),
            Why::PainModerate { pain, .. } => format!("Your knee pain reached {pain}: within the {PAIN_ACCEPTED_MAX}/10 we accept, but not a day to add more, so next time stays the same."),
            Why::EffortVeryHigh { effort } => format!("You rated the effort {effort}, very hard, so next time is a little shorter: {} backward.", mins(n.backward_s)),
            Why::EffortHigh { effort } => format!("You rated the effort {effort}, harder than the moderate level we build on, so next time stays the same."),
            Why::StoppedEarly { reason } => format!("You stopped early because of {}, so next time repeats the same session.", reason.describe()),
            Why::NotCompleted => "You did less backward time than planned, so next time repeats the same session.".into(),
            Why::Missed { days } => format!("It has been {days} days since your last session, so we step back to {} backward at {}, {}, rather than pick up the old load.", mins(n.backward_s), units.fmt_speed(n.speed), with_rails(n.rails)),
            Why::TimeUp { from_s, to_s } => format!("That went well, so backward time goes up from {} to {}.", mins(from_s), mins(to_s)),
            Why::SpeedUp { from, to, time_to_s: Some(s), .. } => format!("That went well, so speed goes up from {} to {}, the smallest step; backward time eases to {} so this week's backward distance stays within 110% of last week's (the weekly distance cap).", units.fmt_speed(from), units.fmt_speed(to), mins(s)),
            Why::SpeedUp { from, to, distance_capped: true, .. } => format!("That went well, so speed goes up from {} to {}, a smaller step than usual so this week's backward distance stays within 110% of last week's (the weekly distance cap).", units.fmt_speed(from), units.fmt_speed(to)),
            Why::SpeedUp { from, to, .. } => format!("That went well, so speed goes up from {} to {}.", units.fmt_speed(from), units.fmt_speed(to)),
            Why::InclineUp { from, to } => format!("You have been steady at your targets, so the incline goes up from {:.0}% to {:.0}%, with nothing else changed.", from.percent(), to.percent()),
            Why::RailsDown { from, to } => format!("You have been steady, so we move from {} to {}, with nothing else changed.", from.describe(), to.describe()),
            Why::WeeklyCap { max_week_s } => format!("That went well, but more time would take this week past 110% of last week ({} in all), so next time stays the same.", mins(max_week_s)),
            Why::WeekTrimmed { from_s, max_week_s } => format!("Today is {} backward instead of {}: this week may hold at most {} of backward walking, and no more backward distance than 110% of last week's (or of a full week at your starting dose), so time builds up again from here.", mins(n.backward_s), mins(from_s), mins(max_week_s)),
            Why::WeeklyDistanceCap { max_week_m } => format!("That went well, but going longer or faster would take this week's backward distance past 110% of last week's ({} in all: the weekly distance cap), so next time stays the same.", units.fmt_distance(max_week_m)),
            Why::SpeedWait { days_left } => format!("That went well; speed went up recently, so it stays the same for another {days_left} day(s)."),
            Why::Extra => "An extra walk, outside your planned sessions: it counts toward this week's minutes, but only a planned session moves the programme on, so your next session stays as planned.".into(),
            Why::AllTargetsReached => "You are at all your targets: keep this session as your maintenance dose.".into(),
            Why::ClinicianCaps => "Your clinician changed your limits; the next session respects them.".into(),
            Why::ClinicianPause => "Your clinician has paused the programme.".into(),
            Why::Resumed => format!("The programme resumes at {} backward at {}.", mins(n.backward_s), units.fmt_speed(n.speed)),
        }
    }
}

/// Why the programme is on hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    Fall,
    RepeatedDizziness,
    Clinician,
    /// ADA-12: a red flag; the person is told to contact their clinician.
    RedFlag(RedFlag),
}

/// Signs that call for a clinician before any more backward walking (ADA-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedFlag {
    /// Dizziness and a slip or near-fall in the same session.
    DizzinessWithNearFall,
    /// Stopped for pain or discomfort in [`PAIN_STOPS_IN_A_ROW`] sessions in a row.
    RepeatedPainStops,
}

/// ADA-12: stops for pain or discomfort in this many sessions in a row pause the programme.
pub const PAIN_STOPS_IN_A_ROW: u8 = 2;

impl RedFlag {
    pub fn describe(self) -> &'static str {
        match self {
            RedFlag::DizzinessWithNearFall => "dizziness together with a slip or near-fall",
            RedFlag::RepeatedPainStops => "stopped for pain or discomfort in two sessions in a row",
        }
    }
}

/// The next session for a given day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Planned {
    pub date: Date,
    pub load: Load,
    /// Set when the load is lower than the stored plan: after a break (ADA-10) or when the
    /// week may not hold the stored session (PRG-02).
    pub adjustment: Option<Decision>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProgrammeError {
    #[error("a clinician's clearance must be recorded before a programme can start (SCR-13)")]
    ClearanceNeeded,
    #[error("the programme is paused ({0:?}); a clinician or the person must resume it")]
    Paused(PauseReason),
}

/// Days, in Julian day numbers, because the hot path compares them a lot.
type Day = i32;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
struct MorningWeek {
    week: i32,
    sum: u32,
    n: u32,
    last_mean: Option<f64>,
}

/// The programme's state between sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progression {
    pub units: Units,
    pub tier: Tier,
    pub schedule: Schedule,
    pub start: Load,
    pub limits: Limits,
    pub caps: ClinicianCaps,
    /// The load planned for the next session, before any break adjustment.
    pub next: Load,
    pub paused: Option<PauseReason>,
    pub last_decision: Option<Decision>,
    /// The load the last session was planned at, for the next-morning check.
    last_base: Option<Load>,
    last_pain_before: Pain,
    last_session: Option<Day>,
    last_speed_up: Option<Day>,
    last_incline_up: Option<Day>,
    rails_streak: u8,
    target_streak: u8,
    dizzy_streak: u8,
    /// Sessions in a row stopped for pain or discomfort (ADA-12).
    #[serde(default)]
    pain_stop_streak: u8,
    week: i32,
    week_done_s: u32,
    prev_week_done_s: u32,
    /// PRG-02: completed backward distance, in metres, this week and last week (time
    /// walked at the planned belt speed): the load measure that includes speed.
    #[serde(default)]
    week_done_m: f64,
    #[serde(default)]
    prev_week_done_m: f64,
    /// False in a state stored before distance was counted; its distances are then read as
    /// its minutes at the planned speed until the next session starts counting them.
    #[serde(default)]
    distance_tracked: bool,
    morning: MorningWeek,
}

/// PRG-02
const WEEKLY_CAP: f64 = 1.10;
/// PRG-04, PRG-05
const DAYS_BETWEEN_INTENSITY_STEPS: Day = 7;
/// PRG-05
const INCLINE_UNLOCK_SESSIONS: u8 = 3;
/// PRG-06: clean sessions in a row at the current rail level before it steps down, by tier:
/// about a week for the standard tier, two for caution, two to three for supervised.
pub fn rail_step_sessions(tier: Tier) -> u8 {
    match tier {
        Tier::Standard => 3,
        Tier::Caution => 5,
        Tier::Supervised | Tier::ClearanceRequired => 6,
    }
}

/// Relative slack in the distance checks: speeds are kept to a millionth of a km/h
/// (`Speed::rounded`), so a speed in tenths of a mph can sit that far above its exact value.
pub const LOAD_EPS: f64 = 1e-6;

/// The longest whole half-minute that covers at most `metres` at `speed` (PRG-02).
fn secs_within(metres: f64, speed: Speed) -> u32 {
    let v = speed.mps();
    if v <= 0.0 {
        return u32::MAX;
    }
    // A hair of slack so a distance computed as exactly n half-minutes is not read as just
    // under it; the caller's check allows the same relative error.
    let s = (metres / v * (1.0 + 1e-9)).floor();
    if s >= u32::MAX as f64 {
        u32::MAX
    } else {
        s as u32 / 30 * 30
    }
}

/// PRG-06: more than this many days without a session is a break that steps the rails up.
pub const RAIL_BREAK_DAYS: Day = 10;
const INCLINE_STEP: f64 = 1.0;
const MIN_BACKWARD_S: u32 = 60;

impl Progression {
    /// Starts a programme, or refuses while clearance is outstanding (SCR-13).
    pub fn new(
        profile: &Profile,
        screening: &Screening,
        schedule: Schedule,
        start_date: Date,
    ) -> Result<Progression, ProgrammeError> {
        if !screening.may_start() {
            return Err(ProgrammeError::ClearanceNeeded);
        }
        let limits = prescription::limits(screening, profile);
        let start = capped(
            prescription::start_load(screening, profile),
            &limits,
            &ClinicianCaps::default(),
        );
        Ok(Progression {
            units: profile.units,
            tier: screening.tier,
            schedule,
            start,
            limits,
            caps: ClinicianCaps::default(),
            next: start,
            paused: None,
            last_decision: None,
            last_base: None,
            last_pain_before: Pain::default(),
            last_session: None,
            last_speed_up: None,
            last_incline_up: None,
            rails_streak: 0,
            target_streak: 0,
            dizzy_streak: 0,
            pain_stop_streak: 0,
            week: week_index(start_date),
            week_done_s: 0,
            prev_week_done_s: 0,
            week_done_m: 0.0,
            prev_week_done_m: 0.0,
            distance_tracked: true,
            morning: MorningWeek {
                week: week_index(start_date),
                ..Default::default()
            },
        })
    }

    /// The retier event for a new screening of the same person.
    pub fn retier_event(profile: &Profile, screening: &Screening) -> Result<Event, ProgrammeError> {
        if !screening.may_start() {
            return Err(ProgrammeError::ClearanceNeeded);
        }
        let limits = prescription::limits(screening, profile);
        Ok(Event::Retiered {
            tier: screening.tier,
            limits,
            start: capped(
                prescription::start_load(screening, profile),
                &limits,
                &ClinicianCaps::default(),
            ),
        })
    }

    pub fn last_session_date(&self) -> Option<Date> {
        self.last_session
            .and_then(|d| Date::from_julian_day(d).ok())
    }

    fn capped(&self, l: Load) -> Load {
        capped(l, &self.limits, &self.caps)
    }

    /// The session for `date`: the stored plan, stepped back after a break (ADA-10) and
    /// within this week's cap and the clinician's caps.
    pub fn plan_for(&self, date: Date) -> Result<Planned, ProgrammeError> {
        if let Some(p) = self.paused {
            return Err(ProgrammeError::Paused(p));
        }
        let mut load = self.next;
        let mut adjustment = None;
        if let Some(last) = self.last_session {
            let gap = date.to_julian_day() - last;
            if gap > 10 {
                load = self.after_break(load, gap);
                adjustment = Some(Decision {
                    outcome: Outcome::StepBack,
                    rule: Rule::Ada10Missed,
                    why: Why::Missed { days: gap },
                    next: load,
                });
            }
        }
        // PRG-02: both weekly caps, minutes and distance, shorten the session (never the
        // speed: ADA-10 alone slows a plan down), and never below the start time, which is
        // always allowed.
        let max_s = self
            .weekly_max_session_s(date)
            .min(secs_within(self.weekly_max_session_m(date), load.speed));
        if load.backward_s > max_s.max(MIN_BACKWARD_S) && load.backward_s > self.start.backward_s {
            let from_s = load.backward_s;
            load.backward_s = max_s.max(self.start.backward_s);
            // Issue 11: a drop in load always says why. A break already explains itself
            // (its sentence names the load it steps back to); a trim alone needs its own.
            if adjustment.is_none() {
                adjustment = Some(Decision {
                    outcome: Outcome::StepBack,
                    rule: Rule::Prg02WeeklyCap,
                    why: Why::WeekTrimmed {
                        from_s,
                        max_week_s: self.weekly_allowance_s(date),
                    },
                    next: load,
                });
            }
        }
        let load = self.capped(load);
        if let Some(a) = adjustment.as_mut() {
            a.next = load;
        }
        Ok(Planned {
            date,
            load,
            adjustment,
        })
    }

    /// ADA-10: the longer the break, the further back.
    fn after_break(&self, load: Load, gap: Day) -> Load {
        let s = self.start;
        let mut l = load;
        if gap > 42 {
            l = s;
        } else if gap > 21 {
            l.backward_s = (s.backward_s + l.backward_s) / 2 / 30 * 30;
            let u = self.units;
            let mid = (u.speed_value(s.speed) + u.speed_value(l.speed)) / 2.0;
            // Rounded down in the person's units so the number shown is the number walked.
            l.speed = u
                .speed((mid * 10.0).floor() / 10.0)
                .unwrap_or(s.speed)
                .max(s.speed.min(l.speed));
        } else {
            l.backward_s = l
                .backward_s
                .saturating_sub(60)
                .max(s.backward_s.min(l.backward_s));
            l.speed = l
                .speed
                .saturating_sub(self.limits.speed_step)
                .max(s.speed.min(l.speed));
        }
        if gap > 14 {
            l.incline = Incline::FLAT;
        }
        // A break never raises the load: a plan already stepped back below the start values
        // (for pain, dizziness, a slip) stays where it was rather than "halfway" up to them.
        // Rounded first, so the rounding cannot lift it above the plan (a clinician's cap
        // may leave a speed between millionths).
        l.backward_s = l.backward_s.min(load.backward_s);
        l.speed = l.speed.rounded().min(load.speed);
        l.incline = l.incline.min(load.incline);
        // PRG-06: back on the belt after a break, with one more level of rail support than
        // before it (and never less than at the start).
        l.rails = load.rails.step_up().max(l.rails);
        l
    }

    /// The completed backward time in the week of `date`, and the week before it.
    fn week_volumes(&self, date: Date) -> (u32, u32) {
        let w = week_index(date);
        if w == self.week {
            (self.week_done_s, self.prev_week_done_s)
        } else if w == self.week + 1 {
            (0, self.week_done_s)
        } else {
            (0, 0)
        }
    }

    /// PRG-02: the longest session on `date` that keeps the week within 110% of last week,
    /// assuming the remaining training days that week are done at the same load.
    /// Last week counts as at least a full week at the start values, so a short first week
    /// or a break does not squeeze sessions below where the programme began.
    pub fn weekly_max_session_s(&self, date: Date) -> u32 {
        let (done, prev) = self.week_volumes(date);
        let floor = self.start.backward_s * self.schedule.sessions_per_week();
        let allowance = (WEEKLY_CAP * prev.max(floor) as f64).floor() as u32;
        let remaining = if self.schedule.is_training_day(date) {
            self.schedule.remaining_in_week(date)
        } else {
            self.schedule.remaining_in_week(date) + 1
        }
        .max(1);
        allowance.saturating_sub(done) / remaining / 30 * 30
    }

    /// The most a week may hold under the cap, for messages and tests.
    pub fn weekly_allowance_s(&self, date: Date) -> u32 {
        let (_, prev) = self.week_volumes(date);
        let floor = self.start.backward_s * self.schedule.sessions_per_week();
        (WEEKLY_CAP * prev.max(floor) as f64).floor() as u32
    }

    /// Training sessions left in the week of `date`, counting a session on `date` itself
    /// even when it is not a training day.
    fn sessions_left(&self, date: Date) -> u32 {
        if self.schedule.is_training_day(date) {
            self.schedule.remaining_in_week(date)
        } else {
            self.schedule.remaining_in_week(date) + 1
        }
        .max(1)
    }

    /// The completed backward distance (metres) in the week of `date`, and the week before.
    fn week_distances(&self, date: Date) -> (f64, f64) {
        let (done, prev) = if self.distance_tracked {
            (self.week_done_m, self.prev_week_done_m)
        } else {
            let v = self.next.speed.mps();
            (
                self.week_done_s as f64 * v,
                self.prev_week_done_s as f64 * v,
            )
        };
        let w = week_index(date);
        if w == self.week {
            (done, prev)
        } else if w == self.week + 1 {
            (0.0, done)
        } else {
            (0.0, 0.0)
        }
    }

    /// PRG-02, the load measure that includes speed: the most backward distance (metres)
    /// the week of `date` may hold, 110% of last week's completed distance, with a full
    /// week at the start values as the floor (as for minutes).
    pub fn weekly_distance_allowance_m(&self, date: Date) -> f64 {
        let (_, prev) = self.week_distances(date);
        let floor = self.start.backward_s as f64
            * self.start.speed.mps()
            * self.schedule.sessions_per_week() as f64;
        WEEKLY_CAP * prev.max(floor)
    }

    /// PRG-02: the most backward distance one session on `date` may cover so that the
    /// week, with its remaining sessions at the same load, stays within its allowance.
    pub fn weekly_max_session_m(&self, date: Date) -> f64 {
        let (done, _) = self.week_distances(date);
        (self.weekly_distance_allowance_m(date) - done).max(0.0) / self.sessions_left(date) as f64
    }

    /// The fastest speed at most `mps`, in the tenths of the person's units (0.1 mph or
    /// 0.1 km/h), so the number shown is the number walked.
    fn tenth_down(&self, mps: f64) -> Option<Speed> {
        let v = self.units.speed_value(Speed::from_kmh_const(mps * 3.6));
        let t = ((v * 10.0) + 1e-9).floor() / 10.0;
        self.units.speed(t).ok().map(Speed::rounded)
    }

    /// The next tenth of the person's units above `s`.
    fn tenth_up(&self, s: Speed) -> Speed {
        let v = self.units.speed_value(s);
        let t = ((v * 10.0) + 1e-6).floor() / 10.0 + 0.1;
        self.units.speed(t).map(Speed::rounded).unwrap_or(s)
    }

    /// PRG-02 for an increase: [`Self::weekly_max_session_m`], and also no more than lets
    /// a whole next week at that load stay within 110% of this one. Without the second
    /// bound a step taken late in a week fits that week (most of it was walked at the old
    /// load) but not the week after, which would then have to be cut without a decision.
    fn room_for_increase_m(&self, date: Date) -> f64 {
        let (done, _) = self.week_distances(date);
        let left = self.sessions_left(date) as f64;
        let n = self.schedule.sessions_per_week() as f64;
        let mut room = self.weekly_max_session_m(date);
        // n·x ≤ 1.1·(done + left·x)  ⇔  x·(n − 1.1·left) ≤ 1.1·done
        let k = n - WEEKLY_CAP * left;
        if k > 0.0 {
            room = room.min(WEEKLY_CAP * done / k);
        }
        room
    }

    pub fn apply(&mut self, event: &Event) -> Option<Decision> {
        let d = match event {
            Event::Session(log) => Some(self.on_session(log)),
            Event::MorningPain { session_date, pain } => self.on_morning_pain(*session_date, *pain),
            Event::CapsSet { caps } => {
                self.caps = *caps;
                self.next = self.capped(self.next);
                Some(self.decide(
                    Outcome::Hold,
                    Rule::Ada11ClinicianCaps,
                    Why::ClinicianCaps,
                    self.next,
                ))
            }
            Event::Retiered {
                tier,
                limits,
                start,
            } => {
                self.tier = *tier;
                self.limits = *limits;
                self.start = *start;
                self.next = self.capped(self.next);
                if self.next.rails < limits.rail_floor {
                    self.next.rails = limits.rail_floor;
                }
                None
            }
            Event::ScheduleSet { schedule } => {
                self.schedule = schedule.clone();
                None
            }
            Event::Paused { by_clinician, .. } => {
                if *by_clinician {
                    self.paused = Some(PauseReason::Clinician);
                    Some(self.decide(
                        Outcome::Paused,
                        Rule::Ada11ClinicianCaps,
                        Why::ClinicianPause,
                        self.next,
                    ))
                } else {
                    None
                }
            }
            Event::Resumed { .. } => {
                let from_start = matches!(
                    self.paused,
                    Some(
                        PauseReason::Fall
                            | PauseReason::RepeatedDizziness
                            | PauseReason::RedFlag(_)
                    )
                );
                self.paused = None;
                self.dizzy_streak = 0;
                self.pain_stop_streak = 0;
                if from_start {
                    self.next = self.start.gentler(self.next);
                    self.reset_streaks();
                }
                Some(self.decide(
                    Outcome::Resumed,
                    Rule::Ada11ClinicianCaps,
                    Why::Resumed,
                    self.next,
                ))
            }
            // A record of the clinician's act, not a change to the plan.
            Event::ClearanceRecorded { .. } => None,
        };
        if let Some(d) = d {
            self.last_decision = Some(d);
        }
        d
    }

    fn decide(&self, outcome: Outcome, rule: Rule, why: Why, next: Load) -> Decision {
        Decision {
            outcome,
            rule,
            why,
            next,
        }
    }

    fn reset_streaks(&mut self) {
        self.rails_streak = 0;
        self.target_streak = 0;
    }

    fn roll_week(&mut self, date: Date) {
        let w = week_index(date);
        if w == self.week + 1 {
            self.prev_week_done_s = self.week_done_s;
            self.week_done_s = 0;
            self.prev_week_done_m = self.week_done_m;
            self.week_done_m = 0.0;
        } else if w > self.week + 1 {
            self.prev_week_done_s = 0;
            self.week_done_s = 0;
            self.prev_week_done_m = 0.0;
            self.week_done_m = 0.0;
        }
        if w > self.week {
            self.week = w;
        }
    }

    fn on_session(&mut self, log: &SessionLog) -> Decision {
        // Logging while paused records the session but changes nothing.
        let base = match self.plan_for(log.date) {
            Ok(p) => p.load,
            Err(_) => {
                return self.decide(
                    Outcome::Paused,
                    Rule::Ada11ClinicianCaps,
                    Why::ClinicianPause,
                    self.next,
                )
            }
        };
        if self
            .last_session
            .is_some_and(|d| log.date.to_julian_day() - d > RAIL_BREAK_DAYS)
        {
            // PRG-06: the rails earned before a break are earned again.
            self.rails_streak = 0;
        }
        if !self.distance_tracked {
            // A state from before distances were counted: its minutes at the planned speed.
            let v = base.speed.mps();
            self.week_done_m = self.week_done_s as f64 * v;
            self.prev_week_done_m = self.prev_week_done_s as f64 * v;
            self.distance_tracked = true;
        }
        self.roll_week(log.date);
        if week_index(log.date) == self.week {
            self.week_done_s = self.week_done_s.saturating_add(log.backward_s);
            // The belt ran at the planned speed: distance is the time walked at it.
            self.week_done_m += log.backward_s as f64 * base.speed.mps();
        }
        let today = log.date.to_julian_day();
        // A second walk on the day of the last session keeps that session as the one the
        // next-morning check compares with.
        if !(log.extra && self.last_session == Some(today)) {
            self.last_base = Some(base);
            self.last_pain_before = log.pain_before;
        }
        self.last_session = Some(self.last_session.map_or(today, |d| d.max(today)));

        let step = self.limits.speed_step;
        let min_speed = self.limits.min_speed;
        let slower = |l: Load| Load {
            speed: l
                .speed
                .saturating_sub(step)
                .max(min_speed)
                // Rounded before the min: a speed a clinician's cap left between
                // millionths must not round up on a step back.
                .rounded()
                .min(l.speed),
            rails: RailUse::Full,
            ..l
        };
        let shorter = |l: Load, by: u32| Load {
            backward_s: l.backward_s.saturating_sub(by).max(MIN_BACKWARD_S),
            ..l
        };
        // PRG-06: pain above the accepted level brings back one level of rail support.
        let more_rails = |l: Load| Load {
            rails: l.rails.step_up(),
            ..l
        };

        if log.dizzy() {
            self.dizzy_streak += 1;
        } else {
            self.dizzy_streak = 0;
        }
        if log.stopped_for_pain() {
            self.pain_stop_streak = self.pain_stop_streak.saturating_add(1);
        } else {
            self.pain_stop_streak = 0;
        }
        let red_flag = if log.dizzy() && log.slipped() {
            Some(RedFlag::DizzinessWithNearFall)
        } else if self.pain_stop_streak >= PAIN_STOPS_IN_A_ROW {
            Some(RedFlag::RepeatedPainStops)
        } else {
            None
        };
        let usual = self.limits.usual_pain;
        if log.adverse(usual) {
            self.reset_streaks();
        }
        // Rails: the next plan never asks for less support than the person needed today.
        let mut base = base;
        if log.rails_used > base.rails {
            base.rails = log.rails_used;
            self.rails_streak = 0;
        }

        let mut clean = false;
        let (outcome, rule, why, next) = if log.fell() {
            self.paused = Some(PauseReason::Fall);
            (
                Outcome::Paused,
                Rule::Ada01Fall,
                Why::Fall,
                self.start.gentler(base),
            )
        } else if let Some(flag) = red_flag {
            self.paused = Some(PauseReason::RedFlag(flag));
            (
                Outcome::Paused,
                Rule::Ada12RedFlags,
                Why::RedFlag { flag },
                self.start.gentler(base),
            )
        } else if log.dizzy() && self.dizzy_streak >= 2 {
            self.paused = Some(PauseReason::RepeatedDizziness);
            (
                Outcome::Paused,
                Rule::Ada03Dizziness,
                Why::Dizziness {
                    repeated: true,
                    slowed: false,
                },
                self.start.gentler(base),
            )
        } else if log.dizzy() {
            (
                Outcome::StepBack,
                Rule::Ada03Dizziness,
                Why::Dizziness {
                    repeated: false,
                    slowed: slower(base).speed < base.speed,
                },
                slower(base),
            )
        } else if log.slipped() {
            (
                Outcome::StepBack,
                Rule::Ada02NearFall,
                Why::NearFall {
                    slowed: slower(base).speed < base.speed,
                },
                slower(base),
            )
        } else if log.worst_pain() > PAIN_ACCEPTED_MAX
            || log.stopped_early == Some(StopReason::Pain)
        {
            let pain = Pain::new(log.worst_pain()).unwrap_or_default();
            (
                Outcome::StepBack,
                Rule::Ada04PainHigh,
                Why::PainHigh { pain },
                more_rails(shorter(base, 120)),
            )
        } else if log.effort.value() >= 8 {
            (
                Outcome::StepBack,
                Rule::Ada08Effort,
                Why::EffortVeryHigh { effort: log.effort },
                shorter(base, 60),
            )
        } else if !log.pain_accepted(usual) {
            let pain = Pain::new(log.worst_pain()).unwrap_or_default();
            let baseline = usual.min(log.pain_before);
            (
                Outcome::Hold,
                Rule::Ada07PainModerate,
                Why::PainModerate { pain, baseline },
                base,
            )
        } else if log.effort.value() >= 6 {
            (
                Outcome::Hold,
                Rule::Ada08Effort,
                Why::EffortHigh { effort: log.effort },
                base,
            )
        } else if let Some(reason) = log.stopped_early {
            (
                Outcome::Hold,
                Rule::Ada09StoppedEarly,
                Why::StoppedEarly { reason },
                base,
            )
        } else if log.extra {
            // PRG-08: an off-plan walk neither advances nor trims the stored plan (the cap
            // already sees its minutes); only more rail support than planned carries over.
            let keep = Load {
                rails: self.next.rails.max(base.rails),
                ..self.next
            };
            (Outcome::Hold, Rule::Prg08OneDecision, Why::Extra, keep)
        } else if log.backward_s + 30 < base.backward_s {
            (
                Outcome::Hold,
                Rule::Ada09StoppedEarly,
                Why::NotCompleted,
                base,
            )
        } else {
            clean = true;
            self.progress(base, log)
        };
        if !clean {
            // PRG-06, PRG-05: rails step down, and incline unlocks, only after clean sessions
            // in a row; a hold for effort or a short session breaks the run too.
            self.rails_streak = 0;
            self.target_streak = 0;
        }
        let next = self.capped(next);
        self.next = next;
        self.decide(outcome, rule, why, next)
    }

    /// PRG-01..PRG-07 for a clean session: at most one kind of increase.
    fn progress(&mut self, base: Load, log: &SessionLog) -> (Outcome, Rule, Why, Load) {
        let today = log.date.to_julian_day();
        let lim = self.limits;
        let caps = self.caps;
        let max_s = caps
            .max_backward_s
            .map_or(lim.target_backward_s, |m| m.min(lim.target_backward_s));
        let max_speed = self
            .capped(Load {
                speed: lim.target_speed,
                ..base
            })
            .speed;
        let max_incline = self
            .capped(Load {
                incline: crate::prescription::MAX_INCLINE,
                ..base
            })
            .incline;

        self.rails_streak = self.rails_streak.saturating_add(1);
        let at_target = base.backward_s >= max_s && base.speed.kmh() + 1e-9 >= max_speed.kmh();
        if at_target && base.rails <= RailUse::Light {
            self.target_streak = self.target_streak.saturating_add(1);
        } else {
            self.target_streak = 0;
        }

        // PRG-06: less rail reliance, as the only change.
        if base.rails > lim.rail_floor && self.rails_streak >= rail_step_sessions(self.tier) {
            self.rails_streak = 0;
            let to = base.rails.step_down();
            return (
                Outcome::Progress,
                Rule::Prg06Rails,
                Why::RailsDown {
                    from: base.rails,
                    to,
                },
                Load { rails: to, ..base },
            );
        }

        let next_date = self
            .schedule
            .next_on_or_after(log.date.next_day().unwrap_or(log.date));
        // Today's session is already counted in this week's volume and distance.
        let week_max = self.weekly_max_session_s(next_date);
        let room_m = self.room_for_increase_m(next_date);
        let minutes_hold = (
            Outcome::Hold,
            Rule::Prg02WeeklyCap,
            Why::WeeklyCap {
                max_week_s: self.weekly_allowance_s(next_date),
            },
            base,
        );
        let distance_hold = (
            Outcome::Hold,
            Rule::Prg02WeeklyCap,
            Why::WeeklyDistanceCap {
                max_week_m: self.weekly_distance_allowance_m(next_date),
            },
            base,
        );
        // Which cap stopped the time step: minutes if they did, else distance.
        let cap_hold = if week_max <= base.backward_s {
            minutes_hold
        } else {
            distance_hold
        };
        let mut blocked_by_cap = false;

        // PRG-03: time first.
        if base.backward_s < max_s {
            let step = if self.tier == Tier::Standard && log.effort.value() <= 3 {
                120
            } else {
                60
            };
            let to = (base.backward_s + step)
                .min(max_s)
                .min(week_max)
                .min(secs_within(room_m, base.speed));
            if to > base.backward_s {
                return (
                    Outcome::Progress,
                    Rule::Prg01SessionStep,
                    Why::TimeUp {
                        from_s: base.backward_s,
                        to_s: to,
                    },
                    Load {
                        backward_s: to,
                        ..base
                    },
                );
            }
            blocked_by_cap = true;
            // Caution and supervised people build time before any speed (PRG-03).
            if self.tier != Tier::Standard {
                return cap_hold;
            }
        }

        if base.speed.kmh() + 1e-9 < max_speed.kmh() {
            if let Some(last) = self.last_speed_up {
                let wait = DAYS_BETWEEN_INTENSITY_STEPS - (today - last);
                if wait > 0 {
                    return if blocked_by_cap {
                        cap_hold
                    } else {
                        (
                            Outcome::Hold,
                            Rule::Prg04SpeedWeekly,
                            Why::SpeedWait { days_left: wait },
                            base,
                        )
                    };
                }
            }
            let full = base
                .speed
                .saturating_add(lim.speed_step)
                .rounded()
                .min(max_speed);
            // PRG-02: the step must also keep the weekly backward distance within its cap.
            let fits = |v: Speed, s: u32| v.mps() * s as f64 <= room_m * (1.0 + LOAD_EPS);
            let (to, time_to_s, distance_capped) = if fits(full, base.backward_s) {
                (full, None, false)
            } else if let Some(v) = self
                .tenth_down(room_m / base.backward_s.max(1) as f64)
                .filter(|v| *v > base.speed && fits(*v, base.backward_s))
            {
                // A smaller step, in the tenths the person's display shows.
                (v.min(full), None, true)
            } else {
                // Even a tenth more is too much at this length (a tenth is over 10% of a
                // speed under 1 mph or 1 km/h): the smallest step, with a session short
                // enough that its distance still fits. Speed rises, time eases; no load
                // measure rises more than the cap allows.
                let v = self.tenth_up(base.speed).min(full);
                let s = secs_within(room_m, v).min(base.backward_s);
                if v > base.speed && s >= self.start.backward_s.max(MIN_BACKWARD_S) {
                    (v, Some(s), true)
                } else {
                    return distance_hold;
                }
            };
            self.last_speed_up = Some(today);
            return (
                Outcome::Progress,
                Rule::Prg01SessionStep,
                Why::SpeedUp {
                    from: base.speed,
                    to,
                    distance_capped,
                    time_to_s,
                },
                Load {
                    speed: to,
                    backward_s: time_to_s.unwrap_or(base.backward_s),
                    ..base
                },
            );
        }
        if blocked_by_cap {
            return cap_hold;
        }

        // PRG-05: incline only after a stable run at target, alone, weekly at most.
        let incline_due = self
            .last_incline_up
            .is_none_or(|d| today - d >= DAYS_BETWEEN_INTENSITY_STEPS);
        if self.target_streak >= INCLINE_UNLOCK_SESSIONS
            && base.incline.percent() + 1e-9 < max_incline.percent()
            && incline_due
        {
            let to = Incline::from_percent(
                (base.incline.percent() + INCLINE_STEP).min(max_incline.percent()),
            )
            .unwrap_or(base.incline);
            self.last_incline_up = Some(today);
            self.target_streak = 0;
            return (
                Outcome::Progress,
                Rule::Prg05InclineUnlock,
                Why::InclineUp {
                    from: base.incline,
                    to,
                },
                Load {
                    incline: to,
                    ..base
                },
            );
        }
        (
            Outcome::Hold,
            Rule::Prg07Eligibility,
            Why::AllTargetsReached,
            base,
        )
    }

    fn on_morning_pain(&mut self, session_date: Date, pain: Pain) -> Option<Decision> {
        let w = week_index(session_date);
        if w != self.morning.week {
            let mean =
                (self.morning.n > 0).then(|| self.morning.sum as f64 / self.morning.n as f64);
            self.morning = MorningWeek {
                week: w,
                sum: 0,
                n: 0,
                last_mean: if w == self.morning.week + 1 {
                    mean
                } else {
                    None
                },
            };
        }
        self.morning.sum += pain.value() as u32;
        self.morning.n += 1;
        let this_week = self.morning.sum as f64 / self.morning.n as f64;

        // Only the most recent session's morning check can change the plan.
        if self.last_session != Some(session_date.to_julian_day()) || self.paused.is_some() {
            return None;
        }
        // Step back from what was done, and never above what is already planned (the
        // session's own decision may have stepped back further).
        let base = self.last_base.unwrap_or(self.next);
        let n = self.next;
        let stepped = Load {
            backward_s: base.backward_s.saturating_sub(60).max(MIN_BACKWARD_S),
            ..base
        }
        .gentler(n);
        let step_back =
            |rule, why| Some(self.decide(Outcome::StepBack, rule, why, self.capped(stepped)));
        let decision = if pain.value() >= self.last_pain_before.value() + 2 {
            step_back(
                Rule::Ada05MorningPain,
                Why::MorningPain {
                    before: self.last_pain_before,
                    morning: pain,
                },
            )
        } else {
            match self.morning.last_mean {
                Some(last_week) if this_week >= last_week + 1.0 => step_back(
                    Rule::Ada06MorningTrend,
                    Why::MorningTrend {
                        last_week,
                        this_week,
                    },
                ),
                _ => None,
            }
        };
        if let Some(d) = decision {
            self.next = d.next;
            self.reset_streaks();
        }
        decision
    }

    /// The coming sessions if each one goes as planned: a forecast, not a promise.
    pub fn project(&self, from: Date, weeks: u32) -> Vec<Planned> {
        let mut sim = self.clone();
        let mut out = Vec::new();
        for date in self.schedule.dates(from, weeks) {
            let Ok(planned) = sim.plan_for(date) else {
                break;
            };
            out.push(planned);
            sim.apply(&Event::Session(SessionLog::clean(date, &planned.load)));
        }
        out
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Progress => "progress",
            Outcome::Hold => "hold",
            Outcome::StepBack => "step back",
            Outcome::Paused => "paused",
            Outcome::Resumed => "resumed",
        })
    }
}

#[cfg(test)]
mod sentence_tests {
    use super::*;

    #[test]
    fn a_step_back_at_the_lowest_speed_does_not_say_slower() {
        let d = Decision {
            outcome: Outcome::StepBack,
            rule: Rule::Ada02NearFall,
            why: Why::NearFall { slowed: false },
            next: Load {
                backward_s: 300,
                speed: Speed::from_mph(0.5).unwrap(),
                incline: Incline::FLAT,
                rails: RailUse::Full,
            },
        };
        let said = d.sentence(Units::Mph);
        assert!(!said.contains("slower"), "{said}");
        assert!(said.contains("stays at 0.5 mph"), "{said}");
    }

    #[test]
    fn decisions_stored_before_issue_12_still_read() {
        let w: Why = serde_json::from_str(r#"{"why":"speed_up","from":1.6,"to":2.4}"#).unwrap();
        assert!(matches!(
            w,
            Why::SpeedUp {
                distance_capped: false,
                time_to_s: None,
                ..
            }
        ));
        let w: Why = serde_json::from_str(r#"{"why":"pain_moderate","pain":4}"#).unwrap();
        assert_eq!(
            w,
            Why::PainModerate {
                pain: Pain::new(4).unwrap(),
                baseline: Pain::default()
            }
        );
        // A plain speed step is stored as it always was.
        let plain = Why::SpeedUp {
            from: Speed::from_kmh(1.6).unwrap(),
            to: Speed::from_kmh(2.4).unwrap(),
            distance_capped: false,
            time_to_s: None,
        };
        let json = serde_json::to_value(plain).unwrap();
        assert_eq!(json.as_object().unwrap().len(), 3, "{json}");
    }

    /// A programme state cached before distances were counted reads its distances as its
    /// minutes at the planned speed, so the distance cap does not squeeze its next session
    /// down to the start floor on the first day after an upgrade.
    #[test]
    fn a_state_stored_before_distance_was_counted_plans_the_same() {
        use crate::screening::{screen, Goal, KneeCondition, Profile};
        use crate::units::{Age, BodyMass};
        use time::macros::date;
        let mut p = Profile::new(
            "T",
            Age::new(35).unwrap(),
            BodyMass::from_kg(70.0).unwrap(),
            Goal::KneeRehab,
        );
        // Caution tier: time builds to its target before any speed step (PRG-03).
        p.knee = KneeCondition::Osteoarthritis;
        let schedule = Schedule::parse("mon,wed,fri").unwrap();
        let d0 = date!(2026 - 01 - 05);
        let mut prog = Progression::new(&p, &screen(&p), schedule.clone(), d0).unwrap();
        // Five weeks at one speed, so minutes times speed is the exact distance.
        for d in schedule.dates(d0, 5) {
            let load = prog.plan_for(d).unwrap().load;
            assert_eq!(load.speed, prog.start.speed);
            prog.apply(&Event::Session(SessionLog::clean(d, &load)));
        }
        let mut json = serde_json::to_value(&prog).unwrap();
        let o = json.as_object_mut().unwrap();
        for k in ["week_done_m", "prev_week_done_m", "distance_tracked"] {
            assert!(o.remove(k).is_some(), "{k}");
        }
        let old: Progression = serde_json::from_value(json).unwrap();
        assert!(!old.distance_tracked);
        for d in schedule.dates(date!(2026 - 02 - 09), 1) {
            let a = prog.plan_for(d).unwrap().load;
            let b = old.plan_for(d).unwrap().load;
            assert_eq!(a, b, "{d}");
            assert!(b.backward_s > prog.start.backward_s);
            assert!(
                (prog.weekly_distance_allowance_m(d) - old.weekly_distance_allowance_m(d)).abs()
                    < 1e-6
            );
        }
    }

    #[test]
    fn decisions_stored_before_the_slowed_field_still_read() {
        let w: Why = serde_json::from_str(r#"{"why":"near_fall"}"#).unwrap();
        assert_eq!(w, Why::NearFall { slowed: false });
        let w: Why = serde_json::from_str(r#"{"why":"dizziness","repeated":false}"#).unwrap();
        assert_eq!(
            w,
            Why::Dizziness {
                repeated: false,
                slowed: false
            }
        );
    }
}
