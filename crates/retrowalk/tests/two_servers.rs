//! Two `retrowalk serve` processes on one PostgreSQL database behave as one app: a
//! session started on one works on the other, the login throttle is shared, and what one
//! writes the other reads. Needs RETROWALK_TEST_PG (required under CI).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

mod common;
use common::server::start;

struct Reply {
    status: u16,
    cookies: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A plain HTTP/1.1 request, one per connection.
fn http(addr: SocketAddr, method: &str, path: &str, jar: &Jar, body: Option<&str>) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !jar.0.is_empty() {
        let c: Vec<String> = jar.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        req.push_str(&format!("Cookie: {}\r\n", c.join("; ")));
    }
    if let Some((_, t)) = jar.0.iter().find(|(k, _)| k == "rw_csrf") {
        req.push_str(&format!("X-CSRF-Token: {t}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").expect("a full response");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let mut cookies = Vec::new();
    let mut chunked = false;
    for l in lines {
        let (k, v) = l.split_once(':').unwrap_or((l, ""));
        if k.eq_ignore_ascii_case("set-cookie") {
            if let Some((n, val)) = v.trim().split(';').next().and_then(|kv| kv.split_once('=')) {
                cookies.push((n.to_string(), val.to_string()));
            }
        }
        if k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
            chunked = true;
        }
    }
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    Reply {
        status,
        cookies,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

#[derive(Default, Clone)]
struct Jar(Vec<(String, String)>);

impl Jar {
    fn take(&mut self, r: &Reply) {
        for (k, v) in &r.cookies {
            self.0.retain(|(n, _)| n != k);
            if !v.is_empty() {
                self.0.push((k.clone(), v.clone()));
            }
        }
    }
}

fn call(
    addr: SocketAddr,
    jar: &mut Jar,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> Reply {
    let b = body.map(|v| v.to_string());
    let r = http(addr, method, path, jar, b.as_deref());
    jar.take(&r);
    r
}

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
