//! The 1 Hz telemetry into a real store (an SQLite file): one row per session second, what
//! the simulated belt measured, flushed while the session runs so a crash loses at most a
//! second or so.

mod common;

use common::{limits, plan};
use retrowalk_controller::{Config, SessionController, StopReason, StoreSink};
use retrowalk_core::ClinicianCaps;
use retrowalk_ftms::{SimConfig, SimHeartRate, SimTreadmill};
use retrowalk_store::{Role, Store};
use std::sync::Arc;
use std::time::Duration;

async fn store_with_run(dir: &tempfile::TempDir) -> (Store, String) {
    let path = dir.path().join("retrowalk.db");
    let store = Store::open(path.to_str().unwrap()).await.unwrap();
    let user = store
        .create_user("walker@example.org", "Walker", None, Role::Person)
        .await
        .unwrap();
    store
        .start_run("run-1", user, &serde_json::json!({"treadmill": "sim"}))
        .await
        .unwrap();
    (store, "run-1".to_string())
}

/// A short session: the real plan's segments, each cut to a few seconds.
fn short_plan() -> retrowalk_core::session::SessionPlan {
    let mut p = plan(300, 3.0, 1.0);
    for s in &mut p.segments {
        s.duration_s = s.duration_s.min(8);
    }
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_session_second_is_a_row_of_what_the_belt_measured() {
    let dir = tempfile::tempdir().unwrap();
    let (store, run) = store_with_run(&dir).await;
    // Demo speed: 25 session seconds per real second; the machine's physics and data
    // keep pace so its readings are of the same session.
    let m = Arc::new(SimTreadmill::new(SimConfig {
        accel_kmh_per_s: 0.5 * 25.0,
        incline_rate_percent_per_s: 0.5 * 25.0,
        data_interval: Duration::from_millis(40),
        heart_rate: Some(SimHeartRate::default()),
        ..SimConfig::default()
    }));
    let p = short_plan();
    let total = p.total_s();
    let h = SessionController::new(
        m.clone(),
        p,
        &limits(),
        &ClinicianCaps::default(),
        Box::new(StoreSink::spawn(store.clone(), run.clone())),
        Config {
            time_scale: 25.0,
            heartbeat_timeout: None,
            ..Config::default()
        },
    )
    .spawn()
    .unwrap();
    // Rows arrive while the session is still running (flushed about once a second).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !h.is_finished(),
        "the session ended too early to test flushing"
    );
    let mid = store.samples(&run).await.unwrap();
    assert!(mid.len() >= 10, "only {} rows after 1.5 s", mid.len());
    let out = h.finish().await;
    assert_eq!(out.reason, StopReason::Completed);
    let rows = store.samples(&run).await.unwrap();
    assert_eq!(rows.len() as u32, total, "one row per session second");
    assert!(rows
        .iter()
        .enumerate()
        .all(|(i, r)| r.t_ms == (i as i64 + 1) * 1000));
    assert!(
        rows.iter().any(|r| r.speed_kmh > 1.0),
        "no belt speed recorded"
    );
    assert!(rows.iter().any(|r| r.heart_rate.is_some_and(|b| b > 70)));
    assert!(rows.iter().any(|r| !r.rr_ms.is_empty()));
    assert!(rows.iter().any(|r| r.incline_pct.is_some()));
    assert!(rows.windows(2).all(|w| w[1].distance_m >= w[0].distance_m));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_fails_does_not_stop_the_belt_but_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_run(&dir).await;
    let m = Arc::new(SimTreadmill::new(SimConfig::default()));
    // No such run: every write is refused by the foreign key.
    let sink = StoreSink::spawn(store.clone(), "no-such-run".into());
    let c = SessionController::new(
        m.clone(),
        short_plan(),
        &limits(),
        &ClinicianCaps::default(),
        Box::new(sink),
        Config {
            time_scale: 25.0,
            heartbeat_timeout: None,
            ..Config::default()
        },
    );
    let mut events = c.subscribe();
    let out = c.spawn().unwrap().finish().await;
    // The belt did its session and stopped; the failure was reported as a warning.
    assert_eq!(out.reason, StopReason::Completed);
    assert!(out.stop_confirmed);
    let mut warned = false;
    while let Ok(e) = events.try_recv() {
        if let retrowalk_controller::ControllerEvent::Warning { message } = e {
            warned |= message.contains("telemetry");
        }
    }
    assert!(warned, "no warning that telemetry was not stored");
}
