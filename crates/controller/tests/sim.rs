//! Every stop cause against the simulated treadmill (the physical model, its codecs and its
//! status echoes), on tokio's paused clock: each must put a Stop on the simulated wire and
//! leave the belt halted.

mod common;

use common::{limits, plan};
use retrowalk_controller::{
    Command, Config, MemorySink, SessionController, SessionHandle, SinkError, StopReason,
    TelemetrySink,
};
use retrowalk_core::session::SessionPlan;
use retrowalk_core::ClinicianCaps;
use retrowalk_ftms::{
    BoxFuture, ControlRequest, SimConfig, SimHeartRate, SimOutcome, SimTreadmill,
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

fn sim(config: SimConfig) -> Arc<SimTreadmill> {
    Arc::new(SimTreadmill::new(config))
}

fn start(
    sim: &Arc<SimTreadmill>,
    plan: SessionPlan,
    config: Config,
) -> (SessionHandle, MemorySink) {
    let sink = MemorySink::new();
    let c = SessionController::new(
        sim.clone(),
        plan,
        &limits(),
        &ClinicianCaps::default(),
        Box::new(sink.clone()),
        config,
    );
    (c.spawn().unwrap(), sink)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn stops(sim: &SimTreadmill) -> usize {
    sim.count_received(|r| *r == ControlRequest::Stop)
}

/// The belt ran, a Stop reached the machine and was answered, and the belt is halted (it
/// coasts down at the machine's deceleration, so give it time).
async fn assert_stopped(sim: &SimTreadmill) {
    let log = sim.log();
    assert!(
        log.iter().any(|(_, r)| *r == ControlRequest::StartOrResume),
        "the belt never started"
    );
    assert!(
        sim.entries()
            .iter()
            .any(|e| e.request == ControlRequest::Stop
                && e.outcome == SimOutcome::Answered(retrowalk_ftms::ResultCode::Success)),
        "no Stop answered Success: {log:?}"
    );
    assert!(!sim.is_running(), "belt still running");
    tokio::time::sleep(secs(20)).await;
    assert_eq!(sim.belt_speed_kmh(), 0.0);
}

#[tokio::test(start_paused = true)]
async fn a_whole_session_on_the_simulator_completes_and_stops() {
    let m = sim(SimConfig::quirky());
    let p = plan(300, 3.0, 2.0);
    let total = p.total_s();
    let (h, sink) = start(&m, p, quiet());
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::Completed, "{out:?}");
    assert!(out.stop_confirmed);
    assert_eq!(sim_last(&m), Some(ControlRequest::Stop));
    assert_stopped(&m).await;
    let samples = sink.samples();
    assert_eq!(samples.len() as u32, total);
    // The telemetry is what the simulated belt measured: it reached the bout's 3 km/h and
    // 2 % and covered a plausible distance (about 300 s at 3 km/h backward plus the rest).
    assert!(samples.iter().any(|s| (s.speed_kmh - 3.0).abs() < 0.05));
    assert!(samples.iter().any(|s| s.incline_pct == Some(2.0)));
    let d = samples.last().unwrap().distance_m;
    assert!((400.0..900.0).contains(&d), "distance {d}");
}

fn sim_last(m: &SimTreadmill) -> Option<ControlRequest> {
    m.log().last().map(|(_, r)| *r)
}

#[tokio::test(start_paused = true)]
async fn stop_from_an_interface() {
    let m = sim(SimConfig::default());
    let (h, _) = start(&m, plan(300, 3.0, 0.0), quiet());
    // Past the 180 s warm-up and the 20 s turn, into the backward bout.
    tokio::time::sleep(secs(230)).await;
    assert!(m.belt_speed_kmh() > 2.0, "{}", m.belt_speed_kmh());
    h.stop("terminal");
    let out = h.finish().await;
    assert_eq!(
        out.reason,
        StopReason::Requested {
            by: "terminal".into()
        }
    );
    assert!(out.stop_confirmed);
    assert_eq!(stops(&m), 1);
    assert_stopped(&m).await;
}

#[tokio::test(start_paused = true)]
async fn pause_halts_the_belt_and_the_pause_echo_does_not_end_the_session() {
    let m = sim(SimConfig::default());
    let (h, _) = start(&m, plan(300, 3.0, 0.0), quiet());
    tokio::time::sleep(secs(60)).await;
    h.commands().send(Command::Pause).unwrap();
    tokio::time::sleep(secs(30)).await;
    assert_eq!(sim_last(&m), Some(ControlRequest::Pause));
    assert!(!m.is_running());
    assert_eq!(m.belt_speed_kmh(), 0.0);
    assert!(
        !h.is_finished(),
        "the machine's 'paused' status ended the session"
    );
    h.commands().send(Command::Resume).unwrap();
    tokio::time::sleep(secs(10)).await;
    assert!(m.is_running());
    h.stop("test");
    h.finish().await;
    assert_stopped(&m).await;
}

#[tokio::test(start_paused = true)]
async fn heart_rate_above_the_cap() {
    let m = sim(SimConfig {
        heart_rate: Some(SimHeartRate::default()),
        ..SimConfig::default()
    });
    let (h, sink) = start(
        &m,
        plan(300, 3.0, 0.0),
        Config {
            hr_cap: Some(150),
            ..quiet()
        },
    );
    tokio::time::sleep(secs(120)).await;
    assert!(!h.is_finished(), "stopped under the cap");
    m.set_heart_rate(Some(163));
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::HeartRate { bpm: 163, cap: 150 });
    assert_stopped(&m).await;
    // The modelled heart rate and its RR intervals were recorded.
    let s = sink.samples();
    assert!(s.iter().any(|x| x.heart_rate.is_some_and(|b| b > 70)));
    assert!(s.iter().any(|x| !x.rr_ms.is_empty()));
}

#[tokio::test(start_paused = true)]
async fn missing_ui_heartbeat() {
    let m = sim(SimConfig::default());
    let (h, _) = start(
        &m,
        plan(300, 3.0, 0.0),
        Config {
            heartbeat_timeout: Some(secs(4)),
            ..Config::default()
        },
    );
    let tx = h.commands();
    for _ in 0..20 {
        tokio::time::sleep(secs(2)).await;
        tx.send(Command::Heartbeat).unwrap();
    }
    assert!(!h.is_finished());
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::HeartbeatLost { after_ms: 4000 });
    assert_stopped(&m).await;
}

#[tokio::test(start_paused = true)]
async fn an_error_from_the_machine() {
    // Another client takes control mid-session.
    let m = sim(SimConfig::default());
    let (h, _) = start(&m, plan(300, 3.0, 0.0), quiet());
    tokio::time::sleep(secs(40)).await;
    m.revoke_control();
    let out = h.finish().await;
    assert_eq!(out.reason.code(), "error", "{}", out.reason);
    assert_stopped(&m).await;
}

#[tokio::test(start_paused = true)]
async fn a_control_point_that_never_answers() {
    // Writes arrive but their answers come after the controller's timeout: an error, and
    // the Stop still reaches the machine.
    let m = sim(SimConfig {
        response_delay: secs(5),
        ..SimConfig::default()
    });
    let (h, _) = start(
        &m,
        plan(300, 3.0, 0.0),
        Config {
            command_timeout: secs(1),
            stop_attempts: 2,
            ..quiet()
        },
    );
    let out = h.finish().await;
    assert_eq!(out.reason.code(), "error", "{}", out.reason);
    assert!(stops(&m) >= 1);
    assert!(!m.is_running());
}

#[tokio::test(start_paused = true)]
async fn stop_or_safety_key_at_the_machine() {
    let m = sim(SimConfig::default());
    let (h, _) = start(&m, plan(300, 3.0, 0.0), quiet());
    tokio::time::sleep(secs(30)).await;
    m.pull_safety_key();
    let out = h.finish().await;
    assert_eq!(out.reason.code(), "machine_stop");
    // The controller still writes Stop, so the machine does not resume on its own.
    assert_stopped(&m).await;
}

#[tokio::test(start_paused = true)]
async fn lost_connection_still_tries_the_stop() {
    let m = sim(SimConfig {
        disconnect_after: Some(secs(90)),
        ..SimConfig::default()
    });
    let (h, _) = start(&m, plan(300, 3.0, 0.0), quiet());
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::ConnectionLost);
    assert!(
        !out.stop_confirmed,
        "a stop cannot be confirmed without a link"
    );
    let last = m.entries().last().cloned().unwrap();
    assert_eq!(last.request, ControlRequest::Stop);
    assert_eq!(last.outcome, SimOutcome::NotDelivered);
}

#[tokio::test(start_paused = true)]
async fn every_interface_gone() {
    // Nobody can send a command any more (the terminal or server went away): stop.
    let m = sim(SimConfig::default());
    let (h, _) = start(&m, plan(300, 3.0, 0.0), quiet());
    let mut events = h.subscribe();
    tokio::time::sleep(secs(30)).await;
    drop(h);
    let reason = loop {
        match events.recv().await.unwrap() {
            retrowalk_controller::ControllerEvent::Stopped { reason, .. } => break reason,
            _ => continue,
        }
    };
    assert_eq!(reason, StopReason::Shutdown);
    assert_stopped(&m).await;
}

struct PanickingSink(usize);

impl TelemetrySink for PanickingSink {
    fn record(&mut self, _: Sample) -> Result<(), SinkError> {
        self.0 += 1;
        assert!(self.0 < 40, "bug in the telemetry sink");
        Ok(())
    }
    fn finish(&mut self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_the_controller() {
    let m = sim(SimConfig::default());
    let c = SessionController::new(
        m.clone(),
        plan(300, 3.0, 0.0),
        &limits(),
        &ClinicianCaps::default(),
        Box::new(PanickingSink(0)),
        quiet(),
    );
    let out = c.spawn().unwrap().finish().await;
    assert!(
        out.reason.to_string().contains("panicked"),
        "{}",
        out.reason
    );
    assert!(out.stop_confirmed);
    assert_stopped(&m).await;
}

#[tokio::test(start_paused = true)]
async fn an_aborted_controller() {
    let m = sim(SimConfig::default());
    let (h, _) = start(&m, plan(300, 3.0, 0.0), quiet());
    tokio::time::sleep(secs(45)).await;
    assert!(m.is_running());
    h.abort();
    let out = h.finish().await;
    assert!(out.reason.to_string().contains("aborted"), "{}", out.reason);
    assert!(out.stop_confirmed);
    assert_stopped(&m).await;
}

/// Process shutdown: the runtime the controller runs on is dropped mid-session (what
/// happens when `main` returns or the server exits); the guard still stops the belt.
#[test]
fn the_runtime_shutting_down() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let m = rt.block_on(async {
        let m = sim(SimConfig::default());
        let (h, _) = start(
            &m,
            plan(300, 3.0, 0.0),
            Config {
                time_scale: 50.0,
                ..quiet()
            },
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(m.is_running());
        // The handle is kept alive so this is not the "every interface gone" stop.
        std::mem::forget(h);
        m
    });
    drop(rt);
    assert!(
        !m.is_running(),
        "the belt runs on after the runtime shut down"
    );
    assert_eq!(sim_last(&m), Some(ControlRequest::Stop));
}
