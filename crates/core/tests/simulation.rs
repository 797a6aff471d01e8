//! Issue 12's proof: over a million simulated sessions (random personas, outcomes, gaps,
//! morning checks, clinician caps, pauses and extra walks) every plan and every decision
//! keeps the engine's rules. The random numbers come from a fixed seed, so the run is the
//! same every time and never flakes; `SIM_SEED=n` explores another history, and every
//! check must hold for any seed (the float checks allow the engine's declared precision).
//!
//! Checked on every session:
//! - PRG-02: the planned session keeps the week within 110% of last week in minutes and in
//!   backward distance (the load measure with speed in it), unless it is at the start time,
//!   which is always allowed; counted here from the logs, independently of the engine;
//! - PRG-01: one kind of increase per decision (time, speed, incline or rails), time by at
//!   most 2 min, speed by at most one step, incline by at most 1%, and an increase in time
//!   or speed fits the week's remaining distance;
//! - PRG-05, PRE-09: no incline before three clean sessions at the targets, never above 3%;
//! - ADA-11, SAF-03, PRE-08: every segment of the session plan (warm-up, turns, bouts,
//!   recoveries, cool-down) within the tier's target speed, the clinician's cap and the
//!   backward ceiling; the load within the clinician's time and incline caps;
//! - PRG-06: rails step down only after the tier's run of clean sessions;
//! - ADA-04, ADA-07: no increase after pain above 5/10 (which steps back) or above the
//!   person's baseline, or after any other adverse sign; a morning check never increases.

mod common;
use common::*;
use retrowalk_core::prescription::{session_speed_ceiling, BACKWARD_SPEED_CEILING, MAX_INCLINE};
use retrowalk_core::progression::{rail_step_sessions, PAIN_ACCEPTED_MAX, PAIN_SAFE_MAX};
use retrowalk_core::session::{build_for, SegmentKind};
use retrowalk_core::*;
use std::collections::HashMap;
use time::Date;

const SESSIONS: u64 = 1_000_000;
/// Long histories (about three years each) so people reach their targets, where incline
/// and the last speed steps happen.
const PEOPLE: u64 = 2_000;
/// Relative slack for the distance checks: speeds are kept to a millionth of a km/h.
const EPS: f64 = 1e-5;

/// SplitMix64: small, fast, and the same sequence on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in lo..=hi.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.range(0, xs.len() as u64 - 1) as usize]
    }
}

const DAYS: [&str; 6] = [
    "mon,wed,fri",
    "tue,thu",
    "mon,thu,sat",
    "sat,sun",
    "tue,thu,sun",
    "wed,sat",
];

fn persona(r: &mut Rng) -> Profile {
    let mut p = profile(r.range(16, 100) as u8, r.pick(&Goal::ALL));
    p.knee = r.pick(&KneeCondition::ALL);
    p.knee_pain = Pain::new(r.range(0, 10) as u8).unwrap();
    p.flags = RiskFlags {
        poor_balance_or_falls: r.chance(0.1),
        vestibular_or_dizziness: r.chance(0.05),
        neurological: r.chance(0.05),
        vision_impairment: r.chance(0.05),
    };
    p.backward_walk_test_s = r.chance(0.5).then(|| 1.5 + r.unit() * 6.5);
    p.units = if r.chance(0.5) {
        Units::Kmh
    } else {
        Units::Mph
    };
    p.clearance = true;
    p
}

/// What a clinician may set: only caps `ClinicianCaps::validate` accepts.
fn caps(r: &mut Rng) -> ClinicianCaps {
    let c = ClinicianCaps {
        max_speed: r
            .chance(0.7)
            .then(|| Speed::from_kmh(0.8 + r.unit() * 4.96).unwrap()),
        max_incline: r
            .chance(0.5)
            .then(|| Incline::from_percent((r.unit() * 3.0 * 10.0).floor() / 10.0).unwrap()),
        max_backward_s: r.chance(0.5).then(|| r.range(60, 1500) as u32),
    };
    assert!(c.validate().is_ok(), "{c:?}");
    c
}

/// Minutes and metres completed in each Monday-based week, as the engine should count them.
#[derive(Default)]
struct Weeks {
    s: HashMap<i32, u32>,
    m: HashMap<i32, f64>,
}

impl Weeks {
    fn add(&mut self, date: Date, s: u32, m: f64) {
        let w = prescription::week_index(date);
        *self.s.entry(w).or_default() += s;
        *self.m.entry(w).or_default() += m;
    }
    fn get(&self, w: i32) -> (u32, f64) {
        (
            self.s.get(&w).copied().unwrap_or(0),
            self.m.get(&w).copied().unwrap_or(0.0),
        )
    }
}

#[derive(Default)]
struct Tally {
    sessions: u64,
    progressed: u64,
    speed_ups: u64,
    incline_ups: u64,
    rails_down: u64,
    distance_holds: u64,
    pain_step_backs: u64,
    segments: u64,
}

fn increases(a: &Load, b: &Load) -> [bool; 4] {
    [
        b.backward_s > a.backward_s,
        b.speed.kmh() > a.speed.kmh() + 1e-9,
        b.incline.percent() > a.incline.percent() + 1e-9,
        b.rails < a.rails,
    ]
}

fn within_caps(l: &Load, prog: &Progression, what: &str) {
    let c = prog.caps;
    if let Some(s) = c.max_speed {
        assert!(l.speed.kmh() <= s.kmh() + 1e-9, "{what}: {l:?} over {c:?}");
    }
    if let Some(i) = c.max_incline {
        assert!(
            l.incline.percent() <= i.percent() + 1e-9,
            "{what}: {l:?} over {c:?}"
        );
    }
    if let Some(m) = c.max_backward_s {
        assert!(l.backward_s <= m, "{what}: {l:?} over {c:?}");
    }
    assert!(l.speed <= BACKWARD_SPEED_CEILING, "{what}: {l:?}");
    assert!(
        l.speed.kmh()
            <= prog
                .limits
                .target_speed
                .kmh()
                .max(prog.limits.min_speed.kmh())
                + 1e-9,
        "{what}: {l:?} above the tier's target {:?}",
        prog.limits.target_speed
    );
    assert!(
        l.incline <= MAX_INCLINE && l.incline.percent() >= 0.0,
        "{what}: {l:?}"
    );
    // A clinician's incline cap replaces the tier's (supervised people stay flat unless
    // their clinician raises it), within PRE-09's 3%.
    let max_incline = c.max_incline.unwrap_or(prog.limits.max_incline);
    assert!(l.incline <= max_incline, "{what}: {l:?} (caps {c:?})");
    assert!(l.rails >= prog.limits.rail_floor, "{what}: {l:?}");
}

fn simulate(seed: u64) -> Tally {
    let mut r = Rng(seed);
    let mut t = Tally::default();
    let per_person = SESSIONS / PEOPLE;
    for _ in 0..PEOPLE {
        let p = persona(&mut r);
        let s = screen(&p);
        let schedule = Schedule::parse(r.pick(&DAYS)).unwrap();
        let n = schedule.sessions_per_week();
        let mut prog = Progression::new(&p, &s, schedule.clone(), date0()).unwrap();
        // A few people never do anything wrong: their weeks are the plain cap check.
        let perfect = r.chance(0.1);
        let mut weeks = Weeks::default();
        let mut date = date0();
        let mut stable_run = 0u32;
        let mut rail_clean = 0u8;
        let mut last: Option<Date> = None;
        let mut logged = 0;
        while logged < per_person {
            date = if perfect {
                // Every training day, as planned.
                schedule.next_on_or_after(dates::add_days(date, 1))
            } else if r.chance(0.9) {
                dates::add_days(date, r.range(1, 4) as i64)
            } else {
                dates::add_days(date, r.range(5, 50) as i64)
            };
            if !perfect && r.chance(0.02) {
                let c = caps(&mut r);
                let d = prog.apply(&Event::CapsSet { caps: c }).unwrap();
                within_caps(&d.next, &prog, "caps set");
            }
            if !perfect && r.chance(0.003) {
                prog.apply(&Event::Paused {
                    date,
                    by_clinician: true,
                });
            }
            let planned = match prog.plan_for(date) {
                Ok(pl) => pl,
                Err(_) => {
                    prog.apply(&Event::Resumed { date });
                    continue;
                }
            };
            let base = planned.load;
            within_caps(&base, &prog, "plan");
            if last.is_some_and(|l| (date - l).whole_days() > 10) {
                // PRG-06: the rails earned before a break are earned again.
                rail_clean = 0;
            }
            last = Some(date);

            // PRG-02: this week, with the sessions left at this load, within both caps.
            let w = prescription::week_index(date);
            let (done_s, done_m) = weeks.get(w);
            let (prev_s, prev_m) = weeks.get(w - 1);
            let left = if schedule.is_training_day(date) {
                schedule.remaining_in_week(date)
            } else {
                schedule.remaining_in_week(date) + 1
            }
            .max(1);
            let floor_s = prog.start.backward_s * n;
            let floor_m = floor_s as f64 * prog.start.speed.mps();
            let allowed_s = (1.1 * prev_s.max(floor_s) as f64).floor() as u32;
            let allowed_m = 1.1 * prev_m.max(floor_m);
            let at_start = base.backward_s <= prog.start.backward_s;
            assert!(
                at_start || done_s + left * base.backward_s <= allowed_s,
                "minutes: {done_s} s done + {left} x {base:?} > {allowed_s} s"
            );
            let session_m = base.backward_s as f64 * base.speed.mps();
            assert!(
                at_start || done_m + left as f64 * session_m <= allowed_m * (1.0 + EPS),
                "distance: {done_m} m done + {left} x {session_m} m > {allowed_m} m ({base:?})"
            );

            // ADA-11, SAF-03: every segment of what is shown, spoken and run.
            let ceiling = session_speed_ceiling(&prog.limits, &prog.caps);
            let plan = build_for(
                &base,
                prog.tier,
                s.requirements,
                p.units,
                p.body_mass,
                ceiling,
                p.knee,
            );
            for seg in &plan.segments {
                t.segments += 1;
                assert!(
                    seg.speed.kmh() <= ceiling.kmh() + 1e-9,
                    "{}: {:?} over {ceiling:?}",
                    seg.label,
                    seg.speed
                );
                if let Some(c) = prog.caps.max_speed {
                    assert!(seg.speed.kmh() <= c.kmh() + 1e-9, "{}", seg.label);
                }
                if seg.kind == SegmentKind::Backward {
                    assert_eq!(seg.incline, base.incline);
                    assert_eq!(seg.speed, base.speed.min(ceiling));
                } else {
                    assert_eq!(seg.incline, Incline::FLAT, "{}", seg.label);
                }
            }
            assert_eq!(plan.backward_s(), base.backward_s);

            // The session, as it went.
            let good = perfect || r.chance(0.85);
            let usual = p.knee_pain.value();
            let pain_before = if good {
                usual.min(r.range(0, 10) as u8)
            } else {
                r.range(0, 10) as u8
            };
            let pain = |r: &mut Rng| -> u8 {
                if good {
                    r.range(0, pain_before.max(PAIN_SAFE_MAX) as u64) as u8
                } else {
                    // Mostly within the accepted zone; now and then above it.
                    let top = if r.chance(0.7) { 5 } else { 10 };
                    r.range(0, top) as u8
                }
            };
            let (during, after) = (pain(&mut r), pain(&mut r));
            let log = SessionLog {
                date,
                backward_s: if good || r.chance(0.7) {
                    base.backward_s
                } else {
                    (base.backward_s as f64 * r.unit()) as u32
                },
                effort: Effort::new(if good { r.range(0, 5) } else { r.range(0, 10) } as u8)
                    .unwrap(),
                pain_before: Pain::new(pain_before).unwrap(),
                pain_during: Pain::new(during).unwrap(),
                pain_after: Pain::new(after).unwrap(),
                dizziness: !good && r.chance(0.1),
                near_fall: !good && r.chance(0.06),
                fall: !good && r.chance(0.01),
                rails_used: if good {
                    base.rails
                } else {
                    r.pick(&[RailUse::None, RailUse::Light, RailUse::Full])
                },
                stopped_early: (!good && r.chance(0.1)).then(|| r.pick(&StopReason::ALL)),
                extra: !perfect && r.chance(0.03),
            };
            weeks.add(
                date,
                log.backward_s,
                log.backward_s as f64 * base.speed.mps(),
            );
            let lim = prog.limits;
            let c = prog.caps;
            let max_s = c
                .max_backward_s
                .map_or(lim.target_backward_s, |m| m.min(lim.target_backward_s));
            let max_speed = c
                .max_speed
                .map_or(lim.target_speed, |m| m.min(lim.target_speed));
            let at_target = base.backward_s >= max_s && base.speed.kmh() + 1e-9 >= max_speed.kmh();

            // An extra walk that went well keeps the stored plan (PRG-08), which may be longer
            // than today's when a break or the cap shortened today: compare it with that.
            let stored = prog.next;
            let d = prog.apply(&Event::Session(log)).unwrap();
            t.sessions += 1;
            logged += 1;
            let next = d.next;
            within_caps(&next, &prog, "decision");
            let from = if d.why == Why::Extra { stored } else { base };
            let [time_up, speed_up, incline_up, rails_down] = increases(&from, &next);
            let ups = [time_up, speed_up, incline_up, rails_down];

            // PRG-01: one kind of increase, each within its step.
            let says = || format!("{from:?} -> {d:?} after {log:?}");
            assert!(ups.iter().filter(|x| **x).count() <= 1, "{}", says());
            assert!(next.backward_s <= from.backward_s + 120, "{}", says());
            assert!(
                next.speed.kmh() <= from.speed.kmh() + p.units.speed_step().kmh() + 1e-6,
                "{}",
                says()
            );
            assert!(
                next.incline.percent() <= from.incline.percent() + 1.0 + 1e-9,
                "{}",
                says()
            );
            if ups.iter().any(|x| *x) {
                t.progressed += 1;
                assert_eq!(d.outcome, Outcome::Progress, "{from:?} -> {d:?}");
            }
            // PRG-02: an increase in time or speed fits the week's remaining distance.
            let next_date = schedule.next_on_or_after(dates::add_days(date, 1));
            if time_up || speed_up {
                let m = next.backward_s as f64 * next.speed.mps();
                assert!(
                    m <= prog.weekly_max_session_m(next_date) * (1.0 + EPS),
                    "{m} m: {base:?} -> {next:?}"
                );
            }
            if time_up {
                assert!(next.backward_s <= prog.weekly_max_session_s(next_date));
            }
            t.speed_ups += speed_up as u64;
            t.distance_holds += matches!(d.why, Why::WeeklyDistanceCap { .. }) as u64;

            // ADA-04, ADA-07: pain against the person's baseline.
            let worst = during.max(after);
            let pain_ok = worst <= PAIN_ACCEPTED_MAX && worst <= usual.min(pain_before).max(2);
            if worst > PAIN_ACCEPTED_MAX {
                assert!(
                    matches!(d.outcome, Outcome::StepBack | Outcome::Paused),
                    "pain {worst}: {d:?}"
                );
                t.pain_step_backs += 1;
            }
            let completed = log.backward_s + 30 >= base.backward_s;
            let adverse = log.dizziness
                || log.near_fall
                || log.fall
                || log.stopped_early.is_some()
                || !pain_ok
                || log.effort.value() >= 6;
            if adverse || log.extra {
                assert!(!ups.iter().any(|x| *x), "increase after {log:?}: {d:?}");
            }

            // PRG-06: rails down only after the tier's clean run, counted at one level.
            let clean = !adverse && completed && !log.extra;
            if log.rails_used > base.rails {
                rail_clean = 0;
            }
            rail_clean = if clean {
                rail_clean.saturating_add(1)
            } else {
                0
            };
            if next.rails < base.rails.max(log.rails_used) {
                assert!(
                    rail_clean >= rail_step_sessions(prog.tier),
                    "rails down after {rail_clean} clean sessions ({:?})",
                    prog.tier
                );
                t.rails_down += 1;
                rail_clean = 0;
            }

            // PRG-05: incline after three clean sessions at the targets, alone, never > 3%.
            let clean_at_target = clean && at_target && base.rails <= RailUse::Light;
            // Three in a row: anything else, an extra walk too, breaks the run.
            if clean_at_target {
                stable_run += 1;
            } else {
                stable_run = 0;
            }
            if incline_up {
                assert!(
                    stable_run >= 3,
                    "incline after {stable_run} stable sessions"
                );
                assert!(next.incline <= MAX_INCLINE);
                t.incline_ups += 1;
                stable_run = 0;
            }

            // ADA-05, ADA-06: a morning check can only hold or step back.
            if r.chance(0.3) {
                let before = prog.next;
                let morning = Pain::new(r.range(0, 10) as u8).unwrap();
                if let Some(md) = prog.apply(&Event::MorningPain {
                    session_date: date,
                    pain: morning,
                }) {
                    assert!(
                        !increases(&before, &md.next).iter().any(|x| *x),
                        "morning check increased {before:?} -> {:?}",
                        md.next
                    );
                    within_caps(&md.next, &prog, "morning");
                    stable_run = 0;
                    rail_clean = 0;
                }
            }
        }
        if perfect {
            // A compliant history: every week within 110% of the last, minutes and metres.
            let mut ws: Vec<i32> = weeks.s.keys().copied().collect();
            ws.sort_unstable();
            let floor_s = prog.start.backward_s * n;
            let floor_m = floor_s as f64 * prog.start.speed.mps();
            for w in ws {
                let (s_now, m_now) = weeks.get(w);
                let (s_prev, m_prev) = weeks.get(w - 1);
                if prog.caps.is_empty() {
                    assert!(s_now as f64 <= 1.1 * s_prev.max(floor_s) as f64);
                    assert!(m_now <= 1.1 * m_prev.max(floor_m) * (1.0 + EPS));
                }
            }
        }
    }
    t
}

#[test]
fn a_million_sessions_keep_every_rule() {
    let seed = std::env::var("SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_2026_1204);
    let started = std::time::Instant::now();
    let t = simulate(seed);
    let took = started.elapsed();
    eprintln!(
        "seed {seed}: {} sessions, {} segments in {took:.1?}; {} increases ({} speed, {} incline, {} rails), {} distance-cap holds, {} pain step-backs",
        t.sessions,
        t.segments,
        t.progressed,
        t.speed_ups,
        t.incline_ups,
        t.rails_down,
        t.distance_holds,
        t.pain_step_backs
    );
    // The run is only proof if it walked the paths it checks.
    assert_eq!(t.sessions, SESSIONS);
    // (Incline is the rarest: some 130-200 steps a run, after a long clean run at target.)
    for (what, n, least) in [
        ("increases", t.progressed, 10_000),
        ("speed steps", t.speed_ups, 1_000),
        ("incline steps", t.incline_ups, 20),
        ("rails stepping down", t.rails_down, 1_000),
        ("distance-cap holds", t.distance_holds, 1_000),
        ("pain step-backs", t.pain_step_backs, 1_000),
    ] {
        assert!(n >= least, "only {n} {what}");
    }
}
