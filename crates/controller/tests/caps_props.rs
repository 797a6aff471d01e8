//! The caps invariant, over arbitrary prescriptions, clinician caps, machines, segments and
//! requests: no [`SafeTarget`] is ever faster or steeper than any of the segment, the
//! prescription (as `prescription::capped` defines it), the clinician's caps, the absolute
//! ceilings or the machine's range, and what goes on the wire decodes to no more either.
//! Then the same over whole sessions: every set-speed and set-incline the controller
//! writes is checked against the caps.

mod common;

use common::{Fake, Quirks};
use proptest::prelude::*;
use retrowalk_controller::{Config, MemorySink, SessionCeiling, SessionController};
use retrowalk_core::energy::Energy;
use retrowalk_core::prescription::{BACKWARD_SPEED_CEILING, MAX_INCLINE};
use retrowalk_core::session::{Segment, SegmentKind};
use retrowalk_core::{ClinicianCaps, Incline, Limits, RailUse, Speed};
use retrowalk_ftms::codec::{decode_request, encode_request};
use retrowalk_ftms::{Capabilities, ControlRequest, Range};

/// Float noise allowed when comparing against a cap: none. Every cap is compared exactly.
fn speed_caps(limits: &Limits, caps: &ClinicianCaps, machine: &Capabilities, seg: &Segment) -> f64 {
    let mut c = limits
        .target_speed
        .max(limits.min_speed)
        .min(BACKWARD_SPEED_CEILING)
        .kmh();
    if let Some(s) = caps.max_speed {
        c = c.min(s.kmh());
    }
    let seg_speed = if seg.kind == SegmentKind::StandStill {
        0.0
    } else {
        seg.speed.kmh()
    };
    c.min(machine.speed.max).min(seg_speed)
}

fn incline_cap(
    limits: &Limits,
    caps: &ClinicianCaps,
    machine: &Capabilities,
    seg: &Segment,
) -> f64 {
    let c = match caps.max_incline {
        Some(i) => i.min(MAX_INCLINE).percent(),
        None => limits.max_incline.min(MAX_INCLINE).percent(),
    };
    let m = machine.incline.map_or(f64::NEG_INFINITY, |r| r.max);
    c.min(m).min(seg.incline.percent())
}

fn kind() -> impl Strategy<Value = SegmentKind> {
    prop_oneof![
        Just(SegmentKind::WarmUp),
        Just(SegmentKind::Turn),
        Just(SegmentKind::Backward),
        Just(SegmentKind::ForwardRecovery),
        Just(SegmentKind::CoolDown),
        Just(SegmentKind::StandStill),
    ]
}

fn segment() -> impl Strategy<Value = Segment> {
    (kind(), 0.0..12.0f64, -2.0..8.0f64, 5u32..90).prop_map(|(kind, kmh, pct, d)| Segment {
        kind,
        label: format!("{kind:?}"),
        duration_s: d,
        speed: Speed::from_kmh(kmh).unwrap(),
        incline: Incline::from_percent(pct).unwrap(),
        rails: RailUse::Light,
        cues: vec![],
        energy: Energy::default(),
    })
}

fn limits() -> impl Strategy<Value = Limits> {
    (0.3..8.0f64, 0.0..5.0f64, 0.3..1.5f64).prop_map(|(target, incline, min)| Limits {
        target_backward_s: 900,
        target_speed: Speed::from_kmh(target).unwrap(),
        max_incline: Incline::from_percent(incline).unwrap(),
        rail_floor: RailUse::None,
        min_speed: Speed::from_kmh(min).unwrap(),
        speed_step: Speed::from_kmh(0.8).unwrap(),
        usual_pain: Default::default(),
    })
}

fn clinician() -> impl Strategy<Value = ClinicianCaps> {
    (
        proptest::option::of(0.0..8.0f64),
        proptest::option::of(0.0..12.0f64),
    )
        .prop_map(|(s, i)| ClinicianCaps {
            max_speed: s.map(|v| Speed::from_kmh(v).unwrap()),
            max_incline: i.map(|v| Incline::from_percent(v).unwrap()),
            max_backward_s: None,
        })
}

/// Machines as they come off the wire: ranges in 0.01 km/h and 0.1 %, steps from none to
/// coarse, with or without incline, and some nonsense (a maximum below the minimum).
fn machine() -> impl Strategy<Value = Capabilities> {
    (
        0u32..300,
        0u32..2500,
        0u32..100,
        proptest::option::of((-50i32..30, 0i32..200, 0u32..20)),
    )
        .prop_map(|(min, max, step, incline)| Capabilities {
            speed: Range {
                min: f64::from(min) / 100.0,
                max: f64::from(max) / 100.0,
                step: f64::from(step) / 100.0,
            },
            incline: incline.map(|(min, max, step)| Range {
                min: f64::from(min) / 10.0,
                max: f64::from(max) / 10.0,
                step: f64::from(step) / 10.0,
            }),
            speed_target_supported: true,
            incline_target_supported: incline.is_some(),
        })
}

fn request() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -1.0..20.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(f64::MAX),
    ]
}

/// What a machine would read from the bytes of a request.
fn on_the_wire(r: ControlRequest) -> ControlRequest {
    decode_request(&encode_request(&r).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_safe_target_exceeds_any_cap(
        l in limits(),
        c in clinician(),
        m in machine(),
        seg in segment(),
        want_speed in request(),
        want_incline in request(),
    ) {
        let t = SessionCeiling::new(&l, &c, m).for_segment(&seg).clamp(want_speed, want_incline);
        let speed_cap = speed_caps(&l, &c, &m, &seg);
        let s = t.speed_kmh();
        prop_assert!(s.is_finite() && s >= 0.0, "speed {s}");
        prop_assert!(s <= speed_cap, "speed {s} above the caps' {speed_cap}");
        if want_speed.is_finite() {
            prop_assert!(s <= want_speed.max(0.0), "speed {s} above the request {want_speed}");
        }
        match t.speed_command() {
            Some(cmd) => {
                prop_assert!(s >= m.speed.min - 1e-9, "{s} below the machine's minimum");
                let ControlRequest::SetTargetSpeed { kmh } = on_the_wire(cmd.request()) else {
                    panic!("a speed command that is not a set-speed");
                };
                prop_assert!(kmh <= speed_cap, "{kmh} on the wire above the caps' {speed_cap}");
            }
            None => prop_assert_eq!(s, 0.0),
        }
        let i = t.incline_pct();
        match t.incline_command() {
            Some(cmd) => {
                let cap = incline_cap(&l, &c, &m, &seg).max(0.0);
                prop_assert!((0.0..=cap).contains(&i), "incline {i} outside 0..={cap}");
                if want_incline.is_finite() {
                    prop_assert!(i <= want_incline.max(0.0));
                }
                let ControlRequest::SetTargetInclination { percent } = on_the_wire(cmd.request()) else {
                    panic!("an incline command that is not a set-incline");
                };
                prop_assert!((0.0..=cap).contains(&percent), "{percent} on the wire");
                prop_assert!(m.incline.is_some_and(|r| percent >= r.min - 1e-9));
            }
            None => prop_assert_eq!(i, 0.0),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whole sessions on the scripted machine: every write within every cap of the segment
    /// it was written in (or the one before, for the write that halts at a boundary).
    #[test]
    fn a_session_never_commands_beyond_the_caps(
        l in limits(),
        c in clinician(),
        segs in proptest::collection::vec(segment(), 1..6),
        inclined in any::<bool>(),
    ) {
        let m = Capabilities {
            speed: Range { min: 0.5, max: 12.0, step: 0.1 },
            incline: inclined.then_some(Range { min: 0.0, max: 10.0, step: 0.5 }),
            speed_target_supported: true,
            incline_target_supported: inclined,
        };
        // The highest any segment allows: no write may go above it.
        let speed_cap = segs.iter().map(|s| speed_caps(&l, &c, &m, s)).fold(0.0, f64::max);
        let incline_cap = segs.iter().map(|s| incline_cap(&l, &c, &m, s)).fold(0.0, f64::max);
        let mut plan = common::plan(300, 2.0, 0.0);
        plan.segments = segs;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let fake = rt.block_on(async {
            let fake = Fake::new(m, Quirks::default());
            let h = SessionController::new(
                fake.clone(),
                plan,
                &l,
                &c,
                Box::new(MemorySink::new()),
                Config { heartbeat_timeout: None, ..Config::default() },
            )
            .spawn()
            .unwrap();
            h.finish().await;
            fake
        });
        for s in fake.set_speeds() {
            prop_assert!(s <= speed_cap && s >= 0.5, "set-speed {s}, cap {speed_cap}");
        }
        for i in fake.set_inclines() {
            prop_assert!(inclined && (0.0..=incline_cap).contains(&i), "set-incline {i}, cap {incline_cap}");
        }
        prop_assert_eq!(fake.requests().last().copied(), Some(ControlRequest::Stop));
    }
}
