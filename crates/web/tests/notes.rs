//! What people write reaches the database and comes back to whoever should read it: the
//! notes on a session log (the clinician's patient page), a clinician's clearance note and
//! pause reason (the patient's audit trail and paused status).

mod common;

use axum::http::StatusCode;
use common::*;
use retrowalk_store::Store;
use serde_json::{json, Value};

async fn link(t: &TestApp, walker: &mut Client, doc_email: &str) -> Client {
    let mut doc = t.client();
    doc.signup(doc_email, "clinician").await;
    t.approve(doc_email).await;
    let code = doc.post("/api/invites", json!({})).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    walker
        .post("/api/invites/accept", json!({"code": code}))
        .await
        .expect(StatusCode::OK);
    doc
}

fn session_notes(page: &Value) -> Vec<Value> {
    page["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["kind"] == "session")
        .map(|e| e["note"].clone())
        .collect()
}

async fn log_notes_reach_the_clinician(store: Store) {
    let t = TestApp::new(store);
    let (mut w, id) = walker_with_programme(&t, "notes@example.org").await;
    let mut doc = link(&t, &mut w, "doc.notes@example.org").await;

    let text = "Left knee clicked twice; <b>rail</b> felt loose";
    let mut log = clean_log(START, 4.0);
    log["notes"] = json!(format!("  {text}\n"));
    w.post(&format!("/api/log?date={START}"), log)
        .await
        .expect(StatusCode::OK);
    // A blank note is no note.
    let wed = "2026-01-07";
    let mut log = clean_log(wed, 4.0);
    log["notes"] = json!("   ");
    w.post(&format!("/api/log?date={wed}"), log)
        .await
        .expect(StatusCode::OK);

    let page = doc
        .get(&format!("/api/patients/{id}?date={wed}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        session_notes(&page),
        vec![json!(text), Value::Null],
        "{page}"
    );
    // The person sees their own notes in their history too.
    let own = w.get("/api/history").await.expect(StatusCode::OK).json();
    assert_eq!(own[0]["note"], json!(text), "{own}");
}

async fn clinician_reasons_reach_the_patient(store: Store) {
    let t = TestApp::new(store);
    let mut w = t.client();
    let u = w.signup("cleared@example.org", "walker").await;
    let id = u["id"].as_i64().unwrap();
    let mut p = profile_json();
    p["flags"] = json!({"poor_balance_or_falls": true, "vestibular_or_dizziness": true, "neurological": true, "vision_impairment": false});
    w.put(&format!("/api/profile?date={START}"), p)
        .await
        .expect(StatusCode::OK);
    let mut doc = link(&t, &mut w, "doc.cleared@example.org").await;

    doc.post(
        &format!("/api/patients/{id}/clearance?date={START}"),
        json!({"note": "Assessed in clinic; Berg 48/56"}),
    )
    .await
    .expect(StatusCode::OK);
    doc.post(
        &format!("/api/patients/{id}/pause?date={START}"),
        json!({"reason": "swelling reported by phone"}),
    )
    .await
    .expect(StatusCode::OK);

    let audit = w.get("/api/audit").await.expect(StatusCode::OK).json();
    let notes: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["note"].as_str())
        .collect();
    assert_eq!(
        notes,
        vec![
            "swelling reported by phone",
            "Assessed in clinic; Berg 48/56"
        ],
        "{audit}"
    );
    let today = w.get(&format!("/api/today?date={START}")).await.json();
    assert_eq!(today["status"]["status"], "paused");
    assert_eq!(
        today["status"]["reason"],
        "by your clinician: swelling reported by phone"
    );

    // Over-long reasons are refused with the field named, and nothing changes.
    let long = "x".repeat(5000);
    doc.post(
        &format!("/api/patients/{id}/resume?date={START}"),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    let r = doc
        .post(
            &format!("/api/patients/{id}/pause?date={START}"),
            json!({"reason": long}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field().as_deref(), Some("reason"));
    let today = w.get(&format!("/api/today?date={START}")).await.json();
    assert_eq!(today["status"]["status"], "active");
}

both_backends!(
    log_notes_reach_the_clinician,
    clinician_reasons_reach_the_patient
);
