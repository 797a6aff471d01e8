//! The single choke point between a session plan and the treadmill's control point.
//!
//! Every set-speed and set-incline the controller writes is a [`SafeCommand`], and the only
//! way to get one that moves the belt faster or tilts it is [`SafeLimits::clamp`]. That
//! function takes the minimum of the segment's own target, the prescription's limits, the
//! clinician's caps, the absolute ceilings of the programme and the machine's supported
//! range, and only ever rounds down. So no code path in the controller can command a speed or
//! incline above any of them.

use retrowalk_core::prescription::{session_speed_ceiling, MAX_INCLINE};
use retrowalk_core::session::Segment;
use retrowalk_core::{ClinicianCaps, Limits};
use retrowalk_ftms::{Capabilities, ControlRequest, Range};

/// Set Target Speed goes on the wire in 0.01 km/h.
const SPEED_UNITS_PER_KMH: f64 = 100.0;
/// Set Target Inclination goes on the wire in 0.1 %.
const INCLINE_UNITS_PER_PCT: f64 = 10.0;
/// Float noise tolerated when converting a value to whole units (a millionth of a unit).
const UNIT_SLACK: f64 = 1e-6;

/// A control point request that is safe to write. Halting, starting and requesting control
/// are always safe; speed and incline targets exist only as the output of
/// [`SafeLimits::clamp`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SafeCommand(ControlRequest);

impl SafeCommand {
    pub fn request_control() -> SafeCommand {
        SafeCommand(ControlRequest::RequestControl)
    }
    pub fn start_or_resume() -> SafeCommand {
        SafeCommand(ControlRequest::StartOrResume)
    }
    pub fn stop() -> SafeCommand {
        SafeCommand(ControlRequest::Stop)
    }
    pub fn pause() -> SafeCommand {
        SafeCommand(ControlRequest::Pause)
    }
    /// The request to put on the wire.
    pub fn request(&self) -> ControlRequest {
        self.0
    }
}

/// Ceilings that hold for the whole session, whatever the segment: the prescription's
/// limits with the clinician's caps applied exactly as `prescription::capped` applies them,
/// the programme's absolute ceilings, and the machine's supported range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionCeiling {
    max_speed_kmh: f64,
    max_incline_pct: f64,
    machine: Capabilities,
}

impl SessionCeiling {
    pub fn new(limits: &Limits, clinician: &ClinicianCaps, machine: Capabilities) -> Self {
        // The same ceiling the session plan shows and speaks for every segment.
        let max_speed = session_speed_ceiling(limits, clinician);
        // ADA-11: a clinician's incline cap replaces the engine's (it may lift a supervised
        // person's flat-only limit), but never above the programme's absolute maximum.
        let max_incline = match clinician.max_incline {
            Some(i) => i.min(MAX_INCLINE),
            None => limits.max_incline.min(MAX_INCLINE),
        };
        SessionCeiling {
            max_speed_kmh: max_speed.kmh(),
            max_incline_pct: max_incline.percent(),
            machine,
        }
    }

    pub fn machine(&self) -> &Capabilities {
        &self.machine
    }

    /// The limits for one segment: never above the segment's own speed and incline either.
    pub fn for_segment(&self, segment: &Segment) -> SafeLimits {
        let speed = if segment.kind.belt_running() {
            segment.speed.kmh()
        } else {
            0.0
        };
        SafeLimits {
            max_speed_kmh: finite_or_zero(
                self.max_speed_kmh.min(speed).min(self.machine.speed.max),
            ),
            max_incline_pct: self.max_incline_pct.min(segment.incline.percent()),
            machine: self.machine,
        }
    }
}

/// What may be commanded during one segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SafeLimits {
    max_speed_kmh: f64,
    max_incline_pct: f64,
    machine: Capabilities,
}

/// A speed and incline that passed [`SafeLimits::clamp`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SafeTarget {
    speed_kmh: f64,
    incline_pct: Option<f64>,
}

impl SafeTarget {
    /// 0 means the belt must not run (the plan says stand still, or the machine cannot go
    /// as slowly as the limits allow).
    pub fn speed_kmh(&self) -> f64 {
        self.speed_kmh
    }
    /// 0 when the incline is not commanded (the machine has none, or cannot go as low).
    pub fn incline_pct(&self) -> f64 {
        self.incline_pct.unwrap_or(0.0)
    }
    pub fn belt_runs(&self) -> bool {
        self.speed_kmh > 0.0
    }
    /// The set-speed to write, or `None` when the belt must be halted instead.
    pub fn speed_command(&self) -> Option<SafeCommand> {
        self.belt_runs()
            .then_some(SafeCommand(ControlRequest::SetTargetSpeed {
                kmh: self.speed_kmh,
            }))
    }
    /// The set-incline to write, or `None` when the incline is not commanded.
    pub fn incline_command(&self) -> Option<SafeCommand> {
        self.incline_pct
            .map(|percent| SafeCommand(ControlRequest::SetTargetInclination { percent }))
    }
}

impl SafeLimits {
    pub fn max_speed_kmh(&self) -> f64 {
        self.max_speed_kmh
    }
    pub fn max_incline_pct(&self) -> f64 {
        self.max_incline_pct
    }

    /// The gentlest-rounded speed and incline not above the request, the segment, the
    /// prescription, the clinician's caps, the absolute ceilings or the machine's maximum,
    /// and on the machine's step grid. A speed the machine cannot run that slowly becomes 0
    /// (halt) rather than the machine's minimum, because the minimum would be above a limit.
    pub fn clamp(&self, speed_kmh: f64, incline_pct: f64) -> SafeTarget {
        SafeTarget {
            speed_kmh: self.clamp_speed(speed_kmh),
            incline_pct: self.clamp_incline(incline_pct),
        }
    }

    fn clamp_speed(&self, requested: f64) -> f64 {
        if !requested.is_finite() {
            return 0.0;
        }
        let want = requested.min(self.max_speed_kmh);
        if want <= 0.0 {
            return 0.0;
        }
        let units = Grid::new(&self.machine.speed, SPEED_UNITS_PER_KMH)
            .and_then(|g| g.highest_at_most(want));
        match units {
            Some(u) if u > 0 => from_units(u, SPEED_UNITS_PER_KMH),
            // The machine cannot run this slowly: halt rather than run at its minimum.
            _ => 0.0,
        }
    }

    fn clamp_incline(&self, requested: f64) -> Option<f64> {
        let range = self.machine.incline?;
        if !self.machine.incline_target_supported || !requested.is_finite() {
            return None;
        }
        // Never downhill either: the programme prescribes none (`prescription::capped`
        // floors at flat), and walking backward downhill is the steeper way to fall.
        let want = requested.min(self.max_incline_pct).max(0.0);
        Grid::new(&range, INCLINE_UNITS_PER_PCT)
            .and_then(|g| g.highest_at_most(want))
            // A machine that only goes downhill gets no incline command at all.
            .filter(|u| *u >= 0)
            .map(|u| from_units(u, INCLINE_UNITS_PER_PCT))
    }
}

/// A machine's supported range in whole wire units (0.01 km/h or 0.1 %), so choosing a value
/// is integer arithmetic and cannot drift above a cap by a rounding error.
#[derive(Debug, Clone, Copy)]
struct Grid {
    min: i64,
    max: i64,
    step: i64,
    units_per: f64,
}

impl Grid {
    /// `None` for a nonsensical range (NaN, or a maximum below the minimum): nothing on it
    /// can be commanded.
    fn new(range: &Range, units_per: f64) -> Option<Grid> {
        if !(range.min.is_finite() && range.max.is_finite() && range.max >= range.min) {
            return None;
        }
        // Ranges are read off the wire in these very units, so rounding the minimum and
        // the step only removes float noise; the maximum is a cap and is rounded down.
        let min = to_i64((range.min * units_per).round())?;
        let max = units_at_most(range.max, units_per)?;
        let step = if range.step.is_finite() {
            to_i64((range.step * units_per).round())?.max(1)
        } else {
            1
        };
        Some(Grid {
            min,
            max,
            step,
            units_per,
        })
    }

    /// The highest value on the machine's grid not above `want` nor the machine's maximum,
    /// in units; `None` when even the minimum is above them.
    fn highest_at_most(&self, want: f64) -> Option<i64> {
        let cap = units_at_most(want, self.units_per)?.min(self.max);
        if cap < self.min {
            return None;
        }
        Some(self.min + (cap - self.min).div_euclid(self.step) * self.step)
    }
}

/// The largest whole number of units whose value (`units / units_per`) is not above `v`.
/// The slack lets 2.8 km/h be 280 units although 2.8 × 100 is 279.99999999999997 in binary;
/// the check after it keeps the result from ever exceeding `v`.
fn units_at_most(v: f64, units_per: f64) -> Option<i64> {
    let mut u = to_i64((v * units_per + UNIT_SLACK).floor())?;
    if from_units(u, units_per) > v {
        u -= 1;
    }
    Some(u)
}

fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

fn to_i64(v: f64) -> Option<i64> {
    // Far beyond any treadmill; keeps the conversion exact and the arithmetic overflow-free.
    (v.is_finite() && v.abs() < 1e12).then_some(v as i64)
}

fn from_units(units: i64, units_per: f64) -> f64 {
    units as f64 / units_per
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrowalk_core::energy::Energy;
    use retrowalk_core::session::{Segment, SegmentKind};
    use retrowalk_core::units::{Incline, RailUse, Speed};

    fn seg(kind: SegmentKind, kmh: f64, pct: f64) -> Segment {
        Segment {
            kind,
            label: "s".into(),
            duration_s: 60,
            speed: Speed::from_kmh(kmh).unwrap(),
            incline: Incline::from_percent(pct).unwrap(),
            rails: RailUse::Light,
            cues: vec![],
            energy: Energy::default(),
        }
    }

    fn limits(target_kmh: f64, incline: f64) -> Limits {
        Limits {
            target_backward_s: 600,
            target_speed: Speed::from_kmh(target_kmh).unwrap(),
            max_incline: Incline::from_percent(incline).unwrap(),
            rail_floor: RailUse::None,
            min_speed: Speed::from_kmh(0.8).unwrap(),
            speed_step: Speed::from_kmh(0.8).unwrap(),
            usual_pain: Default::default(),
        }
    }

    fn machine(min: f64, max: f64, step: f64, incline: Option<(f64, f64, f64)>) -> Capabilities {
        Capabilities {
            speed: Range { min, max, step },
            incline: incline.map(|(min, max, step)| Range { min, max, step }),
            speed_target_supported: true,
            incline_target_supported: incline.is_some(),
        }
    }

    #[test]
    fn the_lowest_of_segment_limits_caps_and_machine_wins() {
        let c = SessionCeiling::new(
            &limits(4.0, 3.0),
            &ClinicianCaps {
                max_speed: Some(Speed::from_kmh(3.0).unwrap()),
                ..Default::default()
            },
            machine(0.5, 16.0, 0.1, Some((0.0, 15.0, 0.5))),
        );
        let l = c.for_segment(&seg(SegmentKind::Backward, 3.5, 2.2));
        let t = l.clamp(10.0, 10.0);
        assert_eq!(t.speed_kmh(), 3.0);
        assert_eq!(
            t.incline_pct(),
            2.0,
            "rounded down to the machine's 0.5 % step"
        );
        let l = c.for_segment(&seg(SegmentKind::Backward, 2.25, 1.0));
        assert_eq!(l.clamp(10.0, 10.0).speed_kmh(), 2.2);
        assert_eq!(l.clamp(10.0, 10.0).incline_pct(), 1.0);
    }

    #[test]
    fn a_machine_that_cannot_go_slowly_enough_halts_instead() {
        let c = SessionCeiling::new(
            &limits(4.0, 3.0),
            &ClinicianCaps::default(),
            machine(1.0, 16.0, 0.1, None),
        );
        let t = c
            .for_segment(&seg(SegmentKind::Turn, 0.8, 0.0))
            .clamp(0.8, 0.0);
        assert_eq!(t.speed_kmh(), 0.0);
        assert!(t.speed_command().is_none());
    }

    #[test]
    fn no_incline_machine_gets_no_incline_command() {
        let c = SessionCeiling::new(
            &limits(4.0, 3.0),
            &ClinicianCaps::default(),
            machine(0.5, 16.0, 0.1, None),
        );
        let t = c
            .for_segment(&seg(SegmentKind::Backward, 2.0, 2.0))
            .clamp(2.0, 2.0);
        assert_eq!(t.incline_pct(), 0.0);
        assert!(t.incline_command().is_none());
        assert_eq!(
            t.speed_command().map(|c| c.request()),
            Some(ControlRequest::SetTargetSpeed { kmh: 2.0 })
        );
    }

    #[test]
    fn stand_still_never_runs_the_belt() {
        let c = SessionCeiling::new(
            &limits(4.0, 3.0),
            &ClinicianCaps::default(),
            machine(0.5, 16.0, 0.1, None),
        );
        let mut s = seg(SegmentKind::StandStill, 2.0, 0.0);
        s.speed = Speed::from_kmh(2.0).unwrap();
        assert_eq!(c.for_segment(&s).clamp(2.0, 0.0).speed_kmh(), 0.0);
    }

    #[test]
    fn clinician_incline_cap_replaces_a_flat_engine_limit_but_not_the_maximum() {
        let caps = ClinicianCaps {
            max_incline: Some(Incline::from_percent(10.0).unwrap()),
            ..Default::default()
        };
        let c = SessionCeiling::new(
            &limits(4.0, 0.0),
            &caps,
            machine(0.5, 16.0, 0.1, Some((0.0, 15.0, 0.1))),
        );
        let t = c
            .for_segment(&seg(SegmentKind::Backward, 2.0, 8.0))
            .clamp(2.0, 8.0);
        assert!((t.incline_pct() - 3.0).abs() < 1e-9, "{}", t.incline_pct());
    }

    #[test]
    fn whole_units_never_exceed_the_value_and_keep_decimal_values_whole() {
        for v in [
            0.29999999,
            1.4,
            1.6,
            2.8,
            1.609344,
            5.76,
            3.0,
            0.01,
            2.8 - 1e-9,
        ] {
            let u = units_at_most(v, SPEED_UNITS_PER_KMH).unwrap();
            let back = from_units(u, SPEED_UNITS_PER_KMH);
            assert!(back <= v && v - back < 0.01 + 1e-12, "{v} -> {back}");
        }
        assert_eq!(units_at_most(1.4, 100.0), Some(140));
        assert_eq!(units_at_most(2.8, 100.0), Some(280));
        assert_eq!(units_at_most(-2.45, 10.0), Some(-25));
    }

    #[test]
    fn a_slow_ramp_on_a_coarse_machine_lands_on_its_steps() {
        // 0.5 km/h steps from 1.0: 1.9 becomes 1.5, never 2.0.
        let c = SessionCeiling::new(
            &limits(4.0, 3.0),
            &ClinicianCaps::default(),
            machine(1.0, 2.0, 0.5, Some((0.0, 1.0, 1.0))),
        );
        let l = c.for_segment(&seg(SegmentKind::Backward, 3.0, 2.5));
        assert_eq!(l.clamp(1.9, 0.9).speed_kmh(), 1.5);
        assert_eq!(l.clamp(1.9, 0.9).incline_pct(), 0.0);
        assert_eq!(l.clamp(3.0, 2.5).speed_kmh(), 2.0);
        assert_eq!(l.clamp(3.0, 2.5).incline_pct(), 1.0);
    }
}
