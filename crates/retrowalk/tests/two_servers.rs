//! Two `retrowalk serve` processes on one PostgreSQL database behave as one app: a
//! session started on one works on the other, the login throttle is shared, and what one
//! writes the other reads. Needs RETROWALK_TEST_PG (required under CI).

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

mod common;
use common::http::{call, Jar};
use common::server::start;

#[tokio::test]
async fn two_servers_share_one_postgres() {
    let Some(db) = retrowalk_store::testing::fresh_postgres_url("rw_two").await else {
        return;
    };
    let a = start(&db);
    let b = start(&db);
    assert_ne!(a.addr, b.addr);
    let (a, b) = (a.addr, b.addr);
    // The HTTP calls block; they run off the async runtime.
    tokio::task::spawn_blocking(move || scenario(a, b))
        .await
        .unwrap();
}

fn scenario(a: SocketAddr, b: SocketAddr) {
    use serde_json::json;
    // Sign up on A; the session works on B.
    let mut jar = Jar::default();
    assert_eq!(call(a, &mut jar, "GET", "/api/csrf", None).status, 200);
    let r = call(
        a,
        &mut jar,
        "POST",
        "/api/signup",
        Some(
            json!({"email": "two@example.org", "password": "correct horse battery", "name": "Two", "role": "walker"}),
        ),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let me = call(b, &mut jar, "GET", "/api/me", None);
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["email"], "two@example.org");

    // A profile and a log written via A are read via B, and the other way round.
    let profile = json!({
        "name": "Two", "age": 60, "body_mass": 80.0, "units": "mph", "goal": "fitness",
        "schedule": {"days": ["Monday", "Wednesday", "Friday"]}
    });
    let r = call(
        a,
        &mut jar,
        "PUT",
        "/api/profile?date=2026-01-05",
        Some(profile),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let log = |date: &str| {
        json!({"date": date, "backward_min": 3, "effort": 4, "pain_before": 0, "pain_during": 0,
               "pain_after": 0, "rails": "light"})
    };
    let r = call(
        a,
        &mut jar,
        "POST",
        "/api/log?date=2026-01-05",
        Some(log("2026-01-05")),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let h = call(b, &mut jar, "GET", "/api/history", None);
    assert_eq!(h.status, 200);
    assert_eq!(h.json().as_array().unwrap().len(), 1, "{}", h.body);
    let r = call(
        b,
        &mut jar,
        "POST",
        "/api/log?date=2026-01-07",
        Some(log("2026-01-07")),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let h = call(a, &mut jar, "GET", "/api/history", None);
    assert_eq!(h.json().as_array().unwrap().len(), 2, "{}", h.body);

    // Failed logins on both servers add up: the sixth attempt is refused on either.
    let mut other = Jar::default();
    call(a, &mut other, "GET", "/api/csrf", None);
    for i in 0..5 {
        let server = if i % 2 == 0 { a } else { b };
        let r = call(
            server,
            &mut other,
            "POST",
            "/api/login",
            Some(json!({"email": "two@example.org", "password": "wrong wrong wrong"})),
        );
        assert_eq!(r.status, 401, "attempt {}: {}", i + 1, r.body);
    }
    for server in [a, b] {
        let r = call(
            server,
            &mut other,
            "POST",
            "/api/login",
            Some(json!({"email": "two@example.org", "password": "correct horse battery"})),
        );
        assert_eq!(r.status, 429, "{}", r.body);
    }

    // Signing out on B ends the session on A too.
    let r = call(b, &mut jar.clone(), "POST", "/api/logout", Some(json!({})));
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(call(a, &mut jar, "GET", "/api/me", None).status, 401);
}

/// The embedded default: `retrowalk serve` on a SQLite file serves the API and the pages,
/// and SIGTERM shuts it down cleanly (exit status 0).
#[test]
fn serve_on_sqlite_then_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rw.db").display().to_string();
    let mut s = start(&db);
    let mut jar = Jar::default();
    let h = call(s.addr, &mut jar, "GET", "/healthz", None);
    assert_eq!(h.status, 200, "{}", h.body);
    assert_eq!(h.json()["ok"], true);
    let page = call(s.addr, &mut jar, "GET", "/signin", None);
    assert_eq!(page.status, 200);
    assert!(
        page.body.to_ascii_lowercase().contains("<html"),
        "{}",
        page.body
    );
    let api = call(s.addr, &mut jar, "GET", "/api/me", None);
    assert_eq!(api.status, 401);

    let pid = s.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no exit within 20 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit after SIGTERM: {status:?}");
}
