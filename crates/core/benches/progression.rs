//! Simulated session-steps per second: one step = plan the day's session, log it, and let
//! the engine decide the next one. Target: ≥ 1,000,000 per second on one core.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use retrowalk_core::*;
use time::macros::date;

const STEPS: u64 = 10_000;

fn persona() -> Profile {
    Profile {
        knee: KneeCondition::Osteoarthritis,
        knee_pain: Pain::new(2).unwrap(),
        ..Profile::new(
            "Bench",
            Age::new(58).unwrap(),
            BodyMass::from_kg(80.0).unwrap(),
            Goal::KneeRehab,
        )
    }
}

fn simulate(prog: &Progression, days: &[time::Date]) -> u32 {
    let mut p = prog.clone();
    let mut total = 0;
    for (i, &d) in days.iter().enumerate() {
        let Ok(planned) = p.plan_for(d) else { break };
        let mut log = SessionLog::clean(d, &planned.load);
        // A mix of outcomes so every branch of the engine is exercised.
        match i % 11 {
            3 => log.pain_during = Pain::new(4).unwrap(),
            7 => log.effort = Effort::new(7).unwrap(),
            9 => log.pain_after = Pain::new(6).unwrap(),
            _ => {}
        }
        if let Some(dec) = p.apply(&Event::Session(log)) {
            total += dec.next.backward_s;
        }
    }
    total
}

fn bench(c: &mut Criterion) {
    let p = persona();
    let s = screen(&p);
    let prog = Progression::new(
        &p,
        &s,
        Schedule::parse("mon,wed,fri").unwrap(),
        date!(2026 - 01 - 05),
    )
    .unwrap();
    let weeks = (STEPS / 3 + 1) as u32;
    let days: Vec<time::Date> = prog
        .schedule
        .dates(date!(2026 - 01 - 05), weeks)
        .into_iter()
        .take(STEPS as usize)
        .collect();
    let mut g = c.benchmark_group("progression");
    g.throughput(Throughput::Elements(days.len() as u64));
    g.bench_function("session_steps", |b| {
        b.iter(|| simulate(black_box(&prog), black_box(&days)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
