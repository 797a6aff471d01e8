use super::*;
use std::time::Duration;
use tokio::time::sleep;

fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

async fn ok(sim: &SimTreadmill, r: ControlRequest) -> ResultCode {
    sim.control(r).await.unwrap().result
}

async fn next_data(sim: &SimTreadmill) -> TreadmillData {
    loop {
        match sim.next_notification().await {
            Some(Notification::Data(d)) => return d,
            Some(_) => {}
            None => panic!("link closed while waiting for data"),
        }
    }
}

fn drain(sim: &SimTreadmill) -> Vec<Notification> {
    let mut out = Vec::new();
    let Ok(mut rx) = sim.rx.try_lock() else {
        return out;
    };
    while let Ok(n) = rx.try_recv() {
        out.push(n);
    }
    out
}

#[tokio::test(start_paused = true)]
async fn step_change_ramps_at_the_acceleration_limit() {
    let sim = SimTreadmill::new(SimConfig::default());
    assert_eq!(
        ok(&sim, ControlRequest::StartOrResume).await,
        ResultCode::Success
    );
    assert_eq!(
        ok(&sim, ControlRequest::SetTargetSpeed { kmh: 4.0 }).await,
        ResultCode::Success
    );
    assert_eq!(sim.belt_speed_kmh(), 0.0);
    sleep(Duration::from_secs(2)).await;
    assert!(
        approx(sim.belt_speed_kmh(), 1.0),
        "{}",
        sim.belt_speed_kmh()
    );
    sleep(Duration::from_secs(6)).await;
    assert!(approx(sim.belt_speed_kmh(), 4.0));
    // Incline moves at 0.5 %/s.
    ok(&sim, ControlRequest::SetTargetInclination { percent: 3.0 }).await;
    sleep(Duration::from_secs(4)).await;
    assert!(
        approx(sim.incline_percent(), 2.0),
        "{}",
        sim.incline_percent()
    );
    let snap = sim.snapshot();
    assert!(snap.running);
    assert_eq!(snap.target_incline_percent, 3.0);
    // 0→4 km/h in 8 s covers 4.44 m, then 4 s at 4 km/h covers 4.44 m.
    assert!(
        approx(snap.total_distance_m, 80.0 / 9.0),
        "{}",
        snap.total_distance_m
    );
    assert!(approx(snap.elapsed_s, 12.0));
}

#[tokio::test(start_paused = true)]
async fn data_notifications_at_one_hertz_report_the_model() {
    let sim = SimTreadmill::new(SimConfig::default());
    let first = next_data(&sim).await;
    assert_eq!(first.speed_kmh, Some(0.0));
    assert_eq!(first.inclination_percent, Some(0.0));
    assert_eq!(first.total_distance_m, Some(0));
    let t0 = Instant::now();
    ok(&sim, ControlRequest::StartOrResume).await;
    ok(&sim, ControlRequest::SetTargetSpeed { kmh: 3.6 }).await;
    let mut last = first;
    for _ in 0..20 {
        last = next_data(&sim).await;
    }
    assert_eq!(Instant::now() - t0, Duration::from_secs(20));
    assert_eq!(last.speed_kmh, Some(3.6));
    assert_eq!(last.elapsed_s, Some(20));
    // 7.2 s ramp covers 3.6 m, then 12.8 s at 1 m/s: 16.4 m.
    assert_eq!(last.total_distance_m, Some(16));
}

#[tokio::test(start_paused = true)]
async fn status_notifications_follow_commands() {
    let sim = SimTreadmill::new(SimConfig::default());
    ok(&sim, ControlRequest::StartOrResume).await;
    ok(&sim, ControlRequest::SetTargetSpeed { kmh: 2.5 }).await;
    ok(&sim, ControlRequest::SetTargetInclination { percent: 1.5 }).await;
    ok(&sim, ControlRequest::Pause).await;
    ok(&sim, ControlRequest::Stop).await;
    let statuses: Vec<MachineStatus> = drain(&sim)
        .into_iter()
        .filter_map(|n| match n {
            Notification::Status(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        [
            MachineStatus::StartedOrResumedByUser,
            MachineStatus::TargetSpeedChanged { kmh: 2.5 },
            MachineStatus::TargetInclineChanged { percent: 1.5 },
            MachineStatus::PausedByUser,
            MachineStatus::StoppedByUser,
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn log_records_every_request_with_its_time() {
    let sim = SimTreadmill::new(SimConfig::default());
    let t0 = Instant::now();
    ok(&sim, ControlRequest::StartOrResume).await;
    sleep(Duration::from_secs(3)).await;
    ok(&sim, ControlRequest::Stop).await;
    let log = sim.log();
    assert_eq!(
        log.iter().map(|(_, r)| *r).collect::<Vec<_>>(),
        [ControlRequest::StartOrResume, ControlRequest::Stop]
    );
    assert_eq!(log[0].0, t0);
    assert_eq!(log[1].0 - t0, Duration::from_secs(3));
    assert_eq!(sim.count_received(|r| r.halts_belt()), 1);
    assert_eq!(
        sim.entries()[1].outcome,
        SimOutcome::Answered(ResultCode::Success)
    );
}

#[tokio::test(start_paused = true)]
async fn quirk_request_control_first() {
    let sim = SimTreadmill::new(SimConfig {
        require_request_control: true,
        ..SimConfig::default()
    });
    assert_eq!(
        ok(&sim, ControlRequest::StartOrResume).await,
        ResultCode::ControlNotPermitted
    );
    assert!(!sim.is_running());
    assert_eq!(
        ok(&sim, ControlRequest::RequestControl).await,
        ResultCode::Success
    );
    assert_eq!(
        ok(&sim, ControlRequest::StartOrResume).await,
        ResultCode::Success
    );
    assert!(sim.is_running());
    // Losing control (another client) brings the refusal back.
    sim.revoke_control();
    assert_eq!(
        ok(&sim, ControlRequest::SetTargetSpeed { kmh: 3.0 }).await,
        ResultCode::ControlNotPermitted
    );
    assert!(drain(&sim).contains(&Notification::Status(MachineStatus::ControlPermissionLost)));
    // The refused requests still reached the machine and are logged.
    assert_eq!(sim.log().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn quirk_ignores_targets_while_stopped() {
    let sim = SimTreadmill::new(SimConfig {
        ignore_targets_while_stopped: true,
        ..SimConfig::default()
    });
    assert_eq!(
        ok(&sim, ControlRequest::SetTargetSpeed { kmh: 3.0 }).await,
        ResultCode::OperationFailed
    );
    assert_eq!(
        ok(&sim, ControlRequest::SetTargetInclination { percent: 2.0 }).await,
        ResultCode::OperationFailed
    );
    ok(&sim, ControlRequest::StartOrResume).await;
    assert_eq!(
        ok(&sim, ControlRequest::SetTargetSpeed { kmh: 3.0 }).await,
        ResultCode::Success
    );
    assert_eq!(sim.snapshot().target_speed_kmh, 3.0);
}

#[tokio::test(start_paused = true)]
async fn quirk_no_incline() {
    let sim = SimTreadmill::new(SimConfig {
        incline_range: None,
        ..SimConfig::default()
    });
    let caps = sim.capabilities();
    assert_eq!(caps.incline, None);
    assert!(!caps.incline_target_supported);
    assert!(caps.speed_target_supported);
    assert_eq!(
        ok(&sim, ControlRequest::SetTargetInclination { percent: 1.0 }).await,
        ResultCode::OpCodeNotSupported
    );
    assert_eq!(next_data(&sim).await.inclination_percent, None);
}

#[tokio::test(start_paused = true)]
async fn quirk_speed_writes_accepted_but_ignored() {
    let sim = SimTreadmill::new(SimConfig {
        ignore_speed_writes: true,
        ..SimConfig::default()
    });
    ok(&sim, ControlRequest::StartOrResume).await;
    assert_eq!(
        ok(&sim, ControlRequest::SetTargetSpeed { kmh: 5.0 }).await,
        ResultCode::Success
    );
    sleep(Duration::from_secs(30)).await;
    assert!(
        approx(sim.belt_speed_kmh(), 0.5),
        "runs at the start speed only"
    );
}

#[tokio::test(start_paused = true)]
async fn quirk_drops_the_connection() {
    let sim = SimTreadmill::new(SimConfig {
        disconnect_after: Some(Duration::from_secs(5)),
        ..SimConfig::default()
    });
    ok(&sim, ControlRequest::StartOrResume).await;
    let mut seen = Vec::new();
    while let Some(n) = sim.next_notification().await {
        seen.push(n);
    }
    assert_eq!(seen.last(), Some(&Notification::Disconnected));
    let data = seen
        .iter()
        .filter(|n| matches!(n, Notification::Data(_)))
        .count();
    assert_eq!(data, 5, "ticks at 0..4 s, then the link drops at 5 s");
    assert_eq!(sim.next_notification().await, None);
    assert_eq!(
        sim.control(ControlRequest::Stop).await,
        Err(TransportError::Disconnected)
    );
    assert!(!sim.snapshot().connected);
    let entries = sim.entries();
    assert_eq!(
        entries.last().map(|e| e.outcome),
        Some(SimOutcome::NotDelivered)
    );
    assert_eq!(sim.log().len(), 1, "the stop never reached the machine");
}

#[tokio::test(start_paused = true)]
async fn manual_disconnect() {
    let sim = SimTreadmill::new(SimConfig::default());
    sim.disconnect();
    let mut seen = Vec::new();
    while let Some(n) = sim.next_notification().await {
        seen.push(n);
    }
    assert_eq!(seen.last(), Some(&Notification::Disconnected));
    assert!(sim.control(ControlRequest::Stop).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn slow_control_point_acts_on_arrival_and_answers_late() {
    let sim = SimTreadmill::new(SimConfig {
        response_delay: Duration::from_millis(1500),
        ..SimConfig::default()
    });
    let t0 = Instant::now();
    ok(&sim, ControlRequest::StartOrResume).await;
    assert_eq!(Instant::now() - t0, Duration::from_millis(1500));
    // A caller that gives up waiting still got its stop delivered.
    let r = tokio::time::timeout(
        Duration::from_millis(200),
        sim.control(ControlRequest::Stop),
    )
    .await;
    assert!(r.is_err(), "timed out");
    assert!(!sim.is_running());
    assert_eq!(
        sim.entries().last().map(|e| e.outcome),
        Some(SimOutcome::Pending)
    );
    assert_eq!(sim.count_received(|r| *r == ControlRequest::Stop), 1);
}

#[tokio::test(start_paused = true)]
async fn concurrent_procedures_can_be_refused() {
    let sim = Arc::new(SimTreadmill::new(SimConfig {
        response_delay: Duration::from_secs(1),
        reject_concurrent_procedures: true,
        ..SimConfig::default()
    }));
    let first = {
        let sim = sim.clone();
        tokio::spawn(async move { sim.control(ControlRequest::StartOrResume).await })
    };
    tokio::task::yield_now().await;
    let second = sim
        .control(ControlRequest::SetTargetSpeed { kmh: 3.0 })
        .await;
    assert!(
        matches!(second, Err(TransportError::Bluetooth(_))),
        "{second:?}"
    );
    assert_eq!(first.await.unwrap().unwrap().result, ResultCode::Success);
    // Once answered, the next request goes through.
    assert_eq!(
        ok(&sim, ControlRequest::SetTargetSpeed { kmh: 3.0 }).await,
        ResultCode::Success
    );
}

#[tokio::test(start_paused = true)]
async fn rejecting_control_point() {
    let sim = SimTreadmill::new(SimConfig {
        reject_all_with: Some(ResultCode::OperationFailed),
        ..SimConfig::default()
    });
    assert_eq!(
        ok(&sim, ControlRequest::StartOrResume).await,
        ResultCode::OperationFailed
    );
    assert_eq!(
        ok(&sim, ControlRequest::Stop).await,
        ResultCode::OperationFailed
    );
    assert!(!sim.is_running());
    assert_eq!(sim.log().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn wire_rules_apply() {
    let sim = SimTreadmill::new(SimConfig::default());
    ok(&sim, ControlRequest::StartOrResume).await;
    // Rounded down to the 0.01 km/h wire step.
    ok(&sim, ControlRequest::SetTargetSpeed { kmh: 2.999 }).await;
    assert!(approx(sim.snapshot().target_speed_kmh, 2.99));
    // Outside the supported range.
    assert_eq!(
        ok(&sim, ControlRequest::SetTargetSpeed { kmh: 20.0 }).await,
        ResultCode::InvalidParameter
    );
    assert_eq!(
        ok(&sim, ControlRequest::SetTargetInclination { percent: -1.0 }).await,
        ResultCode::InvalidParameter
    );
    // Not encodable: refused before anything is sent.
    let r = sim
        .control(ControlRequest::SetTargetSpeed { kmh: f64::NAN })
        .await;
    assert!(matches!(r, Err(TransportError::InvalidRequest(_))), "{r:?}");
    assert_eq!(sim.log().len(), 4);
    assert!(approx(sim.snapshot().target_speed_kmh, 2.99));
}

#[tokio::test(start_paused = true)]
async fn reset_stops_and_drops_control() {
    let sim = SimTreadmill::new(SimConfig::quirky());
    ok(&sim, ControlRequest::RequestControl).await;
    ok(&sim, ControlRequest::StartOrResume).await;
    sleep(Duration::from_secs(3)).await;
    assert_eq!(ok(&sim, ControlRequest::Reset).await, ResultCode::Success);
    let snap = sim.snapshot();
    assert_eq!(
        (snap.running, snap.has_control, snap.total_distance_m),
        (false, false, 0.0)
    );
}

#[tokio::test(start_paused = true)]
async fn console_stop_and_safety_key() {
    let sim = SimTreadmill::new(SimConfig::default());
    ok(&sim, ControlRequest::StartOrResume).await;
    sleep(Duration::from_secs(2)).await;
    sim.press_stop_button();
    assert!(!sim.is_running());
    sleep(Duration::from_secs(3)).await;
    assert_eq!(sim.belt_speed_kmh(), 0.0);
    sim.pull_safety_key();
    let statuses: Vec<_> = drain(&sim)
        .into_iter()
        .filter(|n| matches!(n, Notification::Status(_)))
        .collect();
    assert_eq!(
        statuses[1..],
        [
            Notification::Status(MachineStatus::StoppedByUser),
            Notification::Status(MachineStatus::StoppedBySafetyKey)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn small_mtu_splits_data_and_it_still_arrives_whole() {
    let sim = SimTreadmill::new(SimConfig {
        max_notification_len: 7,
        ..SimConfig::default()
    });
    ok(&sim, ControlRequest::StartOrResume).await;
    sleep(Duration::from_secs(2)).await;
    let d = next_data(&sim).await;
    assert!(d.speed_kmh.is_some());
    assert!(d.total_distance_m.is_some());
    assert!(d.inclination_percent.is_some());
    assert!(d.elapsed_s.is_some());
}

#[tokio::test(start_paused = true)]
async fn heart_rate_model_and_override() {
    let sim = SimTreadmill::new(SimConfig {
        heart_rate: Some(SimHeartRate::default()),
        ..SimConfig::default()
    });
    ok(&sim, ControlRequest::StartOrResume).await;
    ok(&sim, ControlRequest::SetTargetSpeed { kmh: 3.0 }).await;
    sleep(Duration::from_secs(10)).await;
    drain(&sim);
    let hr = loop {
        if let Some(Notification::HeartRate(hr)) = sim.next_notification().await {
            break hr;
        }
    };
    assert_eq!(hr.bpm, 106); // 70 + 12 × 3.0
    assert_eq!(hr.contact, Some(true));
    assert_eq!(hr.rr_ms.len(), 1);
    assert!((hr.rr_ms[0] - 60_000.0 / 106.0).abs() < 1.0);
    sim.set_heart_rate(Some(185));
    let hr = loop {
        if let Some(Notification::HeartRate(hr)) = sim.next_notification().await {
            break hr;
        }
    };
    assert_eq!(hr.bpm, 185);
}

#[tokio::test(start_paused = true)]
async fn no_heart_rate_without_model() {
    let sim = SimTreadmill::new(SimConfig::default());
    sleep(Duration::from_secs(3)).await;
    assert!(!drain(&sim)
        .iter()
        .any(|n| matches!(n, Notification::HeartRate(_))));
}

/// The controller's stop guard writes from its own thread and runtime; that must work.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn control_from_another_runtime() {
    let sim = Arc::new(SimTreadmill::new(SimConfig::default()));
    ok(&sim, ControlRequest::StartOrResume).await;
    let remote = sim.clone();
    let result = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(remote.control(ControlRequest::Stop))
    })
    .join()
    .unwrap();
    assert_eq!(result.unwrap().result, ResultCode::Success);
    assert!(!sim.is_running());
}

#[tokio::test(start_paused = true)]
async fn usable_as_a_trait_object() {
    let sim = Arc::new(SimTreadmill::new(SimConfig::default()));
    let machine: Arc<dyn Treadmill> = sim.clone();
    assert_eq!(machine.name(), "simulated treadmill");
    assert_eq!(machine.capabilities().speed.max, 16.0);
    machine
        .control(ControlRequest::StartOrResume)
        .await
        .unwrap();
    assert!(sim.is_running());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn request(op: u8, v: f64) -> ControlRequest {
        match op {
            0 => ControlRequest::RequestControl,
            1 => ControlRequest::StartOrResume,
            2 => ControlRequest::Stop,
            3 => ControlRequest::Pause,
            4 => ControlRequest::SetTargetInclination { percent: v - 2.0 },
            _ => ControlRequest::SetTargetSpeed { kmh: v },
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the command sequence and timing, the belt never runs faster than the
        /// fastest speed the machine accepted (nor outside its range), the incline stays in
        /// range, and a stopped belt reaches zero within max/accel seconds.
        #[test]
        fn belt_stays_within_what_was_commanded(
            ops in proptest::collection::vec((0u8..7, 0.0f64..20.0, 0u64..4000), 1..30),
            quirky: bool,
        ) {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .unwrap();
            rt.block_on(async {
                let config = if quirky { SimConfig::quirky() } else { SimConfig::default() };
                let sim = SimTreadmill::new(config.clone());
                let mut fastest_accepted = config.speed_range.min;
                for (op, v, wait_ms) in ops {
                    let req = request(op, v);
                    let r = sim.control(req).await.unwrap();
                    if let (ControlRequest::SetTargetSpeed { .. }, ResultCode::Success) = (req, r.result) {
                        fastest_accepted = fastest_accepted.max(sim.snapshot().target_speed_kmh);
                    }
                    sleep(Duration::from_millis(wait_ms)).await;
                    let s = sim.snapshot();
                    prop_assert!(s.belt_speed_kmh <= fastest_accepted + 1e-9, "{} > {}", s.belt_speed_kmh, fastest_accepted);
                    prop_assert!(s.belt_speed_kmh >= 0.0 && s.belt_speed_kmh <= config.speed_range.max + 1e-9);
                    let incl = config.incline_range.unwrap();
                    prop_assert!(s.incline_percent >= incl.min - 1e-9 && s.incline_percent <= incl.max + 1e-9);
                }
                let stop = sim.control(ControlRequest::Stop).await.unwrap();
                if stop.result == ResultCode::Success {
                    sleep(Duration::from_secs_f64(config.speed_range.max / config.accel_kmh_per_s)).await;
                    prop_assert_eq!(sim.belt_speed_kmh(), 0.0);
                }
                Ok(())
            })?;
        }
    }
}
