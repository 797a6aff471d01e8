//! Issue 12 through the API. Clearance: a linked walker cannot tick their own clearance
//! (403 with the reason), an unlinked walker's is shown as self-attested, and the clinician
//! who records clearance chooses the tier. Caps: beyond the engine's limits they are
//! refused (422 naming the limit), and a speed cap holds on every segment.

mod common;

use axum::http::StatusCode;
use common::*;
use retrowalk_store::Store;
use serde_json::{json, Value};

fn cleared_by_own_word() -> Value {
    let mut p = profile_json();
    p["flags"] = json!({"poor_balance_or_falls": true, "vestibular_or_dizziness": false, "neurological": false, "vision_impairment": false});
    p["clearance"] = json!(true);
    p
}

async fn linked_walker_and_doc(t: &TestApp) -> (Client, Client, i64) {
    let mut w = t.client();
    let u = w.signup("risky@example.org", "walker").await;
    let mut doc = t.client();
    doc.signup("doc@example.org", "clinician").await;
    t.approve("doc@example.org").await;
    let code = doc.post("/api/invites", json!({})).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    w.post("/api/invites/accept", json!({"code": code}))
        .await
        .expect(StatusCode::OK);
    (w, doc, u["id"].as_i64().unwrap())
}

async fn a_linked_walker_cannot_clear_themselves(store: Store) {
    let t = TestApp::new(store);
    let (mut w, mut doc, id) = linked_walker_and_doc(&t).await;
    let r = w
        .put(&format!("/api/profile?date={START}"), cleared_by_own_word())
        .await
        .expect(StatusCode::FORBIDDEN);
    assert!(
        r.text().contains("your clinician records your clearance"),
        "{}",
        r.text()
    );
    assert_eq!(
        w.get(&format!("/api/today?date={START}")).await.json()["status"]["status"],
        "no_profile"
    );

    // Unticked, the answers are saved and wait for the clinician.
    let mut waiting = cleared_by_own_word();
    waiting["clearance"] = json!(false);
    w.put(&format!("/api/profile?date={START}"), waiting)
        .await
        .expect(StatusCode::OK);
    let bad = doc
        .post(
            &format!("/api/patients/{id}/clearance?date={START}"),
            json!({"tier": "clearance_required"}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.field().as_deref(), Some("tier"));
    doc.post(
        &format!("/api/patients/{id}/clearance?date={START}"),
        json!({"note": "seen in clinic", "tier": "caution"}),
    )
    .await
    .expect(StatusCode::OK);
    let today = w.get(&format!("/api/today?date={START}")).await.json();
    assert_eq!(today["status"]["status"], "active", "{today}");
    assert_eq!(today["tier"], "caution", "{today}");
    assert_eq!(today["clearance_self_attested"], json!(false));
    let page = doc
        .get(&format!("/api/patients/{id}?date={START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(page["screening"]["clearance_self_attested"], json!(false));
    assert_eq!(page["profile"]["clearance_by"]["by"], "clinician", "{page}");
}

async fn an_unlinked_walkers_clearance_is_self_attested_everywhere(store: Store) {
    let t = TestApp::new(store);
    let mut w = t.client();
    let u = w.signup("solo@example.org", "walker").await;
    let mut claimed = cleared_by_own_word();
    claimed["clearance_by"] = json!({"by": "clinician", "tier": "standard"});
    let on = w
        .put(&format!("/api/profile?date={START}"), claimed)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(on["programme_started"], json!(true), "{on}");
    assert_eq!(on["screening"]["tier"], "supervised");
    assert_eq!(on["screening"]["clearance_self_attested"], json!(true));
    let today = w.get(&format!("/api/today?date={START}")).await.json();
    assert_eq!(today["clearance_self_attested"], json!(true), "{today}");
    assert_eq!(today["tier"], "supervised");
    let profile = w.get("/api/profile").await.expect(StatusCode::OK).json();
    assert_eq!(profile["clearance_by"]["by"], "self_attested", "{profile}");

    // Linked later, the clinician's page says so too.
    let mut doc = t.client();
    doc.signup("doc@example.org", "clinician").await;
    t.approve("doc@example.org").await;
    let code = doc.post("/api/invites", json!({})).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    w.post("/api/invites/accept", json!({"code": code}))
        .await
        .expect(StatusCode::OK);
    let id = u["id"].as_i64().unwrap();
    let page = doc
        .get(&format!("/api/patients/{id}?date={START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(page["screening"]["clearance_self_attested"], json!(true));
}

/// A linked walker with a running programme (standard tier, km/h) and their clinician.
async fn capped_patient(t: &TestApp) -> (Client, Client, i64) {
    let (mut w, mut doc, id) = linked_walker_and_doc(t).await;
    let mut p = profile_json();
    p["knee"] = json!("none");
    p["goal"] = json!("fitness");
    p["age"] = json!(40);
    w.put(&format!("/api/profile?date={START}"), p)
        .await
        .expect(StatusCode::OK);
    let today = doc
        .get(&format!("/api/patients/{id}?date={START}"))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(today["today"]["tier"], "standard", "{today}");
    (w, doc, id)
}

async fn caps_beyond_the_engines_limits_are_refused(store: Store) {
    let t = TestApp::new(store);
    let (_w, mut doc, id) = capped_patient(&t).await;
    for (field, v, limit) in [
        ("max_incline_pct", json!(10), "3%"),
        ("max_speed_kmh", json!(8.0), "5.76 km/h"),
        ("max_speed_kmh", json!(0.5), "0.8 km/h"),
    ] {
        let r = doc
            .put(
                &format!("/api/patients/{id}/caps"),
                json!({field: v, "expected_seq": 0}),
            )
            .await;
        let r = r.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.field().as_deref(), Some(field), "{}", r.text());
        assert!(r.text().contains(limit), "{field}={v}: {}", r.text());
    }
    // At the limits themselves they are taken.
    let seq = doc
        .get(&format!("/api/patients/{id}?date={START}"))
        .await
        .json()["seq"]
        .clone();
    doc.put(
        &format!("/api/patients/{id}/caps"),
        json!({"max_incline_pct": 3, "max_speed_kmh": 0.8, "expected_seq": seq}),
    )
    .await
    .expect(StatusCode::OK);
}

async fn a_speed_cap_holds_on_every_segment_shown_and_spoken(store: Store) {
    let t = TestApp::new(store);
    let (mut w, mut doc, id) = capped_patient(&t).await;
    let seq = doc
        .get(&format!("/api/patients/{id}?date={START}"))
        .await
        .json()["seq"]
        .clone();
    doc.put(
        &format!("/api/patients/{id}/caps"),
        json!({"max_speed_kmh": 1.2, "expected_seq": seq}),
    )
    .await
    .expect(StatusCode::OK);
    let today = w.get(&format!("/api/today?date={START}")).await.json();
    let segs = today["plan"]["segments"].as_array().expect("a plan");
    for s in segs {
        let kmh = s["speed"].as_f64().unwrap();
        assert!(kmh <= 1.2 + 1e-9, "{} at {kmh} km/h", s["label"]);
        for c in s["cues"].as_array().unwrap() {
            let text = c["text"].as_str().unwrap();
            assert!(
                !text.contains("3.2 km/h") && !text.contains("2.4 km/h"),
                "{text}"
            );
        }
    }
    let warm = &segs[0];
    assert_eq!(warm["kind"], "warm_up", "{warm}");
    assert!(
        warm["cues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["text"].as_str().unwrap().contains("at 1.2 km/h")),
        "{warm}"
    );
}

both_backends!(
    a_linked_walker_cannot_clear_themselves,
    an_unlinked_walkers_clearance_is_self_attested_everywhere,
    caps_beyond_the_engines_limits_are_refused,
    a_speed_cap_holds_on_every_segment_shown_and_spoken,
);
