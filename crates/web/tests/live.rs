//! The web runner's live treadmill: a run started with the simulated treadmill is driven
//! by a session controller in this process, streams its telemetry as Server-Sent Events,
//! records it, and stops the belt on STOP, on a lost heartbeat and on shutdown.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use retrowalk_ftms::{ControlRequest, SimTreadmill};
use retrowalk_store::{Sample, Store};
use retrowalk_web::Settings;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// An open event stream read frame by frame.
struct Events {
    body: Body,
    buf: String,
}

impl Events {
    async fn open(c: &Client, path: &str) -> Events {
        let req: Request<Body> = c.request("GET", path, None);
        let res = c.router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Events {
            body: res.into_body(),
            buf: String::new(),
        }
    }

    /// The next event (name, JSON data), or None when the stream ended or nothing came
    /// within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(n) = line.strip_prefix("event:") {
                        name = n.trim().to_string();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim());
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some((name, serde_json::from_str(&data).unwrap()));
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .ok()??
                .unwrap();
            if let Ok(bytes) = frame.into_data() {
                self.buf.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }

    /// Reads until an event satisfies `pred`; panics after `wait`.
    async fn until(
        &mut self,
        wait: Duration,
        mut pred: impl FnMut(&str, &Value) -> bool,
    ) -> (String, Value) {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left).await {
                Some((n, d)) if pred(&n, &d) => return (n, d),
                Some(_) => {}
                None => panic!("no matching event within {wait:?}"),
            }
        }
    }
}

async fn start_sim(t: &TestApp, c: &mut Client, uid: i64) -> (String, Value, Arc<SimTreadmill>) {
    let run = c
        .post("/api/runs", json!({"date": START, "treadmill": "sim"}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(run["treadmill"], "sim");
    let id = run["run_id"].as_str().unwrap().to_string();
    let sim = t
        .state
        .live_treadmill(&id, uid)
        .expect("the run's treadmill is driven by this process");
    (id, run, sim)
}

/// Sends the runner's heartbeat every half second until dropped.
fn keep_beating(c: &Client, id: &str) -> tokio::task::JoinHandle<()> {
    let mut c = c.clone();
    let path = format!("/api/runs/{id}/heartbeat");
    tokio::spawn(async move {
        loop {
            c.post(&path, json!({})).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
}

fn stops(sim: &SimTreadmill) -> usize {
    sim.count_received(|r| *r == ControlRequest::Stop)
}

async fn wait_for(what: &str, wait: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + wait;
    while !f() {
        assert!(Instant::now() < deadline, "{what} within {wait:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn stored_reason(t: &TestApp, uid: i64, id: &str) -> Option<String> {
    t.state
        .svc
        .store
        .runs(uid)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .and_then(|r| r.stop_reason)
}

async fn sim_run_streams_telemetry_and_stop_halts_the_belt(store: Store) {
    let t = TestApp::new(store);
    let (mut c, uid) = walker_with_programme(&t, "belt@example.org").await;
    let (id, run, sim) = start_sim(&t, &mut c, uid).await;
    let beat = keep_beating(&c, &id);
    let first_speed = run["plan"]["segments"][0]["speed"].as_f64().unwrap();

    let mut ev = Events::open(&c, &format!("/api/runs/{id}/live")).await;
    let (_, tel) = ev
        .until(Duration::from_secs(15), |n, d| {
            n == "telemetry" && d["speed_kmh"].as_f64().unwrap() > 0.0
        })
        .await;
    for k in ["speed_kmh", "distance_m", "hr_bpm", "target_speed_kmh"] {
        assert!(tel[k].is_number(), "{k} in {tel}");
    }
    assert!(tel["incline_pct"].is_number(), "{tel}");
    let speed = tel["speed_kmh"].as_f64().unwrap();
    assert!(
        speed <= first_speed + 1e-9,
        "belt {speed} km/h above the segment's {first_speed} km/h"
    );
    // A few more seconds of figures, never above the segment's speed.
    for _ in 0..2 {
        let (_, tel) = ev
            .until(Duration::from_secs(5), |n, _| n == "telemetry")
            .await;
        assert!(
            tel["speed_kmh"].as_f64().unwrap() <= first_speed + 1e-9,
            "{tel}"
        );
    }
    assert!(sim.is_running());
    assert_eq!(stops(&sim), 0);

    // The runner pauses at STOP, then sends the reason.
    c.post(&format!("/api/runs/{id}/pause"), json!({}))
        .await
        .expect(StatusCode::OK);
    let stop = c
        .post(
            &format!("/api/runs/{id}/stop"),
            json!({"reason": "dizziness", "note": "room spun"}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(stop["stopped_early"], "dizziness");
    assert_eq!(stop["treadmill_stopped"], true);
    beat.abort();
    let (_, stopped) = ev
        .until(Duration::from_secs(10), |n, _| n == "stopped")
        .await;
    assert_eq!(stopped["reason"], "user_stop", "{stopped}");
    assert_eq!(stopped["confirmed"], true, "{stopped}");
    assert!(
        stops(&sim) >= 1,
        "the Stop went out: {:?}",
        sim.log().iter().map(|(_, r)| *r).collect::<Vec<_>>()
    );
    assert!(
        ev.next(Duration::from_secs(2)).await.is_none(),
        "the stream ends"
    );
    wait_for("the belt stands still", Duration::from_secs(15), || {
        sim.belt_speed_kmh() == 0.0
    })
    .await;
    assert_eq!(
        stored_reason(&t, uid, &id).await.as_deref(),
        Some("dizziness: room spun")
    );
    // The telemetry the controller measured was recorded, second by second.
    let samples = t.state.svc.store.samples(&id).await.unwrap();
    assert!(samples.len() >= 3, "{samples:?}");
    assert!(samples.iter().any(|s| s.speed_kmh > 0.0));
    let times: Vec<i64> = samples.iter().map(|s| s.t_ms).collect();
    assert!(
        times.windows(2).all(|w| w[1] - w[0] == 1000),
        "one sample a second: {times:?}"
    );
    // The run is over: a second STOP is refused, the stream too.
    c.post(&format!("/api/runs/{id}/stop"), json!({"reason": "other"}))
        .await
        .expect(StatusCode::CONFLICT);
    wait_for("the controller is released", Duration::from_secs(5), || {
        t.state.live_treadmill(&id, uid).is_none()
    })
    .await;
    c.get(&format!("/api/runs/{id}/live"))
        .await
        .expect(StatusCode::CONFLICT);
}

async fn a_missing_heartbeat_stops_the_belt(store: Store) {
    let t = TestApp::with(
        store,
        Settings {
            heartbeat_timeout: Duration::from_millis(1500),
            ..test_settings()
        },
    );
    let (mut c, uid) = walker_with_programme(&t, "quiet@example.org").await;
    let (id, _, sim) = start_sim(&t, &mut c, uid).await;
    let mut ev = Events::open(&c, &format!("/api/runs/{id}/live")).await;
    // No heartbeat is ever sent.
    let (_, stopped) = ev
        .until(Duration::from_secs(10), |n, _| n == "stopped")
        .await;
    assert_eq!(stopped["reason"], "heartbeat_lost", "{stopped}");
    assert!(stops(&sim) >= 1);
    wait_for("the reason is stored", Duration::from_secs(5), || {
        t.state.live_treadmill(&id, uid).is_none()
    })
    .await;
    let r = stored_reason(&t, uid, &id).await.unwrap();
    assert!(r.starts_with("treadmill heartbeat_lost"), "{r}");
    // The person's reason is still taken afterwards, beside the treadmill's.
    c.post(&format!("/api/runs/{id}/stop"), json!({"reason": "other"}))
        .await
        .expect(StatusCode::OK);
    let r = stored_reason(&t, uid, &id).await.unwrap();
    assert!(
        r.starts_with("other (after the treadmill heartbeat_lost"),
        "{r}"
    );
    c.post(&format!("/api/runs/{id}/heartbeat"), json!({}))
        .await
        .expect(StatusCode::CONFLICT);
}

async fn another_walker_cannot_watch_or_stop(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, ada_id) = walker_with_programme(&t, "ada-live@example.org").await;
    let (mut bob, _) = walker_with_programme(&t, "bob-live@example.org").await;
    let (id, _, sim) = start_sim(&t, &mut ada, ada_id).await;
    let beat = keep_beating(&ada, &id);
    for (m, p) in [
        ("GET", "live"),
        ("POST", "heartbeat"),
        ("POST", "pause"),
        ("POST", "resume"),
    ] {
        let body = (m == "POST").then(|| json!({}));
        bob.call(m, &format!("/api/runs/{id}/{p}"), body)
            .await
            .expect(StatusCode::NOT_FOUND);
    }
    bob.post(&format!("/api/runs/{id}/stop"), json!({"reason": "other"}))
        .await
        .expect(StatusCode::NOT_FOUND);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stops(&sim), 0, "Bob's calls never reached Ada's belt");
    assert!(t.state.live_treadmill(&id, ada_id).is_some());
    let asked = tokio::time::Instant::now();
    ada.post(
        &format!("/api/runs/{id}/stop"),
        json!({"reason": "finished"}),
    )
    .await
    .expect(StatusCode::OK);
    let answered = asked.elapsed();
    beat.abort();
    wait_for("Ada's belt stopped", Duration::from_secs(5), || {
        stops(&sim) >= 1
    })
    .await;
    // From the request to the Stop reaching the treadmill, through HTTP, the handler and
    // the controller (the database write of the reason happens alongside).
    let written = sim
        .entries()
        .iter()
        .find(|e| e.request == ControlRequest::Stop)
        .map(|e| e.at.duration_since(asked))
        .unwrap();
    eprintln!("STOP over HTTP: Stop written after {written:?}, answered after {answered:?}");
    assert!(written < Duration::from_millis(500), "{written:?}");
}

/// Two app states on one database stand for two server processes.
async fn another_process_answers_503_but_takes_stop(store: Store) {
    let a = TestApp::new(store.clone());
    let b = TestApp::new(store);
    let (mut on_a, uid) = walker_with_programme(&a, "two@example.org").await;
    let (id, _, sim) = start_sim(&a, &mut on_a, uid).await;
    let beat = keep_beating(&on_a, &id);
    let mut on_b = b.client();
    on_b.jar = on_a.jar.clone();
    for (m, p) in [
        ("GET", "live"),
        ("POST", "heartbeat"),
        ("POST", "pause"),
        ("POST", "resume"),
    ] {
        let body = (m == "POST").then(|| json!({}));
        let r = on_b.call(m, &format!("/api/runs/{id}/{p}"), body).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{m} {p}");
        assert!(
            r.json()["error"]
                .as_str()
                .unwrap()
                .contains("another retrowalk server process"),
            "{}",
            r.text()
        );
    }
    assert_eq!(stops(&sim), 0);
    // STOP works from any process: B records it, A reads it and stops its belt, even
    // while the screen keeps beating.
    let asked = Instant::now();
    let r = on_b
        .post(
            &format!("/api/runs/{id}/stop"),
            json!({"reason": "pain", "note": "left knee"}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(r["treadmill_forwarded"], true, "{r}");
    wait_for("A stops its belt", Duration::from_secs(3), || {
        stops(&sim) >= 1
    })
    .await;
    eprintln!(
        "STOP via another process reached the belt in {:?}",
        asked.elapsed()
    );
    wait_for("A releases the controller", Duration::from_secs(5), || {
        a.state.live_treadmill(&id, uid).is_none()
    })
    .await;
    beat.abort();
    assert_eq!(
        stored_reason(&a, uid, &id).await.as_deref(),
        Some("pain: left knee"),
        "A did not overwrite the person's reason"
    );
    // Stopped once: the second STOP, on either process, is refused.
    for c in [&mut on_a, &mut on_b] {
        c.post(&format!("/api/runs/{id}/stop"), json!({"reason": "other"}))
            .await
            .expect(StatusCode::CONFLICT);
    }
}

/// The clinician's caps bound every speed planned and written to the belt, and a heart rate above the
/// person's cap (from their age and tier) stops it.
async fn the_persons_caps_reach_the_belt(store: Store) {
    let t = TestApp::new(store);
    let (mut c, uid) = walker_with_programme(&t, "capped@example.org").await;
    let mut doc = t.client();
    doc.signup("doc-live@example.org", "clinician").await;
    t.approve("doc-live@example.org").await;
    let code = doc.post("/api/invites", json!({})).await.json()["code"].clone();
    c.post("/api/invites/accept", json!({ "code": code }))
        .await
        .expect(StatusCode::OK);
    let seq = doc.get(&format!("/api/patients/{uid}")).await.json()["seq"].clone();
    doc.put(
        &format!("/api/patients/{uid}/caps"),
        json!({"max_speed_kmh": 1.0, "expected_seq": seq}),
    )
    .await
    .expect(StatusCode::OK);
    let (id, run, sim) = start_sim(&t, &mut c, uid).await;
    let beat = keep_beating(&c, &id);
    // Issue 12: the warm-up is planned, shown and spoken at the cap too, not only clamped
    // on the belt (it used to say 3.2 km/h and run at 1.0).
    let planned = run["plan"]["segments"][0]["speed"].as_f64().unwrap();
    assert!(
        (planned - 1.0).abs() < 1e-9,
        "the warm-up is planned at {planned} km/h under a 1.0 km/h cap"
    );
    let mut ev = Events::open(&c, &format!("/api/runs/{id}/live")).await;
    for _ in 0..4 {
        let (_, tel) = ev
            .until(Duration::from_secs(10), |n, _| n == "telemetry")
            .await;
        assert!(tel["speed_kmh"].as_f64().unwrap() <= 1.0 + 1e-9, "{tel}");
    }
    let speeds: Vec<f64> = sim
        .log()
        .iter()
        .filter_map(|(_, r)| match r {
            ControlRequest::SetTargetSpeed { kmh } => Some(*kmh),
            _ => None,
        })
        .collect();
    assert!(!speeds.is_empty());
    assert!(speeds.iter().all(|&s| s <= 1.0), "{speeds:?}");

    let tier = t
        .state
        .svc
        .store
        .programme(uid)
        .await
        .unwrap()
        .unwrap()
        .state
        .tier;
    let cap = retrowalk_core::heart_rate_cap(retrowalk_core::units::Age::new(58).unwrap(), tier);
    sim.set_heart_rate(Some(cap.bpm + 20));
    let (_, stopped) = ev
        .until(Duration::from_secs(10), |n, _| n == "stopped")
        .await;
    beat.abort();
    assert_eq!(stopped["reason"], "heart_rate", "{stopped}");
    assert!(
        stopped["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("cap of {} bpm", cap.bpm)),
        "{stopped}"
    );
    assert!(stops(&sim) >= 1);
    wait_for("the reason is stored", Duration::from_secs(5), || {
        t.state.live_treadmill(&id, uid).is_none()
    })
    .await;
    let r = stored_reason(&t, uid, &id).await.unwrap();
    assert!(r.starts_with("treadmill heart_rate"), "{r}");
}

/// What a killed process leaves behind: a treadmill run never ended, no longer recorded.
async fn a_run_whose_process_died_can_still_be_closed(store: Store) {
    let t = TestApp::new(store);
    let (mut c, uid) = walker_with_programme(&t, "orphan@example.org").await;
    let id = "0123456789abcdef0123456789abcd01";
    let s = &t.state.svc.store;
    s.start_run(id, uid, &json!({"treadmill": "sim"}))
        .await
        .unwrap();
    let sample = Sample {
        t_ms: 1000,
        speed_kmh: 1.0,
        incline_pct: Some(0.0),
        distance_m: 0.3,
        heart_rate: Some(90),
        rr_ms: vec![],
    };
    s.append_samples(id, &[sample]).await.unwrap();
    // Recorded a moment ago: some other process may be driving it.
    c.get(&format!("/api/runs/{id}/live"))
        .await
        .expect(StatusCode::SERVICE_UNAVAILABLE);
    // Nothing recorded for over ten seconds: nobody drives it.
    tokio::time::sleep(Duration::from_secs(12)).await;
    for (m, p) in [("GET", "live"), ("POST", "heartbeat"), ("POST", "pause")] {
        let r = c
            .call(
                m,
                &format!("/api/runs/{id}/{p}"),
                (m == "POST").then(|| json!({})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{m} {p}: {}", r.text());
        assert!(r.text().contains("link was lost"), "{}", r.text());
    }
    // STOP closes it with the person's reason, which reaches the log.
    c.post(&format!("/api/runs/{id}/stop"), json!({"reason": "pain"}))
        .await
        .expect(StatusCode::OK);
    let r = stored_reason(&t, uid, id).await.unwrap();
    assert_eq!(r, "pain (after the treadmill link was lost)");
    let mut log = clean_log(START, 2.0);
    log["run_id"] = json!(id);
    c.post(&format!("/api/log?date={START}"), log)
        .await
        .expect(StatusCode::OK);
    let history = c.get("/api/history").await.json();
    assert_eq!(history[0]["event"]["stopped_early"], "pain", "{history}");
}

async fn shutdown_stops_every_belt(store: Store) {
    let t = TestApp::new(store);
    let (mut c1, u1) = walker_with_programme(&t, "s1@example.org").await;
    let (mut c2, u2) = walker_with_programme(&t, "s2@example.org").await;
    let (id1, _, sim1) = start_sim(&t, &mut c1, u1).await;
    let (id2, _, sim2) = start_sim(&t, &mut c2, u2).await;
    let (b1, b2) = (keep_beating(&c1, &id1), keep_beating(&c2, &id2));
    wait_for("both belts run", Duration::from_secs(10), || {
        sim1.is_running() && sim2.is_running()
    })
    .await;
    let mut ev = Events::open(&c1, &format!("/api/runs/{id1}/live")).await;
    t.state.stop_live_runs("server shutting down").await;
    assert!(stops(&sim1) >= 1 && stops(&sim2) >= 1);
    let (_, stopped) = ev
        .until(Duration::from_secs(5), |n, _| n == "stopped")
        .await;
    assert!(
        stopped["detail"]
            .as_str()
            .unwrap()
            .contains("server shutting down"),
        "{stopped}"
    );
    for (u, id) in [(u1, &id1), (u2, &id2)] {
        let r = stored_reason(&t, u, id).await.unwrap();
        assert!(r.starts_with("treadmill "), "{r}");
    }
    // No new belt starts while shutting down.
    let r = c1
        .post("/api/runs", json!({"date": START, "treadmill": "sim"}))
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text());
    b1.abort();
    b2.abort();
}

both_backends!(
    sim_run_streams_telemetry_and_stop_halts_the_belt,
    a_missing_heartbeat_stops_the_belt,
    another_walker_cannot_watch_or_stop,
    another_process_answers_503_but_takes_stop,
    a_run_whose_process_died_can_still_be_closed,
    the_persons_caps_reach_the_belt,
    shutdown_stops_every_belt,
);
