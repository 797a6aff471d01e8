//! `retrowalk user reset-password EMAIL` through the real binary, against a running server
//! on the same database: the printed link sets a new password once and signs the account
//! out everywhere. SQLite always; PostgreSQL when RETROWALK_TEST_PG is set.

use serde_json::json;
use std::net::SocketAddr;
use std::process::Command;

mod common;
use common::http::{call, Jar};
use common::server::start;

const OLD: &str = "correct horse battery";
const NEW: &str = "a brand new passphrase";

fn cli(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_retrowalk"))
        .args(["--db", db])
        .args(args)
        .env_remove("RETROWALK_DB")
        .env_remove("RETROWALK_URL")
        .output()
        .expect("run retrowalk")
}

fn sign_in(addr: SocketAddr, password: &str) -> (u16, Jar) {
    let mut jar = Jar::default();
    call(addr, &mut jar, "GET", "/api/csrf", None);
    let r = call(
        addr,
        &mut jar,
        "POST",
        "/api/login",
        Some(json!({"email": "ada@example.org", "password": password})),
    );
    (r.status, jar)
}

fn scenario(db: &str) {
    let server = start(db);
    let addr = server.addr;
    let mut phone = Jar::default();
    call(addr, &mut phone, "GET", "/api/csrf", None);
    let r = call(
        addr,
        &mut phone,
        "POST",
        "/api/signup",
        Some(json!({"email": "ada@example.org", "password": OLD, "name": "Ada", "role": "walker"})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let (status, mut laptop) = sign_in(addr, OLD);
    assert_eq!(status, 200);

    // An unknown email is an error that says so, and prints no link.
    let out = cli(db, &["user", "reset-password", "nobody@example.org"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no account with the email"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("#token="));

    let base = format!("http://{addr}");
    let out = cli(
        db,
        &["user", "reset-password", "ADA@example.org", "--url", &base],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("works once, for 60 minutes"), "{text}");
    let prefix = format!("{base}/reset-password#token=");
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no link in {text}"));
    let token = &link[prefix.len()..];
    assert_eq!(token.len(), 64, "{link}");

    // --json prints the same kind of link; issuing it voids the one above.
    let out = cli(
        db,
        &[
            "--json",
            "user",
            "reset-password",
            "ada@example.org",
            "--url",
            &base,
            "--valid-minutes",
            "30",
        ],
    );
    assert!(out.status.success());
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["email"], "ada@example.org");
    assert_eq!(j["valid_minutes"], 30);
    let link2 = j["link"].as_str().unwrap();
    assert!(link2.starts_with(&prefix), "{link2}");
    let token2 = &link2[prefix.len()..];

    let mut anon = Jar::default();
    call(addr, &mut anon, "GET", "/api/csrf", None);
    let r = call(
        addr,
        &mut anon,
        "POST",
        "/api/password-reset",
        Some(json!({"token": token, "password": NEW})),
    );
    assert_eq!(r.status, 422, "the replaced link: {}", r.body);
    let r = call(
        addr,
        &mut anon,
        "POST",
        "/api/password-reset",
        Some(json!({"token": token2, "password": NEW})),
    );
    assert_eq!(r.status, 204, "{}", r.body);
    let r = call(
        addr,
        &mut anon,
        "POST",
        "/api/password-reset",
        Some(json!({"token": token2, "password": "once more with feeling"})),
    );
    assert_eq!(r.status, 422, "used twice: {}", r.body);

    for jar in [&mut phone, &mut laptop] {
        assert_eq!(call(addr, jar, "GET", "/api/me", None).status, 401);
    }
    assert_eq!(sign_in(addr, OLD).0, 401);
    assert_eq!(sign_in(addr, NEW).0, 200);
}

#[test]
fn reset_password_link_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rw.db").display().to_string();
    scenario(&db);
}

#[tokio::test]
async fn reset_password_link_on_postgres() {
    let Some(db) = retrowalk_store::testing::fresh_postgres_url("rw_reset").await else {
        return;
    };
    tokio::task::spawn_blocking(move || scenario(&db))
        .await
        .unwrap();
}
