//! Issue 14: a server administrator approves clinicians before they can do anything to a
//! patient, and a second clinician cannot silently undo the first one's pause or limits.

mod common;

use axum::http::StatusCode;
use common::*;
use retrowalk_store::Store;
use serde_json::{json, Value};

async fn signup_named(t: &TestApp, email: &str, name: &str, role: &str) -> (Client, i64) {
    let mut c = t.client();
    c.csrf().await;
    let r = c
        .post(
            "/api/signup",
            json!({"email": email, "password": "correct horse battery", "name": name, "role": role}),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = r.json()["user"]["id"].as_i64().unwrap();
    (c, id)
}

async fn invite(doc: &mut Client, patient: &mut Client) {
    let code = doc
        .post("/api/invites", json!({}))
        .await
        .expect(StatusCode::CREATED)
        .json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    patient
        .post("/api/invites/accept", json!({"code": code}))
        .await
        .expect(StatusCode::OK);
}

fn says_waiting(r: &Resp) -> bool {
    r.json()["error"]
        .as_str()
        .is_some_and(|e| e.contains("waiting for approval"))
}

/// Every route that reads or changes a patient, with a body where it needs one.
fn patient_routes(id: i64) -> Vec<(&'static str, String, Option<Value>)> {
    let p = format!("/api/patients/{id}");
    vec![
        ("GET", "/api/patients".into(), None),
        ("POST", "/api/invites".into(), Some(json!({}))),
        ("GET", p.clone(), None),
        (
            "PUT",
            format!("{p}/caps"),
            Some(json!({"max_speed_kmh": 9.0, "expected_seq": 0})),
        ),
        ("POST", format!("{p}/pause"), Some(json!({}))),
        ("POST", format!("{p}/resume"), Some(json!({}))),
        ("POST", format!("{p}/clearance"), Some(json!({}))),
        (
            "PUT",
            format!("{p}/tier"),
            Some(json!({"tier": "standard"})),
        ),
        ("GET", format!("{p}/export/sessions.csv"), None),
    ]
}

async fn unapproved_clinicians_can_do_nothing_to_a_patient(store: Store) {
    let t = TestApp::new(store);
    // The first account on an empty server administers it.
    let (mut owner, _) = signup_named(&t, "owner@example.org", "Owner", "walker").await;
    let me = owner.get("/api/me").await.expect(StatusCode::OK).json();
    assert_eq!(me["admin"], json!(true));
    assert_eq!(me["approved"], Value::Null, "a walker needs no approval");
    let (mut ada, ada_id) = walker_with_programme(&t, "ada@example.org").await;
    assert_eq!(ada.get("/api/me").await.json()["admin"], json!(false));

    // A new clinician can sign in and sees that they wait, but can do nothing else.
    let (mut rex, rex_id) = signup_named(&t, "rex@example.org", "Dr Rex", "clinician").await;
    let me = rex.get("/api/me").await.expect(StatusCode::OK).json();
    assert_eq!(me["approved"], json!(false));
    assert_eq!(me["admin"], json!(false));
    for (m, path, body) in patient_routes(ada_id) {
        let r = rex.call(m, &path, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{m} {path}: {}", r.text());
        assert!(says_waiting(&r), "{m} {path}: {}", r.text());
    }

    // Approved, Rex links Ada; then the administrator withdraws the approval, and the
    // link alone lets him do nothing: not resume her, not lift her limits, not read her.
    let approved = owner
        .post(
            &format!("/api/admin/clinicians/{rex_id}/approve"),
            json!({}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(approved["approved"], json!(true));
    assert_eq!(rex.get("/api/me").await.json()["approved"], json!(true));
    invite(&mut rex, &mut ada).await;
    rex.get(&format!("/api/patients/{ada_id}"))
        .await
        .expect(StatusCode::OK);
    owner
        .post(&format!("/api/admin/clinicians/{rex_id}/revoke"), json!({}))
        .await
        .expect(StatusCode::OK);
    for (m, path, body) in patient_routes(ada_id) {
        let r = rex.call(m, &path, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{m} {path}: {}", r.text());
        assert!(says_waiting(&r), "{m} {path}: {}", r.text());
    }
    assert!(ada
        .get("/api/audit")
        .await
        .json()
        .as_array()
        .unwrap()
        .is_empty());

    // The administrator's list shows him waiting; approval makes every route work.
    let list = owner
        .get("/api/admin/clinicians")
        .await
        .expect(StatusCode::OK)
        .json();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(rex_id))
        .cloned()
        .unwrap();
    assert_eq!(row["approved"], json!(false));
    assert_eq!(row["email"], json!("rex@example.org"));
    owner
        .post(
            &format!("/api/admin/clinicians/{rex_id}/approve"),
            json!({}),
        )
        .await
        .expect(StatusCode::OK);
    let list = rex.get("/api/patients").await.expect(StatusCode::OK).json();
    assert_eq!(list[0]["id"], json!(ada_id));

    // Only an administrator manages approvals; a walker's id is no clinician.
    for who in [&mut ada, &mut rex] {
        who.get("/api/admin/clinicians")
            .await
            .expect(StatusCode::FORBIDDEN);
        who.post(&format!("/api/admin/clinicians/{rex_id}/revoke"), json!({}))
            .await
            .expect(StatusCode::FORBIDDEN);
    }
    owner
        .post(
            &format!("/api/admin/clinicians/{ada_id}/approve"),
            json!({}),
        )
        .await
        .expect(StatusCode::NOT_FOUND);
}

async fn the_first_clinician_on_an_empty_server_is_its_approved_administrator(store: Store) {
    let t = TestApp::new(store);
    let (mut lin, _) = signup_named(&t, "lin@example.org", "Dr Lin", "clinician").await;
    let me = lin.get("/api/me").await.expect(StatusCode::OK).json();
    assert_eq!(
        (me["admin"].clone(), me["approved"].clone()),
        (json!(true), json!(true))
    );
    lin.post("/api/invites", json!({}))
        .await
        .expect(StatusCode::CREATED);
    let (mut moe, _) = signup_named(&t, "moe@example.org", "Dr Moe", "clinician").await;
    let me = moe.get("/api/me").await.expect(StatusCode::OK).json();
    assert_eq!(
        (me["admin"].clone(), me["approved"].clone()),
        (json!(false), json!(false))
    );
    let list = lin
        .get("/api/admin/clinicians")
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

async fn a_second_clinician_cannot_lift_the_firsts_pause_or_limits(store: Store) {
    let t = TestApp::new(store);
    let (mut lin, _) = signup_named(&t, "lin@example.org", "Dr Lin", "clinician").await;
    let (mut rex, _) = signup_named(&t, "rex@example.org", "Dr Rex", "clinician").await;
    t.approve("rex@example.org").await;
    let (mut ada, ada_id) = walker_with_programme(&t, "ada@example.org").await;
    invite(&mut lin, &mut ada).await;
    invite(&mut rex, &mut ada).await;
    let p = format!("/api/patients/{ada_id}");

    let seq = lin.get(&p).await.json()["seq"].as_i64().unwrap();
    let r = lin
        .put(
            &format!("{p}/caps"),
            json!({"max_speed_kmh": 2.0, "max_backward_min": 10, "expected_seq": seq}),
        )
        .await
        .expect(StatusCode::OK);
    let seq = r.json()["seq"].as_i64().unwrap();
    lin.post(
        &format!("{p}/pause"),
        json!({"reason": "review the knee first"}),
    )
    .await
    .expect(StatusCode::OK);
    let seq_paused = seq + 1;

    // Rex can neither resume nor loosen nor remove Lin's limits; each refusal names her.
    let r = rex.post(&format!("{p}/resume"), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert!(r.text().contains("Dr Lin"), "{}", r.text());
    for caps in [
        json!({"max_speed_kmh": 3.0, "max_backward_min": 10, "expected_seq": seq_paused}),
        json!({"max_speed_kmh": 2.0, "max_backward_min": 20, "expected_seq": seq_paused}),
        json!({"max_speed_kmh": 2.0, "expected_seq": seq_paused}),
        json!({"expected_seq": seq_paused}),
    ] {
        let r = rex.put(&format!("{p}/caps"), caps.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{caps}: {}", r.text());
        assert!(r.text().contains("Dr Lin"), "{}", r.text());
    }
    // Nothing changed: still paused, same limits, same version.
    let page = lin.get(&p).await.expect(StatusCode::OK).json();
    assert_eq!(page["seq"], json!(seq_paused));
    assert!(page["flags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["flag"] == "paused"));
    assert_eq!(page["caps"]["max_backward_s"], json!(600));

    // Nor lower the tier Lin chose.
    lin.put(&format!("{p}/tier"), json!({"tier": "supervised"}))
        .await
        .expect(StatusCode::OK);
    let r = rex
        .put(&format!("{p}/tier"), json!({"tier": "standard"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert!(r.text().contains("Dr Lin"), "{}", r.text());
    let page = lin.get(&p).await.expect(StatusCode::OK).json();
    assert_eq!(
        page["today"]["tier"],
        json!("supervised"),
        "{}",
        page["today"]
    );
    let seq_paused = page["seq"].as_i64().unwrap();

    // Tightening is always allowed; Lin lifts her own pause.
    rex.put(
        &format!("{p}/caps"),
        json!({"max_speed_kmh": 1.5, "max_backward_min": 10, "expected_seq": seq_paused}),
    )
    .await
    .expect(StatusCode::OK);
    lin.post(&format!("{p}/resume"), json!({}))
        .await
        .expect(StatusCode::OK);

    // A clinician whose approval was withdrawn holds nothing back.
    rex.post(&format!("{p}/pause"), json!({}))
        .await
        .expect(StatusCode::OK);
    lin.post(&format!("{p}/resume"), json!({}))
        .await
        .expect(StatusCode::FORBIDDEN);
    let rex_id = t
        .state
        .svc
        .store
        .user_by_email("rex@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    lin.post(&format!("/api/admin/clinicians/{rex_id}/revoke"), json!({}))
        .await
        .expect(StatusCode::OK);
    lin.post(&format!("{p}/resume"), json!({}))
        .await
        .expect(StatusCode::OK);
}

both_backends!(
    unapproved_clinicians_can_do_nothing_to_a_patient,
    the_first_clinician_on_an_empty_server_is_its_approved_administrator,
    a_second_clinician_cannot_lift_the_firsts_pause_or_limits
);
