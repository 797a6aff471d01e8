//! Issue 11, "what happened, not what was planned": progress, the CSVs, FIT and TCX tell
//! what the person walked (the treadmill's telemetry, the moment STOP was pressed, an
//! imported file's own records), the note typed at STOP reaches the clinician, a run
//! exports with its totals before it is logged, and an imported walk survives export and
//! import again with its minutes and distance.

mod common;

use axum::body::Body;
use axum::http::{header, StatusCode};
use common::*;
use retrowalk_formats::fit::{self, synthetic, EncodeOptions, Record};
use retrowalk_store::{Sample, Store};
use serde_json::{json, Value};

/// 2026-01-05 (the programme's first Monday) at 17:00 UTC.
const MON: i64 = 1_767_632_400;
const ANSWERS: &str = "effort=4&pain_before=1&pain_during=2&pain_after=1&date=2026-01-10";

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let head = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (head, rows)
}

fn col(head: &[String], name: &str) -> usize {
    head.iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {head:?}"))
}

async fn upload(c: &mut Client, query: &str, name: &str, bytes: Vec<u8>) -> Resp {
    let mut req = c.request(
        "POST",
        &format!("/api/import/fit?{query}&name={name}"),
        None,
    );
    req.headers_mut().insert(
        header::CONTENT_TYPE,
        "application/octet-stream".parse().unwrap(),
    );
    *req.body_mut() = Body::from(bytes);
    c.send(req).await
}

/// Moves a run's start back by `secs`, as if it had been started that long before it was
/// stopped (the tests do not wait in real time).
async fn started_earlier(t: &TestApp, run: &str, secs: i64) {
    sqlx::query("UPDATE runs SET started_at = started_at - $1 WHERE id = $2")
        .bind(secs)
        .bind(run)
        .execute(t.state.svc.store.pool())
        .await
        .unwrap();
}

async fn start_run(w: &mut Client, date: &str) -> (String, Value) {
    let r = w
        .post("/api/runs", json!({"date": date, "treadmill": "none"}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    (r["run_id"].as_str().unwrap().to_string(), r["plan"].clone())
}

/// STOP 30 s into the warm-up: half a minute of warm-up walked, nothing else; the note
/// typed on the STOP sheet stays with the session's log where the clinician reads it.
async fn a_stop_in_the_warm_up_is_thirty_seconds_of_warm_up(store: Store) {
    let t = TestApp::new(store);
    let (mut w, id) = walker_with_programme(&t, "stop@example.org").await;
    let (run, plan) = start_run(&mut w, START).await;
    assert_eq!(plan["segments"][0]["kind"], json!("warm_up"));
    assert!(plan["segments"][0]["duration_s"].as_u64().unwrap() > 30);
    started_earlier(&t, &run, 30).await;
    let note = "sharp pain inside the left knee";
    w.post(
        &format!("/api/runs/{run}/stop"),
        json!({"reason": "pain", "note": note}),
    )
    .await
    .expect(StatusCode::OK);
    let mut log = clean_log(START, 0.0);
    log["stopped_early"] = json!("pain");
    log["run_id"] = json!(run);
    log["notes"] = json!("had to stop");
    w.post(&format!("/api/log?date={START}"), log)
        .await
        .expect(StatusCode::OK);

    // Progress: no backward minutes, and the energy of half a minute of slow walking
    // (about 1 kcal for 72 kg), not the whole planned session's 20-odd.
    let p = w.get("/api/progress").await.expect(StatusCode::OK).json();
    let s = &p["sessions"][0];
    assert_eq!(s["backward_min"], json!(0.0), "{p}");
    let kcal = s["kcal"].as_f64().unwrap();
    assert!(
        kcal > 0.3 && kcal < 2.5,
        "30 s of warm-up is about 1 kcal: {kcal}"
    );
    assert_eq!(p["weeks"][0]["kcal"].as_f64().unwrap(), kcal);

    // segments.csv: the planned session in full, and one row done: 30 s of warm-up.
    let text = w
        .get("/api/export/segments.csv")
        .await
        .expect(StatusCode::OK)
        .text();
    let (head, rows) = csv_rows(&text);
    let (source, kind, minutes) = (
        col(&head, "source"),
        col(&head, "kind"),
        col(&head, "minutes"),
    );
    let done: Vec<_> = rows.iter().filter(|r| r[source] == "done").collect();
    assert_eq!(done.len(), 1, "{text}");
    assert_eq!(done[0][kind], "warm_up");
    assert_eq!(done[0][minutes], "0.50");
    assert!(rows.iter().filter(|r| r[source] == "planned").count() > 3);

    // sessions.csv: the minutes and the energy that were walked.
    let text = w
        .get("/api/export/sessions.csv")
        .await
        .expect(StatusCode::OK)
        .text();
    let (head, rows) = csv_rows(&text);
    assert_eq!(rows[0][col(&head, "backward_min")], "0.00");
    assert_eq!(rows[0][col(&head, "total_min")], "0.50");
    let csv_kcal: f64 = rows[0][col(&head, "kcal")].parse().unwrap();
    assert!((csv_kcal - kcal).abs() < 0.06, "{csv_kcal} vs {kcal}");

    // FIT: one lap of 30 s, and so a session of 30 s.
    let f = w
        .get(&format!("/api/export/session.fit?date={START}"))
        .await
        .expect(StatusCode::OK);
    let a = fit::decode(&f.body).unwrap();
    assert_eq!(a.laps.len(), 1, "{:?}", a.laps);
    assert_eq!(a.laps[0].segment.as_deref(), Some("warm_up"));
    let session = a.session.unwrap();
    assert_eq!(session.timer_s, Some(30.0));
    assert!(session.calories.unwrap_or(99) <= 2, "{session:?}");
    // TCX: the same single lap.
    let tcx = w
        .get(&format!("/api/export/session.tcx?date={START}"))
        .await
        .expect(StatusCode::OK)
        .text();
    assert_eq!(tcx.matches("<Lap ").count(), 1, "{tcx}");
    assert!(tcx.contains("<TotalTimeSeconds>30"), "{tcx}");

    // The STOP note, kept with the log beside what the log form said.
    let mut doc = t.client();
    doc.signup("doc.stop@example.org", "clinician").await;
    t.approve("doc.stop@example.org").await;
    let code = doc.post("/api/invites", json!({})).await.json()["code"].clone();
    w.post("/api/invites/accept", json!({ "code": code }))
        .await
        .expect(StatusCode::OK);
    let page = doc
        .get(&format!("/api/patients/{id}?date={START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    let kept: Vec<&str> = page["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["kind"] == "session")
        .filter_map(|e| e["note"].as_str())
        .collect();
    assert_eq!(kept.len(), 1, "{page}");
    assert!(kept[0].contains(note), "{}", kept[0]);
    assert!(kept[0].contains("had to stop"), "{}", kept[0]);
}

/// A treadmill run's telemetry, stored as the controller stores it: `speed_kmh` for
/// `secs` seconds at 1 Hz.
fn telemetry(secs: i64, speed_kmh: f64) -> Vec<Sample> {
    (1..=secs)
        .map(|s| Sample {
            t_ms: s * 1000,
            speed_kmh,
            incline_pct: Some(0.0),
            distance_m: speed_kmh / 3.6 * s as f64,
            heart_rate: Some(100),
            rr_ms: Vec::new(),
        })
        .collect()
}

/// A run exports before it is logged, with its totals and a lap per segment walked; once
/// logged, progress shows the belt's measured speed, not the plan's.
async fn a_run_exports_with_its_totals_and_progress_shows_the_measured_speed(store: Store) {
    let t = TestApp::new(store);
    let (mut w, _) = walker_with_programme(&t, "belt@example.org").await;
    let (run, plan) = start_run(&mut w, START).await;
    let total: i64 = plan["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["duration_s"].as_i64().unwrap())
        .sum();
    let planned_kmh = plan["load"]["speed"].as_f64().unwrap();
    let measured = 1.9;
    assert!((planned_kmh - measured).abs() > 0.2, "{planned_kmh}");
    let samples = telemetry(total, measured);
    t.state
        .svc
        .store
        .append_samples(&run, &samples)
        .await
        .unwrap();
    w.post(
        &format!("/api/runs/{run}/stop"),
        json!({"reason": "finished"}),
    )
    .await
    .expect(StatusCode::OK);

    let f = w
        .get(&format!("/api/export/session.fit?run={run}"))
        .await
        .expect(StatusCode::OK);
    let a = fit::decode(&f.body).unwrap();
    let s = a.session.clone().unwrap();
    assert_eq!(s.timer_s, Some(total as f64), "{s:?}");
    assert_eq!(s.elapsed_s, Some(total as f64), "{s:?}");
    let d = s.distance_m.expect("total_distance");
    assert!((d - measured / 3.6 * total as f64).abs() < 2.0, "{d}");
    assert_eq!(a.laps.len(), plan["segments"].as_array().unwrap().len());
    assert!(a
        .laps
        .iter()
        .any(|l| l.segment.as_deref() == Some("backward")));

    let planned_backward: u64 = plan["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "backward")
        .map(|s| s["duration_s"].as_u64().unwrap())
        .sum();
    let mut log = clean_log(START, planned_backward as f64 / 60.0);
    log["run_id"] = json!(run);
    w.post(&format!("/api/log?date={START}"), log)
        .await
        .expect(StatusCode::OK);
    let p = w.get("/api/progress").await.expect(StatusCode::OK).json();
    let speed = p["sessions"][0]["speed"].as_f64().unwrap();
    assert!((speed - measured).abs() < 0.01, "progress speed {speed}");
    let text = w
        .get("/api/export/sessions.csv")
        .await
        .expect(StatusCode::OK)
        .text();
    let (head, rows) = csv_rows(&text);
    assert_eq!(rows[0][col(&head, "speed_kmh")], "1.90");
}

/// A 20-minute walk from another app (no retrowalk segments) keeps its 20 minutes and its
/// distance through export and import again; records sharing a second are all kept.
async fn an_imported_walk_round_trips_with_its_minutes_and_distance(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, ada_id) = walker_with_programme(&t, "ada@example.org").await;
    let (mut bob, _) = walker_with_programme(&t, "bob@example.org").await;
    let mut walk = synthetic::treadmill_walk(MON, 1200, 300);
    for l in &mut walk.laps {
        l.segment = None;
    }
    // A second record in the same second as the 100th (a watch writing at 2 Hz there).
    let twin = Record {
        distance_m: walk.records[99].distance_m.map(|d| d + 0.3),
        ..walk.records[99]
    };
    walk.records.insert(100, twin);
    let bytes = fit::encode(&walk, EncodeOptions::default()).unwrap();
    let r = upload(&mut ada, ANSWERS, "watch.fit", bytes)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(r["files"][0]["backward_min"], json!(20.0), "{r}");
    assert_eq!(r["files"][0]["records"], json!(1201), "{r}");
    let run = r["files"][0]["run"].as_str().unwrap().to_string();
    assert_eq!(t.state.svc.store.samples(&run).await.unwrap().len(), 1201);
    let _ = ada_id;

    // The file's own figures, not the plan's: its speed and its energy.
    let p = ada.get("/api/progress").await.expect(StatusCode::OK).json();
    let s = &p["sessions"][0];
    assert_eq!(s["backward_min"], json!(20.0));
    let walked_kmh = walk.session.as_ref().unwrap().avg_speed_mps.unwrap() * 3.6;
    let speed = s["speed"].as_f64().unwrap();
    assert!((speed - walked_kmh).abs() < 0.05, "{speed} vs {walked_kmh}");

    let first = ada
        .get(&format!("/api/export/session.fit?date={START}"))
        .await
        .expect(StatusCode::OK);
    let a = fit::decode(&first.body).unwrap();
    let s1 = a.session.clone().unwrap();
    assert_eq!(s1.timer_s, Some(1200.0), "{s1:?}");
    let d1 = s1.distance_m.unwrap();
    let walked = walk.records.last().unwrap().distance_m.unwrap();
    assert!((d1 - walked).abs() < 2.0, "{d1} vs {walked}");

    // Bob imports Ada's export: the same 20 minutes and distance.
    let r = upload(&mut bob, ANSWERS, "from-ada.fit", first.body.clone())
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(r["files"][0]["backward_min"], json!(20.0), "{r}");
    let again = bob
        .get(&format!("/api/export/session.fit?date={START}"))
        .await
        .expect(StatusCode::OK);
    let s2 = fit::decode(&again.body).unwrap().session.unwrap();
    assert_eq!(s2.timer_s, Some(1200.0), "{s2:?}");
    assert!((s2.distance_m.unwrap() - d1).abs() < 0.5, "{s2:?} vs {d1}");

    // A day that already holds a logged walk takes no second one from a file.
    ada.post("/api/log?date=2026-01-07", clean_log("2026-01-07", 4.0))
        .await
        .expect(StatusCode::OK);
    let other = synthetic::treadmill_walk(MON + 2 * 86_400, 900, 300);
    let r = upload(
        &mut ada,
        ANSWERS,
        "wed.fit",
        fit::encode(&other, EncodeOptions::default()).unwrap(),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY)
    .json();
    let e = r["files"][0]["error"].as_str().unwrap();
    assert!(e.contains("already logged on 2026-01-07"), "{e}");
}

/// A file of a walk already logged that day is refused, and says which case it is: the
/// same walk (a watch beside the session runner) is nothing new; another walk is not added
/// as a second session behind the person's back.
async fn a_file_onto_a_logged_day_says_why_it_is_refused(store: Store) {
    let t = TestApp::new(store);
    let (mut w, _) = walker_with_programme(&t, "watch@example.org").await;
    let (run, _) = start_run(&mut w, START).await;
    sqlx::query("UPDATE runs SET started_at = $1 WHERE id = $2")
        .bind(MON)
        .bind(&run)
        .execute(t.state.svc.store.pool())
        .await
        .unwrap();
    w.post(
        &format!("/api/runs/{run}/stop"),
        json!({"reason": "finished"}),
    )
    .await
    .expect(StatusCode::OK);
    let mut log = clean_log(START, 4.0);
    log["run_id"] = json!(run);
    w.post(&format!("/api/log?date={START}"), log)
        .await
        .expect(StatusCode::OK);

    // The watch started 30 s after the runner: the same walk.
    let watch = synthetic::treadmill_walk(MON + 30, 900, 300);
    let r = upload(
        &mut w,
        ANSWERS,
        "watch.fit",
        fit::encode(&watch, EncodeOptions::default()).unwrap(),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY)
    .json();
    let e = r["files"][0]["error"].as_str().unwrap();
    assert!(
        e.starts_with(
            "already imported: this walk is the session logged on 2026-01-05 (recorded by the session runner"
        ),
        "{e}"
    );
    // Three hours later the same day: another walk, which a file does not add.
    let later = synthetic::treadmill_walk(MON + 3 * 3600, 900, 300);
    let r = upload(
        &mut w,
        ANSWERS,
        "later.fit",
        fit::encode(&later, EncodeOptions::default()).unwrap(),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY)
    .json();
    let e = r["files"][0]["error"].as_str().unwrap();
    assert!(
        e.starts_with("a session is already logged on 2026-01-05"),
        "{e}"
    );
    assert!(e.contains("log it by hand"), "{e}");
    let history = w.get("/api/history").await.expect(StatusCode::OK).json();
    let sessions = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"]["kind"] == "session")
        .count();
    assert_eq!(sessions, 1);
}

both_backends!(
    a_file_onto_a_logged_day_says_why_it_is_refused,
    a_stop_in_the_warm_up_is_thirty_seconds_of_warm_up,
    a_run_exports_with_its_totals_and_progress_shows_the_measured_speed,
    an_imported_walk_round_trips_with_its_minutes_and_distance,
);
