//! A clinician's invitation codes and a patient's links (issue 13): codes are listed with
//! their state, revoked, and shown as a QR code of the join link; a revoked code cannot be
//! used. A walker sees their clinicians and can unlink one, who then loses access, while
//! the limits and pause that clinician set stay in force and the walker is told so. Limits
//! are said in the patient's one unit, named.

mod common;

use axum::http::{header, StatusCode};
use common::*;
use retrowalk_store::Store;
use serde_json::{json, Value};

async fn clinician(t: &TestApp, email: &str) -> Client {
    let mut c = t.client();
    c.signup(email, "clinician").await;
    t.approve(email).await;
    c
}

async fn new_code(c: &mut Client) -> String {
    c.post("/api/invites", json!({}))
        .await
        .expect(StatusCode::CREATED)
        .json()["code"]
        .as_str()
        .unwrap()
        .to_string()
}

fn state_of(list: &Value, code: &str) -> Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("{code} not listed: {list}"))["state"]
        .clone()
}

/// Reads a QR code drawn by the `qrcode` crate's SVG renderer (dark modules as
/// "M{x} {y}h{w}v{h}H{x}V{y}" runs), the way a phone's camera would: rasterised, then
/// found and decoded by an independent reader.
fn read_qr(svg: &str) -> String {
    let attr = |name: &str| -> usize {
        let k = format!(" {name}=\"");
        let at = svg.find(&k).unwrap() + k.len();
        svg[at..].split('"').next().unwrap().parse().unwrap()
    };
    let (w, h) = (attr("width"), attr("height"));
    let d_at = svg.find(" d=\"").unwrap() + 4;
    let d = svg[d_at..].split('"').next().unwrap();
    let mut px = vec![255u8; w * h];
    for run in d.split('M').skip(1) {
        let num = |from: char, to: char| -> usize {
            let a = if from == 'M' {
                0
            } else {
                run.find(from).unwrap() + 1
            };
            let b = run[a..].find(to).map(|i| a + i).unwrap();
            run[a..b].trim().parse().unwrap()
        };
        let (x, y) = {
            let sp = run.find(' ').unwrap();
            let x: usize = run[..sp].parse().unwrap();
            let y: usize = run[sp + 1..run.find('h').unwrap()].parse().unwrap();
            (x, y)
        };
        let rw = num('h', 'v');
        let rh = num('v', 'H');
        for yy in y..y + rh {
            for xx in x..x + rw {
                px[yy * w + xx] = 0;
            }
        }
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().expect("a readable QR code").1
}

async fn invite_codes_are_listed_revoked_and_shown_as_qr(store: Store) {
    let t = TestApp::new(store);
    let mut lin = clinician(&t, "lin@x.org").await;
    let mut moe = clinician(&t, "moe@x.org").await;
    let (mut ada, _) = walker_with_programme(&t, "ada@x.org").await;
    let (mut bob, _) = walker_with_programme(&t, "bob@x.org").await;
    let used = new_code(&mut lin).await;
    let revoked = new_code(&mut lin).await;
    let unused = new_code(&mut lin).await;
    let lin_id = t
        .state
        .svc
        .store
        .user_by_email("lin@x.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    t.state
        .svc
        .store
        .create_invite("EXPRD234", lin_id, -60)
        .await
        .unwrap();

    ada.post("/api/invites/accept", json!({"code": used}))
        .await
        .expect(StatusCode::OK);
    let r = lin
        .post(&format!("/api/invites/{revoked}/revoke"), json!({}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(r.json()["state"], "revoked");
    // The revoked code links nobody.
    let r = bob
        .post("/api/invites/accept", json!({"code": revoked}))
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field().as_deref(), Some("code"));
    assert!(r.text().contains("revoked"), "{}", r.text());
    assert_eq!(
        lin.get("/api/patients")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1,
        "only Ada is linked"
    );
    // Nor does an expired one.
    bob.post("/api/invites/accept", json!({"code": "EXPRD234"}))
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);

    let list = lin.get("/api/invites").await.expect(StatusCode::OK).json();
    assert_eq!(state_of(&list, &used), "used");
    assert_eq!(state_of(&list, &revoked), "revoked");
    assert_eq!(state_of(&list, &unused), "unused");
    assert_eq!(state_of(&list, "EXPRD234"), "expired");
    let used_row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == used)
        .unwrap();
    assert_eq!(used_row["accepted_by_name"], "Test Person", "{used_row}");
    assert!(used_row["accepted_at"].is_i64(), "{used_row}");
    // Another clinician sees none of them, and cannot revoke them.
    assert_eq!(moe.get("/api/invites").await.json(), json!([]));
    moe.post(&format!("/api/invites/{unused}/revoke"), json!({}))
        .await
        .expect(StatusCode::NOT_FOUND);
    // A used code stays used: the patient unlinks, the clinician does not revoke a link.
    lin.post(&format!("/api/invites/{used}/revoke"), json!({}))
        .await
        .expect(StatusCode::CONFLICT);

    // The QR code is the join link on the address the clinician reached the server by.
    let mut req = lin.request("GET", &format!("/api/invites/{unused}/qr"), None);
    req.headers_mut()
        .insert(header::HOST, "192.168.1.20:8080".parse().unwrap());
    let r = lin.send(req).await.expect(StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "image/svg+xml");
    let url = read_qr(&r.text());
    assert_eq!(url, format!("http://192.168.1.20:8080/join?code={unused}"));
    // A forged Host cannot put anything else into the link.
    let mut req = lin.request("GET", &format!("/api/invites/{unused}/qr"), None);
    req.headers_mut()
        .insert(header::HOST, "evil.org/phish?x=".parse().unwrap());
    let r = lin.send(req).await.expect(StatusCode::OK);
    assert_eq!(
        read_qr(&r.text()),
        format!("http://localhost/join?code={unused}")
    );
    // No QR code for a code that can no longer be used, nor for someone else's.
    lin.get(&format!("/api/invites/{revoked}/qr"))
        .await
        .expect(StatusCode::CONFLICT);
    moe.get(&format!("/api/invites/{unused}/qr"))
        .await
        .expect(StatusCode::NOT_FOUND);
    // The unused code still works, typed in lower case with a dash.
    let typed = format!("{}-{}", &unused[..4], &unused[4..]).to_lowercase();
    bob.post("/api/invites/accept", json!({"code": typed}))
        .await
        .expect(StatusCode::OK);
}

async fn patient_id(c: &mut Client) -> i64 {
    c.get("/api/me").await.json()["id"].as_i64().unwrap()
}

async fn a_walker_unlinks_and_the_clinician_loses_access_but_not_their_limits(store: Store) {
    let t = TestApp::new(store);
    let mut lin = clinician(&t, "lin2@x.org").await;
    let (mut ada, ada_id) = walker_with_programme(&t, "ada2@x.org").await;
    let code = new_code(&mut lin).await;
    ada.post("/api/invites/accept", json!({"code": code}))
        .await
        .expect(StatusCode::OK);
    let mine = ada
        .get("/api/clinicians")
        .await
        .expect(StatusCode::OK)
        .json();
    let list = mine["clinicians"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{mine}");
    let lin_id = list[0]["id"].as_i64().unwrap();
    assert_eq!(list[0]["email"], "lin2@x.org");
    assert_eq!(mine["caps_text"], Value::Null);

    // Dr Lin caps the speed at 3.2 km/h and pauses the programme.
    let seq = lin
        .get(&format!("/api/patients/{ada_id}?date={START}"))
        .await
        .expect(StatusCode::OK)
        .json()["seq"]
        .as_i64()
        .unwrap();
    lin.put(
        &format!("/api/patients/{ada_id}/caps"),
        json!({"max_speed_kmh": 3.2, "max_backward_min": 10, "expected_seq": seq}),
    )
    .await
    .expect(StatusCode::OK);
    lin.post(
        &format!("/api/patients/{ada_id}/pause?date={START}"),
        json!({"reason": "swelling: review in clinic"}),
    )
    .await
    .expect(StatusCode::OK);

    let r = ada
        .post(
            &format!("/api/clinicians/{lin_id}/unlink?date={START}"),
            json!({}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(r["paused"], true, "{r}");
    assert_eq!(r["caps_text"], "max speed 3.2 km/h · max 10 min backward");
    let msg = r["message"].as_str().unwrap();
    assert!(msg.contains("no longer linked"), "{msg}");
    assert!(msg.contains("stays paused"), "{msg}");
    assert!(msg.contains("max speed 3.2 km/h"), "{msg}");

    // Dr Lin has lost access at once: the patient is as unknown as any stranger.
    lin.get(&format!("/api/patients/{ada_id}"))
        .await
        .expect(StatusCode::NOT_FOUND);
    lin.post(&format!("/api/patients/{ada_id}/resume"), json!({}))
        .await
        .expect(StatusCode::NOT_FOUND);
    lin.get(&format!("/api/patients/{ada_id}/export/sessions.csv"))
        .await
        .expect(StatusCode::NOT_FOUND);
    assert_eq!(lin.get("/api/patients").await.json(), json!([]));
    // What Dr Lin set is still in force for Ada.
    let today = ada.get(&format!("/api/today?date={START}")).await.json();
    assert_eq!(today["status"]["status"], "paused", "{today}");
    assert_eq!(
        today["caps_text"],
        "max speed 3.2 km/h · max 10 min backward"
    );
    let mine = ada.get("/api/clinicians").await.json();
    assert_eq!(mine["clinicians"], json!([]));
    assert_eq!(
        mine["caps_text"],
        "max speed 3.2 km/h · max 10 min backward"
    );
    // Unlinking again, or someone who never was linked: not found.
    ada.post(&format!("/api/clinicians/{lin_id}/unlink"), json!({}))
        .await
        .expect(StatusCode::NOT_FOUND);
    assert_eq!(patient_id(&mut ada).await, ada_id);
}

/// Limits in one unit, named: an mph patient's cap, set in km/h, reads in mph everywhere.
async fn limits_are_said_in_the_patients_unit(store: Store) {
    let t = TestApp::new(store);
    let mut lin = clinician(&t, "lin3@x.org").await;
    let mut c = t.client();
    let me = c.signup("mph@x.org", "walker").await;
    let id = me["id"].as_i64().unwrap();
    let mut p = profile_json();
    p["units"] = json!("mph");
    c.put(&format!("/api/profile?date={START}"), p)
        .await
        .expect(StatusCode::OK);
    let code = new_code(&mut lin).await;
    c.post("/api/invites/accept", json!({"code": code}))
        .await
        .expect(StatusCode::OK);
    let seq = lin.get(&format!("/api/patients/{id}")).await.json()["seq"]
        .as_i64()
        .unwrap();
    lin.put(
        &format!("/api/patients/{id}/caps"),
        json!({"max_speed_kmh": 3.2, "max_incline_pct": 1.5, "expected_seq": seq}),
    )
    .await
    .expect(StatusCode::OK);
    let want = "max speed 2.0 mph · max incline 1.5%";
    let patient = lin.get(&format!("/api/patients/{id}")).await.json();
    assert_eq!(patient["caps_text"], want);
    assert_eq!(
        c.get(&format!("/api/today?date={START}")).await.json()["caps_text"],
        want
    );
    assert_eq!(c.get("/api/clinicians").await.json()["caps_text"], want);
}

both_backends!(
    invite_codes_are_listed_revoked_and_shown_as_qr,
    a_walker_unlinks_and_the_clinician_loses_access_but_not_their_limits,
    limits_are_said_in_the_patients_unit,
);
