//! The web runner's Bluetooth treadmill in the normal build (no `bluetooth` feature): the
//! device list and a Bluetooth run both answer a clear 501 saying how to build with
//! Bluetooth, and a refused run leaves nothing behind. Builds with the feature talk to
//! real radios and are not tested here.
#![cfg(not(feature = "bluetooth"))]

mod common;

use axum::http::StatusCode;
use common::*;
use retrowalk_store::Store;
use serde_json::json;

async fn the_device_list_says_how_to_get_bluetooth(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, _) = walker_with_programme(&t, "ada@example.org").await;
    let r = ada.get("/api/devices").await;
    assert_eq!(r.status, StatusCode::NOT_IMPLEMENTED, "{}", r.text());
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(msg.contains("built without Bluetooth"), "{msg}");
    assert!(msg.contains("--features bluetooth"), "{msg}");
    // A wrong scan time is named before anything else.
    let r = ada.get("/api/devices?seconds=999").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field().as_deref(), Some("seconds"));

    // Strangers: nobody signed in, and a clinician (who runs no sessions).
    let mut anon = t.client();
    anon.csrf().await;
    assert_eq!(
        anon.get("/api/devices").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut lin = t.client();
    lin.signup("lin@example.org", "clinician").await;
    t.approve("lin@example.org").await;
    assert_eq!(lin.get("/api/devices").await.status, StatusCode::FORBIDDEN);
}

async fn a_bluetooth_run_is_refused_clearly_and_starts_nothing(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, uid) = walker_with_programme(&t, "ada@example.org").await;
    let r = ada
        .post(
            "/api/runs",
            json!({"date": START, "treadmill": "bluetooth", "device": "FS-6041F1", "hr_strap": "Polar H10"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_IMPLEMENTED, "{}", r.text());
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(msg.contains("--features bluetooth"), "{msg}");
    assert!(
        t.state.svc.store.runs(uid).await.unwrap().is_empty(),
        "a refused run must not be recorded"
    );

    // What the request itself gets wrong is named first.
    let r = ada
        .post(
            "/api/runs",
            json!({"date": START, "treadmill": "bluetooth"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.field().as_deref(), Some("device"));
    assert!(r.json()["error"].as_str().unwrap().contains("/api/devices"));
    let r = ada
        .post(
            "/api/runs",
            json!({"date": START, "treadmill": "bluetooth", "device": "  "}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field().as_deref(), Some("device"));
    let r = ada
        .post(
            "/api/runs",
            json!({"date": START, "treadmill": "sim", "device": "FS-6041F1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = ada
        .post("/api/runs", json!({"date": START, "treadmill": "ble"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("\"bluetooth\""));
    assert!(t.state.svc.store.runs(uid).await.unwrap().is_empty());

    // The session can still be run without a treadmill, and on the simulated one.
    for treadmill in ["none", "sim"] {
        let run = ada
            .post("/api/runs", json!({"date": START, "treadmill": treadmill}))
            .await
            .expect(StatusCode::CREATED)
            .json();
        let id = run["run_id"].as_str().unwrap();
        ada.post(
            &format!("/api/runs/{id}/stop"),
            json!({"reason": "finished"}),
        )
        .await
        .expect(StatusCode::OK);
    }
    assert_eq!(t.state.svc.store.runs(uid).await.unwrap().len(), 2);
}

both_backends!(
    the_device_list_says_how_to_get_bluetooth,
    a_bluetooth_run_is_refused_clearly_and_starts_nothing,
);
