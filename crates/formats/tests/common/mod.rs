//! Generated activities and a value-by-value comparison, shared by the FIT tests.
#![allow(dead_code)]

use proptest::prelude::*;
use retrowalk_formats::fit::{
    summarise, Activity, Creator, Intensity, Lap, LapTrigger, Record, FIT_EPOCH_UNIX,
};

pub fn close(what: &str, a: Option<f64>, b: Option<f64>, tol: f64) -> Result<(), TestCaseError> {
    match (a, b) {
        (None, None) => Ok(()),
        (Some(x), Some(y)) if (x - y).abs() <= tol => Ok(()),
        _ => Err(TestCaseError::fail(format!(
            "{what}: wrote {a:?}, read {b:?}"
        ))),
    }
}

/// Half a unit of each field's scale, plus float slack.
pub const M: f64 = 0.005 + 1e-9;
pub const MPS: f64 = 0.0005 + 1e-9;
pub const S: f64 = 0.0005 + 1e-9;

pub fn assert_same(w: &Activity, r: &Activity) -> Result<(), TestCaseError> {
    prop_assert_eq!(&w.creator, &r.creator);
    prop_assert_eq!(w.records.len(), r.records.len());
    for (a, b) in w.records.iter().zip(&r.records) {
        prop_assert_eq!(a.time, b.time);
        close("record distance", a.distance_m, b.distance_m, M)?;
        close("record speed", a.speed_mps, b.speed_mps, MPS)?;
        close("record grade", a.grade_pct, b.grade_pct, M)?;
        prop_assert_eq!(a.heart_rate, b.heart_rate);
    }
    prop_assert_eq!(w.laps.len(), r.laps.len());
    for (a, b) in w.laps.iter().zip(&r.laps) {
        prop_assert_eq!(a.start, b.start);
        prop_assert_eq!(a.end, b.end);
        close("lap elapsed", a.elapsed_s, b.elapsed_s, S)?;
        close("lap timer", a.timer_s, b.timer_s, S)?;
        close("lap distance", a.distance_m, b.distance_m, M)?;
        close("lap avg speed", a.avg_speed_mps, b.avg_speed_mps, MPS)?;
        close("lap max speed", a.max_speed_mps, b.max_speed_mps, MPS)?;
        prop_assert_eq!(a.calories, b.calories);
        prop_assert_eq!(a.avg_heart_rate, b.avg_heart_rate);
        prop_assert_eq!(a.max_heart_rate, b.max_heart_rate);
        prop_assert_eq!(a.intensity, b.intensity);
        prop_assert_eq!(a.trigger, b.trigger);
        prop_assert_eq!(a.step_index, b.step_index);
        prop_assert_eq!(&a.segment, &b.segment);
    }
    let (a, b) = (w.session.as_ref().unwrap(), r.session.as_ref().unwrap());
    prop_assert_eq!(a.start, b.start);
    prop_assert_eq!(a.end, b.end);
    close("session elapsed", a.elapsed_s, b.elapsed_s, S)?;
    close("session timer", a.timer_s, b.timer_s, S)?;
    close("session distance", a.distance_m, b.distance_m, M)?;
    close("session avg speed", a.avg_speed_mps, b.avg_speed_mps, MPS)?;
    close("session max speed", a.max_speed_mps, b.max_speed_mps, MPS)?;
    prop_assert_eq!(a.calories, b.calories);
    prop_assert_eq!(a.avg_heart_rate, b.avg_heart_rate);
    prop_assert_eq!(a.max_heart_rate, b.max_heart_rate);
    prop_assert_eq!(a.sport, b.sport);
    prop_assert_eq!(a.sub_sport, b.sub_sport);
    prop_assert_eq!(a.num_laps, b.num_laps);
    prop_assert_eq!(r.sessions_seen, 1);
    Ok(())
}

fn intensity() -> impl Strategy<Value = Option<Intensity>> {
    prop_oneof![
        Just(None),
        Just(Some(Intensity::Active)),
        Just(Some(Intensity::Warmup)),
        Just(Some(Intensity::Cooldown)),
        Just(Some(Intensity::Recovery)),
        Just(Some(Intensity::Rest)),
    ]
}

prop_compose! {
    fn sample()(gap in prop_oneof![8 => Just(1i64), 1 => 2i64..100],
                speed in proptest::option::weighted(0.95, 0.0f64..4.0),
                step in 0.0f64..4.0,
                hr in proptest::option::of(30u8..=220),
                grade in proptest::option::of(-5.0f64..20.0)) -> (i64, Option<f64>, f64, Option<u8>, Option<f64>) {
        (gap, speed, step, hr, grade)
    }
}

prop_compose! {
    fn lap_extra()(intensity in intensity(),
                   trigger in prop_oneof![Just(None), Just(Some(LapTrigger::Time)), Just(Some(LapTrigger::SessionEnd))],
                   calories in proptest::option::of(0u16..2000),
                   segment in proptest::option::of("[a-z_]{1,23}"),
                   avg_hr in proptest::option::of(40u8..200),
                   step in proptest::option::of(0u16..100))
                   -> (Option<Intensity>, Option<LapTrigger>, Option<u16>, Option<String>, Option<u8>, Option<u16>) {
        (intensity, trigger, calories, segment, avg_hr, step)
    }
}

prop_compose! {
    pub fn activity()(start in (FIT_EPOCH_UNIX + 100_000_000)..(FIT_EPOCH_UNIX + 1_500_000_000),
                      samples in proptest::collection::vec(sample(), 0..200),
                      cuts in proptest::collection::vec(0usize..200, 0..6),
                      extras in proptest::collection::vec(lap_extra(), 7),
                      serial in 1u32..u32::MAX) -> Activity {
        let mut records = Vec::new();
        let (mut t, mut d) = (start, 0.0);
        for (gap, speed, step, hr, grade) in samples {
            t += gap;
            d += step;
            records.push(Record { time: t, distance_m: Some(d), speed_mps: speed, heart_rate: hr, grade_pct: grade });
        }
        let end = records.last().map_or(start + 60, |r| r.time);
        let mut bounds: Vec<i64> = cuts.iter().map(|c| start + (*c as i64 * (end - start)) / 200).collect();
        bounds.push(start);
        bounds.push(end);
        bounds.sort();
        bounds.dedup();
        let laps = bounds.windows(2).zip(extras).map(|(w, (intensity, trigger, calories, segment, avg_hr, step))| {
            let dur = (w[1] - w[0]) as f64;
            let dist = records.iter().filter(|r| r.time > w[0] && r.time <= w[1]).count() as f64 * 1.234;
            Lap {
                start: w[0],
                end: w[1],
                elapsed_s: Some(dur),
                timer_s: Some(dur - 0.25),
                distance_m: Some(dist),
                avg_speed_mps: (dur > 0.0).then(|| dist / dur),
                max_speed_mps: Some(3.9),
                calories,
                avg_heart_rate: avg_hr,
                max_heart_rate: avg_hr.map(|h| h + 10),
                intensity,
                trigger,
                step_index: step,
                segment,
            }
        }).collect::<Vec<_>>();
        let session = summarise(&laps, &records);
        Activity {
            creator: Creator {
                manufacturer: Some(255),
                product: Some(1),
                serial: Some(serial),
                product_name: Some("retrowalk".into()),
                time_created: Some(start),
                file_type: Some(4),
            },
            records,
            laps,
            session: Some(session),
            sessions_seen: 1,
            utc_offset_s: None,
        }
    }
}
