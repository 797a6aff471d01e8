//! A made-up treadmill walk with 1 Hz records, for benchmarks, fixtures and checks: a
//! warm-up, backward bouts split by turns and forward recovery, and a cool-down, with a
//! heart rate that drifts up while walking backward.

use super::{summarise, Activity, Creator, Intensity, Lap, LapTrigger, Record};

/// `seconds` of walking starting at Unix time `start`, in laps of at most `lap_s`.
pub fn treadmill_walk(start: i64, seconds: u32, lap_s: u32) -> Activity {
    let lap_s = lap_s.max(1);
    let mut records = Vec::with_capacity(seconds as usize + 1);
    let mut laps = Vec::new();
    let mut distance = 0.0;
    let mut lap_start = 0u32;
    let mut index = 0u16;
    while lap_start < seconds {
        let len = lap_s.min(seconds - lap_start);
        let (segment, intensity, speed) = match index % 4 {
            _ if lap_start == 0 => ("warm_up", Intensity::Warmup, 0.9),
            _ if lap_start + len >= seconds && index > 0 => ("cool_down", Intensity::Cooldown, 0.7),
            1 | 3 => (
                "backward",
                Intensity::Active,
                0.45 + 0.05 * f64::from(index % 5),
            ),
            _ => ("forward_recovery", Intensity::Recovery, 0.7),
        };
        let lap_distance_start = distance;
        let mut hr_sum = 0u32;
        let mut hr_max = 0u8;
        for s in 0..len {
            let t = lap_start + s;
            // A little wobble, as a real belt sensor shows.
            let v = speed + 0.01 * f64::from((t * 7919) % 11) - 0.05;
            distance += v;
            let hr = (80
                + (t / 30) % 40
                + if intensity == Intensity::Active {
                    15
                } else {
                    0
                }) as u8;
            hr_sum += u32::from(hr);
            hr_max = hr_max.max(hr);
            records.push(Record {
                time: start + i64::from(t) + 1,
                distance_m: Some(distance),
                speed_mps: Some(v),
                heart_rate: Some(hr),
                grade_pct: Some(0.0),
            });
        }
        let d = distance - lap_distance_start;
        laps.push(Lap {
            start: start + i64::from(lap_start),
            end: start + i64::from(lap_start + len),
            elapsed_s: Some(f64::from(len)),
            timer_s: Some(f64::from(len)),
            distance_m: Some(d),
            avg_speed_mps: Some(d / f64::from(len)),
            max_speed_mps: Some(speed + 0.05),
            calories: Some((len / 15) as u16),
            avg_heart_rate: Some((hr_sum / len) as u8),
            max_heart_rate: Some(hr_max),
            intensity: Some(intensity),
            trigger: Some(LapTrigger::Time),
            step_index: Some(index),
            segment: Some(segment.into()),
        });
        lap_start += len;
        index += 1;
    }
    let session = summarise(&laps, &records);
    Activity {
        creator: Creator {
            time_created: Some(start),
            ..Creator::default()
        },
        records,
        laps,
        session: Some(session),
        sessions_seen: 1,
        utc_offset_s: None,
    }
}
