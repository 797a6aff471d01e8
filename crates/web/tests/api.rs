//! The API end to end, in-process over a real database: the walker's and the clinician's
//! happy paths, sign-in security, input limits and security headers.

mod common;

use axum::http::StatusCode;
use common::*;
use retrowalk_store::Store;
use serde_json::{json, Value};

async fn walker_happy_path(store: Store) {
    let t = TestApp::new(store);
    let mut c = t.client();
    let user = c.signup("ada@example.org", "walker").await;
    assert_eq!(user["role"], "walker");
    assert_eq!(user["email"], "ada@example.org");

    let me = c.get("/api/me").await.expect(StatusCode::OK).json();
    assert_eq!(me["has_profile"], json!(false));

    let before = c
        .get(&format!("/api/today?date={START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(before["status"]["status"], "no_profile");

    let onboarding = c
        .put(&format!("/api/profile?date={START}"), profile_json())
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(onboarding["programme_started"], json!(true));
    assert!(onboarding["screening"]["tier"].is_string());
    assert!(onboarding["screening"]["reasons"].is_array());

    let me = c.get("/api/me").await.expect(StatusCode::OK).json();
    assert_eq!(me["has_profile"], json!(true));
    assert_eq!(me["units"], "kmh");
    assert_eq!(
        c.get("/api/profile").await.expect(StatusCode::OK).json()["name"],
        "Ada"
    );
    assert!(c.get("/api/screening").await.expect(StatusCode::OK).json()["tier"].is_string());

    let today = c
        .get(&format!("/api/today?date={START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(today["status"]["status"], "active", "{today}");
    assert_eq!(today["next_date"], START);
    let planned_s = today["planned"]["load"]["backward_s"].as_u64().unwrap();
    assert!(planned_s > 0);
    assert!(!today["plan"]["checklist"].as_array().unwrap().is_empty());
    let seq0 = today["seq"].as_i64().unwrap();

    let weeks = c
        .get(&format!("/api/plan?weeks=2&date={START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        weeks.as_array().unwrap().len(),
        6,
        "3 days a week for 2 weeks"
    );
    let day = c
        .get(&format!("/api/plan/{START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(day["planned"]["date"], START);

    // A clean session at the planned dose: the next one progresses, and says why.
    let out = c
        .post(
            &format!("/api/log?date={START}"),
            clean_log(START, planned_s as f64 / 60.0),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(out["decision"]["outcome"], "progress", "{out}");
    assert!(out["decision"]["sentence"].as_str().unwrap().len() > 10);
    let next = &out["next"];
    assert_eq!(next["next_date"], "2026-01-07");
    assert!(next["seq"].as_i64().unwrap() > seq0);
    assert_eq!(next["last_decision"]["outcome"], "progress");
    assert_eq!(next["last_reason"], out["decision"]["sentence"]);
    // The answer's Today is built from the write (not read again): it is the Today a
    // fresh read gives, adherence and all.
    let fresh = c
        .get(&format!("/api/today?date={START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(next, &fresh);
    assert_eq!(fresh["adherence"]["done"], 1, "{fresh}");

    // The next morning the knee check is due; a bad morning steps the next session back.
    let today2 = c
        .get("/api/today?date=2026-01-06")
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(today2["morning_check_due"], START);
    let m = c
        .post("/api/morning", json!({"date": START, "pain": 6}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(m["decision"]["outcome"], "step_back", "{m}");

    let history = c.get("/api/history").await.expect(StatusCode::OK).json();
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["event"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["session", "morning_pain"]);
    let progress = c.get("/api/progress").await.expect(StatusCode::OK).json();
    assert_eq!(progress["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(
        c.get("/api/audit").await.expect(StatusCode::OK).json(),
        json!([])
    );
}

async fn clinician_flow(store: Store) {
    let t = TestApp::new(store);
    let (mut walker, walker_id) = walker_with_programme(&t, "pat@example.org").await;
    let mut doc = t.client();
    doc.signup("doc@example.org", "clinician").await;
    t.approve("doc@example.org").await;

    // Not linked yet: the patient is invisible.
    doc.get(&format!("/api/patients/{walker_id}"))
        .await
        .expect(StatusCode::NOT_FOUND);
    assert_eq!(
        doc.get("/api/patients").await.expect(StatusCode::OK).json(),
        json!([])
    );

    let inv = doc
        .post("/api/invites", json!({}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let code = inv["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 8);
    assert!(inv["expires_at"].as_i64().unwrap() > 0);

    // A wrong code is refused with the field named; the right one links.
    let bad = walker
        .post("/api/invites/accept", json!({"code": "ZZZZZZZZ"}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.field().as_deref(), Some("code"));
    let acc = walker
        .post("/api/invites/accept", json!({"code": code.to_lowercase()}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(acc["clinician"]["name"], "Test Person");
    // A code works once.
    let again = walker
        .post("/api/invites/accept", json!({"code": code}))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The patient stops for dizziness: the list shows a flag.
    let today = walker
        .get(&format!("/api/today?date={START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    let planned_s = today["planned"]["load"]["backward_s"].as_u64().unwrap();
    let mut log = clean_log(START, planned_s as f64 / 60.0 / 2.0);
    log["stopped_early"] = json!("dizziness");
    walker
        .post(&format!("/api/log?date={START}"), log)
        .await
        .expect(StatusCode::OK);

    let list = doc
        .get("/api/patients?date=2026-01-06")
        .await
        .expect(StatusCode::OK)
        .json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], json!(walker_id));
    let flags: Vec<&str> = list[0]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["flag"].as_str().unwrap())
        .collect();
    assert!(flags.contains(&"safety_event"), "{flags:?}");

    let page = doc
        .get(&format!("/api/patients/{walker_id}?date=2026-01-06"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(page["user"]["id"], json!(walker_id));
    assert_eq!(page["history"].as_array().unwrap().len(), 1);
    let seq = page["seq"].as_i64().unwrap();

    // A cap below the planned backward time: the patient's next session respects it.
    let next_before = walker
        .get("/api/today?date=2026-01-07")
        .await
        .expect(StatusCode::OK)
        .json();
    let before_s = next_before["planned"]["load"]["backward_s"]
        .as_u64()
        .unwrap();
    assert!(before_s > 60, "{before_s}");
    let cap_min = ((before_s / 60) - 1).max(1);
    let set = doc
        .put(
            &format!("/api/patients/{walker_id}/caps"),
            json!({"max_backward_min": cap_min, "max_speed_kmh": 1.5, "expected_seq": seq}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(set["seq"].as_i64().unwrap(), seq + 1);
    let next = walker
        .get("/api/today?date=2026-01-07")
        .await
        .expect(StatusCode::OK)
        .json();
    let load = &next["planned"]["load"];
    assert!(
        load["backward_s"].as_u64().unwrap() <= cap_min * 60,
        "{load}"
    );
    assert!(load["speed"].as_f64().unwrap() <= 1.5 + 1e-9, "{load}");

    // A second editor with the old seq is refused, not silently overwritten.
    let stale = doc
        .put(
            &format!("/api/patients/{walker_id}/caps"),
            json!({"max_backward_min": 30, "expected_seq": seq}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text());
    let still = walker.get("/api/today?date=2026-01-07").await.json();
    assert!(still["planned"]["load"]["backward_s"].as_u64().unwrap() <= cap_min * 60);

    // The change is shown to the patient with who made it.
    let audit = walker.get("/api/audit").await.expect(StatusCode::OK).json();
    assert_eq!(audit[0]["who"], "Test Person");
    assert!(
        audit[0]["what"].as_str().unwrap().contains("Set limits"),
        "{audit}"
    );

    // Pause and resume, tier change.
    doc.post(
        &format!("/api/patients/{walker_id}/pause?date=2026-01-07"),
        json!({"reason": "review"}),
    )
    .await
    .expect(StatusCode::OK);
    let paused = walker.get("/api/today?date=2026-01-07").await.json();
    assert_eq!(paused["status"]["status"], "paused", "{paused}");
    doc.call(
        "POST",
        &format!("/api/patients/{walker_id}/resume?date=2026-01-07"),
        None,
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        walker.get("/api/today?date=2026-01-07").await.json()["status"]["status"],
        "active"
    );
    let bad_tier = doc
        .put(
            &format!("/api/patients/{walker_id}/tier"),
            json!({"tier": "gold"}),
        )
        .await;
    assert_eq!(bad_tier.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_tier.field().as_deref(), Some("tier"));
    doc.put(
        &format!("/api/patients/{walker_id}/tier"),
        json!({"tier": "supervised"}),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        walker.get("/api/today?date=2026-01-07").await.json()["tier"],
        "supervised"
    );
}

/// Answers that call for a clinician's clearance before any programme (SCR-13).
fn needs_clearance_json() -> serde_json::Value {
    let mut p = profile_json();
    p["flags"] = json!({"poor_balance_or_falls": true, "vestibular_or_dizziness": true, "neurological": true, "vision_impairment": false});
    p
}

async fn clearance_starts_a_programme(store: Store) {
    let t = TestApp::new(store);
    let mut w = t.client();
    let u = w.signup("risky@example.org", "walker").await;
    let on = w
        .put(
            &format!("/api/profile?date={START}"),
            needs_clearance_json(),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(on["programme_started"], json!(false), "{on}");
    assert_eq!(
        w.get(&format!("/api/today?date={START}")).await.json()["status"]["status"],
        "needs_clearance"
    );

    let mut doc = t.client();
    doc.signup("doc2@example.org", "clinician").await;
    t.approve("doc2@example.org").await;
    let code = doc.post("/api/invites", json!({})).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    w.post("/api/invites/accept", json!({"code": code}))
        .await
        .expect(StatusCode::OK);
    let list = doc.get("/api/patients").await.json();
    assert_eq!(list[0]["flags"][0]["flag"], "needs_clearance", "{list}");
    let id = u["id"].as_i64().unwrap();
    // The patient page opens before there is a programme, so clearance can be recorded.
    let page = doc
        .get(&format!("/api/patients/{id}?date={START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(page["screening"]["tier"], "clearance_required", "{page}");
    assert_eq!(page["profile"]["name"], "Ada");
    assert_eq!(page["flags"][0]["flag"], "needs_clearance");
    for part in ["history", "progress", "caps"] {
        assert_eq!(page[part], Value::Null, "{part}: {page}");
    }
    assert_eq!(page["seq"], json!(0));
    let r = doc
        .post(
            &format!("/api/patients/{id}/clearance?date={START}"),
            json!({"note": "seen in clinic"}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(r["programme_started"], json!(true));
    assert_eq!(
        w.get(&format!("/api/today?date={START}")).await.json()["status"]["status"],
        "active"
    );
}

/// Issue 3: a clearance is shown to the patient with who recorded it and their note, also
/// when the programme was already running; a patient who re-screens into the clearance
/// tier is flagged on the clinician's list as on their page, until clearance is recorded.
async fn clearance_is_shown_to_the_patient_and_flagged_on_the_list(store: Store) {
    let t = TestApp::new(store);
    let (mut w, id) = walker_with_programme(&t, "cleared@example.org").await;
    let mut doc = t.client();
    doc.csrf().await;
    doc.post(
        "/api/signup",
        json!({"email": "okafor@example.org", "password": "correct horse battery",
               "name": "Dr Okafor", "role": "clinician"}),
    )
    .await
    .expect(StatusCode::CREATED);
    t.approve("okafor@example.org").await;
    let code = doc.post("/api/invites", json!({})).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    w.post("/api/invites/accept", json!({"code": code}))
        .await
        .expect(StatusCode::OK);
    let flags_on_list = |list: &Value| -> Vec<String> {
        list[0]["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["flag"].as_str().unwrap().to_string())
            .collect()
    };

    // Clearance for a running programme that it does not change.
    doc.post(
        &format!("/api/patients/{id}/clearance?date={START}"),
        json!({"note": "Knee reviewed in clinic"}),
    )
    .await
    .expect(StatusCode::OK);
    let audit = w.get("/api/audit").await.expect(StatusCode::OK).json();
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");
    assert_eq!(audit[0]["who"], "Dr Okafor", "{audit}");
    assert_eq!(audit[0]["what"], "Recorded clearance", "{audit}");
    assert_eq!(audit[0]["note"], "Knee reviewed in clinic", "{audit}");
    assert!(audit[0]["at"].as_i64().unwrap() > 0);
    let history = w.get("/api/history").await.expect(StatusCode::OK).json();
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"]["kind"], "clearance_recorded", "{history}");
    assert_eq!(last["actor_name"], "Dr Okafor");

    let list = doc.get(&format!("/api/patients?date={START}")).await.json();
    assert!(
        !flags_on_list(&list).contains(&"needs_clearance".to_string()),
        "{list}"
    );
    // The patient re-screens into the clearance tier.
    let on = w
        .put(
            &format!("/api/profile?date={START}"),
            needs_clearance_json(),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(on["programme_started"], json!(false), "{on}");
    let list = doc.get(&format!("/api/patients?date={START}")).await.json();
    assert_eq!(flags_on_list(&list)[0], "needs_clearance", "{list}");
    let page = doc
        .get(&format!("/api/patients/{id}?date={START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(page["today"]["status"]["status"], "needs_clearance");
    assert_eq!(page["flags"][0]["flag"], "needs_clearance", "{page}");

    doc.post(
        &format!("/api/patients/{id}/clearance?date={START}"),
        json!({"note": "Vestibular review normal"}),
    )
    .await
    .expect(StatusCode::OK);
    let list = doc.get(&format!("/api/patients?date={START}")).await.json();
    assert!(
        !flags_on_list(&list).contains(&"needs_clearance".to_string()),
        "{list}"
    );
    let audit = w.get("/api/audit").await.expect(StatusCode::OK).json();
    assert_eq!(audit[0]["what"], "Recorded clearance", "{audit}");
    assert_eq!(audit[0]["note"], "Vestibular review normal", "{audit}");
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["who"] == "Dr Okafor"),
        "{audit}"
    );
}

async fn run_stop_reason_reaches_history(store: Store) {
    let t = TestApp::new(store);
    let (mut c, uid) = walker_with_programme(&t, "runner@example.org").await;
    let run = c
        .post("/api/runs", json!({"date": START, "treadmill": "none"}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let id = run["run_id"].as_str().unwrap().to_string();
    assert!(
        run["plan"]["segments"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{run}"
    );
    c.post(&format!("/api/runs/{id}/heartbeat"), json!({}))
        .await
        .expect(StatusCode::NO_CONTENT);
    c.post(&format!("/api/runs/{id}/pause"), json!({}))
        .await
        .expect(StatusCode::OK);
    c.post(&format!("/api/runs/{id}/resume"), json!({}))
        .await
        .expect(StatusCode::OK);
    let live = c.get(&format!("/api/runs/{id}/live")).await;
    assert_eq!(live.status, StatusCode::CONFLICT);

    let bad = c
        .post(&format!("/api/runs/{id}/stop"), json!({"reason": "bored"}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.field().as_deref(), Some("reason"));
    let stop = c
        .post(
            &format!("/api/runs/{id}/stop"),
            json!({"reason": "dizziness", "note": "room spun"}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(stop["stopped_early"], "dizziness");
    // Stopped once; heartbeats and stops after that are refused.
    c.post(&format!("/api/runs/{id}/stop"), json!({"reason": "other"}))
        .await
        .expect(StatusCode::CONFLICT);
    c.post(&format!("/api/runs/{id}/heartbeat"), json!({}))
        .await
        .expect(StatusCode::CONFLICT);

    let runs = t.state.svc.store.runs(uid).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].stop_reason.as_deref(), Some("dizziness: room spun"));

    // The log form does not repeat the reason; the run carries it into the history.
    let mut log = clean_log(START, 2.0);
    log["run_id"] = json!(id);
    let out = c
        .post(&format!("/api/log?date={START}"), log)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_ne!(out["decision"]["outcome"], "progress", "{out}");
    let history = c.get("/api/history").await.json();
    assert_eq!(
        history[0]["event"]["stopped_early"], "dizziness",
        "{history}"
    );

    // Only the treadmills this build knows (sim runs are tested in live.rs).
    let odd = c
        .post("/api/runs", json!({"date": START, "treadmill": "kettler"}))
        .await;
    assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(odd.field().as_deref(), Some("treadmill"));
}

async fn login_throttle(store: Store) {
    let t = TestApp::new(store);
    let mut a = t.client();
    a.signup("thr@example.org", "walker").await;
    let mut c = t.client();
    for i in 0..5 {
        let r = c.login("thr@example.org", "wrong password!").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
    }
    // The sixth attempt is refused even with the right password.
    let r = c.login("thr@example.org", "correct horse battery").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    let ra: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(ra > 0 && ra <= 900);
    // Another email is not affected; the count lives in the database, so a second app on
    // the same store sees it too.
    let t2 = TestApp::new(t.state.svc.store.clone());
    let mut c2 = t2.client();
    assert_eq!(
        c2.login("thr@example.org", "correct horse battery")
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let mut b = t.client();
    b.signup("other@example.org", "walker").await;
    let mut c3 = t.client();
    c3.login("other@example.org", "correct horse battery")
        .await
        .expect(StatusCode::OK);
}

async fn login_and_unknown_email(store: Store) {
    let t = TestApp::new(store);
    let mut a = t.client();
    a.signup("known@example.org", "walker").await;
    let mut c = t.client();
    let r = c.login("nobody@example.org", "whatever123").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r2 = c.login("known@example.org", "whatever123").await;
    assert_eq!(r2.status, StatusCode::UNAUTHORIZED);
    // The same answer for both, so it does not reveal which emails have accounts.
    assert_eq!(r.json(), r2.json());
    let ok = c
        .login("KNOWN@example.org ", "correct horse battery")
        .await
        .expect(StatusCode::OK);
    assert_eq!(ok.json()["user"]["email"], "known@example.org");
    let session = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("rw_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
            && session.contains("Path=/"),
        "{session}"
    );
    assert!(
        !session.contains("Secure"),
        "plain http without --secure-cookies: {session}"
    );
    c.get("/api/me").await.expect(StatusCode::OK);
    // Duplicate signup is a conflict on the email.
    let mut d = t.client();
    d.csrf().await;
    let dup = d
        .post("/api/signup", json!({"email": "known@example.org", "password": "a fresh 0123456789", "name": "X", "role": "walker"}))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.field().as_deref(), Some("email"));
}

async fn secure_cookies_behind_tls(store: Store) {
    let t = TestApp::new(store);
    let mut c = t.client();
    c.csrf().await;
    let mut req = c.request(
        "POST",
        "/api/signup",
        Some(serde_json::to_vec(&json!({"email": "tls@example.org", "password": "correct horse battery", "name": "T", "role": "walker"})).unwrap()),
    );
    req.headers_mut()
        .insert("x-forwarded-proto", "https".parse().unwrap());
    let r = c.send(req).await.expect(StatusCode::CREATED);
    for cookie in r.headers.get_all("set-cookie") {
        assert!(cookie.to_str().unwrap().contains("; Secure"), "{cookie:?}");
    }
    let secure_state = retrowalk_web::AppState::new(t.state.svc.clone(), test_settings(), true);
    let mut s = common::Client {
        router: retrowalk_web::app(secure_state),
        jar: Default::default(),
        send_csrf: true,
    };
    let r = s.get("/api/csrf").await.expect(StatusCode::OK);
    assert!(r.headers.get("strict-transport-security").is_some());
    assert!(r.headers["set-cookie"].to_str().unwrap().contains("Secure"));
}

async fn idle_expiry_and_revocation(store: Store) {
    let settings = retrowalk_web::Settings {
        // 3 s, with requests 0.9 s apart: two seconds of slack for a busy CI machine and
        // the store's whole-second clock, so only real idleness signs anyone out.
        session_idle_s: 3,
        session_renew_s: 0,
        ..test_settings()
    };
    let t = TestApp::with(store, settings);
    let mut c = t.client();
    c.signup("idle@example.org", "walker").await;
    // Activity keeps the session alive past its original lifetime (the token is renewed).
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(900)).await;
        c.get("/api/me").await.expect(StatusCode::OK);
    }
    // Idle longer than the timeout (and its last whole second): signed out.
    tokio::time::sleep(std::time::Duration::from_millis(4100)).await;
    c.get("/api/me").await.expect(StatusCode::UNAUTHORIZED);

    // Logout revokes the session server-side: a copied cookie no longer works.
    let t = TestApp::new(t.state.svc.store.clone());
    let mut c = t.client();
    c.login("idle@example.org", "correct horse battery")
        .await
        .expect(StatusCode::OK);
    let copy = c.clone();
    c.post("/api/logout", json!({}))
        .await
        .expect(StatusCode::NO_CONTENT);
    assert!(!c.jar.contains_key("rw_session"));
    let mut copy = copy;
    copy.get("/api/me").await.expect(StatusCode::UNAUTHORIZED);

    // revoke-all signs out every device.
    let mut phone = t.client();
    phone
        .login("idle@example.org", "correct horse battery")
        .await
        .expect(StatusCode::OK);
    let mut laptop = t.client();
    laptop
        .login("idle@example.org", "correct horse battery")
        .await
        .expect(StatusCode::OK);
    phone
        .post("/api/sessions/revoke-all", json!({}))
        .await
        .expect(StatusCode::NO_CONTENT);
    laptop.get("/api/me").await.expect(StatusCode::UNAUTHORIZED);
    phone.get("/api/me").await.expect(StatusCode::UNAUTHORIZED);
}

async fn csrf_rules(store: Store) {
    let t = TestApp::new(store);
    let mut c = t.client();
    c.signup("csrf@example.org", "walker").await;
    let token = c.jar["rw_csrf"].clone();
    // GET /api/csrf while signed in gives the session's token.
    assert_eq!(c.csrf().await, token);
    // Header missing, or not equal to the cookie, or equal to a planted cookie that is not
    // the session's: all 403.
    c.send_csrf = false;
    c.post("/api/logout", json!({}))
        .await
        .expect(StatusCode::FORBIDDEN);
    let mut req = c.request("POST", "/api/logout", Some(b"{}".to_vec()));
    req.headers_mut()
        .insert("x-csrf-token", "0".repeat(64).parse().unwrap());
    c.send(req).await.expect(StatusCode::FORBIDDEN);
    let planted = "a".repeat(64);
    let mut req = c.request("POST", "/api/logout", Some(b"{}".to_vec()));
    let cookie = c.cookie_header().replace(&token, &planted);
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    req.headers_mut()
        .insert("x-csrf-token", planted.parse().unwrap());
    c.send(req).await.expect(StatusCode::FORBIDDEN);
    c.get("/api/me").await.expect(StatusCode::OK);
}

async fn input_limits(store: Store) {
    let t = TestApp::new(store);
    let (mut c, _) = walker_with_programme(&t, "limits@example.org").await;

    // 64 KiB body limit.
    let big = json!({"date": START, "pain": 1, "pad": "x".repeat(70 * 1024)});
    let r = c.post("/api/morning", big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.json()["error"].as_str().unwrap().contains("64 KiB"));

    // Out-of-range numbers: 422 naming the field.
    let cases: Vec<(&str, Value)> = vec![
        ("effort", json!(11)),
        ("pain_before", json!(-1)),
        ("pain_during", json!(300)),
        ("pain_after", json!(10.5)),
        ("backward_min", json!(121)),
        ("backward_min", json!(-3)),
        ("rails", json!("sometimes")),
        ("date", json!("2026-13-01")),
        ("notes", json!("n".repeat(2001))),
        ("stopped_early", json!("bored")),
    ];
    for (field, value) in cases {
        let mut log = clean_log(START, 5.0);
        log[field] = value.clone();
        let r = c.post(&format!("/api/log?date={START}"), log).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}: {}",
            r.text()
        );
        assert_eq!(r.field().as_deref(), Some(field), "{field}: {}", r.text());
    }
    let mut log = clean_log(START, 5.0);
    log.as_object_mut().unwrap().remove("effort");
    let r = c.post(&format!("/api/log?date={START}"), log).await;
    assert_eq!(r.field().as_deref(), Some("effort"), "{}", r.text());
    let r = c
        .post("/api/morning", json!({"date": START, "pain": 12}))
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("pain"))
    );

    // Malformed JSON is 400.
    let req = c.request("POST", "/api/morning", Some(b"{not json".to_vec()));
    c.send(req).await.expect(StatusCode::BAD_REQUEST);

    // Query parameters.
    let r = c.get("/api/today?date=yesterday").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("date"))
    );
    let r = c.get("/api/plan?weeks=27").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("weeks"))
    );

    // Profile fields.
    for (field, value) in [
        ("name", json!("n".repeat(101))),
        ("name", json!("   ")),
        ("age", json!(12)),
        ("body_mass", json!(5000)),
        ("knee_pain", json!(11)),
        ("schedule", json!({"days": ["Monday"]})),
        ("backward_walk_test_s", json!(0.1)),
    ] {
        let mut p = profile_json();
        p[field] = value.clone();
        let r = c.put("/api/profile", p).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}: {}",
            r.text()
        );
        assert_eq!(r.field().as_deref(), Some(field), "{field}: {}", r.text());
    }

    // Sign-up fields.
    let mut s = t.client();
    s.csrf().await;
    for (field, value) in [
        ("email", json!(format!("{}@example.org", "a".repeat(250)))),
        ("email", json!("not-an-email")),
        ("name", json!("n".repeat(101))),
        ("password", json!("short")),
        ("role", json!("admin")),
    ] {
        let mut b = json!({"email": "new@example.org", "password": "long enough pw", "name": "N", "role": "walker"});
        b[field] = value.clone();
        let r = s.post("/api/signup", b).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}: {}",
            r.text()
        );
        assert_eq!(r.field().as_deref(), Some(field));
    }

    // Clinician caps and notes.
    let mut doc = t.client();
    doc.signup("capdoc@example.org", "clinician").await;
    t.approve("capdoc@example.org").await;
    let code = doc.post("/api/invites", json!({})).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    c.post("/api/invites/accept", json!({"code": code}))
        .await
        .expect(StatusCode::OK);
    let id = c.get("/api/me").await.json()["id"].as_i64().unwrap();
    for (field, value) in [
        ("max_speed_kmh", json!(31)),
        ("max_speed_kmh", json!(0)),
        ("max_incline_pct", json!(-1)),
        ("max_backward_min", json!(121)),
        ("max_backward_min", json!(0)),
        ("expected_seq", json!("one")),
    ] {
        let mut b = json!({"expected_seq": 1});
        b[field] = value.clone();
        let r = doc.put(&format!("/api/patients/{id}/caps"), b).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}: {}",
            r.text()
        );
        assert_eq!(r.field().as_deref(), Some(field));
    }
    let r = doc
        .post(
            &format!("/api/patients/{id}/pause"),
            json!({"reason": "r".repeat(2001)}),
        )
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
}

async fn security_headers_and_pages(store: Store) {
    let t = TestApp::new(store);
    let mut c = t.client();
    for path in [
        "/api/csrf",
        "/api/me",
        "/healthz",
        "/",
        "/clinician/patients/3",
        "/api/nope",
        "/assets/none.js",
    ] {
        let r = c.get(path).await;
        let h = &r.headers;
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}");
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        if path.starts_with("/api/") {
            assert_eq!(h["cache-control"], "no-store", "{path}");
        }
    }
    let r = c.get("/api/nope").await.expect(StatusCode::NOT_FOUND);
    assert!(r.json()["error"].as_str().unwrap().contains("openapi"));
    let h = c.get("/healthz").await.expect(StatusCode::OK).json();
    assert_eq!(h["ok"], json!(true));

    // Pages fall back to index.html; each embedded asset is served with its type.
    let index = retrowalk_web_assets_index();
    let r = c.get("/progress").await;
    match &index {
        Some(bytes) => {
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(&r.body, bytes);
            assert!(r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"));
        }
        None => assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE),
    }
    c.get("/assets/none.js").await.expect(StatusCode::NOT_FOUND);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    if let Some(js) = walk(&dir)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "js"))
    {
        let rel = js
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let r = c
            .get(&format!("/assets/{rel}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body, std::fs::read(&js).unwrap());
        assert!(r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript"));
        let etag = r.headers["etag"].to_str().unwrap().to_string();
        let mut req = c.request("GET", &format!("/assets/{rel}"), None);
        req.headers_mut()
            .insert("if-none-match", etag.parse().unwrap());
        c.send(req).await.expect(StatusCode::NOT_MODIFIED);
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn retrowalk_web_assets_index() -> Option<Vec<u8>> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/index.html")).ok()
}

async fn sql_metacharacters_are_just_data(store: Store) {
    let t = TestApp::new(store);
    let mut a = t.client();
    a.signup("first@example.org", "walker").await;
    let mut c = t.client();
    c.csrf().await;
    let name = "Robert'); DROP TABLE users;--";
    let email = "o'brien--@example.org";
    c.post(
        "/api/signup",
        json!({"email": email, "password": "x' OR '1'='1 pw", "name": name, "role": "walker"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let me = c.get("/api/me").await.expect(StatusCode::OK).json();
    assert_eq!(me["name"], name);
    assert_eq!(me["email"], email);
    // An injection-shaped password is only a wrong password.
    let mut d = t.client();
    d.login("first@example.org", "x' OR '1'='1")
        .await
        .expect(StatusCode::UNAUTHORIZED);
    d.login("first@example.org' --", "anything at all")
        .await
        .expect(StatusCode::UNAUTHORIZED);
    // Everyone is still there.
    let mut e = t.client();
    e.login("first@example.org", "correct horse battery")
        .await
        .expect(StatusCode::OK);
    e.login(email, "x' OR '1'='1 pw")
        .await
        .expect(StatusCode::OK);
}

/// The web crate never writes SQL: every query goes through the store's bound parameters.
#[test]
fn no_sql_in_the_web_crate() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 5);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for needle in [
            "sqlx",
            "SELECT ",
            "INSERT ",
            "UPDATE ",
            "DELETE FROM",
            "format!(\"SELECT",
        ] {
            assert!(
                !text.contains(needle),
                "{} contains {needle:?}",
                f.display()
            );
        }
    }
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"),
    )
    .unwrap();
    let deps = manifest.split("[dev-dependencies]").next().unwrap();
    assert!(
        !deps.contains("sqlx"),
        "the web crate must not depend on sqlx directly"
    );
}

both_backends!(
    sql_metacharacters_are_just_data,
    walker_happy_path,
    clinician_flow,
    clearance_starts_a_programme,
    clearance_is_shown_to_the_patient_and_flagged_on_the_list,
    run_stop_reason_reaches_history,
    login_throttle,
    login_and_unknown_email,
    secure_cookies_behind_tls,
    idle_expiry_and_revocation,
    csrf_rules,
    input_limits,
    security_headers_and_pages,
);

#[test]
fn openapi_covers_every_route() {
    let doc = retrowalk_web::openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    let routes = retrowalk_web::registered_routes();
    assert!(routes.len() >= 30);
    for (method, path) in &routes {
        let key = path.replace("{*", "{");
        let op = &doc["paths"][&key][method.to_ascii_lowercase()];
        assert!(
            op.is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
        assert!(op["responses"].is_object());
    }
    // And nothing documented that is not served.
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(documented, routes.len());
    // Every $ref resolves.
    let text = doc.to_string();
    for part in text.split("#/components/schemas/").skip(1) {
        let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
        assert!(doc["components"]["schemas"][&name].is_object(), "{name}");
    }
}
