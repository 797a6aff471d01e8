//! What happened in a session, as opposed to what was planned: the one model behind
//! progress, the CSVs, FIT and TCX (issue 11). The figures come from the best record there
//! is, in this order:
//!
//! 1. an imported file: its own laps and records;
//! 2. a treadmill run's telemetry: the plan's segments up to the last sample, with the
//!    belt's measured speed, incline and distance;
//! 3. STOP pressed (the log says it ended early): the plan's segments up to the moment
//!    of the stop, which is where the logged backward minutes were reached, or earlier
//!    when the run's own clock says so;
//! 4. otherwise the plan built for the minutes logged.
//!
//! Energy always comes from the evidence's model (ENE-01..05) applied to what was
//! walked, never from a file's or the plan's own figure.

use crate::{HistoryEntry, Result, Service};
use retrowalk_core::energy::{self, Activity};
use retrowalk_core::session::{SegmentKind, SessionPlan};
use retrowalk_core::units::{BodyMass, Incline, Speed};
use retrowalk_core::{Event, Load, RailUse, SessionLog};
use retrowalk_store::{Run, Sample, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::Date;

/// Where a session's figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActualSource {
    /// A treadmill's telemetry.
    Telemetry,
    /// An imported file's laps and records.
    Imported,
    /// The plan, up to where STOP was pressed.
    Stopped,
    /// The plan for the minutes logged: nothing was recorded and it went to the end.
    Logged,
}

/// One segment as walked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoneSegment {
    pub kind: SegmentKind,
    pub label: String,
    /// Seconds from the start of the walk.
    pub start_s: u32,
    pub planned_s: u32,
    pub done_s: u32,
    /// Measured when there was telemetry, else the planned one.
    pub speed: Speed,
    pub incline: Incline,
    pub rails: RailUse,
    pub distance_m: f64,
    pub kcal: f64,
    pub extrapolated: bool,
}

/// A session as it happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionActuals {
    pub source: ActualSource,
    pub backward_s: u32,
    /// Every segment walked, turns and warm-up included.
    pub elapsed_s: u32,
    pub distance_m: f64,
    pub kcal: f64,
    /// The backward part lies outside the range the energy equation was fitted on (ENE-03).
    pub extrapolated: bool,
    /// The backward speed: the time-weighted mean of the backward segments walked, or the
    /// planned one when none was.
    pub speed: Speed,
    pub incline: Incline,
    pub segments: Vec<DoneSegment>,
}

/// A stretch of the timeline, before it is measured.
#[derive(Debug, Clone)]
struct Step {
    kind: SegmentKind,
    label: String,
    start_s: u32,
    planned_s: u32,
    done_s: u32,
    speed: Speed,
    incline: Incline,
    rails: RailUse,
}

/// A lap of an imported file as kept with its run, so exports and progress can use the
/// file's own laps rather than a plan the file never followed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredLap {
    pub kind: SegmentKind,
    pub start_s: u32,
    pub duration_s: u32,
}

/// The session plan a run was started with: treadmill runs keep it under `plan` (beside
/// `planned` and the treadmill); an import stores the day's plan itself, flattened.
pub(crate) fn run_plan(r: &Run) -> Option<SessionPlan> {
    r.plan
        .get("plan")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
        .or_else(|| serde_json::from_value(r.plan.clone()).ok())
}

pub(crate) fn is_import(r: &Run) -> bool {
    r.plan.get("imported_from").is_some()
}

fn stored_laps(r: &Run) -> Option<Vec<StoredLap>> {
    r.plan
        .get("laps")
        .and_then(|l| serde_json::from_value(l.clone()).ok())
}

fn activity_of(kind: SegmentKind) -> Activity {
    match kind {
        SegmentKind::Backward => Activity::Backward,
        SegmentKind::StandStill => Activity::Standing,
        _ => Activity::Forward,
    }
}

fn plan_steps(plan: &SessionPlan) -> Vec<Step> {
    let mut t = 0u32;
    plan.segments
        .iter()
        .map(|s| {
            let step = Step {
                kind: s.kind,
                label: s.label.clone(),
                start_s: t,
                planned_s: s.duration_s,
                done_s: s.duration_s,
                speed: s.speed,
                incline: s.incline,
                rails: s.rails,
            };
            t = t.saturating_add(s.duration_s);
            step
        })
        .collect()
}

/// The steps up to `end_s` seconds from the start; a walk that went on past its plan adds
/// the extra time to its last segment.
fn cut(mut steps: Vec<Step>, end_s: u32) -> Vec<Step> {
    steps.retain(|s| s.start_s < end_s);
    for s in &mut steps {
        s.done_s = s.planned_s.min(end_s - s.start_s);
    }
    if let Some(last) = steps.last_mut() {
        let end = last.start_s + last.done_s;
        if end < end_s {
            last.done_s += end_s - end;
        }
    }
    steps
}

/// Where in the plan `backward_s` seconds of backward walking had been reached: the
/// moment a person who logged that much pressed STOP. None backward means before the
/// first backward segment.
fn position_after_backward(plan: &SessionPlan, backward_s: u32) -> u32 {
    let mut t = 0u32;
    let mut left = backward_s;
    for s in &plan.segments {
        if s.kind.is_backward() {
            if left < s.duration_s {
                return t + left;
            }
            left -= s.duration_s;
        }
        t = t.saturating_add(s.duration_s);
    }
    t
}

/// The distance recorded by `t` seconds: the last sample at or before it.
fn distance_at(samples: &[Sample], t: f64) -> f64 {
    let n = samples.partition_point(|s| (s.t_ms as f64) / 1000.0 <= t);
    n.checked_sub(1)
        .and_then(|i| samples.get(i))
        .map_or(0.0, |s| s.distance_m)
}

/// The indices of the samples stamped in (`from`, `to`] seconds, of samples in time order.
fn window_of(samples: &[Sample], from: f64, to: f64) -> std::ops::Range<usize> {
    let after = |t: f64| samples.partition_point(|s| (s.t_ms as f64) / 1000.0 <= t);
    let (a, b) = (after(from), after(to));
    a..b.max(a)
}

fn measure(steps: Vec<Step>, samples: &[Sample], mass: BodyMass) -> Vec<DoneSegment> {
    steps
        .into_iter()
        .map(|s| {
            let (from, to) = (f64::from(s.start_s), f64::from(s.start_s + s.done_s));
            // Samples come in time order (the store sorts them), so the segment's window
            // is found by halving rather than by scanning a year of telemetry per segment.
            let window = &samples[window_of(samples, from, to)];
            let mean = |f: &dyn Fn(&Sample) -> Option<f64>| {
                let v: Vec<f64> = window.iter().filter_map(f).collect();
                (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
            };
            // A device's reading out of range is no speed anyone walked: keep the plan's.
            let speed = mean(&|x| Some(x.speed_kmh))
                .and_then(|k| Speed::from_kmh(k).ok())
                .unwrap_or(s.speed);
            let incline = mean(&|x| x.incline_pct)
                .and_then(|p| Incline::from_percent(p).ok())
                .unwrap_or(s.incline);
            let distance_m = if samples.is_empty() {
                if s.kind.belt_running() {
                    s.speed.mps() * f64::from(s.done_s)
                } else {
                    0.0
                }
            } else {
                (distance_at(samples, to) - distance_at(samples, from)).max(0.0)
            };
            let e = energy::energy(
                activity_of(s.kind),
                speed,
                incline,
                mass,
                f64::from(s.done_s) / 60.0,
            );
            DoneSegment {
                kind: s.kind,
                label: s.label,
                start_s: s.start_s,
                planned_s: s.planned_s,
                done_s: s.done_s,
                speed,
                incline,
                rails: s.rails,
                distance_m,
                kcal: e.kcal,
                extrapolated: e.extrapolated,
            }
        })
        .collect()
}

fn total(
    source: ActualSource,
    segments: Vec<DoneSegment>,
    planned: Option<(Speed, Incline)>,
) -> SessionActuals {
    let backward: Vec<&DoneSegment> = segments
        .iter()
        .filter(|s| s.kind.is_backward() && s.done_s > 0)
        .collect();
    let backward_s: u32 = backward.iter().map(|s| s.done_s).sum();
    let weighted = |f: fn(&DoneSegment) -> f64| {
        backward
            .iter()
            .map(|s| f(s) * f64::from(s.done_s))
            .sum::<f64>()
            / f64::from(backward_s)
    };
    let (speed, incline) = if backward_s > 0 {
        (
            Speed::from_kmh(weighted(|s| s.speed.kmh())).unwrap_or(Speed::ZERO),
            Incline::from_percent(weighted(|s| s.incline.percent())).unwrap_or(Incline::FLAT),
        )
    } else {
        planned.unwrap_or((Speed::ZERO, Incline::FLAT))
    };
    SessionActuals {
        source,
        backward_s,
        elapsed_s: segments.iter().map(|s| s.done_s).sum(),
        distance_m: segments.iter().map(|s| s.distance_m).sum(),
        kcal: segments.iter().map(|s| s.kcal).sum(),
        extrapolated: backward.iter().any(|s| s.extrapolated),
        speed,
        incline,
        segments,
    }
}

/// What is known of one session: any of its log, its plans and its run.
pub(crate) struct Known<'a> {
    pub log: Option<&'a SessionLog>,
    /// The plan the day had (a run's own plan wins over it).
    pub planned: Option<&'a SessionPlan>,
    /// The plan rebuilt for the minutes logged.
    pub done: Option<&'a SessionPlan>,
    pub run: Option<&'a Run>,
    pub samples: &'a [Sample],
    pub mass: BodyMass,
}

/// What happened in a session (see the module's order of evidence).
pub(crate) fn actuals(k: Known<'_>) -> SessionActuals {
    let run_plan = k.run.and_then(run_plan);
    let planned = run_plan.as_ref().or(k.planned);
    let planned_speed = planned.map(|p| (p.load.speed, p.load.incline));
    if let Some(run) = k.run.filter(|r| is_import(r)) {
        let last = k
            .samples
            .last()
            .map_or(0, |s| (s.t_ms / 1000).max(0) as u32);
        let laps = stored_laps(run).unwrap_or_else(|| {
            // Imported before laps were kept: the whole walk counted as backward.
            vec![StoredLap {
                kind: SegmentKind::Backward,
                start_s: 0,
                duration_s: k.log.map_or(last, |l| l.backward_s),
            }]
        });
        let speed = planned_speed.map_or(Speed::ZERO, |p| p.0);
        let steps = laps
            .into_iter()
            .map(|l| Step {
                kind: l.kind,
                label: crate::exchange::kind_label(l.kind).to_string(),
                start_s: l.start_s,
                planned_s: l.duration_s,
                done_s: l.duration_s,
                speed,
                incline: Incline::FLAT,
                rails: k.log.map_or(RailUse::Light, |l| l.rails_used),
            })
            .collect();
        return total(
            ActualSource::Imported,
            measure(steps, k.samples, k.mass),
            planned_speed,
        );
    }
    if let (Some(plan), Some(last)) = (planned, k.samples.last()) {
        // Samples are stamped from the run's start; the last one is where it ended.
        let end = u32::try_from((last.t_ms.max(0) + 999) / 1000).unwrap_or(u32::MAX);
        let steps = cut(plan_steps(plan), end);
        return total(
            ActualSource::Telemetry,
            measure(steps, k.samples, k.mass),
            planned_speed,
        );
    }
    let wall = k
        .run
        .and_then(|r| r.ended_at.map(|e| (e - r.started_at).max(0)))
        .map(|s| u32::try_from(s).unwrap_or(u32::MAX));
    let stopped = match k.log {
        Some(l) => l.stopped_early.is_some(),
        // A run not logged yet: its own stop, if it has one.
        None => wall.is_some(),
    };
    if let (true, Some(plan)) = (stopped, planned) {
        let mut end = k.log.map_or(plan.total_s(), |l| {
            position_after_backward(plan, l.backward_s)
        });
        if let Some(w) = wall {
            end = end.min(w);
        }
        return total(
            ActualSource::Stopped,
            measure(cut(plan_steps(plan), end), &[], k.mass),
            planned_speed,
        );
    }
    let plan = k.done.or(planned);
    let steps = plan.map(plan_steps).unwrap_or_default();
    total(
        ActualSource::Logged,
        measure(steps, &[], k.mass),
        planned_speed,
    )
}

/// The person's date of a run: an imported run keeps the local date it was logged on, a
/// treadmill run the date of the session it was started for; otherwise the day of its
/// start in UTC.
pub(crate) fn run_day(r: &Run) -> Date {
    let parse = |v: Option<&serde_json::Value>| {
        v.and_then(|v| v.as_str()).and_then(|d| {
            Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok()
        })
    };
    parse(r.plan.get("date"))
        .or_else(|| parse(r.plan.get("planned").and_then(|p| p.get("date"))))
        .unwrap_or_else(|| crate::exchange::utc_date(crate::exchange::run_start(r)))
}

/// The run that recorded a day's walk: the last one that day with a record of it (an
/// import, or telemetry), else the last one that ended.
pub(crate) fn run_of_day<'a>(
    runs: &'a [Run],
    has_samples: &HashMap<String, bool>,
    day: Date,
) -> Option<&'a Run> {
    let that_day: Vec<&Run> = runs.iter().filter(|r| run_day(r) == day).collect();
    that_day
        .iter()
        .rev()
        .find(|r| is_import(r) || has_samples.get(&r.id).copied().unwrap_or(false))
        .or_else(|| that_day.iter().rev().find(|r| r.ended_at.is_some()))
        .copied()
}

impl Service {
    /// What happened in each session of `history`, in its order: None for entries that are
    /// no session, or a session whose day had no plan.
    pub(crate) async fn actuals_of(
        &self,
        user: UserId,
        history: &[HistoryEntry],
    ) -> Result<Vec<Option<SessionActuals>>> {
        let (profile, rec) = self.profile_and_programme(user).await?;
        let runs = self.store.runs(user).await?;
        let days: std::collections::HashSet<Date> = history
            .iter()
            .filter_map(|h| match &h.event {
                Event::Session(l) => Some(l.date),
                _ => None,
            })
            .collect();
        // Telemetry only for the runs of days with a logged session.
        let mut samples: HashMap<String, Vec<Sample>> = HashMap::new();
        for r in runs.iter().filter(|r| days.contains(&run_day(r))) {
            samples.insert(r.id.clone(), self.store.samples(&r.id).await?);
        }
        let has: HashMap<String, bool> = samples
            .iter()
            .map(|(k, v)| (k.clone(), !v.is_empty()))
            .collect();
        Ok(history
            .iter()
            .map(|h| {
                let (Event::Session(log), Some(planned)) = (&h.event, h.planned) else {
                    return None;
                };
                let planned_plan = self.build_plan(&profile, &rec, &planned);
                let done_plan = self.build_plan(
                    &profile,
                    &rec,
                    &Load {
                        backward_s: log.backward_s,
                        ..planned
                    },
                );
                let run = run_of_day(&runs, &has, log.date);
                let recorded = run
                    .and_then(|r| samples.get(&r.id))
                    .map_or(&[][..], |v| &v[..]);
                Some(actuals(Known {
                    log: Some(log),
                    planned: Some(&planned_plan),
                    done: Some(&done_plan),
                    run,
                    samples: recorded,
                    mass: profile.body_mass,
                }))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrowalk_core::screening::Requirements;
    use retrowalk_core::session;
    use retrowalk_core::{Tier, Units};

    fn plan(backward_s: u32) -> SessionPlan {
        let load = Load {
            backward_s,
            speed: Speed::from_kmh(1.6).unwrap(),
            incline: Incline::FLAT,
            rails: RailUse::Light,
        };
        session::build(
            &load,
            Tier::Standard,
            Requirements::default(),
            Units::Kmh,
            BodyMass::from_kg(72.0).unwrap(),
        )
    }

    #[test]
    fn a_stop_lands_where_the_logged_backward_time_was_reached() {
        let p = plan(600);
        let first_backward: u32 = p
            .segments
            .iter()
            .take_while(|s| !s.kind.is_backward())
            .map(|s| s.duration_s)
            .sum();
        assert_eq!(position_after_backward(&p, 0), first_backward);
        assert_eq!(position_after_backward(&p, 10), first_backward + 10);
        assert_eq!(position_after_backward(&p, 10_000), p.total_s());
    }

    #[test]
    fn a_cut_keeps_what_was_reached_and_extends_the_last_segment_past_the_plan() {
        let p = plan(300);
        let steps = cut(plan_steps(&p), 30);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].done_s, 30);
        let all = cut(plan_steps(&p), p.total_s() + 20);
        assert_eq!(all.len(), p.segments.len());
        let last = all.last().unwrap();
        assert_eq!(last.done_s, last.planned_s + 20);
        assert!(cut(plan_steps(&p), 0).is_empty());
    }

    #[test]
    fn a_segment_window_holds_exactly_the_samples_stamped_in_it() {
        // Half-second stamps with repeats, as a watch's records sharing a second are kept.
        let samples: Vec<Sample> = [0, 500, 1000, 1000, 1500, 2000, 2999, 3000, 3001, 7000]
            .into_iter()
            .map(|t_ms| Sample {
                t_ms,
                speed_kmh: 2.0,
                incline_pct: None,
                distance_m: 0.0,
                heart_rate: None,
                rr_ms: vec![],
            })
            .collect();
        for (from, to) in [
            (0.0, 1.0),
            (1.0, 3.0),
            (0.5, 0.5),
            (3.0, 2.0),
            (-1.0, 9.0),
            (8.0, 9.0),
        ] {
            let scanned: Vec<i64> = samples
                .iter()
                .filter(|x| {
                    let t = x.t_ms as f64 / 1000.0;
                    t > from && t <= to
                })
                .map(|x| x.t_ms)
                .collect();
            let found: Vec<i64> = samples[window_of(&samples, from, to)]
                .iter()
                .map(|x| x.t_ms)
                .collect();
            assert_eq!(found, scanned, "({from}, {to}]");
        }
    }
}
