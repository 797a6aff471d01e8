//! A property test over the app's own route table: every route the app registers, called
//! by a walker with a programme, a walker without one and a clinician, with a random date
//! in the path, in `?date=` and in every date field of the body (a restored backup too),
//! never answers 500. Dates come from the whole range `time` can hold, weighted towards the
//! window's edges and the calendar's ends, so a new route or a new date field cannot ship
//! with unchecked date arithmetic: the table it walks is `registered_routes()` itself.

mod common;

use axum::http::StatusCode;
use common::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use retrowalk_store::Store;
use serde_json::{json, Value};
use time::Date;

const PASSWORD: &str = "correct horse battery";

/// Random dates from every part of the range, as ISO strings where they have one.
fn any_date() -> impl Strategy<Value = String> {
    let julian = |d: Date| d.to_julian_day();
    let day = |y: i32, m: u8, d: u8| {
        Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), d).expect("date")
    };
    let edges = [
        day(1, 1, 1),
        day(1900, 1, 1),
        day(1999, 12, 31),
        day(2000, 1, 1),
        day(2099, 12, 31),
        day(2100, 1, 1),
        day(9999, 12, 20),
        day(9999, 12, 31),
    ];
    let near_edge = prop::sample::select(edges.to_vec())
        .prop_flat_map(move |d| (Just(d), -400i32..=400))
        .prop_map(move |(d, k)| {
            Date::from_julian_day(julian(d) + k).unwrap_or(if k < 0 {
                Date::MIN
            } else {
                Date::MAX
            })
        });
    let anywhere = (julian(Date::MIN)..=julian(Date::MAX))
        .prop_map(|j| Date::from_julian_day(j).expect("within time's range"));
    prop_oneof![2 => near_edge, 1 => anywhere].prop_map(|d| {
        // Years before 0 or after 9999 have no plain ISO form; send them as they print, which
        // is a malformed date that must be refused like any other.
        format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
    })
}

/// Replaces every date (and the date part of every timestamp) in `v` with `d`.
fn redate(v: &mut Value, d: &str) {
    match v {
        Value::String(s) => {
            let b = s.as_bytes();
            let looks_dated = b.len() >= 10
                && b[4] == b'-'
                && b[7] == b'-'
                && b[..4].iter().all(u8::is_ascii_digit)
                && (b.len() == 10 || b[10] == b'T' || b[10] == b' ');
            if looks_dated {
                *s = format!("{d}{}", &s[10..]);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| redate(x, d)),
        Value::Object(o) => o.values_mut().for_each(|x| redate(x, d)),
        _ => {}
    }
}

/// The body a route gets: the one it expects where it needs a particular shape, with the
/// date put in; otherwise a body whose every usual date field holds it.
fn body_for(path: &str, d: &str, backup: &Value) -> Value {
    match path {
        "/api/profile" => profile_json(),
        "/api/log" => clean_log(d, 5.0),
        "/api/morning" => json!({"date": d, "pain": 1}),
        "/api/runs" => json!({"date": d, "treadmill": "none"}),
        "/api/import/backup" => {
            let mut b = backup.clone();
            redate(&mut b, d);
            b
        }
        _ => json!({
            "date": d, "start": d, "from": d, "to": d, "day": d, "reason": "probe",
            "elapsed_s": 30, "note": "probe"
        }),
    }
}

/// Concrete paths for a registered pattern.
fn paths_for(pattern: &str, d: &str, ids: &[i64], run: &str) -> Vec<String> {
    let files = [
        "session.fit",
        "session.tcx",
        "sessions.csv",
        "segments.csv",
        "backup.json",
        "programme.ics",
    ];
    let mut out = vec![pattern.to_string()];
    let mut expand = |key: &str, values: Vec<String>| {
        out = out
            .iter()
            .flat_map(|p| {
                if p.contains(key) {
                    values.iter().map(|v| p.replace(key, v)).collect()
                } else {
                    vec![p.clone()]
                }
            })
            .collect();
    };
    expand("{date}", vec![d.to_string()]);
    expand("{file}", files.iter().map(|f| f.to_string()).collect());
    expand("{*path}", vec!["app.js".to_string()]);
    let id_values = if pattern.starts_with("/api/runs/") {
        vec![run.to_string()]
    } else {
        ids.iter().map(i64::to_string).collect()
    };
    expand("{id}", id_values);
    out
}

/// Routes that end the caller's sign-in go last in each round, then everyone signs in again.
fn ends_sign_in(path: &str) -> bool {
    matches!(
        path,
        "/api/logout" | "/api/sessions/revoke-all" | "/api/password"
    )
}

async fn every_route_survives_any_date(store: Store) {
    let t = TestApp::new(store);
    let (mut w, wid) = walker_with_programme(&t, "walker@example.org").await;
    w.post(&format!("/api/log?date={START}"), clean_log(START, 5.0))
        .await
        .expect(StatusCode::OK);
    let run = w
        .post("/api/runs", json!({"date": START, "treadmill": "none"}))
        .await
        .expect(StatusCode::CREATED)
        .json()["run_id"]
        .as_str()
        .expect("run id")
        .to_string();
    let backup = w
        .get("/api/export/backup.json")
        .await
        .expect(StatusCode::OK)
        .json();
    let mut probe = t.client();
    let pid = probe.signup("probe@example.org", "walker").await["id"]
        .as_i64()
        .expect("id");
    let mut doc = t.client();
    doc.signup("doc@example.org", "clinician").await;
    t.approve("doc@example.org").await;
    for c in [&mut w, &mut probe] {
        let code = doc.post("/api/invites", json!({})).await.json()["code"].clone();
        c.post("/api/invites/accept", json!({ "code": code }))
            .await
            .expect(StatusCode::OK);
    }
    let mut routes = retrowalk_web::registered_routes();
    routes.sort_by_key(|(_, p)| ends_sign_in(p));
    assert!(
        routes.len() > 30,
        "the route table is the app's: {routes:?}"
    );

    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    let dates = prop::collection::vec(any_date(), 24)
        .new_tree(&mut runner)
        .expect("dates")
        .current();
    let who = [
        ("walker@example.org", "walker"),
        ("probe@example.org", "walker without a programme"),
        ("doc@example.org", "clinician"),
    ];
    let mut calls = 0usize;
    for d in &dates {
        let mut clients = [&mut w, &mut probe, &mut doc];
        for (c, (email, _)) in clients.iter_mut().zip(who) {
            c.login(email, PASSWORD).await.expect(StatusCode::OK);
        }
        for (method, pattern) in &routes {
            for path in paths_for(pattern, d, &[wid, pid], &run) {
                let sep = if path.contains('?') { '&' } else { '?' };
                let url = format!("{path}{sep}date={d}");
                let body = matches!(*method, "POST" | "PUT").then(|| body_for(pattern, d, &backup));
                for (c, (_, role)) in clients.iter_mut().zip(who) {
                    let r = c.call(method, &url, body.clone()).await;
                    calls += 1;
                    // 501 is the honest answer of a server built without Bluetooth.
                    let built_without =
                        *pattern == "/api/devices" && r.status == StatusCode::NOT_IMPLEMENTED;
                    assert!(
                        r.status.as_u16() < 500 || built_without,
                        "{method} {url} as the {role} with date {d} answered {}: {}",
                        r.status,
                        r.text()
                    );
                }
            }
        }
    }
    assert!(calls > dates.len() * 100, "only {calls} calls were made");

    // Whatever was sent, the pages still answer on an ordinary day.
    for (c, (email, _)) in [&mut w, &mut probe, &mut doc].into_iter().zip(who) {
        c.login(email, PASSWORD).await.expect(StatusCode::OK);
    }
    doc.get("/api/patients").await.expect(StatusCode::OK);
    w.get(&format!("/api/today?date={START}"))
        .await
        .expect(StatusCode::OK);
    for f in [
        "sessions.csv",
        "segments.csv",
        "backup.json",
        "programme.ics",
    ] {
        w.get(&format!("/api/export/{f}"))
            .await
            .expect(StatusCode::OK);
    }
}

both_backends!(every_route_survives_any_date);
