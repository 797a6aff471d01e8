//! The week's counter on Home and the patient page (issue 11): "done of planned" counted every
//! log of the week, so a second walk on a training day read "2 of 1" and a walk in a week
//! with no planned session read "1 of 0". Done now counts planned sessions (PRG-08 slots)
//! with a log; every other walk is counted apart as extra.

mod common;

use axum::http::StatusCode;
use common::*;
use retrowalk_store::Store;
use serde_json::{json, Value};

fn profile() -> Value {
    let mut p = profile_json();
    p["schedule"] = json!({"days": ["Monday", "Wednesday", "Friday"]});
    p
}

async fn walker_from(t: &TestApp, email: &str, start: &str) -> Client {
    let mut c = t.client();
    c.signup(email, "walker").await;
    let r = c
        .put(&format!("/api/profile?date={start}"), profile())
        .await
        .expect(StatusCode::OK);
    assert_eq!(r.json()["programme_started"], json!(true), "{}", r.text());
    c
}

async fn adherence(c: &mut Client, today: &str) -> Value {
    c.get(&format!("/api/today?date={today}"))
        .await
        .expect(StatusCode::OK)
        .json()["adherence"]
        .clone()
}

async fn log_on(c: &mut Client, date: &str, today: &str) {
    c.post(&format!("/api/log?date={today}"), clean_log(date, 4.0))
        .await
        .expect(StatusCode::OK);
}

/// Over the year's end: the week of Mon 28 Dec 2026 has slots on the 28th, the 30th and
/// Fri 1 Jan 2027.
async fn a_second_walk_on_a_slot_and_a_rest_day_walk_are_extra(store: Store) {
    let t = TestApp::new(store);
    let mut c = walker_from(&t, "extra@x.org", "2026-12-28").await;
    log_on(&mut c, "2026-12-28", "2026-12-28").await;
    log_on(&mut c, "2026-12-28", "2026-12-28").await;
    log_on(&mut c, "2026-12-29", "2026-12-29").await;
    assert_eq!(
        adherence(&mut c, "2026-12-29").await,
        json!({"done": 1, "planned": 3, "extra": 2})
    );
    log_on(&mut c, "2026-12-30", "2026-12-30").await;
    log_on(&mut c, "2027-01-01", "2027-01-01").await;
    log_on(&mut c, "2027-01-01", "2027-01-01").await;
    // Sunday 3 Jan is still that week: all three slots done, never "6 of 3".
    assert_eq!(
        adherence(&mut c, "2027-01-03").await,
        json!({"done": 3, "planned": 3, "extra": 3})
    );
    // The next week starts afresh.
    assert_eq!(
        adherence(&mut c, "2027-01-04").await,
        json!({"done": 0, "planned": 3, "extra": 0})
    );
}

/// A programme that starts on a Saturday has no slot in its first week; a walk that day is
/// extra, not "1 of 0".
async fn a_walk_in_a_week_without_slots_is_not_one_of_zero(store: Store) {
    let t = TestApp::new(store);
    let mut c = walker_from(&t, "sat@x.org", "2027-01-02").await;
    log_on(&mut c, "2027-01-02", "2027-01-02").await;
    assert_eq!(
        adherence(&mut c, "2027-01-03").await,
        json!({"done": 0, "planned": 0, "extra": 1})
    );
}

both_backends!(
    a_second_walk_on_a_slot_and_a_rest_day_walk_are_extra,
    a_walk_in_a_week_without_slots_is_not_one_of_zero,
);
