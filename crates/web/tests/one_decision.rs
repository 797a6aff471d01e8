//! One planned session, one decision (issues 11 and 14). Five logs on one day once each
//! advanced the programme (rails light -> none and speed up within a day); a log on a rest
//! day, before the programme started or in the future was taken as a planned session; a
//! morning check for a day without a session was stored; a retried POST /api/log counted
//! twice; and back-dated logs left `progress` with weeks out of order.

mod common;

use axum::http::StatusCode;
use common::*;
use retrowalk_store::Store;
use serde_json::{json, Value};

/// 30, fit, no knee trouble: the Standard tier, so a clean session can progress at all.
fn standard_profile() -> Value {
    json!({
        "name": "Sam",
        "age": 30,
        "body_mass": 70.0,
        "units": "mph",
        "goal": "fitness",
        "schedule": {"days": ["Monday", "Wednesday", "Friday"]}
    })
}

async fn standard_walker(t: &TestApp, email: &str) -> Client {
    let mut c = t.client();
    c.signup(email, "walker").await;
    let r = c
        .put(&format!("/api/profile?date={START}"), standard_profile())
        .await
        .expect(StatusCode::OK);
    assert_eq!(r.json()["programme_started"], json!(true), "{}", r.text());
    assert_eq!(r.json()["screening"]["tier"], json!("standard"));
    c
}

fn session_events(history: &Value) -> Vec<Value> {
    history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"]["kind"] == "session")
        .cloned()
        .collect()
}

async fn five_logs_on_one_day_advance_the_programme_once(store: Store) {
    let t = TestApp::new(store);
    let mut c = standard_walker(&t, "five@x.org").await;
    let before = c.get(&format!("/api/today?date={START}")).await.json();
    let start_load = before["planned"]["load"].clone();
    let mut outcomes = Vec::new();
    for _ in 0..5 {
        let r = c
            .post(&format!("/api/log?date={START}"), clean_log(START, 5.0))
            .await
            .expect(StatusCode::OK);
        outcomes.push(r.json()["decision"].clone());
    }
    let progressed = outcomes
        .iter()
        .filter(|d| d["outcome"] == "progress")
        .count();
    assert_eq!(progressed, 1, "{outcomes:#?}");
    for d in &outcomes[1..] {
        assert_eq!(d["why"]["why"], "extra", "{d}");
        assert!(
            d["sentence"].as_str().unwrap().contains("extra"),
            "{}",
            d["sentence"]
        );
    }
    let after = c.get(&format!("/api/today?date={START}")).await.json();
    let load = &after["planned"]["load"];
    // The one decision was a time step: speed and rails are as they started.
    assert_eq!(load["speed"], start_load["speed"], "{after}");
    assert_eq!(load["rails"], start_load["rails"], "{after}");
    let history = c.get("/api/history").await.json();
    let sessions = session_events(&history);
    assert_eq!(sessions.len(), 5, "every walk is stored");
    let extra: Vec<bool> = sessions
        .iter()
        .map(|s| s["event"]["extra"] == json!(true))
        .collect();
    assert_eq!(extra, [false, true, true, true, true]);
    // Extra walks count toward the week's minutes.
    let p = c.get("/api/progress").await.json();
    assert_eq!(p["weeks"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["weeks"][0]["sessions"], 5);
}

async fn a_log_on_a_rest_day_is_extra(store: Store) {
    let t = TestApp::new(store);
    let mut c = standard_walker(&t, "rest@x.org").await;
    let tue = "2026-01-06";
    let r = c
        .post(&format!("/api/log?date={tue}"), clean_log(tue, 5.0))
        .await
        .expect(StatusCode::OK);
    let d = &r.json()["decision"];
    assert_eq!(d["outcome"], "hold", "{d}");
    assert_eq!(d["why"]["why"], "extra", "{d}");
    assert_eq!(d["rule"], "Prg08OneDecision", "{d}");
    let history = c.get("/api/history").await.json();
    assert_eq!(session_events(&history)[0]["event"]["extra"], json!(true));
    // Wednesday's planned session is still the first one.
    let today = c.get(&format!("/api/today?date={tue}")).await.json();
    assert_eq!(today["planned"]["load"]["backward_s"], 300, "{today}");
    assert_eq!(today["planned"]["load"]["rails"], "light", "{today}");
}

async fn logs_before_the_start_or_in_the_future_are_refused(store: Store) {
    let t = TestApp::new(store);
    let mut c = standard_walker(&t, "dates@x.org").await;
    let r = c
        .post("/api/log?date=2026-01-05", clean_log("2026-01-04", 5.0))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.field().as_deref(), Some("date"));
    assert!(r.text().contains("2026-01-05"), "{}", r.text());
    let r = c
        .post("/api/log?date=2026-01-05", clean_log("2026-01-07", 5.0))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.field().as_deref(), Some("date"));
    let r = c
        .post("/api/log?date=2026-01-05", clean_log("2026-01-06", 5.0))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.field().as_deref(), Some("date"));
    let history = c.get("/api/history").await.json();
    assert!(session_events(&history).is_empty(), "{history}");
}

async fn a_morning_check_needs_a_session_and_a_past_day(store: Store) {
    let t = TestApp::new(store);
    let mut c = standard_walker(&t, "morning@x.org").await;
    let r = c
        .post(
            "/api/morning?date=2026-01-06",
            json!({"date": START, "pain": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.field().as_deref(), Some("date"));
    c.post(&format!("/api/log?date={START}"), clean_log(START, 5.0))
        .await
        .expect(StatusCode::OK);
    // The session's own day is in the future of the 4th.
    let r = c
        .post(
            "/api/morning?date=2026-01-04",
            json!({"date": START, "pain": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.field().as_deref(), Some("date"));
    c.post(
        "/api/morning?date=2026-01-06",
        json!({"date": START, "pain": 1}),
    )
    .await
    .expect(StatusCode::OK);
    let history = c.get("/api/history").await.json();
    let mornings = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"]["kind"] == "morning_pain")
        .count();
    assert_eq!(mornings, 1, "{history}");
}

async fn the_same_idempotency_key_records_one_session(store: Store) {
    let t = TestApp::new(store);
    let mut c = standard_walker(&t, "retry@x.org").await;
    let path = format!("/api/log?date={START}");
    let send = |c: &Client, key: &str, body: Value| {
        let mut req = c.request("POST", &path, Some(serde_json::to_vec(&body).unwrap()));
        req.headers_mut()
            .insert("idempotency-key", key.parse().unwrap());
        req
    };
    let first = c
        .send(send(&c, "form-1", clean_log(START, 5.0)))
        .await
        .expect(StatusCode::OK)
        .json();
    let again = c
        .send(send(&c, "form-1", clean_log(START, 5.0)))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(first["decision"], again["decision"]);
    assert_eq!(first["decision"]["outcome"], "progress");
    // The key may ride in the body instead, as the offline queue sends it.
    let mut body = clean_log(START, 5.0);
    body["idempotency_key"] = json!("form-1");
    let third = c.post(&path, body).await.expect(StatusCode::OK).json();
    assert_eq!(first["decision"], third["decision"]);
    let history = c.get("/api/history").await.json();
    assert_eq!(session_events(&history).len(), 1, "{history}");
    // The same key with another session is a mistake, not a retry.
    let r = c.send(send(&c, "form-1", clean_log(START, 3.0))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.field().as_deref(), Some("idempotency_key"));
    // A new key is a new walk (extra: the day's planned session is done).
    let r = c
        .send(send(&c, "form-2", clean_log(START, 5.0)))
        .await
        .expect(StatusCode::OK);
    assert_eq!(r.json()["decision"]["why"]["why"], "extra");
    let history = c.get("/api/history").await.json();
    assert_eq!(session_events(&history).len(), 2, "{history}");
}

async fn progress_weeks_stay_in_order_after_back_dated_logs(store: Store) {
    let t = TestApp::new(store);
    let mut c = standard_walker(&t, "back@x.org").await;
    let today = "2026-01-14";
    for d in ["2026-01-12", "2026-01-05", "2026-01-14", "2026-01-07"] {
        c.post(&format!("/api/log?date={today}"), clean_log(d, 5.0))
            .await
            .expect(StatusCode::OK);
    }
    let p = c.get("/api/progress").await.expect(StatusCode::OK).json();
    let weeks: Vec<&str> = p["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["week_start"].as_str().unwrap())
        .collect();
    assert_eq!(weeks, ["2026-01-05", "2026-01-12"], "{p}");
    assert_eq!(p["weeks"][0]["sessions"], 2);
    assert_eq!(p["weeks"][1]["sessions"], 2);
    let dates: Vec<&str> = p["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        ["2026-01-05", "2026-01-07", "2026-01-12", "2026-01-14"]
    );
}

/// 17:00 UTC on the programme's first Monday and Wednesday.
const MON_FIT: i64 = 1_767_632_400;
const WED_FIT: i64 = MON_FIT + 2 * 86_400;

fn fit_walk(start: i64) -> Vec<u8> {
    use retrowalk_formats::fit::{self, synthetic, EncodeOptions};
    fit::encode(
        &synthetic::treadmill_walk(start, 300, 60),
        EncodeOptions::default(),
    )
    .unwrap()
}

async fn imports_fold_in_the_order_the_walks_happened(store: Store) {
    let t = TestApp::new(store);
    let mut c = standard_walker(&t, "import@x.org").await;
    let boundary = "one-decision-boundary";
    let mut body = Vec::new();
    // Named so that file-name order puts Wednesday first.
    for (name, bytes) in [
        ("a-wed.fit", fit_walk(WED_FIT)),
        ("b-mon.fit", fit_walk(MON_FIT)),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut req = c.request(
        "POST",
        "/api/import/fit?effort=4&pain_before=0&pain_during=1&pain_after=1&date=2026-01-07",
        None,
    );
    req.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={boundary}")
            .parse()
            .unwrap(),
    );
    *req.body_mut() = axum::body::Body::from(body);
    let r = c.send(req).await.expect(StatusCode::OK);
    let names: Vec<String> = r.json()["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["name"].as_str().unwrap(), f["ok"]))
        .collect();
    assert_eq!(
        names,
        ["a-wed.fit true", "b-mon.fit true"],
        "answered in the order sent"
    );
    let history = c.get("/api/history").await.json();
    let dates: Vec<Value> = session_events(&history)
        .iter()
        .map(|s| s["event"]["date"].clone())
        .collect();
    assert_eq!(
        dates,
        [json!("2026-01-05"), json!("2026-01-07")],
        "folded by date"
    );
}

both_backends!(
    imports_fold_in_the_order_the_walks_happened,
    five_logs_on_one_day_advance_the_programme_once,
    a_log_on_a_rest_day_is_extra,
    logs_before_the_start_or_in_the_future_are_refused,
    a_morning_check_needs_a_session_and_a_past_day,
    the_same_idempotency_key_records_one_session,
    progress_weeks_stay_in_order_after_back_dated_logs,
);
