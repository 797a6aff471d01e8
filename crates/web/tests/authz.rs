//! Authorization on every route for every role, table-driven. The table must list every
//! route the app registers, so a new route cannot ship without its refusals tested.

mod common;

use axum::http::StatusCode;
use common::*;
use retrowalk_store::Store;
use serde_json::{json, Value};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Who {
    Public,
    Any,
    Walker,
    Clinician,
    Admin,
}

struct Case {
    method: &'static str,
    path: &'static str,
    who: Who,
    body: fn() -> Value,
}

fn empty() -> Value {
    json!({})
}

const fn case(method: &'static str, path: &'static str, who: Who, body: fn() -> Value) -> Case {
    Case {
        method,
        path,
        who,
        body,
    }
}

fn table() -> Vec<Case> {
    use Who::*;
    vec![
        case("GET", "/api/csrf", Public, empty),
        case(
            "POST",
            "/api/signup",
            Public,
            || json!({"email": "x@example.org", "password": "a fresh 0123456789", "name": "X", "role": "walker"}),
        ),
        case(
            "POST",
            "/api/login",
            Public,
            || json!({"email": "x@example.org", "password": "a fresh 0123456789"}),
        ),
        case("POST", "/api/logout", Public, empty),
        case(
            "POST",
            "/api/password-reset",
            Public,
            || json!({"token": "ab".repeat(32), "password": "a brand new passphrase"}),
        ),
        case("POST", "/api/sessions/revoke-all", Any, empty),
        case(
            "POST",
            "/api/password",
            Any,
            || json!({"current": "not it at all", "new": "a brand new passphrase"}),
        ),
        case("GET", "/api/me", Any, empty),
        case("PUT", "/api/profile", Walker, profile_json),
        case("GET", "/api/profile", Walker, empty),
        case("GET", "/api/screening", Walker, empty),
        case("GET", "/api/today", Walker, empty),
        case("GET", "/api/plan", Walker, empty),
        case("GET", "/api/plan/{date}", Walker, empty),
        case("POST", "/api/log", Walker, || clean_log(START, 5.0)),
        case(
            "POST",
            "/api/morning",
            Walker,
            || json!({"date": START, "pain": 1}),
        ),
        case("GET", "/api/history", Walker, empty),
        case("GET", "/api/progress", Walker, empty),
        case("GET", "/api/audit", Walker, empty),
        case(
            "POST",
            "/api/invites/accept",
            Walker,
            || json!({"code": "ABCDEFGH"}),
        ),
        case("GET", "/api/clinicians", Walker, empty),
        case("POST", "/api/clinicians/{clinician}/unlink", Walker, empty),
        case(
            "POST",
            "/api/runs",
            Walker,
            || json!({"date": START, "treadmill": "none"}),
        ),
        case("POST", "/api/runs/{id}/heartbeat", Walker, empty),
        case(
            "POST",
            "/api/runs/{id}/stop",
            Walker,
            || json!({"reason": "finished"}),
        ),
        case("POST", "/api/runs/{id}/pause", Walker, empty),
        case("POST", "/api/runs/{id}/resume", Walker, empty),
        case("GET", "/api/runs/{id}/live", Walker, empty),
        case("GET", "/api/devices", Walker, empty),
        case("POST", "/api/invites", Clinician, empty),
        case("GET", "/api/invites", Clinician, empty),
        // Before the revoke: a revoked code has no QR code.
        case("GET", "/api/invites/{code}/qr", Clinician, empty),
        case("POST", "/api/invites/{code}/revoke", Clinician, empty),
        case("GET", "/api/patients", Clinician, empty),
        case("GET", "/api/patients/{id}", Clinician, empty),
        case(
            "PUT",
            "/api/patients/{id}/caps",
            Clinician,
            || json!({"max_backward_min": 10, "expected_seq": 0}),
        ),
        case(
            "POST",
            "/api/patients/{id}/pause",
            Clinician,
            || json!({"reason": "review"}),
        ),
        case("POST", "/api/patients/{id}/resume", Clinician, empty),
        case(
            "POST",
            "/api/patients/{id}/clearance",
            Clinician,
            || json!({"note": "ok"}),
        ),
        case(
            "PUT",
            "/api/patients/{id}/tier",
            Clinician,
            || json!({"tier": "caution"}),
        ),
        case("GET", "/api/export/{file}", Walker, empty),
        case("GET", "/api/patients/{id}/export/{file}", Clinician, empty),
        case("GET", "/api/calendar/feed", Walker, empty),
        case("POST", "/api/calendar/feed", Walker, empty),
        case("POST", "/api/import/fit", Walker, empty),
        case("POST", "/api/import/backup", Walker, empty),
        case("GET", "/api/admin/clinicians", Admin, empty),
        case("POST", "/api/admin/clinicians/{id}/approve", Admin, empty),
        case("POST", "/api/admin/clinicians/{id}/revoke", Admin, empty),
        case("GET", "/api/openapi.json", Public, empty),
        case("GET", "/healthz", Public, empty),
        case("GET", "/assets/{*path}", Public, empty),
        case("GET", "/sw.js", Public, empty),
        case("GET", "/calendar/{file}", Public, empty),
    ]
}

#[test]
fn the_table_lists_every_registered_route() {
    let mut registered = retrowalk_web::registered_routes();
    let mut listed: Vec<(&str, &str)> = table().iter().map(|c| (c.method, c.path)).collect();
    registered.sort();
    listed.sort();
    assert_eq!(listed, registered);
}

fn mutating(m: &str) -> bool {
    m != "GET"
}

/// The subjects of the routes that act on neither a run nor a patient.
struct Extra {
    /// A clinician Ada is linked to and may unlink (Dr Pat, so Dr Lin stays linked).
    clinician: i64,
    /// An unused invitation code of Dr Lin's.
    code: String,
}

/// Fills a path's placeholders: runs and patients from the given ids.
fn fill(path: &str, run: &str, patient: i64, x: &Extra) -> String {
    path.replace("{clinician}", &x.clinician.to_string())
        .replace("{code}", &x.code)
        .replace("{date}", START)
        .replace("{*path}", "app.js")
        .replace("{file}", "sessions.csv")
        .replace(
            "{id}",
            &if path.starts_with("/api/runs/") {
                run.to_string()
            } else {
                patient.to_string()
            },
        )
}

fn denied(s: StatusCode) -> bool {
    s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND
}

async fn every_route_refuses_strangers(store: Store) {
    let t = TestApp::new(store);
    // Ada has a programme, a run and a linked clinician; Bob is another walker with his own
    // run; Dr Lin is linked to Ada; Dr Moe is linked to nobody.
    let (mut ada, ada_id) = walker_with_programme(&t, "ada@example.org").await;
    let (mut bob, bob_id) = walker_with_programme(&t, "bob@example.org").await;
    let ada_run = ada
        .post("/api/runs", json!({"date": START, "treadmill": "none"}))
        .await
        .expect(StatusCode::CREATED)
        .json()["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let bob_run = bob
        .post("/api/runs", json!({"date": START, "treadmill": "none"}))
        .await
        .expect(StatusCode::CREATED)
        .json()["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut lin = t.client();
    lin.signup("lin@example.org", "clinician").await;
    t.approve("lin@example.org").await;
    let code = lin.post("/api/invites", json!({})).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    ada.post("/api/invites/accept", json!({"code": code}))
        .await
        .expect(StatusCode::OK);
    let mut moe = t.client();
    let moe_id = moe.signup("moe@example.org", "clinician").await["id"]
        .as_i64()
        .unwrap();
    t.approve("moe@example.org").await;
    // Dr Pat was approved, linked to Ada, and then had the approval withdrawn (issue 14).
    let mut pat = t.client();
    pat.signup("pat@example.org", "clinician").await;
    t.approve("pat@example.org").await;
    let code = pat.post("/api/invites", json!({})).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    ada.post("/api/invites/accept", json!({"code": code}))
        .await
        .expect(StatusCode::OK);
    let pat_id = t
        .state
        .svc
        .store
        .user_by_email("pat@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    t.state
        .svc
        .store
        .set_clinician_approved(pat_id, false)
        .await
        .unwrap();
    let guessed_run = "0123456789abcdef0123456789abcdef";
    let lin_code = lin.post("/api/invites", json!({})).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let x = Extra {
        clinician: pat_id,
        code: lin_code,
    };

    let mut anon = t.client();
    anon.csrf().await;
    let mut checked = 0;
    for c in table() {
        let body = (c.body)();
        let body = mutating(c.method).then_some(body);
        // The administrator's routes act on a clinician (Dr Moe); the others on Ada.
        let subject = if c.who == Who::Admin { moe_id } else { ada_id };
        let ada_path = fill(c.path, &ada_run, subject, &x);
        let what = format!("{} {}", c.method, c.path);

        if c.who != Who::Public {
            // No session (with a valid CSRF pair, so it is the session that is missing).
            let r = anon.call(c.method, &ada_path, body.clone()).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{what} without a session: {}",
                r.text()
            );
            assert!(r.json()["error"].is_string());
        }

        if mutating(c.method) && c.path.starts_with("/api/") {
            // Signed in as someone allowed, but without the CSRF header.
            let who = match c.who {
                Who::Clinician => &mut lin,
                _ => &mut ada,
            };
            who.send_csrf = false;
            let r = who.call(c.method, &ada_path, body.clone()).await;
            who.send_csrf = true;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{what} without CSRF: {}",
                r.text()
            );
        }

        match c.who {
            Who::Walker => {
                // A clinician has no walker routes.
                let r = lin.call(c.method, &ada_path, body.clone()).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{what} as a clinician: {}",
                    r.text()
                );
                if c.path.contains("{clinician}") {
                    // Someone else's clinician: not found, as a clinician id nobody has.
                    let r = bob.call(c.method, &ada_path, body.clone()).await;
                    assert_eq!(r.status, StatusCode::NOT_FOUND, "{what} by Bob");
                    let r2 = bob
                        .call(
                            c.method,
                            &c.path.replace("{clinician}", "999999"),
                            body.clone(),
                        )
                        .await;
                    assert_eq!(r.json(), r2.json(), "{what}: same answer as no clinician");
                }
                if c.path.contains("{id}") {
                    // Another walker's run, and a guessed id: not found, same answer.
                    let r = bob.call(c.method, &ada_path, body.clone()).await;
                    assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{what} on someone else's run: {}",
                        r.text()
                    );
                    let r2 = bob
                        .call(c.method, &fill(c.path, guessed_run, 0, &x), body.clone())
                        .await;
                    assert_eq!(
                        r2.status,
                        StatusCode::NOT_FOUND,
                        "{what} on a guessed run id"
                    );
                    assert_eq!(
                        r.json(),
                        r2.json(),
                        "{what}: a stranger's run must look like no run"
                    );
                }
            }
            Who::Admin => {
                // Ada, the server's first account, administers it; nobody else does.
                for who in [&mut bob, &mut lin, &mut moe] {
                    let r = who.call(c.method, &ada_path, body.clone()).await;
                    assert_eq!(
                        r.status,
                        StatusCode::FORBIDDEN,
                        "{what} by someone who is not an administrator: {}",
                        r.text()
                    );
                }
            }
            Who::Clinician => {
                // A clinician no administrator approves can do nothing, linked or not.
                let r = pat.call(c.method, &ada_path, body.clone()).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{what} by an unapproved linked clinician: {}",
                    r.text()
                );
                assert!(
                    r.text().contains("waiting for approval"),
                    "{what}: {}",
                    r.text()
                );
                // A walker has no clinician routes, even for themselves.
                let r = bob
                    .call(c.method, &fill(c.path, &bob_run, bob_id, &x), body.clone())
                    .await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{what} as a walker: {}",
                    r.text()
                );
                if c.path.contains("{id}") {
                    // An unlinked clinician, on a real patient and on guessed ids.
                    let r = moe.call(c.method, &ada_path, body.clone()).await;
                    assert!(
                        denied(r.status),
                        "{what} by an unlinked clinician: {} {}",
                        r.status,
                        r.text()
                    );
                    for guess in [bob_id, 999_999, -1] {
                        let r = lin
                            .call(c.method, &fill(c.path, "", guess, &x), body.clone())
                            .await;
                        assert!(denied(r.status), "{what} for patient {guess}: {}", r.status);
                    }
                    let r = lin
                        .call(c.method, &c.path.replace("{id}", "abc"), body.clone())
                        .await;
                    assert!(
                        denied(r.status),
                        "{what} with a non-numeric id: {}",
                        r.status
                    );
                } else if c.path.contains("{code}") {
                    // Another clinician's code, and a guessed one: no such code.
                    let r = moe.call(c.method, &ada_path, body.clone()).await;
                    assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{what} by another clinician"
                    );
                    let r = lin
                        .call(
                            c.method,
                            &c.path.replace("{code}", "ZZZZ2222"),
                            body.clone(),
                        )
                        .await;
                    assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{what} with a guessed code"
                    );
                } else if c.method == "GET" {
                    // The list shows linked patients only.
                    let list = moe
                        .call(c.method, c.path, None)
                        .await
                        .expect(StatusCode::OK)
                        .json();
                    assert_eq!(list, json!([]), "{what} for an unlinked clinician");
                }
            }
            Who::Any | Who::Public => {}
        }
        checked += 1;
    }
    assert_eq!(checked, table().len());

    // Positive controls: the rightful caller gets through on every route, so the refusals
    // above are authorization and not broken routes.
    for c in table() {
        if matches!(
            c.path,
            "/api/logout" | "/api/sessions/revoke-all" | "/api/signup" | "/api/login"
        ) {
            continue;
        }
        let body = mutating(c.method).then(|| (c.body)());
        let who = match c.who {
            Who::Clinician => &mut lin,
            _ => &mut ada,
        };
        let subject = if c.who == Who::Admin { moe_id } else { ada_id };
        let path = fill(c.path, &ada_run, subject, &x);
        let r = who.call(c.method, &path, body).await;
        let ok = !matches!(r.status.as_u16(), 401 | 403 | 404 | 405)
            || (c.path == "/assets/{*path}" && r.status == StatusCode::NOT_FOUND)
            // A made-up feed token opens nothing; tests/formats.rs follows a real one.
            || (c.path == "/calendar/{file}" && r.status == StatusCode::NOT_FOUND);
        assert!(
            ok,
            "{} {} as its rightful caller: {} {}",
            c.method,
            c.path,
            r.status,
            r.text()
        );
    }
    // Bob's data was never touched by anyone else's calls.
    let bob_history = bob.get("/api/history").await.expect(StatusCode::OK).json();
    assert_eq!(bob_history, json!([]));
    let bob_runs = t.state.svc.store.runs(bob_id).await.unwrap();
    assert!(bob_runs.iter().all(|r| r.ended_at.is_none()));
}

async fn walkers_see_only_their_own(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, _) = walker_with_programme(&t, "ada2@example.org").await;
    let (mut bob, _) = walker_with_programme(&t, "bob2@example.org").await;
    ada.post(&format!("/api/log?date={START}"), clean_log(START, 3.0))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        ada.get("/api/history")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(bob.get("/api/history").await.json(), json!([]));
    assert_eq!(bob.get("/api/progress").await.json()["sessions"], json!([]));
    // A run_id of someone else's in a log is refused as unknown.
    let run = ada
        .post("/api/runs", json!({"date": START}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let mut log = clean_log(START, 3.0);
    log["run_id"] = run["run_id"].clone();
    bob.post(&format!("/api/log?date={START}"), log)
        .await
        .expect(StatusCode::NOT_FOUND);
    assert_eq!(bob.get("/api/history").await.json(), json!([]));
}

both_backends!(every_route_refuses_strangers, walkers_see_only_their_own);
