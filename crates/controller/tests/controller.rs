//! The session controller against a scripted treadmill, on tokio's paused clock: every
//! stop cause must put a Stop on the wire.

mod common;

use common::{limits, machine, plan, typical, Fake, Quirks};
use retrowalk_controller::{
    Command, Config, ControllerEvent, MemorySink, SessionController, SessionHandle, StopReason,
    TelemetrySink, RAMP_KMH_PER_S,
};
use retrowalk_core::prescription::BACKWARD_SPEED_CEILING;
use retrowalk_core::session::SessionPlan;
use retrowalk_core::{ClinicianCaps, Speed};
use retrowalk_ftms::{
    BoxFuture, ControlRequest, HeartRate, MachineStatus, Notification, TreadmillData,
};
use retrowalk_store::Sample;
use std::sync::Arc;
use std::time::Duration;

fn quiet() -> Config {
    Config {
        heartbeat_timeout: None,
        ..Config::default()
    }
}

fn start(fake: &Arc<Fake>, plan: SessionPlan, config: Config) -> (SessionHandle, MemorySink) {
    start_with(fake, plan, &ClinicianCaps::default(), config)
}

fn start_with(
    fake: &Arc<Fake>,
    plan: SessionPlan,
    caps: &ClinicianCaps,
    config: Config,
) -> (SessionHandle, MemorySink) {
    let sink = MemorySink::new();
    let c = SessionController::new(
        fake.clone(),
        plan,
        &limits(),
        caps,
        Box::new(sink.clone()),
        config,
    );
    (c.spawn().unwrap(), sink)
}

async fn run_for(d: Duration) {
    tokio::time::sleep(d).await;
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The belt was running and the last thing written was Stop.
fn assert_stopped(fake: &Fake) {
    let reqs = fake.requests();
    assert!(
        reqs.contains(&ControlRequest::StartOrResume),
        "the belt never started: {reqs:?}"
    );
    assert_eq!(reqs.last(), Some(&ControlRequest::Stop), "{reqs:?}");
    assert!(!fake.state.lock().unwrap().running);
}

#[tokio::test(start_paused = true)]
async fn control_is_requested_before_anything_else() {
    let fake = Fake::new(
        typical(),
        Quirks {
            require_control: true,
            ..Default::default()
        },
    );
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(secs(30)).await;
    h.stop("test");
    let out = h.finish().await;
    let reqs = fake.requests();
    assert_eq!(reqs.first(), Some(&ControlRequest::RequestControl));
    assert_eq!(reqs.get(1), Some(&ControlRequest::StartOrResume));
    assert_eq!(out.reason, StopReason::Requested { by: "test".into() });
    assert!(out.stop_confirmed);
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn a_whole_session_runs_every_segment_then_stops_the_belt() {
    let fake = Fake::new(typical(), Quirks::default());
    let p = plan(300, 3.0, 0.0);
    let total = p.total_s();
    let (h, sink) = start(&fake, p.clone(), quiet());
    let mut events = h.subscribe();
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::Completed);
    assert!(out.stop_confirmed);
    assert_eq!(fake.requests().last(), Some(&ControlRequest::Stop));
    // 1 Hz telemetry for the whole plan.
    let samples = sink.samples();
    assert_eq!(samples.len() as u32, total);
    assert!(samples.windows(2).all(|w| w[1].t_ms - w[0].t_ms == 1000));
    // The backward bout reached its speed; the stand-still segment had the belt stopped.
    assert!(fake.set_speeds().iter().any(|&s| (s - 3.0).abs() < 1e-9));
    assert!(samples.last().unwrap().speed_kmh == 0.0);
    let mut segments = 0;
    let mut stopped = None;
    while let Ok(e) = events.try_recv() {
        match e {
            ControllerEvent::Segment { .. } => segments += 1,
            ControllerEvent::Stopped { reason, confirmed } => stopped = Some((reason, confirmed)),
            _ => {}
        }
    }
    assert_eq!(segments, p.segments.len());
    assert_eq!(stopped, Some((StopReason::Completed, true)));
}

#[tokio::test(start_paused = true)]
async fn stop_from_an_interface_stops_the_belt() {
    let fake = Fake::new(typical(), Quirks::default());
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(secs(200)).await;
    assert!(fake.state.lock().unwrap().running);
    let before = fake.stops();
    h.commands()
        .send(Command::Stop {
            reason: "web".into(),
        })
        .unwrap();
    let out = h.finish().await;
    assert_eq!(out.reason.to_string(), "user_stop: web");
    assert_eq!(fake.stops(), before + 1);
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn pause_halts_the_belt_and_resume_ramps_up_again() {
    let fake = Fake::new(typical(), Quirks::default());
    let (h, sink) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(secs(60)).await;
    h.commands().send(Command::Pause).unwrap();
    run_for(secs(30)).await;
    {
        let s = fake.state.lock().unwrap();
        assert!(!s.running, "paused belt still running");
        assert_eq!(s.requests.last(), Some(&ControlRequest::Pause));
    }
    let n_before = fake.requests().len();
    h.commands().send(Command::Resume).unwrap();
    run_for(secs(5)).await;
    let after = fake.requests()[n_before..].to_vec();
    assert_eq!(after.first(), Some(&ControlRequest::StartOrResume));
    // Ramps again from the machine's minimum, not straight to the target.
    let first_speed = after.iter().find_map(|r| match r {
        ControlRequest::SetTargetSpeed { kmh } => Some(*kmh),
        _ => None,
    });
    assert!(
        first_speed.unwrap() <= 0.5 + RAMP_KMH_PER_S + 1e-9,
        "{first_speed:?}"
    );
    h.stop("test");
    h.finish().await;
    assert_stopped(&fake);
    // Telemetry went on while paused, with the belt at 0.
    assert!(sink.samples().iter().filter(|s| s.speed_kmh == 0.0).count() >= 25);
}

#[tokio::test(start_paused = true)]
async fn stop_at_the_console_while_paused_ends_the_session_after_the_pause_echo() {
    let fake = Fake::new(typical(), Quirks::default());
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(secs(30)).await;
    h.commands().send(Command::Pause).unwrap();
    run_for(Duration::from_millis(300)).await;
    // The machine's announcement of the controller's own pause: not a person.
    fake.notify(Notification::Status(MachineStatus::PausedByUser));
    run_for(Duration::from_millis(300)).await;
    assert!(
        !h.is_finished(),
        "the echo of its own pause ended the session"
    );
    // Someone presses STOP at the console right after: the session ends, not resumes later.
    fake.notify(Notification::Status(MachineStatus::StoppedByUser));
    let out = h.finish().await;
    assert_eq!(
        out.reason.to_string(),
        "machine_stop: stopped at the treadmill"
    );
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn pause_on_a_machine_without_pause_falls_back_to_stop() {
    let fake = Fake::new(
        typical(),
        Quirks {
            no_pause: true,
            ..Default::default()
        },
    );
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(secs(20)).await;
    h.commands().send(Command::Pause).unwrap();
    run_for(secs(2)).await;
    let reqs = fake.requests();
    assert_eq!(
        &reqs[reqs.len() - 2..],
        &[ControlRequest::Pause, ControlRequest::Stop]
    );
    assert!(!fake.state.lock().unwrap().running);
    h.stop("test");
    h.finish().await;
}

#[tokio::test(start_paused = true)]
async fn stop_on_a_machine_without_stop_falls_back_to_pause() {
    let fake = Fake::new(
        typical(),
        Quirks {
            no_stop: true,
            ..Default::default()
        },
    );
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(secs(20)).await;
    h.stop("test");
    let out = h.finish().await;
    assert!(out.stop_confirmed);
    let reqs = fake.requests();
    assert_eq!(
        &reqs[reqs.len() - 2..],
        &[ControlRequest::Stop, ControlRequest::Pause]
    );
    assert!(!fake.state.lock().unwrap().running);
}

#[tokio::test(start_paused = true)]
async fn heart_rate_from_a_strap_above_the_cap_stops_the_belt() {
    let fake = Fake::new(typical(), Quirks::default());
    let (h, _) = start(
        &fake,
        plan(300, 3.0, 0.0),
        Config {
            hr_cap: Some(140),
            ..quiet()
        },
    );
    run_for(secs(100)).await;
    fake.notify(Notification::HeartRate(HeartRate {
        bpm: 139,
        contact: Some(true),
        energy_kj: None,
        rr_ms: vec![430.0],
    }));
    run_for(secs(5)).await;
    assert!(!h.is_finished(), "stopped at a heart rate under the cap");
    // No skin contact: noise, not a heart rate.
    fake.notify(Notification::HeartRate(HeartRate {
        bpm: 200,
        contact: Some(false),
        ..Default::default()
    }));
    run_for(secs(5)).await;
    assert!(
        !h.is_finished(),
        "stopped on a reading without skin contact"
    );
    fake.notify(Notification::HeartRate(HeartRate {
        bpm: 151,
        contact: Some(true),
        ..Default::default()
    }));
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::HeartRate { bpm: 151, cap: 140 });
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn heart_rate_in_treadmill_data_above_a_lowered_cap_stops_the_belt() {
    let fake = Fake::new(typical(), Quirks::default());
    let (h, sink) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(secs(50)).await;
    fake.notify(Notification::Data(TreadmillData {
        speed_kmh: Some(3.2),
        heart_rate_bpm: Some(128),
        ..Default::default()
    }));
    run_for(secs(3)).await;
    assert!(!h.is_finished());
    h.commands().send(Command::HeartRateCap(125)).unwrap();
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::HeartRate { bpm: 128, cap: 125 });
    assert_stopped(&fake);
    assert!(sink.samples().iter().any(|s| s.heart_rate == Some(128)));
}

#[tokio::test(start_paused = true)]
async fn a_missing_heartbeat_stops_the_belt() {
    let fake = Fake::new(typical(), Quirks::default());
    let config = Config {
        heartbeat_timeout: Some(secs(5)),
        ..Config::default()
    };
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), config);
    let tx = h.commands();
    for _ in 0..30 {
        run_for(secs(1)).await;
        tx.send(Command::Heartbeat).unwrap();
    }
    assert!(!h.is_finished(), "stopped although heartbeats came");
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::HeartbeatLost { after_ms: 5000 });
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn a_fault_reported_from_outside_stops_the_belt() {
    let fake = Fake::new(typical(), Quirks::default());
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(secs(40)).await;
    assert!(fake.state.lock().unwrap().running);
    h.commands()
        .send(Command::Fault {
            message: "heart-rate strap lost".into(),
        })
        .unwrap();
    let out = h.finish().await;
    assert_eq!(out.reason.to_string(), "error: heart-rate strap lost");
    assert!(out.stop_confirmed);
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn a_refused_command_stops_the_belt() {
    let fake = Fake::new(
        typical(),
        Quirks {
            refuse_opcode: Some(0x02),
            ..Default::default()
        },
    );
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    let out = h.finish().await;
    assert_eq!(out.reason.code(), "error");
    assert!(out.reason.to_string().contains("refused"), "{}", out.reason);
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn a_decode_error_stops_the_belt() {
    let fake = Fake::new(
        typical(),
        Quirks {
            decode_error_opcode: Some(0x03),
            ..Default::default()
        },
    );
    // Incline 2 % so a set-incline is sent during the backward bout.
    let (h, _) = start(&fake, plan(300, 3.0, 2.0), quiet());
    let out = h.finish().await;
    assert!(
        out.reason.to_string().contains("bad data"),
        "{}",
        out.reason
    );
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn control_permission_lost_stops_the_belt() {
    let fake = Fake::new(typical(), Quirks::default());
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(secs(10)).await;
    fake.notify(Notification::Status(MachineStatus::ControlPermissionLost));
    let out = h.finish().await;
    assert_eq!(out.reason.code(), "error");
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn the_safety_key_at_the_machine_ends_the_session_with_a_stop() {
    let fake = Fake::new(typical(), Quirks::default());
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(secs(10)).await;
    fake.notify(Notification::Status(MachineStatus::StoppedBySafetyKey));
    let out = h.finish().await;
    assert_eq!(out.reason.to_string(), "machine_stop: safety key pulled");
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn a_lost_connection_is_reported_and_only_the_stop_is_still_tried() {
    let fake = Fake::new(typical(), Quirks::default());
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    let mut events = h.subscribe();
    run_for(secs(100)).await;
    fake.notify(Notification::Disconnected);
    let n = fake.requests().len();
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::ConnectionLost);
    assert!(!out.stop_confirmed);
    assert_eq!(
        fake.requests()[n..],
        [ControlRequest::Stop],
        "anything but one Stop written to a disconnected machine"
    );
    let mut reported = false;
    while let Ok(e) = events.try_recv() {
        if let ControllerEvent::Stopped { reason, confirmed } = e {
            reported = reason == StopReason::ConnectionLost && !confirmed;
        }
    }
    assert!(reported);
}

#[tokio::test(start_paused = true)]
async fn aborting_the_controller_task_still_stops_the_belt() {
    let fake = Fake::new(typical(), Quirks::default());
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(secs(30)).await;
    assert!(fake.state.lock().unwrap().running);
    h.abort();
    let out = h.finish().await;
    assert!(out.reason.to_string().contains("aborted"), "{}", out.reason);
    assert!(
        out.stop_confirmed,
        "the guard did not get the stop confirmed"
    );
    assert_stopped(&fake);
}

struct PanickingSink {
    after: usize,
    seen: usize,
}

impl TelemetrySink for PanickingSink {
    fn record(&mut self, _: Sample) -> Result<(), retrowalk_controller::SinkError> {
        self.seen += 1;
        if self.seen > self.after {
            panic!("bug in the telemetry sink");
        }
        Ok(())
    }
    fn finish(&mut self) -> BoxFuture<'_, Result<(), retrowalk_controller::SinkError>> {
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_the_controller_task_still_stops_the_belt() {
    let fake = Fake::new(typical(), Quirks::default());
    let c = SessionController::new(
        fake.clone(),
        plan(300, 3.0, 0.0),
        &limits(),
        &ClinicianCaps::default(),
        Box::new(PanickingSink { after: 20, seen: 0 }),
        quiet(),
    );
    let h = c.spawn().unwrap();
    let out = h.finish().await;
    assert!(
        out.reason.to_string().contains("panicked"),
        "{}",
        out.reason
    );
    assert!(out.stop_confirmed);
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn ramps_never_exceed_the_caps_or_the_ramp_rate() {
    let fake = Fake::new(typical(), Quirks::default());
    let caps = ClinicianCaps {
        max_speed: Some(Speed::from_kmh(2.7).unwrap()),
        ..Default::default()
    };
    // The plan asks for more than the clinician allows.
    let (h, _) = start_with(&fake, plan(600, 4.0, 3.0), &caps, quiet());
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::Completed);
    let speeds = fake.set_speeds();
    assert!(!speeds.is_empty());
    for s in &speeds {
        assert!(*s <= 2.7 + 1e-12, "{s} above the clinician's cap");
        assert!(*s <= BACKWARD_SPEED_CEILING.kmh());
    }
    // Every increase is a ramp step from the previous command (or from the belt's minimum).
    let mut prev = 0.5;
    for s in &speeds {
        assert!(*s - prev <= RAMP_KMH_PER_S + 1e-9, "jump {prev} -> {s}");
        prev = *s;
    }
    assert!(
        speeds.iter().any(|s| (s - 2.7).abs() < 1e-9),
        "never reached the cap"
    );
    for i in fake.set_inclines() {
        assert!(i <= 3.0 + 1e-12);
    }
}

#[tokio::test(start_paused = true)]
async fn the_machine_range_is_respected() {
    // Top speed 2.0 km/h, 0.5 km/h steps, incline 0–1 % in whole percent.
    let fake = Fake::new(
        machine(1.0, 2.0, 0.5, Some((0.0, 1.0, 1.0))),
        Quirks::default(),
    );
    let (h, _) = start(&fake, plan(300, 3.0, 2.5), quiet());
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::Completed);
    let speeds = fake.set_speeds();
    assert!(speeds.iter().all(|s| (1.0..=2.0).contains(s)), "{speeds:?}");
    assert!(
        speeds
            .iter()
            .all(|s| ((s - 1.0) / 0.5).fract().abs() < 1e-9),
        "{speeds:?}"
    );
    let inclines = fake.set_inclines();
    assert!(
        inclines.iter().all(|i| *i == 0.0 || *i == 1.0),
        "{inclines:?}"
    );
    assert!(inclines.contains(&1.0));
}

#[tokio::test(start_paused = true)]
async fn set_speed_goes_out_only_once_the_belt_runs() {
    let fake = Fake::new(
        typical(),
        Quirks {
            ignore_while_stopped: true,
            require_control: true,
            ..Default::default()
        },
    );
    let (h, _) = start(&fake, plan(300, 3.0, 1.0), quiet());
    run_for(secs(120)).await;
    let reqs = fake.requests();
    let start = reqs
        .iter()
        .position(|r| *r == ControlRequest::StartOrResume)
        .unwrap();
    let first_set = reqs
        .iter()
        .position(|r| matches!(r, ControlRequest::SetTargetSpeed { .. }))
        .unwrap();
    assert!(start < first_set);
    let s = fake.state.lock().unwrap().speed_kmh;
    assert!(s > 0.5, "the warm-up speed never took effect: {s}");
    assert_eq!(fake.state.lock().unwrap().ignored, 0);
    h.stop("test");
    h.finish().await;
    assert_stopped(&fake);
}

#[tokio::test(start_paused = true)]
async fn a_machine_without_incline_gets_no_incline_commands() {
    let fake = Fake::new(machine(0.5, 12.0, 0.1, None), Quirks::default());
    let (h, sink) = start(&fake, plan(300, 3.0, 2.0), quiet());
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::Completed);
    assert!(fake.set_inclines().is_empty());
    assert!(fake.set_speeds().iter().any(|s| (s - 3.0).abs() < 1e-9));
    assert!(sink.samples().iter().all(|s| s.incline_pct.is_none()));
}

#[tokio::test(start_paused = true)]
async fn a_machine_that_cannot_go_slowly_enough_keeps_the_belt_stopped_for_that_part() {
    // Minimum 1.0 km/h: the 0.8 km/h turns cannot be run within the limits.
    let fake = Fake::new(machine(1.0, 12.0, 0.1, None), Quirks::default());
    let (h, _) = start(&fake, plan(300, 3.0, 0.0), quiet());
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::Completed);
    assert!(fake.set_speeds().iter().all(|s| *s >= 1.0));
    assert!(fake.requests().contains(&ControlRequest::Pause));
}

#[tokio::test(start_paused = true)]
async fn telemetry_uses_the_distance_the_machine_measured() {
    let fake = Fake::new(typical(), Quirks::default());
    let (h, sink) = start(&fake, plan(300, 3.0, 0.0), quiet());
    run_for(Duration::from_millis(10_500)).await;
    fake.notify(Notification::Data(TreadmillData {
        speed_kmh: Some(2.9),
        total_distance_m: Some(40),
        ..Default::default()
    }));
    run_for(secs(2)).await;
    // The machine reset its counter (quirk 9): the total keeps counting.
    fake.notify(Notification::Data(TreadmillData {
        speed_kmh: Some(2.9),
        total_distance_m: Some(3),
        ..Default::default()
    }));
    run_for(secs(2)).await;
    h.stop("test");
    h.finish().await;
    let s = sink.samples();
    assert!(s.iter().any(|x| x.distance_m == 40.0 && x.speed_kmh == 2.9));
    assert_eq!(s.last().unwrap().distance_m, 43.0);
}
