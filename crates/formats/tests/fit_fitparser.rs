//! Our FIT files decoded by an independent decoder, the `fitparser` crate: every
//! record, lap and session value it reports equals what we wrote, within the FIT scale.

mod common;

use common::{activity, close, M, MPS, S};
use fitparser::profile::MesgNum;
use fitparser::{FitDataRecord, Value};
use proptest::prelude::*;
use retrowalk_formats::fit::{self, EncodeOptions, Intensity, LapTrigger};
use std::collections::HashMap;

fn fields(r: &FitDataRecord) -> HashMap<&str, &Value> {
    r.fields().iter().map(|f| (f.name(), f.value())).collect()
}

fn num(m: &HashMap<&str, &Value>, name: &str) -> Option<f64> {
    m.get(name).and_then(|v| (*v).clone().try_into().ok())
}

fn int(m: &HashMap<&str, &Value>, name: &str) -> Option<i64> {
    m.get(name).and_then(|v| (*v).try_into().ok())
}

fn text<'a>(m: &HashMap<&str, &'a Value>, name: &str) -> Option<&'a str> {
    match m.get(name) {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    }
}

fn intensity_name(i: Intensity) -> &'static str {
    match i {
        Intensity::Active => "active",
        Intensity::Rest => "rest",
        Intensity::Warmup => "warmup",
        Intensity::Cooldown => "cooldown",
        Intensity::Recovery => "recovery",
        _ => "other",
    }
}

fn trigger_name(t: LapTrigger) -> &'static str {
    match t {
        LapTrigger::Time => "time",
        LapTrigger::SessionEnd => "session_end",
        LapTrigger::Manual => "manual",
        _ => "other",
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn fitparser_reads_what_we_wrote(a in activity(), big_endian: bool, compressed: bool) {
        let opts = EncodeOptions { big_endian, compressed_timestamps: compressed };
        let bytes = fit::encode(&a, opts).unwrap();
        let parsed = fitparser::from_bytes(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let of = |k: MesgNum| parsed.iter().filter(move |r| r.kind() == k).map(fields);

        let ids: Vec<_> = of(MesgNum::FileId).collect();
        prop_assert_eq!(ids.len(), 1);
        prop_assert_eq!(text(&ids[0], "type"), Some("activity"));
        prop_assert_eq!(text(&ids[0], "manufacturer"), Some("development"));
        prop_assert_eq!(int(&ids[0], "time_created"), a.creator.time_created);
        prop_assert_eq!(of(MesgNum::DeviceInfo).count(), 1);
        let events: Vec<_> = of(MesgNum::Event).collect();
        prop_assert_eq!(events.len(), 2);
        prop_assert_eq!(text(&events[0], "event_type"), Some("start"));
        prop_assert_eq!(text(&events[1], "event_type"), Some("stop_all"));

        let records: Vec<_> = of(MesgNum::Record).collect();
        prop_assert_eq!(records.len(), a.records.len());
        for (w, r) in a.records.iter().zip(&records) {
            prop_assert_eq!(int(r, "timestamp"), Some(w.time));
            close("distance", w.distance_m, num(r, "distance"), M)?;
            close("enhanced_speed", w.speed_mps, num(r, "enhanced_speed"), MPS)?;
            close("grade", w.grade_pct, num(r, "grade"), M)?;
            prop_assert_eq!(int(r, "heart_rate"), w.heart_rate.map(i64::from));
        }

        let laps: Vec<_> = of(MesgNum::Lap).collect();
        prop_assert_eq!(laps.len(), a.laps.len());
        for (i, (w, r)) in a.laps.iter().zip(&laps).enumerate() {
            prop_assert_eq!(int(r, "message_index"), Some(i as i64));
            prop_assert_eq!(int(r, "start_time"), Some(w.start));
            prop_assert_eq!(int(r, "timestamp"), Some(w.end));
            close("total_elapsed_time", w.elapsed_s, num(r, "total_elapsed_time"), S)?;
            close("total_timer_time", w.timer_s, num(r, "total_timer_time"), S)?;
            close("total_distance", w.distance_m, num(r, "total_distance"), M)?;
            close("enhanced_avg_speed", w.avg_speed_mps, num(r, "enhanced_avg_speed"), MPS)?;
            close("enhanced_max_speed", w.max_speed_mps, num(r, "enhanced_max_speed"), MPS)?;
            prop_assert_eq!(int(r, "total_calories"), w.calories.map(i64::from));
            prop_assert_eq!(int(r, "avg_heart_rate"), w.avg_heart_rate.map(i64::from));
            prop_assert_eq!(int(r, "max_heart_rate"), w.max_heart_rate.map(i64::from));
            prop_assert_eq!(text(r, "intensity"), w.intensity.map(intensity_name));
            prop_assert_eq!(text(r, "lap_trigger"), w.trigger.map(trigger_name));
            prop_assert_eq!(int(r, "wkt_step_index"), w.step_index.map(i64::from));
            prop_assert_eq!(text(r, "sport"), Some("walking"));
            prop_assert_eq!(text(r, "sub_sport"), Some("treadmill"));
            // An all-zero string is FIT's "no value"; fitparser shows it as "".
            prop_assert_eq!(text(r, "segment").filter(|s| !s.is_empty()), w.segment.as_deref());
        }

        let sessions: Vec<_> = of(MesgNum::Session).collect();
        prop_assert_eq!(sessions.len(), 1);
        let (w, r) = (a.session.as_ref().unwrap(), &sessions[0]);
        prop_assert_eq!(int(r, "start_time"), Some(w.start));
        prop_assert_eq!(int(r, "timestamp"), Some(w.end));
        prop_assert_eq!(text(r, "sport"), Some("walking"));
        prop_assert_eq!(text(r, "sub_sport"), Some("treadmill"));
        close("total_elapsed_time", w.elapsed_s, num(r, "total_elapsed_time"), S)?;
        close("total_timer_time", w.timer_s, num(r, "total_timer_time"), S)?;
        close("total_distance", w.distance_m, num(r, "total_distance"), M)?;
        close("enhanced_avg_speed", w.avg_speed_mps, num(r, "enhanced_avg_speed"), MPS)?;
        close("enhanced_max_speed", w.max_speed_mps, num(r, "enhanced_max_speed"), MPS)?;
        prop_assert_eq!(int(r, "total_calories"), w.calories.map(i64::from));
        prop_assert_eq!(int(r, "avg_heart_rate"), w.avg_heart_rate.map(i64::from));
        prop_assert_eq!(int(r, "max_heart_rate"), w.max_heart_rate.map(i64::from));
        prop_assert_eq!(int(r, "num_laps"), w.num_laps.map(i64::from));

        let acts: Vec<_> = of(MesgNum::Activity).collect();
        prop_assert_eq!(acts.len(), 1);
        prop_assert_eq!(int(&acts[0], "num_sessions"), Some(1));
        close("activity timer", w.timer_s, num(&acts[0], "total_timer_time"), S)?;
    }
}
