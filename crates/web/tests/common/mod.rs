//! Shared test helpers: the app in-process over a real database (SQLite always,
//! PostgreSQL when RETROWALK_TEST_PG is set, and required under CI), and a small cookie-
//! keeping client that sends the CSRF header the way the UI does.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use retrowalk_service::Service;
use retrowalk_store::Store;
use retrowalk_web::{app, AppState, Settings};
use serde_json::{json, Value};
use std::collections::HashMap;
use tower::ServiceExt;

/// Cheap password hashing for speed; everything else as in production.
pub fn test_settings() -> Settings {
    Settings {
        argon2_m_kib: 1024,
        argon2_t: 1,
        ..Settings::default()
    }
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
}

impl TestApp {
    pub fn new(store: Store) -> TestApp {
        TestApp::with(store, test_settings())
    }
    pub fn with(store: Store, settings: Settings) -> TestApp {
        let state = AppState::new(Service::new(store), settings, false);
        TestApp {
            router: app(state.clone()),
            state,
        }
    }
    /// Approves a clinician as a server administrator would: clinicians start unapproved
    /// (issue 14) unless theirs was the server's first account.
    pub async fn approve(&self, email: &str) {
        let store = &self.state.svc.store;
        let u = store.user_by_email(email).await.unwrap().unwrap();
        store.set_clinician_approved(u.id, true).await.unwrap();
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            jar: HashMap::new(),
            send_csrf: true,
        }
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn field(&self) -> Option<String> {
        self.json()["field"].as_str().map(str::to_string)
    }
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> Resp {
        assert_eq!(self.status, status, "body: {}", self.text());
        self
    }
}

#[derive(Clone)]
pub struct Client {
    pub router: Router,
    pub jar: HashMap<String, String>,
    /// Whether to echo the rw_csrf cookie in X-CSRF-Token.
    pub send_csrf: bool,
}

impl Client {
    pub fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for sc in headers.get_all(header::SET_COOKIE) {
            let sc = sc.to_str().unwrap();
            let (kv, attrs) = sc.split_once(';').unwrap_or((sc, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || v.is_empty() {
                self.jar.remove(k);
            } else {
                self.jar.insert(k.to_string(), v.to_string());
            }
        }
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn request(&self, method: &str, path: &str, body: Option<Vec<u8>>) -> Request<Body> {
        let mut b = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(path);
        if !self.jar.is_empty() {
            b = b.header(header::COOKIE, self.cookie_header());
        }
        if self.send_csrf {
            if let Some(t) = self.jar.get("rw_csrf") {
                b = b.header("x-csrf-token", t);
            }
        }
        match body {
            Some(bytes) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(bytes))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        }
    }

    pub async fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let req = self.request(method, path, body.map(|v| serde_json::to_vec(&v).unwrap()));
        self.send(req).await
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.call("GET", path, None).await
    }
    pub async fn post(&mut self, path: &str, body: Value) -> Resp {
        self.call("POST", path, Some(body)).await
    }
    pub async fn put(&mut self, path: &str, body: Value) -> Resp {
        self.call("PUT", path, Some(body)).await
    }

    /// Fetches a CSRF token (as the UI does on load).
    pub async fn csrf(&mut self) -> String {
        let r = self.get("/api/csrf").await.expect(StatusCode::OK);
        r.json()["token"].as_str().unwrap().to_string()
    }

    pub async fn signup(&mut self, email: &str, role: &str) -> Value {
        self.csrf().await;
        let r = self
            .post(
                "/api/signup",
                json!({"email": email, "password": "correct horse battery", "name": "Test Person", "role": role}),
            )
            .await
            .expect(StatusCode::CREATED);
        r.json()["user"].clone()
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Resp {
        if !self.jar.contains_key("rw_csrf") {
            self.csrf().await;
        }
        self.post("/api/login", json!({"email": email, "password": password}))
            .await
    }
}

/// The first training day of the tests' programmes (a Monday).
pub const START: &str = "2026-01-05";

pub fn profile_json() -> Value {
    json!({
        "name": "Ada",
        "age": 58,
        "body_mass": 72.0,
        "units": "kmh",
        "goal": "knee_rehab",
        "knee": "osteoarthritis",
        "knee_pain": 2,
        "schedule": {"days": ["Monday", "Wednesday", "Friday"]}
    })
}

/// A walker who has onboarded and has a running programme.
pub async fn walker_with_programme(t: &TestApp, email: &str) -> (Client, i64) {
    let mut c = t.client();
    let u = c.signup(email, "walker").await;
    let r = c
        .put(&format!("/api/profile?date={START}"), profile_json())
        .await
        .expect(StatusCode::OK);
    assert_eq!(r.json()["programme_started"], json!(true), "{}", r.text());
    (c, u["id"].as_i64().unwrap())
}

pub fn clean_log(date: &str, minutes: f64) -> Value {
    json!({
        "date": date,
        "backward_min": minutes,
        "effort": 4,
        "pain_before": 0,
        "pain_during": 1,
        "pain_after": 1,
        "dizziness": false,
        "near_fall": false,
        "fall": false,
        "rails": "light",
        "stopped_early": null,
        "notes": "felt fine"
    })
}

/// A fresh PostgreSQL database per call, or None (not under CI) without RETROWALK_TEST_PG.
pub async fn pg_store() -> Option<Store> {
    retrowalk_store::testing::fresh_postgres("rw_web").await
}

#[allow(unused_imports)]
pub use retrowalk_store::both_backends;
