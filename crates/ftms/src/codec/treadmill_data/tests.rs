use super::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn full(s: &str) -> TreadmillDataPacket {
    decode_treadmill_data(&hex(s)).unwrap()
}

/// Vector 1, Horizon treadmill idle, iOS log in qdomyos-zwift issue #175 (ftms-notes.md §7).
#[test]
fn horizon_idle_all_zero() {
    let p = full("84 04 00 00 00 00 00 00 00 00 00 00 00 00");
    assert_eq!(p.flags.0, 0x0484);
    assert_eq!(p.truncated, None);
    assert_eq!(p.trailing_bytes, 0);
    let want = TreadmillData {
        speed_kmh: Some(0.0),
        total_distance_m: Some(0),
        total_energy_kcal: Some(0),
        energy_per_hour_kcal: Some(0),
        energy_per_minute_kcal: Some(0),
        elapsed_s: Some(0),
        ..Default::default()
    };
    assert_eq!(p.data, want);
}

/// Vector 2, Life Fitness, TrackMyIndoorWorkout `test/life_fitness_treadmill_test.dart`:
/// 0x7FFF in the unsigned negative elevation field and N/A energy rates.
#[test]
fn life_fitness_first_record() {
    let p = full("9E 04 73 02 33 02 25 00 00 3C 00 FF 7F 00 00 FF 7F 02 00 FF FF FF 1F 00");
    assert_eq!(p.truncated, None);
    let want = TreadmillData {
        speed_kmh: Some(6.27),
        average_speed_kmh: Some(5.63),
        total_distance_m: Some(37),
        inclination_percent: Some(6.0),
        ramp_angle_deg: None,
        positive_elevation_m: Some(0.0),
        negative_elevation_m: None,
        total_energy_kcal: Some(2),
        energy_per_hour_kcal: None,
        energy_per_minute_kcal: None,
        elapsed_s: Some(31),
        ..Default::default()
    };
    assert_eq!(p.data, want);
}

/// Vector 3, same Life Fitness test file.
#[test]
fn life_fitness_second_record() {
    let p = full("9E 04 92 01 4D 02 7A 00 00 82 00 FF 7F AB 00 FF 7F 10 00 FF FF FF 4D 00");
    let d = p.data;
    assert_eq!(d.speed_kmh, Some(4.02));
    assert_eq!(d.average_speed_kmh, Some(5.89));
    assert_eq!(d.total_distance_m, Some(122));
    assert_eq!(d.inclination_percent, Some(13.0));
    assert_eq!(d.positive_elevation_m, Some(17.1));
    assert_eq!(d.negative_elevation_m, None);
    assert_eq!(d.total_energy_kcal, Some(16));
    assert_eq!(d.elapsed_s, Some(77));
}

/// Vector 6, Matrix treadmill "before workout", TMIW `test/matrix_treadmill_test.dart`:
/// flags promise more than the 20 bytes carry; keep what fits.
#[test]
fn matrix_before_workout_truncated() {
    let bytes = hex("9E 1B 00 00 00 00 00 00 00 00 00 FF 7F 00 00 FF FF 00 00 00");
    let p = decode_treadmill_data(&bytes).unwrap();
    assert_eq!(p.flags.0, 0x1B9E);
    assert_eq!(p.data.speed_kmh, Some(0.0));
    assert_eq!(p.data.total_distance_m, Some(0));
    assert_eq!(p.data.total_energy_kcal, Some(0));
    assert_eq!(p.data.energy_per_hour_kcal, None);
    assert_eq!(p.data.heart_rate_bpm, None);
    let err = p.truncated.unwrap();
    assert_eq!(
        err.to_string(),
        "Treadmill Data: flags say energy per hour present but only 1 of 2 bytes remain"
    );
    assert_eq!(decode_treadmill_data_strict(&bytes).unwrap_err(), err);
}

/// Vector 7, Matrix "during workout", same file; TMIW expects speed 0.81, distance 88,
/// 12 kcal.
#[test]
fn matrix_during_workout_truncated_after_total_energy() {
    let p = full("9E 1F 51 00 B2 00 58 00 00 00 00 FF 7F 00 00 FF FF 0C 00 97");
    assert_eq!(p.flags.0, 0x1F9E);
    let d = &p.data;
    assert_eq!(d.speed_kmh, Some(0.81));
    assert_eq!(d.average_speed_kmh, Some(1.78));
    assert_eq!(d.total_distance_m, Some(88));
    assert_eq!(d.inclination_percent, Some(0.0));
    assert_eq!(d.ramp_angle_deg, None);
    assert_eq!(d.positive_elevation_m, Some(0.0));
    assert_eq!(d.negative_elevation_m, None);
    assert_eq!(d.total_energy_kcal, Some(12));
    assert_eq!(d.elapsed_s, None);
    assert!(matches!(
        p.truncated,
        Some(DecodeError::Truncated {
            field: "energy per hour",
            needed: 2,
            remaining: 1,
            ..
        })
    ));
}

/// Vector 11, KingSmith KS-HD-Z1D walking pad (flags from a real capture, payload re-typed
/// in WalkingPadSDK's FTMSTests): reserved bit 13 set, no trailing step count.
#[test]
fn kingsmith_walking_pad_bit13() {
    let p = full("84 24 2C 01 96 00 00 0C 00 00 00 00 78 00");
    assert_eq!(p.flags.0, 0x2484);
    assert_eq!(p.truncated, None);
    assert_eq!(p.step_count, None);
    assert_eq!(p.trailing_bytes, 0);
    assert_eq!(p.data.speed_kmh, Some(3.0));
    assert_eq!(p.data.total_distance_m, Some(150));
    assert_eq!(p.data.total_energy_kcal, Some(12));
    assert_eq!(p.data.energy_per_hour_kcal, Some(0));
    assert_eq!(p.data.energy_per_minute_kcal, Some(0));
    assert_eq!(p.data.elapsed_s, Some(120));
}

/// Vector 12 layout, FitShow "CITYSPORTS-Linker" walking pad (hughesjs/FitnessMachine
/// `protocol/README.md`, layout only): three trailing step bytes after bit 13. The values
/// are ours: 3.50 km/h, 1234 m, 56 kcal, N/A rates, 600 s, 789 steps.
#[test]
fn citysports_trailing_step_count() {
    let bytes = hex("84 24 5E 01 D2 04 00 38 00 FF FF FF 58 02 15 03 00");
    let p = decode_treadmill_data(&bytes).unwrap();
    assert_eq!(p.truncated, None);
    assert_eq!(p.step_count, Some(789));
    assert_eq!(p.trailing_bytes, 0);
    assert_eq!(p.data.speed_kmh, Some(3.5));
    assert_eq!(p.data.total_distance_m, Some(1234));
    assert_eq!(p.data.total_energy_kcal, Some(56));
    assert_eq!(p.data.energy_per_hour_kcal, None);
    assert_eq!(p.data.energy_per_minute_kcal, None);
    assert_eq!(p.data.elapsed_s, Some(600));
    assert!(decode_treadmill_data_strict(&bytes).is_ok());
}

#[test]
fn unexplained_trailing_bytes_lenient_vs_strict() {
    let bytes = hex("00 00 2C 01 AA BB");
    let p = decode_treadmill_data(&bytes).unwrap();
    assert_eq!(p.data.speed_kmh, Some(3.0));
    assert_eq!(p.trailing_bytes, 2);
    assert_eq!(
        decode_treadmill_data_strict(&bytes)
            .unwrap_err()
            .to_string(),
        "Treadmill Data: 2 unexpected bytes after the last field"
    );
}

/// The example from the task: distance announced, two of its three bytes present.
#[test]
fn truncated_distance_message() {
    let err = decode_treadmill_data_strict(&hex("05 00 10 27")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Treadmill Data: flags say total distance present but only 2 of 3 bytes remain"
    );
}

#[test]
fn inverted_bit_zero_and_tiny_packets() {
    // Bit 0 set: no speed, the next field is average speed.
    let p = full("03 00 F4 01");
    assert_eq!(p.data.speed_kmh, None);
    assert_eq!(p.data.average_speed_kmh, Some(5.0));
    assert!(!p.flags.speed_present());
    assert!(decode_treadmill_data(&[]).is_err());
    assert!(decode_treadmill_data(&[0x00]).is_err());
    // Flags only, speed promised: empty record plus the shortfall.
    let p = full("00 00");
    assert_eq!(p.data, TreadmillData::default());
    assert!(p.truncated.is_some());
}

#[test]
fn every_field_spec_built() {
    // All of bits 1-12 with bit 0 clear: 34 bytes, the maximum.
    let bytes = hex(
        "FE 1F F4 01 C2 01 10 27 00 32 00 1E 00 64 00 0A 00 0C 0B 2C 01 58 02 05 \
         78 23 3C 00 2C 01 C8 00 96 00",
    );
    assert_eq!(bytes.len(), 34);
    let d = decode_treadmill_data_strict(&bytes).unwrap();
    let want = TreadmillData {
        speed_kmh: Some(5.0),
        average_speed_kmh: Some(4.5),
        total_distance_m: Some(10000),
        inclination_percent: Some(5.0),
        ramp_angle_deg: Some(3.0),
        positive_elevation_m: Some(10.0),
        negative_elevation_m: Some(1.0),
        instantaneous_pace_km_per_min: Some(1.2),
        average_pace_km_per_min: Some(1.1),
        total_energy_kcal: Some(300),
        energy_per_hour_kcal: Some(600),
        energy_per_minute_kcal: Some(5),
        heart_rate_bpm: Some(120),
        metabolic_equivalent: Some(3.5),
        elapsed_s: Some(60),
        remaining_s: Some(300),
        force_on_belt_n: Some(200),
        power_w: Some(150),
    };
    assert_eq!(d, want);
    assert_eq!(encode_treadmill_data(&want).unwrap(), bytes);
}

#[test]
fn assembler_merges_split_record() {
    let mut a = TreadmillDataAssembler::new();
    // Part 1: more data (bit 0 set), distance + energy.
    assert_eq!(a.push(&hex("85 00 10 27 00 2C 01 FF FF FF")).unwrap(), None);
    // Part 2: speed present (bit 0 clear) + elapsed: the record is complete.
    let d = a.push(&hex("00 04 F4 01 3C 00")).unwrap().unwrap();
    assert_eq!(d.speed_kmh, Some(5.0));
    assert_eq!(d.total_distance_m, Some(10000));
    assert_eq!(d.total_energy_kcal, Some(300));
    assert_eq!(d.elapsed_s, Some(60));
    assert_eq!(a.flush(), None);
}

#[test]
fn split_at_default_mtu() {
    let bytes = hex(
        "FE 1F F4 01 C2 01 10 27 00 32 00 1E 00 64 00 0A 00 0C 0B 2C 01 58 02 05 \
         78 23 3C 00 2C 01 C8 00 96 00",
    );
    let d = decode_treadmill_data_strict(&bytes).unwrap();
    let parts = encode_treadmill_data_split(&d, 20).unwrap();
    // 32 bytes of fields: 15 in the first part, 17 (speed included) in the second.
    assert_eq!(parts.iter().map(Vec::len).collect::<Vec<_>>(), [17, 19]);
    assert!(parts.iter().all(|p| p.len() <= 20));
    // Only the last part clears "more data" and carries the speed.
    let more: Vec<bool> = parts.iter().map(|p| p[0] & 1 == 1).collect();
    assert_eq!(more, [true, false]);
    let mut a = TreadmillDataAssembler::new();
    assert_eq!(a.push(&parts[0]).unwrap(), None);
    assert_eq!(a.push(&parts[1]).unwrap(), Some(d));
}

#[test]
fn assembler_guards_against_machines_that_never_end_a_record() {
    let mut a = TreadmillDataAssembler::new();
    assert_eq!(a.push(&hex("05 00 0A 00 00")).unwrap(), None);
    // The same group again: the previous record is returned, this one starts a new record.
    let first = a.push(&hex("05 00 14 00 00")).unwrap().unwrap();
    assert_eq!(first.total_distance_m, Some(10));
    assert_eq!(first.speed_kmh, None);
    assert_eq!(a.flush().unwrap().total_distance_m, Some(20));
    // Disjoint groups but never ending: returned after MAX_PARTS parts.
    let parts = [
        "03 00 F4 01",
        "05 00 0A 00 00",
        "09 00 32 00 FF 7F",
        "01 04 3C 00",
    ];
    let mut out = Vec::new();
    for p in parts {
        out.push(a.push(&hex(p)).unwrap());
    }
    assert_eq!(out.iter().filter(|o| o.is_some()).count(), 1);
    let d = out.pop().flatten().unwrap();
    assert_eq!(d.average_speed_kmh, Some(5.0));
    assert_eq!(d.elapsed_s, Some(60));
    assert!(a.push(&[0x01]).is_err());
}

#[test]
fn assembler_ignores_reserved_bits_when_looking_for_repeats() {
    let mut a = TreadmillDataAssembler::new();
    // Three parts of one record, each with the walking pads' reserved bit 13 set.
    assert_eq!(a.push(&hex("05 20 0A 00 00")).unwrap(), None);
    assert_eq!(a.push(&hex("01 24 3C 00")).unwrap(), None);
    let d = a.push(&hex("00 20 2C 01")).unwrap().unwrap();
    assert_eq!(d.total_distance_m, Some(10));
    assert_eq!(d.elapsed_s, Some(60));
    assert_eq!(d.speed_kmh, Some(3.0));
}

#[test]
fn assembler_keeps_truncation_warning() {
    let mut a = TreadmillDataAssembler::new();
    let d = a
        .push(&hex(
            "9E 1F 51 00 B2 00 58 00 00 00 00 FF 7F 00 00 FF FF 0C 00 97",
        ))
        .unwrap()
        .unwrap();
    assert_eq!(d.speed_kmh, Some(0.81));
    assert!(a.take_warning().is_some());
    assert!(a.take_warning().is_none());
}

fn opt<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    proptest::option::of(s).boxed()
}

/// Records whose every value is representable and not an N/A marker.
fn record() -> impl Strategy<Value = TreadmillData> {
    let tenth_i16 = || (i16::MIN..i16::MAX).prop_map(|v| f64::from(v) / 10.0);
    let elev = || (0u16..0x7FFF).prop_map(|v| f64::from(v) / 10.0);
    let pace = || (0u8..0xFF).prop_map(|v| f64::from(v) / 10.0);
    (
        (
            opt(any::<u16>().prop_map(|v| f64::from(v) / 100.0)),
            opt(any::<u16>().prop_map(|v| f64::from(v) / 100.0)),
            opt(0u32..0xFF_FFFF),
            opt(tenth_i16()),
            opt(tenth_i16()),
            opt(elev()),
            opt(elev()),
            opt(pace()),
            opt(pace()),
        ),
        (
            opt(0u16..0xFFFF),
            opt(0u16..0xFFFF),
            opt(0u8..0xFF),
            opt(any::<u8>()),
            opt(any::<u8>().prop_map(|v| f64::from(v) / 10.0)),
            opt(any::<u16>()),
            opt(any::<u16>()),
            opt(i16::MIN..i16::MAX),
            opt(i16::MIN..i16::MAX),
        ),
    )
        .prop_map(|(a, b)| TreadmillData {
            speed_kmh: a.0,
            average_speed_kmh: a.1,
            total_distance_m: a.2,
            inclination_percent: a.3,
            ramp_angle_deg: a.4,
            positive_elevation_m: a.5,
            negative_elevation_m: a.6,
            instantaneous_pace_km_per_min: a.7,
            average_pace_km_per_min: a.8,
            total_energy_kcal: b.0,
            energy_per_hour_kcal: b.1,
            energy_per_minute_kcal: b.2,
            heart_rate_bpm: b.3,
            metabolic_equivalent: b.4,
            elapsed_s: b.5,
            remaining_s: b.6,
            force_on_belt_n: b.7,
            power_w: b.8,
        })
}

proptest! {
    #[test]
    fn round_trip_single_packet(d in record()) {
        let bytes = encode_treadmill_data(&d).unwrap();
        prop_assert!(bytes.len() <= 34);
        prop_assert_eq!(decode_treadmill_data_strict(&bytes).unwrap(), d);
    }

    /// Splitting at any realistic ATT payload size (20 bytes by default) and reassembling gives the record back, and no part is larger
    /// than asked.
    #[test]
    fn round_trip_split_and_assemble(mut d in record(), speed: u16, max_len in 18usize..40) {
        d.speed_kmh = Some(f64::from(speed) / 100.0);
        let parts = encode_treadmill_data_split(&d, max_len).unwrap();
        let mut a = TreadmillDataAssembler::new();
        let mut records = Vec::new();
        for part in &parts {
            prop_assert!(part.len() <= max_len);
            if let Some(r) = a.push(part).unwrap() {
                records.push(r);
            }
        }
        prop_assert_eq!(records, vec![d]);
    }

    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let lenient = decode_treadmill_data(&bytes);
        prop_assert_eq!(lenient.is_ok(), bytes.len() >= 2);
        let _ = decode_treadmill_data_strict(&bytes);
        let mut a = TreadmillDataAssembler::new();
        let _ = a.push(&bytes);
    }

    #[test]
    fn assembler_never_panics_on_streams(
        stream in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..24), 0..12)
    ) {
        let mut a = TreadmillDataAssembler::new();
        for part in &stream {
            let _ = a.push(part);
        }
        let _ = a.flush();
    }
}
