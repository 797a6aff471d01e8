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

/// `profile_json()` with some fields replaced.
fn with(changes: Value) -> Value {
    let mut p = profile_json();
    for (k, v) in changes.as_object().unwrap() {
        p[k] = v.clone();
    }
    p
}

fn rules(out: &Value) -> Vec<String> {
    out["screening"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap().to_string())
        .collect()
}

/// The reasons are sentences a person reads: no rule codes in them.
fn assert_plain(out: &Value) {
    for r in out["screening"]["reasons"].as_array().unwrap() {
        let text = r["text"].as_str().unwrap();
        assert!(!text.contains("SCR-") && text.ends_with('.'), "{text}");
    }
}

/// Issue 12: the heart questions, activity level and time since knee surgery are
/// screened, kept and sent back; a surgery date before birth is refused by field.
async fn new_screening_answers_are_screened_and_kept(store: Store) {
    let t = TestApp::new(store);
    let mut cal = t.client();
    cal.signup("cal@example.org", "walker").await;
    // ACL reconstruction four months ago, on a beta-blocker.
    let out = answer(
        &mut cal,
        with(
            json!({"knee": "acl_reconstruction", "knee_pain": 1, "knee_surgery_months": 4,
            "heart": {"rate_limiting_medicine": true}, "activity": "regular"}),
        ),
    )
    .await;
    assert_eq!(
        out["screening"]["tier"],
        json!("clearance_required"),
        "{out}"
    );
    assert_eq!(out["programme_started"], json!(false));
    assert_eq!(
        rules(&out),
        ["Scr05KneeSurgery", "Scr16RateLimitingMedicine"]
    );
    assert_plain(&out);
    let p = cal.get("/api/profile").await.expect(StatusCode::OK).json();
    assert_eq!(p["heart"]["rate_limiting_medicine"], json!(true));
    assert_eq!(
        p["heart"]["chest_pain"],
        json!(false),
        "missing answers are no"
    );
    assert_eq!(p["activity"], json!("regular"));
    assert_eq!(p["knee_surgery_months"], json!(4));

    // Ten years on, no medicine, inactive: caution, and the programme starts.
    let out = answer(
        &mut cal,
        with(
            json!({"knee": "acl_reconstruction", "knee_pain": 1, "knee_surgery_months": 120,
            "heart": {}, "activity": "inactive"}),
        ),
    )
    .await;
    assert_eq!(out["screening"]["tier"], json!("caution"), "{out}");
    assert_eq!(out["programme_started"], json!(true), "{out}");
    assert_eq!(rules(&out), ["Scr18KneeSurgeryLongAgo", "Scr17Inactive"]);
    assert_plain(&out);

    // Each heart answer alone asks for clearance.
    for q in [
        "heart_condition",
        "chest_pain",
        "fainting",
        "high_blood_pressure",
    ] {
        let out = answer(
            &mut cal,
            with(json!({"heart": {q: true}, "activity": "some"})),
        )
        .await;
        assert_eq!(
            out["screening"]["tier"],
            json!("clearance_required"),
            "{q}: {out}"
        );
        assert!(
            rules(&out).contains(&"Scr15HeartAndCirculation".to_string()),
            "{q}"
        );
    }

    // 58 years is 696 months.
    let r = cal
        .put(
            &format!("/api/profile?date={START}"),
            with(json!({"knee": "other_surgery", "knee_surgery_months": 697, "heart": {}})),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.field().as_deref(),
        Some("knee_surgery_months"),
        "{}",
        r.text()
    );
    let r = cal
        .put(
            &format!("/api/profile?date={START}"),
            with(json!({"activity": "sometimes", "heart": {}})),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("activity"), "{}", r.text());
}

/// The clinician sees the patient's answers and the screening's reasons (with their rules).
async fn the_clinician_sees_the_answers_and_reasons(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, ada_id, mut lin) = ada_and_lin(&t).await;
    answer(
        &mut ada,
        with(json!({"heart": {"high_blood_pressure": true}, "activity": "inactive"})),
    )
    .await;
    let p = lin
        .get(&format!("/api/patients/{ada_id}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        p["profile"]["heart"]["high_blood_pressure"],
        json!(true),
        "{p}"
    );
    assert_eq!(p["profile"]["activity"], json!("inactive"));
    let reasons = p["screening"]["reasons"].as_array().unwrap();
    let bp = reasons
        .iter()
        .find(|r| r["rule"] == json!("Scr15HeartAndCirculation"))
        .expect("the blood pressure reason");
    assert!(
        bp["text"].as_str().unwrap().contains("high blood pressure"),
        "{bp}"
    );
    assert_eq!(p["screening"]["tier"], json!("clearance_required"));
}

/// A profile stored before these questions existed, and a backup made then, still load:
/// the tier is unchanged and the person is asked to answer them.
async fn an_old_profile_and_an_old_backup_still_load(store: Store) {
    let t = TestApp::new(store.clone());
    let (mut ada, ada_id) = walker_with_programme(&t, "ada@example.org").await;
    let old = r#"{"name":"Ada","age":58,"body_mass":72.0,"sex":null,"units":"kmh",
        "goal":"knee_rehab","knee":"osteoarthritis","knee_pain":2,"flags":{
        "poor_balance_or_falls":false,"vestibular_or_dizziness":false,"neurological":false,
        "vision_impairment":false},"backward_walk_test_s":null,"clearance":false,
        "clearance_by":null,"schedule":{"days":["Monday","Wednesday","Friday"]}}"#;
    sqlx::query("UPDATE profiles SET data = $1 WHERE user_id = $2")
        .bind(old)
        .bind(ada_id)
        .execute(store.pool())
        .await
        .unwrap();
    let p = ada.get("/api/profile").await.expect(StatusCode::OK).json();
    assert_eq!(p["heart"], Value::Null);
    assert_eq!(p["activity"], Value::Null);
    let s = ada
        .get("/api/screening")
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(s["tier"], json!("caution"), "{s}");
    let ask = s["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == json!("Scr15HeartAndCirculation"))
        .expect("asked to answer the heart questions");
    assert_eq!(ask["tier"], json!("standard"));
    assert!(
        ask["text"].as_str().unwrap().contains("not answered"),
        "{ask}"
    );
    ada.get(&format!("/api/today?date={START}"))
        .await
        .expect(StatusCode::OK);

    // A backup of that profile, with the new fields taken out as an old one lacks them,
    // restores into a fresh account.
    let mut backup = ada
        .get("/api/export/backup.json")
        .await
        .expect(StatusCode::OK)
        .json();
    let profile = backup["profile"].as_object_mut().expect("a profile");
    for k in ["heart", "activity", "knee_surgery_months"] {
        profile.remove(k);
    }
    let mut bo = t.client();
    bo.signup("bo@example.org", "walker").await;
    let mut req = bo.request(
        "POST",
        "/api/import/backup",
        Some(serde_json::to_vec(&backup).unwrap()),
    );
    req.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    bo.send(req).await.expect(StatusCode::OK);
    let p = bo.get("/api/profile").await.expect(StatusCode::OK).json();
    assert_eq!(p["heart"], Value::Null);
    assert_eq!(p["knee"], json!("osteoarthritis"));
}

/// The session plan says what guides intensity: effort for a person whose medicine slows
/// the heart, with the age-based ceiling named a backstop; the cap for everyone else.
async fn the_session_plan_says_what_guides_intensity(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, _) = walker_with_programme(&t, "ada@example.org").await;
    let plan = ada
        .get(&format!("/api/plan/{START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(plan["heart_rate"]["by_effort"], json!(false), "{plan}");
    // 58 on the caution tier: (208 − 40.6) × 0.8 = 133.9.
    assert_eq!(plan["heart_rate"]["bpm"], json!(133));
    assert!(plan["heart_rate"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Heart-rate cap 133 bpm"));

    // On a beta-blocker, unlinked, self-attested clearance: supervised, by effort.
    let out = answer(
        &mut ada,
        with(json!({"heart": {"rate_limiting_medicine": true}, "clearance": true})),
    )
    .await;
    assert_eq!(out["screening"]["tier"], json!("supervised"), "{out}");
    let plan = ada
        .get(&format!("/api/plan/{START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(plan["heart_rate"]["by_effort"], json!(true), "{plan}");
    let text = plan["heart_rate"]["text"].as_str().unwrap();
    assert!(text.starts_with("Go by effort, not heart rate"), "{text}");
    assert!(
        text.contains("stops above 125 bpm, as a backstop only"),
        "{text}"
    );
    assert!(!text.contains("Heart-rate cap"), "{text}");
}

both_backends!(
    unchanged_answers_keep_a_clinicians_stricter_tier_and_caps,
    a_clinicians_gentler_tier_stands_until_answers_call_for_stricter,
    new_screening_answers_are_screened_and_kept,
    the_clinician_sees_the_answers_and_reasons,
    an_old_profile_and_an_old_backup_still_load,
    the_session_plan_says_what_guides_intensity,
);
