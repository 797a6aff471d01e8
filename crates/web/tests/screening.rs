//! Screening answers sent again after a clinician changed the tier (issue 14): the
//! clinician's tier and caps stand until the clinician changes them; only answers that
//! newly call for a stricter tier apply, and the answer says which tier is in force.

mod common;

use axum::http::StatusCode;
use common::*;
use retrowalk_core::Tier;
use retrowalk_store::Store;
use serde_json::{json, Value};

/// Ada (screened "caution": osteoarthritis) with Lin as her clinician.
async fn ada_and_lin(t: &TestApp) -> (Client, i64, Client) {
    let (mut ada, ada_id) = walker_with_programme(t, "ada@example.org").await;
    let mut lin = t.client();
    lin.signup("lin@example.org", "clinician").await;
    t.approve("lin@example.org").await;
    let code = lin.post("/api/invites", json!({})).await.json()["code"].clone();
    ada.post("/api/invites/accept", json!({ "code": code }))
        .await
        .expect(StatusCode::OK);
    (ada, ada_id, lin)
}

async fn tier(t: &TestApp, id: i64) -> Tier {
    t.state
        .svc
        .store
        .programme(id)
        .await
        .unwrap()
        .unwrap()
        .state
        .tier
}

async fn answer(ada: &mut Client, profile: Value) -> Value {
    ada.put(&format!("/api/profile?date={START}"), profile)
        .await
        .expect(StatusCode::OK)
        .json()
}

async fn set_tier(lin: &mut Client, id: i64, tier: &str) {
    lin.put(&format!("/api/patients/{id}/tier"), json!({ "tier": tier }))
        .await
        .expect(StatusCode::OK);
}

async fn unchanged_answers_keep_a_clinicians_stricter_tier_and_caps(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, ada_id, mut lin) = ada_and_lin(&t).await;
    assert_eq!(tier(&t, ada_id).await, Tier::Caution);
    set_tier(&mut lin, ada_id, "supervised").await;
    let seq = ada.get("/api/today?date=2026-01-12").await.json()["seq"].clone();
    lin.put(
        &format!("/api/patients/{ada_id}/caps"),
        json!({"max_backward_min": 4, "expected_seq": seq}),
    )
    .await
    .expect(StatusCode::OK);
    let events_before = t.state.svc.store.events(ada_id).await.unwrap().len();

    let out = answer(&mut ada, profile_json()).await;
    assert_eq!(tier(&t, ada_id).await, Tier::Supervised, "{out}");
    let state = t
        .state
        .svc
        .store
        .programme(ada_id)
        .await
        .unwrap()
        .unwrap()
        .state;
    assert_eq!(state.caps.max_backward_s, Some(240));
    assert_eq!(
        t.state.svc.store.events(ada_id).await.unwrap().len(),
        events_before,
        "nothing recorded"
    );
    // The answer says whose tier is in force, beside what the answers screen to.
    assert_eq!(out["screening"]["tier"], json!("caution"));
    assert_eq!(out["clinician_tier"]["tier"], json!("supervised"), "{out}");
    let message = out["clinician_tier"]["message"].as_str().unwrap();
    assert!(message.contains("clinician"), "{message}");
    assert!(message.contains("supervised"), "{message}");
}

async fn a_clinicians_gentler_tier_stands_until_answers_call_for_stricter(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, ada_id, mut lin) = ada_and_lin(&t).await;
    set_tier(&mut lin, ada_id, "standard").await;
    assert_eq!(tier(&t, ada_id).await, Tier::Standard);

    // The same answers that screened "caution" do not undo Lin's judgement.
    let out = answer(&mut ada, profile_json()).await;
    assert_eq!(tier(&t, ada_id).await, Tier::Standard, "{out}");
    assert_eq!(out["clinician_tier"]["tier"], json!("standard"), "{out}");

    // New answers that call for a stricter tier than Lin's apply at once.
    let mut worse = profile_json();
    worse["flags"] = json!({"poor_balance_or_falls": false, "vestibular_or_dizziness": false,
        "neurological": false, "vision_impairment": true});
    let out = answer(&mut ada, worse).await;
    assert_eq!(tier(&t, ada_id).await, Tier::Supervised, "{out}");
    assert!(out.get("clinician_tier").is_none(), "{out}");

    // When they no longer do, Lin's tier is back in force, not the answers' own.
    let out = answer(&mut ada, profile_json()).await;
    assert_eq!(tier(&t, ada_id).await, Tier::Standard, "{out}");
    assert_eq!(out["clinician_tier"]["tier"], json!("standard"), "{out}");

    // Without a clinician's tier, answers set it as before.
    let (mut bea, bea_id) = walker_with_programme(&t, "bea@example.org").await;
    let mut worse = profile_json();
    worse["flags"] = json!({"poor_balance_or_falls": false, "vestibular_or_dizziness": false,
        "neurological": false, "vision_impairment": true});
    let out = answer(&mut bea, worse).await;
    assert_eq!(tier(&t, bea_id).await, Tier::Supervised);
    answer(&mut bea, profile_json()).await;
    assert_eq!(tier(&t, bea_id).await, Tier::Caution);
    assert!(out.get("clinician_tier").is_none(), "{out}");
}

both_backends!(
    unchanged_answers_keep_a_clinicians_stricter_tier_and_caps,
    a_clinicians_gentler_tier_stands_until_answers_call_for_stricter,
);
