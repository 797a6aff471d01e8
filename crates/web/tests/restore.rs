//! Restoring the JSON backup through the web app, end to end through the router on both
//! backends: a backup downloaded and restored into a fresh account comes back the same;
//! a second restore needs `replace`; malformed files are 422 naming the field; and nothing
//! in a file (its person, run owners, run ids) reaches another account.

mod common;

use axum::body::Body;
use axum::http::{header, StatusCode};
use common::*;
use retrowalk_formats::fit::{self, synthetic, EncodeOptions};
use retrowalk_store::{Backup, Store};
use serde_json::{json, Value};

/// 2026-01-05 and 2026-01-07 at 17:00 UTC: a Monday and a Wednesday of the programme.
const MON: i64 = 1_767_632_400;
const WED: i64 = MON + 2 * 86_400;
const ANSWERS: &str = "effort=4&pain_before=1&pain_during=2&pain_after=1&date=2026-01-10";

async fn post_bytes(c: &mut Client, path: &str, content_type: &str, body: Vec<u8>) -> Resp {
    let mut req = c.request("POST", path, None);
    req.headers_mut()
        .insert(header::CONTENT_TYPE, content_type.parse().unwrap());
    *req.body_mut() = Body::from(body);
    c.send(req).await
}

async fn restore(c: &mut Client, query: &str, body: Vec<u8>) -> Resp {
    post_bytes(
        c,
        &format!("/api/import/backup{query}"),
        "application/json",
        body,
    )
    .await
}

/// Ada: a programme, two walks with telemetry uploaded as FIT, and a session logged by hand
/// with notes.
async fn ada_with_history(t: &TestApp, email: &str) -> (Client, i64) {
    let (mut ada, id) = walker_with_programme(t, email).await;
    for start in [MON, WED] {
        let a = synthetic::treadmill_walk(start, 900, 240);
        let bytes = fit::encode(&a, EncodeOptions::default()).unwrap();
        post_bytes(
            &mut ada,
            &format!("/api/import/fit?{ANSWERS}&name=walk.fit"),
            "application/vnd.ant.fit",
            bytes,
        )
        .await
        .expect(StatusCode::OK);
    }
    ada.post("/api/log?date=2026-01-10", clean_log("2026-01-09", 4.0))
        .await
        .expect(StatusCode::OK);
    (ada, id)
}

/// What must survive a move to another account: everything but the account itself (its
/// email and name), the times the backups were made, and the run ids and owners the
/// database gives. A change the person made names the person, whoever they now are.
fn comparable(mut b: Backup) -> Value {
    b.created_at = 0;
    let me = std::mem::take(&mut b.person.email);
    b.person.display_name.clear();
    for e in &mut b.events {
        if e.actor.as_deref() == Some(me.as_str()) {
            e.actor = Some("self".into());
        }
    }
    for r in &mut b.runs {
        r.run.id.clear();
        r.run.user_id = 0;
    }
    serde_json::to_value(b).unwrap()
}

async fn download(c: &mut Client) -> (Vec<u8>, Backup) {
    let r = c
        .get("/api/export/backup.json")
        .await
        .expect(StatusCode::OK);
    let b = serde_json::from_slice(&r.body).expect("a backup");
    (r.body, b)
}

async fn a_backup_moves_to_a_fresh_account_unchanged(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, _) = ada_with_history(&t, "ada@example.org").await;
    let (file, original) = download(&mut ada).await;
    assert_eq!(original.runs.len(), 2);
    assert!(original.runs.iter().all(|r| r.samples.len() == 900));
    assert!(original.events.len() >= 3);
    assert!(
        file.len() > 64 * 1024,
        "bigger than the 64 KiB other bodies may be: {}",
        file.len()
    );

    // Carl signs up fresh and restores Ada's file.
    let mut carl = t.client();
    let carl_id = carl.signup("carl@example.org", "walker").await["id"]
        .as_i64()
        .unwrap();
    let r = restore(&mut carl, "", file.clone())
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        r.json(),
        json!({"restored": true, "events": original.events.len(), "runs": 2, "samples": 1800})
    );
    let (_, restored) = download(&mut carl).await;
    assert_eq!(comparable(restored.clone()), comparable(original.clone()));
    assert_eq!(restored.person.email, "carl@example.org");
    assert!(restored.runs.iter().all(|r| r.run.user_id == carl_id));
    // The pages read it as theirs: the same history, and the name from the profile.
    let ada_history = ada.get("/api/history").await.expect(StatusCode::OK).json();
    let carl_history = carl.get("/api/history").await.expect(StatusCode::OK).json();
    assert_eq!(
        ada_history.as_array().unwrap().len(),
        carl_history.as_array().unwrap().len()
    );
    let carl_user = t.state.svc.store.user(carl_id).await.unwrap().unwrap();
    assert_eq!(carl_user.display_name, "Ada");
    // Ada still has all of hers.
    let (_, after) = download(&mut ada).await;
    assert_eq!(comparable(after), comparable(original.clone()));

    // Not while Carl is walking: the restore would delete the run under his feet.
    let run = carl
        .post(
            "/api/runs",
            json!({"date": "2026-01-12", "treadmill": "none"}),
        )
        .await
        .expect(StatusCode::CREATED)
        .json()["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = restore(&mut carl, "?replace=true", file.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().contains("in progress"));
    carl.post(
        &format!("/api/runs/{run}/stop"),
        json!({"reason": "finished"}),
    )
    .await
    .expect(StatusCode::OK);

    // Restoring over a programme needs the person's say-so, as `retrowalk restore` does.
    let r = restore(&mut carl, "", file.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().contains("replace"));
    restore(&mut carl, "?replace=true", file)
        .await
        .expect(StatusCode::OK);
    let (_, again) = download(&mut carl).await;
    assert_eq!(comparable(again), comparable(original));
}

async fn malformed_backups_say_where(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, _) = ada_with_history(&t, "ada@example.org").await;
    let (file, good) = download(&mut ada).await;
    let mut carl = t.client();
    carl.signup("carl@example.org", "walker").await;
    let doc: Value = serde_json::from_slice(&file).unwrap();

    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (b"{\"format\": ".to_vec(), "file", "not a retrowalk backup"),
        (Vec::new(), "file", "empty"),
        (
            {
                let mut d = doc.clone();
                d["runs"][1]["samples"][3]["speed_kmh"] = json!("fast");
                serde_json::to_vec(&d).unwrap()
            },
            "runs[1].samples[3].speed_kmh",
            "expected f64",
        ),
        (
            {
                let mut d = doc.clone();
                d["events"][0]["seq"] = json!(7);
                serde_json::to_vec(&d).unwrap()
            },
            "events[0].seq",
            "expected 1, found 7",
        ),
        (
            {
                let mut d = doc.clone();
                d["programme"]["seq"] = json!(99);
                serde_json::to_vec(&d).unwrap()
            },
            "programme.seq",
            "the number of events",
        ),
        (
            {
                let mut d = doc.clone();
                d["format"] = json!("someone-elses-backup");
                serde_json::to_vec(&d).unwrap()
            },
            "",
            "not a retrowalk backup this version can read",
        ),
    ];
    for (body, field, words) in cases {
        let r = restore(&mut carl, "?replace=true", body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let out = r.json();
        let message = out["error"].as_str().unwrap();
        assert!(message.contains(words), "{field}: {message}");
        if field.is_empty() {
            assert!(out.get("field").is_none(), "{out}");
        } else {
            assert_eq!(out["field"], json!(field), "{message}");
        }
    }
    // None of them left anything behind.
    assert_eq!(carl.get("/api/profile").await.status, StatusCode::NOT_FOUND);
    assert!(t
        .state
        .svc
        .store
        .runs(carl.get("/api/me").await.json()["id"].as_i64().unwrap())
        .await
        .unwrap()
        .is_empty());
    let (_, still) = download(&mut ada).await;
    assert_eq!(comparable(still), comparable(good));

    // Too big for this route is refused whole, before anything is read.
    let huge = vec![b' '; 65 * 1024 * 1024];
    let r = restore(&mut carl, "", huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
}

async fn a_file_cannot_reach_another_account(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, ada_id) = ada_with_history(&t, "ada@example.org").await;
    let (mut bob, bob_id) = ada_with_history(&t, "bob@example.org").await;
    let (_, bob_before) = download(&mut bob).await;
    let bob_runs = t.state.svc.store.runs(bob_id).await.unwrap();

    // Ada edits her file to name Bob, his runs' owner and ids, and restores it.
    let (file, _) = download(&mut ada).await;
    let mut doc: Value = serde_json::from_slice(&file).unwrap();
    doc["person"]["email"] = json!("bob@example.org");
    for (i, r) in doc["runs"].as_array_mut().unwrap().iter_mut().enumerate() {
        r["user_id"] = json!(bob_id);
        r["id"] = json!(bob_runs[i].id);
        r["samples"] = json!([{"t_ms": 0, "speed_kmh": 9.9, "incline_pct": null,
            "distance_m": 0.0, "heart_rate": 200}]);
    }
    for e in doc["events"].as_array_mut().unwrap() {
        e["actor"] = json!("bob@example.org");
    }
    let r = restore(&mut ada, "?replace=true", serde_json::to_vec(&doc).unwrap())
        .await
        .expect(StatusCode::OK);
    assert_eq!(r.json()["runs"], json!(2));
    // Bob's record is exactly as it was; Ada's runs are Ada's, under ids of their own.
    let (_, bob_after) = download(&mut bob).await;
    assert_eq!(comparable(bob_after.clone()), comparable(bob_before));
    assert_eq!(
        bob_after
            .runs
            .iter()
            .map(|r| r.run.id.clone())
            .collect::<Vec<_>>(),
        bob_runs.iter().map(|r| r.id.clone()).collect::<Vec<_>>()
    );
    let ada_runs = t.state.svc.store.runs(ada_id).await.unwrap();
    assert_eq!(ada_runs.len(), 2);
    for r in &ada_runs {
        assert_eq!(r.user_id, ada_id);
        assert!(bob_runs.iter().all(|b| b.id != r.id), "{}", r.id);
    }
    // The file named Bob as the person, so his changes are hers (she made the file); he
    // is not her clinician, so nothing is put down to his account.
    let events = t.state.svc.store.events(ada_id).await.unwrap();
    assert!(events.iter().all(|e| e.actor_id == Some(ada_id)));
    assert_eq!(
        ada.get("/api/me").await.json()["email"],
        json!("ada@example.org")
    );

    // A clinician has no backup to restore, not even a patient's.
    let mut lin = t.client();
    lin.signup("lin@example.org", "clinician").await;
    t.approve("lin@example.org").await;
    let r = restore(&mut lin, "?replace=true", file).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let (_, bob_last) = download(&mut bob).await;
    assert_eq!(comparable(bob_last), comparable(bob_after));
}

/// A patient's restore replaces their own record, but cannot take back what their
/// clinician did: an older backup, made before the clinician set caps, is refused whole;
/// a backup that has the change restores, and the change keeps its author.
async fn a_restore_cannot_undo_a_clinicians_change(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, ada_id) = ada_with_history(&t, "ada@example.org").await;
    let mut lin = t.client();
    lin.signup("lin@example.org", "clinician").await;
    t.approve("lin@example.org").await;
    let code = lin.post("/api/invites", json!({})).await.json()["code"].clone();
    ada.post("/api/invites/accept", json!({ "code": code }))
        .await
        .expect(StatusCode::OK);
    let (old_file, _) = download(&mut ada).await;
    let seq = ada.get("/api/today?date=2026-01-12").await.json()["seq"].clone();
    lin.put(
        &format!("/api/patients/{ada_id}/caps"),
        json!({"max_backward_min": 6, "expected_seq": seq}),
    )
    .await
    .expect(StatusCode::OK);
    let (_, with_caps) = download(&mut ada).await;

    let r = restore(&mut ada, "?replace=true", old_file).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let message = r.json()["error"].as_str().unwrap().to_string();
    assert!(
        message.contains("cannot undo a clinician's changes"),
        "{message}"
    );
    assert!(message.contains("caps_set"), "{message}");
    let (_, now) = download(&mut ada).await;
    assert_eq!(
        comparable(now),
        comparable(with_caps.clone()),
        "nothing changed"
    );

    // Dropping the clinician's event from the new file is refused the same way.
    let (new_file, _) = download(&mut ada).await;
    let b: Backup = serde_json::from_slice(&new_file).unwrap();
    assert_eq!(
        b.events.last().unwrap().actor.as_deref(),
        Some("lin@example.org")
    );
    let without = without_last_event(&new_file);
    let r = restore(&mut ada, "?replace=true", without).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // The current backup restores; the caps are still the clinician's.
    restore(&mut ada, "?replace=true", new_file)
        .await
        .expect(StatusCode::OK);
    let (_, after) = download(&mut ada).await;
    assert_eq!(comparable(after.clone()), comparable(with_caps));
    assert_eq!(
        after.events.last().unwrap().actor.as_deref(),
        Some("lin@example.org")
    );
}

/// Ada, linked to her clinician Lin, whom Lin has paused and capped at 6 minutes.
async fn ada_paused_and_capped_by_lin(t: &TestApp) -> (Client, i64, Client) {
    let (mut ada, ada_id) = ada_with_history(t, "ada@example.org").await;
    let mut lin = t.client();
    lin.signup("lin@example.org", "clinician").await;
    t.approve("lin@example.org").await;
    let code = lin.post("/api/invites", json!({})).await.json()["code"].clone();
    ada.post("/api/invites/accept", json!({ "code": code }))
        .await
        .expect(StatusCode::OK);
    lin.post(
        &format!("/api/patients/{ada_id}/pause"),
        json!({"reason": "knee swollen, see me first"}),
    )
    .await
    .expect(StatusCode::OK);
    let seq = ada.get("/api/today?date=2026-01-12").await.json()["seq"].clone();
    lin.put(
        &format!("/api/patients/{ada_id}/caps"),
        json!({"max_backward_min": 6, "expected_seq": seq}),
    )
    .await
    .expect(StatusCode::OK);
    (ada, ada_id, lin)
}

/// The file with `edit` applied to its backup, its programme made consistent again (the
/// state replayed from the initial one, the seq the number of events), as a careful
/// forger would leave it.
fn edited(file: &[u8], edit: impl FnOnce(&mut Backup)) -> Vec<u8> {
    let mut b: Backup = serde_json::from_slice(file).unwrap();
    edit(&mut b);
    for (i, e) in b.events.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
    }
    let p = b.programme.as_mut().unwrap();
    let mut state = p.initial.clone();
    for e in &b.events {
        state.apply(&serde_json::from_value(e.data.clone()).unwrap());
    }
    p.state = state;
    p.seq = b.events.len() as i64;
    serde_json::to_vec(&b).unwrap()
}

/// An event as a forger appends it: a resume and caps lifted, naming `actor`.
fn forged(actor: &str) -> Vec<retrowalk_store::BackupEvent> {
    [
        json!({"kind": "resumed", "date": "2026-01-12"}),
        json!({"kind": "caps_set", "caps": {"max_speed": null, "max_incline": null, "max_backward_s": null}}),
    ]
    .into_iter()
    .map(|data| retrowalk_store::BackupEvent {
        seq: 0,
        data,
        decision: None,
        actor: Some(actor.into()),
        created_at: 1_767_900_000,
        note: Some("cleared to walk again".into()),
    })
    .collect()
}

/// What must stay as Lin left it: the pause, the 6-minute cap, and an audit of Lin's
/// two changes and nothing else.
async fn still_as_lin_left_it(ada: &mut Client, before: &Value) {
    let (_, now) = download(ada).await;
    assert_eq!(&comparable(now.clone()), before, "nothing changed");
    let state = &now.programme.as_ref().unwrap().state;
    assert_eq!(
        state.paused,
        Some(retrowalk_core::progression::PauseReason::Clinician)
    );
    assert_eq!(state.caps.max_backward_s, Some(360));
    let audit = ada.get("/api/audit").await.expect(StatusCode::OK).json();
    let notes: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["note"])
        .collect();
    assert_eq!(audit.as_array().unwrap().len(), 2, "{audit}");
    assert!(!notes.contains(&&json!("cleared to walk again")), "{audit}");
}

/// Issue 14: an edited backup cannot lift a clinician's pause and caps, whoever the
/// appended events name, nor change the clinician's own events in place.
async fn a_forged_backup_cannot_lift_a_clinicians_pause_or_caps(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, _, _lin) = ada_paused_and_capped_by_lin(&t).await;
    let (file, _) = download(&mut ada).await;
    let before = comparable(serde_json::from_slice(&file).unwrap());

    // Events appended in Lin's name: she made no such change, so the file is refused.
    let r = restore(
        &mut ada,
        "?replace=true",
        edited(&file, |b| b.events.extend(forged("lin@example.org"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let message = r.json()["error"].as_str().unwrap().to_string();
    assert!(message.contains("lin@example.org"), "{message}");
    assert!(message.contains("someone else's"), "{message}");
    assert!(r.json()["field"].as_str().unwrap().starts_with("events["));
    still_as_lin_left_it(&mut ada, &before).await;

    // The same events as Ada's own, or a stranger's: they would lift the pause and caps.
    for actor in [
        "ada@example.org",
        "dr.who@elsewhere.example",
        "LIN@example.org",
    ] {
        let r = restore(
            &mut ada,
            "?replace=true",
            edited(&file, |b| b.events.extend(forged(actor))),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{actor}: {}",
            r.text()
        );
        let message = r.json()["error"].as_str().unwrap().to_string();
        assert!(
            message.contains("pause") || message.contains("someone else's"),
            "{actor}: {message}"
        );
        still_as_lin_left_it(&mut ada, &before).await;
    }

    // Lin's caps loosened where they stand, keeping her name and the seq.
    let r = restore(
        &mut ada,
        "?replace=true",
        edited(&file, |b| {
            let caps = b
                .events
                .iter_mut()
                .rev()
                .find(|e| e.data["kind"] == "caps_set")
                .unwrap();
            caps.data["caps"]["max_backward_s"] = json!(3600);
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("lin@example.org"), "{}", r.text());
    still_as_lin_left_it(&mut ada, &before).await;

    // The file passed off as Lin's own record, so her name would read as Ada's.
    let r = restore(
        &mut ada,
        "?replace=true",
        edited(&file, |b| {
            b.person.email = "lin@example.org".into();
            b.events.extend(forged("lin@example.org"));
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    still_as_lin_left_it(&mut ada, &before).await;

    // The file as it was made restores, Lin's changes still hers.
    let (_, plain) = download(&mut ada).await;
    restore(&mut ada, "?replace=true", file)
        .await
        .expect(StatusCode::OK);
    let (_, after) = download(&mut ada).await;
    assert_eq!(comparable(after), comparable(plain));
    still_as_lin_left_it(&mut ada, &before).await;
}

/// A file from elsewhere restored into a fresh account: a clinician's changes in it are
/// not trusted as a clinician's here. One who has an account here but made no such
/// change is refused; one unknown here is kept as history without an author.
async fn a_foreign_clinicians_changes_are_not_trusted(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, _, mut lin) = ada_paused_and_capped_by_lin(&t).await;
    let (file, _) = download(&mut ada).await;

    let mut carl = t.client();
    let carl_id = carl.signup("carl@example.org", "walker").await["id"]
        .as_i64()
        .unwrap();
    let code = lin.post("/api/invites", json!({})).await.json()["code"].clone();
    carl.post("/api/invites/accept", json!({ "code": code }))
        .await
        .expect(StatusCode::OK);
    // Lin is Carl's clinician here too, but these changes of hers were made to Ada.
    let r = restore(&mut carl, "", file.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("lin@example.org"), "{}", r.text());
    assert!(t
        .state
        .svc
        .store
        .programme(carl_id)
        .await
        .unwrap()
        .is_none());

    // From another server, whose clinician has no account here.
    let foreign = String::from_utf8(file)
        .unwrap()
        .replace("lin@example.org", "lin@other-clinic.example");
    restore(&mut carl, "", foreign.into_bytes())
        .await
        .expect(StatusCode::OK);
    let events = t.state.svc.store.events(carl_id).await.unwrap();
    let by_clinician: Vec<_> = events
        .iter()
        .filter(|e| e.actor_id != Some(carl_id))
        .collect();
    assert_eq!(by_clinician.len(), 2, "the pause and the caps");
    assert!(by_clinician.iter().all(|e| e.actor_id.is_none()));
    let audit = carl.get("/api/audit").await.expect(StatusCode::OK).json();
    assert_eq!(audit, json!([]), "nobody here made those changes");
}

/// The file without its last event, its programme made consistent (replayed) without it.
fn without_last_event(file: &[u8]) -> Vec<u8> {
    let mut b: Backup = serde_json::from_slice(file).unwrap();
    b.events.pop();
    let p = b.programme.as_mut().unwrap();
    let mut state = p.initial.clone();
    for e in &b.events {
        state.apply(&serde_json::from_value(e.data.clone()).unwrap());
    }
    p.state = state;
    p.seq = b.events.len() as i64;
    serde_json::to_vec(&b).unwrap()
}

both_backends!(
    a_backup_moves_to_a_fresh_account_unchanged,
    malformed_backups_say_where,
    a_file_cannot_reach_another_account,
    a_restore_cannot_undo_a_clinicians_change,
    a_forged_backup_cannot_lift_a_clinicians_pause_or_caps,
    a_foreign_clinicians_changes_are_not_trusted,
    a_file_cannot_claim_a_clinicians_clearance,
);

/// A file cannot say a clinician cleared the person: on an account the server knows, the
/// server's record of the clearance stands; on a fresh one it becomes the person's own word.
async fn a_file_cannot_claim_a_clinicians_clearance(store: Store) {
    let t = TestApp::new(store.clone());
    let (mut ada, id) = walker_with_programme(&t, "ada@example.org").await;
    let (_, b) = download(&mut ada).await;
    let mut forged = serde_json::to_value(&b).unwrap();
    forged["profile"]["clearance"] = json!(true);
    forged["profile"]["clearance_by"] = json!({"by": "clinician", "tier": "standard"});
    let file = serde_json::to_vec(&forged).unwrap();
    restore(&mut ada, "?replace=true", file.clone())
        .await
        .expect(StatusCode::OK);
    let p = store.profile(id).await.unwrap().expect("a profile");
    assert_eq!(p.clearance_by, None, "the server's record stands: {p:?}");
    assert!(!p.clearance);

    let mut fresh = t.client();
    let fid = fresh.signup("fresh@example.org", "walker").await["id"]
        .as_i64()
        .unwrap();
    restore(&mut fresh, "", file).await.expect(StatusCode::OK);
    let p = store.profile(fid).await.unwrap().expect("a profile");
    assert_eq!(
        p.clearance_by,
        Some(retrowalk_core::ClearedBy::SelfAttested),
        "nobody here recorded a clinician's clearance"
    );
}
