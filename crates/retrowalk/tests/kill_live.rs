//! Durability (issue 6): `kill -9` of `retrowalk serve` in the middle of a live treadmill
//! session loses at most the last second of telemetry (plus one flush interval) and no
//! acknowledged session log. Runs on SQLite, and on PostgreSQL when RETROWALK_TEST_PG is
//! set (required under CI).

use retrowalk_store::Store;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod common;
use common::http::{call, Jar};
use common::server::start;

/// Reads the run's event stream on its own thread and sends the session second of every
/// telemetry event with the wall-clock time it arrived.
fn watch_telemetry(addr: SocketAddr, jar: &Jar, run: &str) -> mpsc::Receiver<(u64, f64)> {
    let mut s = TcpStream::connect(addr).expect("connect");
    let req = format!(
        "GET /api/runs/{run}/live HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n{}\r\n",
        jar.headers()
    );
    s.write_all(req.as_bytes()).unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut event = String::new();
        for line in BufReader::new(s).lines() {
            let Ok(line) = line else { return };
            if let Some(e) = line.strip_prefix("event:") {
                event = e.trim().to_string();
            } else if let Some(d) = line.strip_prefix("data:") {
                if event == "telemetry" {
                    let v: Value = serde_json::from_str(d.trim()).expect("telemetry JSON");
                    if tx
                        .send((v["t_s"].as_u64().expect("t_s"), unix_now()))
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    });
    rx
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

const START: &str = "2026-01-05";

/// Signs up a walker with a running programme; returns their id.
fn walker(a: SocketAddr, jar: &mut Jar, email: &str) -> i64 {
    assert_eq!(call(a, jar, "GET", "/api/csrf", None).status, 200);
    let r = call(
        a,
        jar,
        "POST",
        "/api/signup",
        Some(
            json!({"email": email, "password": "correct horse battery", "name": "Kay", "role": "walker"}),
        ),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let user = r.json()["user"]["id"].as_i64().unwrap();
    let profile = json!({
        "name": "Kay", "age": 58, "body_mass": 72.0, "units": "kmh", "goal": "knee_rehab",
        "schedule": {"days": ["Monday", "Wednesday", "Friday"]}
    });
    let r = call(
        a,
        jar,
        "PUT",
        &format!("/api/profile?date={START}"),
        Some(profile),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    user
}

fn start_sim_run(a: SocketAddr, jar: &mut Jar) -> String {
    let r = call(
        a,
        jar,
        "POST",
        "/api/runs",
        Some(json!({"date": "2026-01-07", "treadmill": "sim"})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["run_id"].as_str().unwrap().to_string()
}

/// The run, its walker, the last telemetry second seen on the stream, the kill's wall-clock
/// time, and the wall-clock time of session second 0 (from when the figures arrived).
fn scenario(db: &str) -> (String, i64, u64, f64, f64) {
    let mut server = start(db);
    let a = server.addr;
    let mut jar = Jar::default();
    let user = walker(a, &mut jar, "kill@example.org");
    // The acknowledged log: once this answers 200 it must survive anything.
    let log = json!({"date": START, "backward_min": 4.5, "effort": 4, "pain_before": 0,
                     "pain_during": 1, "pain_after": 1, "rails": "light"});
    let r = call(
        a,
        &mut jar,
        "POST",
        &format!("/api/log?date={START}"),
        Some(log),
    );
    assert_eq!(r.status, 200, "{}", r.body);

    let run = start_sim_run(a, &mut jar);

    // The runner's heartbeat, so the controller keeps the belt going until the kill.
    let beating = Arc::new(AtomicBool::new(true));
    let beat = {
        let (beating, mut jar, run) = (beating.clone(), jar.clone(), run.clone());
        std::thread::spawn(move || {
            while beating.load(Ordering::SeqCst) {
                let r = call(
                    a,
                    &mut jar,
                    "POST",
                    &format!("/api/runs/{run}/heartbeat"),
                    Some(json!({})),
                );
                assert_eq!(r.status, 204, "{}", r.body);
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };
    let telemetry = watch_telemetry(a, &jar, &run);
    let mut last_seen = 0;
    let mut origin = f64::INFINITY;
    let mut note = |(t_s, at): (u64, f64)| {
        last_seen = last_seen.max(t_s);
        origin = origin.min(at - t_s as f64);
        last_seen
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while note(
        telemetry
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("telemetry for six seconds within 30 s"),
    ) < 6
    {}
    // Mid-second, as a kill would come at any time.
    std::thread::sleep(Duration::from_millis(400));
    while let Ok(t) = telemetry.try_recv() {
        note(t);
    }
    beating.store(false, Ordering::SeqCst);
    beat.join().expect("every heartbeat was taken");
    server.child.kill().expect("SIGKILL");
    let killed_at = unix_now();
    server.child.wait().unwrap();
    while let Ok(t) = telemetry.try_recv() {
        note(t);
    }

    // A new process on the same database: the acknowledged log is there.
    let server = start(db);
    let h = call(server.addr, &mut jar, "GET", "/api/history", None);
    assert_eq!(h.status, 200, "{}", h.body);
    let h = h.json();
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 1, "{h:?}");
    let logged = h[0].to_string();
    assert!(
        logged.contains(START) && logged.contains("\"backward_s\":270"),
        "{logged}"
    );
    // The run the dead process drove was closed when this one started: its runner hears
    // that it has stopped (409), not that another process drives it (503).
    let r = call(
        server.addr,
        &mut jar,
        "POST",
        &format!("/api/runs/{run}/heartbeat"),
        Some(json!({})),
    );
    assert_eq!(r.status, 409, "{}", r.body);
    // Nor does it block a restore of the person's own backup.
    let backup = call(
        server.addr,
        &mut jar,
        "GET",
        "/api/export/backup.json",
        None,
    );
    assert_eq!(backup.status, 200, "{}", backup.body);
    let r = call(
        server.addr,
        &mut jar,
        "POST",
        "/api/import/backup?replace=true",
        Some(backup.json()),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    drop(server);
    (run, user, last_seen, killed_at, origin)
}

async fn check(db: &str) {
    let owned = db.to_string();
    let (run, user, last_seen, killed_at, origin) =
        tokio::task::spawn_blocking(move || scenario(&owned))
            .await
            .unwrap();
    let store = Store::open(db).await.expect("open the database");
    let samples = store.samples(&run).await.unwrap();
    let stored = store.runs(user).await.unwrap();
    let r = stored
        .iter()
        .find(|r| r.id == run)
        .expect("the run is stored");
    assert!(
        r.ended_at.is_some() && r.stop_reason.as_deref() == Some(retrowalk_store::SERVER_DIED),
        "the next process closed the run its killed predecessor drove: {r:?}"
    );
    store.close().await;
    let last_ms = samples.last().map(|s| s.t_ms).unwrap_or(0);
    // Every second up to the last stored one is there, and nothing after the kill.
    let times: Vec<i64> = samples.iter().map(|s| s.t_ms).collect();
    assert_eq!(
        times,
        (1..=times.len() as i64)
            .map(|k| k * 1000)
            .collect::<Vec<_>>()
    );
    assert!(
        last_ms <= last_seen as i64 * 1000,
        "{last_ms} vs {last_seen}"
    );
    // Seen on the stream at most a second before the kill; stored at most one flush
    // interval (1 s) later: so no more than two session seconds are missing.
    assert!(
        last_ms >= (last_seen as i64 - 2) * 1000,
        "last stored sample {last_ms} ms, last streamed {last_seen} s"
    );
    // Against the wall clock: the last stored second was measured this long before the
    // kill (a sample period of 1 s, plus one flush interval of 1 s, plus write time).
    let lost_s = killed_at - (origin + last_ms as f64 / 1000.0);
    eprintln!(
        "kill -9: {} samples stored, last at {last_ms} ms, last streamed at {last_seen} s, \
         {lost_s:.2} s of wall-clock time before the kill not stored",
        samples.len()
    );
    assert!(
        lost_s <= 2.5,
        "{lost_s:.2} s lost (1 s + one 1 s flush interval + 0.5 s slack allowed)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_session_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.db").display().to_string();
    check(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_session_on_postgres() {
    let Some(db) = retrowalk_store::testing::fresh_postgres_url("rw_kill").await else {
        return;
    };
    check(&db).await;
}

/// SIGTERM stops the belt of every live run before the process exits, and an open event
/// stream does not hold the shutdown up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_belt_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("term.db").display().to_string();
    let owned = db.clone();
    let (run, user, streamed) = tokio::task::spawn_blocking(move || {
        let mut server = start(&owned);
        let a = server.addr;
        let mut jar = Jar::default();
        let user = walker(a, &mut jar, "term@example.org");
        let run = start_sim_run(a, &mut jar);
        let telemetry = watch_telemetry(a, &jar, &run);
        for _ in 0..2 {
            telemetry
                .recv_timeout(Duration::from_secs(15))
                .expect("telemetry");
        }
        let pid = server.child.id().to_string();
        let term = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(term.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(st) = server.child.try_wait().unwrap() {
                break st;
            }
            assert!(Instant::now() < deadline, "no exit within 20 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "exit after SIGTERM: {status:?}");
        let streamed = telemetry.try_iter().count();
        (run, user, streamed)
    })
    .await
    .unwrap();
    let store = Store::open(&db).await.unwrap();
    let r = store
        .runs(user)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == run)
        .unwrap();
    store.close().await;
    assert!(r.ended_at.is_some(), "the run was ended");
    let reason = r.stop_reason.unwrap_or_default();
    assert!(
        reason.starts_with("treadmill ") && reason.contains("server shutting down"),
        "{reason} ({streamed} more telemetry events)"
    );
}
