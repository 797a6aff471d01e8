//! Dates at and beyond the calendar's ends, sent to every route that takes one. A programme
//! started on 9999-12-20 once made the clinician's patient list panic for good (the engine
//! added weeks past the last representable day), and 9999-12-31 broke plan, today, ics,
//! patients and log. Every date outside 2000..=2099 is now refused with 422 naming the
//! field, and no date, in or out of the window, may make any route answer 500.

mod common;

use axum::http::StatusCode;
use common::*;
use retrowalk_store::Store;
use serde_json::json;
use time::Date;

/// Edge dates, plus dates spread over the whole range `time` can hold, from a fixed seed so
/// a failure repeats.
fn dates() -> Vec<(String, bool)> {
    let mut out: Vec<Date> = [
        Date::MIN,
        Date::MAX,
        date(1, 1, 1),
        date(1900, 1, 1),
        date(1999, 12, 31),
        date(2000, 1, 1),
        date(2099, 12, 31),
        date(2100, 1, 1),
        date(9999, 12, 20),
        date(9999, 12, 31),
    ]
    .into();
    let (lo, hi) = (
        Date::MIN.to_julian_day() as i64,
        Date::MAX.to_julian_day() as i64,
    );
    let mut x: u64 = 0x5eed_da7e;
    for _ in 0..6 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = lo + (x >> 11) as i64 % (hi - lo + 1);
        out.push(Date::from_julian_day(j as i32).expect("in range"));
    }
    out.into_iter()
        .map(|d| {
            let ok = (date(2000, 1, 1)..=date(2099, 12, 31)).contains(&d);
            (iso(d), ok)
        })
        // Years past 9999 or before 0 have no plain ten-character ISO form; they are refused
        // as malformed dates.
        .filter(|(s, _)| s.len() == 10 && !s.starts_with('-'))
        .collect()
}

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), d).expect("date")
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

#[track_caller]
fn judge(what: &str, d: &str, in_window: bool, r: &Resp) {
    assert!(
        r.status.as_u16() < 500,
        "{what} with {d} answered {}: {}",
        r.status,
        r.text()
    );
    if !in_window {
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what} with {d}: {}",
            r.text()
        );
        assert!(
            r.text().contains("2000-01-01"),
            "{what} with {d}: {}",
            r.text()
        );
    }
}

async fn extreme_dates_never_break_a_route(store: Store) {
    let t = TestApp::new(store);
    let (mut w, wid) = walker_with_programme(&t, "walker@example.org").await;
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

    for (d, ok) in dates() {
        // The probe walker (re)starts a programme on the date: the onboarding route.
        let r = probe
            .put(&format!("/api/profile?date={d}"), profile_json())
            .await;
        judge("PUT /api/profile", &d, ok, &r);

        for path in [
            format!("/api/today?date={d}"),
            format!("/api/plan?date={d}"),
            format!("/api/plan/{d}"),
            format!("/api/export/programme.ics?date={d}"),
            format!("/api/export/session.fit?date={d}"),
            format!("/api/export/session.tcx?date={d}"),
        ] {
            for c in [&mut w, &mut probe] {
                let r = c.get(&path).await;
                // A session export for a day with nothing logged is a plain 404.
                judge(&format!("GET {path}"), &d, ok, &r);
            }
        }
        let r = w
            .post(&format!("/api/log?date={START}"), clean_log(&d, 5.0))
            .await;
        judge("POST /api/log (body date)", &d, ok, &r);
        let r = w
            .post(&format!("/api/log?date={d}"), clean_log(START, 5.0))
            .await;
        judge("POST /api/log (?date)", &d, ok, &r);
        let r = w.post("/api/morning", json!({"date": d, "pain": 1})).await;
        judge("POST /api/morning", &d, ok, &r);

        for path in [
            format!("/api/patients?date={d}"),
            format!("/api/patients/{wid}?date={d}"),
            format!("/api/patients/{pid}?date={d}"),
            format!("/api/patients/{pid}/export/programme.ics?date={d}"),
            format!("/api/patients/{wid}/export/sessions.csv?date={d}"),
        ] {
            judge(&format!("GET {path}"), &d, ok, &doc.get(&path).await);
        }
        let r = doc
            .post(
                &format!("/api/patients/{wid}/pause?date={d}"),
                json!({"reason": "probe"}),
            )
            .await;
        judge("POST pause", &d, ok, &r);
        let r = doc
            .post(&format!("/api/patients/{wid}/resume?date={d}"), json!({}))
            .await;
        judge("POST resume", &d, ok, &r);

        // Whatever was sent, the pages answer on an ordinary day afterwards.
        doc.get("/api/patients").await.expect(StatusCode::OK);
        doc.get(&format!("/api/patients/{pid}"))
            .await
            .expect(StatusCode::OK);
        w.get(&format!("/api/today?date={START}"))
            .await
            .expect(StatusCode::OK);
        w.get("/api/export/sessions.csv")
            .await
            .expect(StatusCode::OK);
    }
}

/// The 1900 log of the report: refused, so its FIT export cannot fail later.
async fn a_log_in_1900_is_refused(store: Store) {
    let t = TestApp::new(store);
    let (mut w, _) = walker_with_programme(&t, "walker@example.org").await;
    let r = w
        .post(
            &format!("/api/log?date={START}"),
            clean_log("1900-01-01", 5.0),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field().as_deref(), Some("date"));
    let h = w.get("/api/history").await.expect(StatusCode::OK).json();
    assert!(
        !h.to_string().contains("1900-01-01"),
        "nothing of the refused log is kept: {h}"
    );
}

both_backends!(extreme_dates_never_break_a_route, a_log_in_1900_is_refused);
