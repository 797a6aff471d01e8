//! Downloads and uploads in other tools' formats, end to end through the router: FIT
//! uploads (multipart and raw) become logged sessions with a result per file and the good
//! files kept; every download decodes with an independent reader (fitparser for FIT, the
//! csv and icalendar crates) or the formats crate's own decoder; the calendar feed opens
//! with its secret link alone, keeps its UIDs, and dies when replaced; a linked clinician
//! may download a patient's files but not their backup.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use fitparser::profile::MesgNum;
use retrowalk_formats::fit::{self, synthetic, Activity, EncodeOptions};
use retrowalk_store::{Backup, Store};
use serde_json::{json, Value};

/// 2026-01-05, 2026-01-07 and 2026-01-09 at 17:00 UTC: the first Monday, Wednesday and
/// Friday of the tests' programme.
const MON: i64 = 1_767_632_400;
const WED: i64 = MON + 2 * 86_400;
const FRI: i64 = MON + 4 * 86_400;
const ANSWERS: &str = "effort=4&pain_before=1&pain_during=2&pain_after=1&date=2026-01-10";

fn walk(start: i64) -> (Activity, Vec<u8>) {
    let a = synthetic::treadmill_walk(start, 1200, 240);
    let bytes = fit::encode(&a, EncodeOptions::default()).unwrap();
    (a, bytes)
}

fn multipart(files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "retrowalk-test-boundary-7f3a";
    let mut body = Vec::new();
    // A plain field first: the server must skip what is not a file.
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n")
            .as_bytes(),
    );
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(c: &mut Client, query: &str, content_type: &str, body: Vec<u8>) -> Resp {
    let mut req = c.request("POST", &format!("/api/import/fit?{query}"), None);
    req.headers_mut()
        .insert(header::CONTENT_TYPE, content_type.parse().unwrap());
    *req.body_mut() = Body::from(body);
    c.send(req).await
}

fn content_type(r: &Resp) -> &str {
    r.headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn ics_uids(text: &str) -> Vec<String> {
    use icalendar::{Calendar, CalendarComponent, Component};
    let cal: Calendar = text
        .parse()
        .expect("the icalendar crate parses the calendar");
    cal.components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => e.get_uid().map(str::to_string),
            _ => None,
        })
        .collect()
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let head = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (head, rows)
}

/// The records fitparser finds, as (unix time, speed m/s, heart rate).
fn fitparser_records(bytes: &[u8]) -> Vec<(i64, f64, Option<u8>)> {
    use fitparser::Value;
    let parsed = fitparser::from_bytes(bytes).expect("fitparser decodes the download");
    parsed
        .iter()
        .filter(|r| r.kind() == MesgNum::Record)
        .map(|r| {
            let get = |n: &str| r.fields().iter().find(|f| f.name() == n).map(|f| f.value());
            let t = match get("timestamp") {
                Some(Value::Timestamp(t)) => t.timestamp(),
                other => panic!("record timestamp {other:?}"),
            };
            let v = match get("enhanced_speed") {
                Some(Value::Float64(v)) => *v,
                other => panic!("record speed {other:?}"),
            };
            let hr = match get("heart_rate") {
                Some(Value::UInt8(h)) => Some(*h),
                _ => None,
            };
            (t, v, hr)
        })
        .collect()
}

async fn uploads_keep_the_good_files_and_every_download_decodes(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, ada_id) = walker_with_programme(&t, "ada@example.org").await;
    let (mon, mon_bytes) = walk(MON);
    let (_, wed_bytes) = walk(WED);
    let (_, fri_bytes) = walk(FRI);
    let mut cut = wed_bytes.clone();
    cut.truncate(cut.len() / 2);

    // Without the answers a file cannot give, nothing is imported.
    let (ct, body) = multipart(&[("mon.fit", &mon_bytes)]);
    let r = upload(&mut ada, "effort=4", &ct, body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.field().as_deref(), Some("pain_before"));

    // Two good files and two bad ones in one form: the good ones are kept.
    let garbage = b"this is not a FIT file at all".to_vec();
    let (ct, body) = multipart(&[
        ("mon.fit", &mon_bytes),
        ("notes.txt", &garbage),
        ("wed-cut.fit", &cut),
        ("wed.fit", &wed_bytes),
    ]);
    let r = upload(&mut ada, ANSWERS, &ct, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let out = r.json();
    assert_eq!(out["imported"], json!(2));
    assert_eq!(out["failed"], json!(2));
    let files = out["files"].as_array().unwrap();
    let names: Vec<_> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["mon.fit", "notes.txt", "wed-cut.fit", "wed.fit"]);
    assert_eq!(files[0]["ok"], json!(true));
    assert_eq!(files[0]["date"], json!("2026-01-05"));
    assert_eq!(files[0]["records"], json!(1200));
    for (bad, says) in [
        // Not an activity file at all: the answer names the formats that are.
        (
            &files[1],
            "it imports FIT (.fit or .fit.gz), TCX (.tcx), GPX (.gpx)",
        ),
        (&files[2], "not a readable FIT file"),
    ] {
        assert_eq!(bad["ok"], json!(false));
        let e = bad["error"].as_str().unwrap();
        assert!(e.contains(says), "{e}");
    }
    assert_eq!(files[3]["date"], json!("2026-01-07"));
    let mon_run = files[0]["run"].as_str().unwrap().to_string();

    // One file as the raw body; the same file again is refused, and nothing doubles.
    let r = upload(
        &mut ada,
        &format!("{ANSWERS}&name=fri.fit"),
        "application/vnd.ant.fit",
        fri_bytes.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["files"][0]["name"], json!("fri.fit"));
    let r = upload(&mut ada, ANSWERS, "application/octet-stream", fri_bytes).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.json()["files"][0]["error"]
            .as_str()
            .unwrap()
            .starts_with("already imported"),
        "{}",
        r.text()
    );
    let history = ada.get("/api/history").await.expect(StatusCode::OK).json();
    let logged: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"]["kind"] == "session")
        .filter_map(|h| h["event"]["date"].as_str())
        .collect();
    assert_eq!(logged, ["2026-01-05", "2026-01-07", "2026-01-09"]);

    // FIT, by day and by run: both independent readers see the uploaded walk again.
    let by_day = ada
        .get("/api/export/session.fit?date=2026-01-05")
        .await
        .expect(StatusCode::OK);
    assert_eq!(content_type(&by_day), "application/vnd.ant.fit");
    let disposition = by_day.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert_eq!(
        disposition,
        "attachment; filename=\"retrowalk-2026-01-05.fit\""
    );
    let by_run = ada
        .get(&format!("/api/export/session.fit?run={mon_run}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(by_day.body, by_run.body);
    let ours = fit::decode(&by_day.body).expect("our decoder reads it, CRCs checked");
    assert_eq!(ours.records.len(), mon.records.len());
    let theirs = fitparser_records(&by_day.body);
    assert_eq!(theirs.len(), mon.records.len());
    for (w, (t, v, hr)) in mon.records.iter().zip(&theirs) {
        assert_eq!(*t, w.time);
        assert!((v - w.speed_mps.unwrap()).abs() < 0.002, "{v} vs {w:?}");
        assert_eq!(*hr, w.heart_rate);
    }
    // The plan's segments become laps, the backward ones marked.
    assert!(ours.laps.len() > 2, "{} laps", ours.laps.len());
    assert!(ours
        .laps
        .iter()
        .any(|l| l.segment.as_deref() == Some("backward")));

    // TCX: one trackpoint per record, a lap per segment.
    let tcx = ada
        .get("/api/export/session.tcx?date=2026-01-05")
        .await
        .expect(StatusCode::OK);
    assert_eq!(content_type(&tcx), "application/vnd.garmin.tcx+xml");
    let text = tcx.text();
    assert!(text.starts_with("<?xml"));
    assert_eq!(text.matches("<Trackpoint>").count(), mon.records.len());
    assert_eq!(text.matches("<Lap ").count(), ours.laps.len());
    // No session on a day: a clear 404.
    let r = ada.get("/api/export/session.fit?date=2026-01-06").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].as_str().unwrap().contains("2026-01-06"));

    // CSV of sessions and of segments.
    let sessions = ada
        .get("/api/export/sessions.csv")
        .await
        .expect(StatusCode::OK);
    assert_eq!(content_type(&sessions), "text/csv; charset=utf-8");
    let (head, rows) = csv_rows(&sessions.text());
    assert_eq!(head[0], "date");
    let dates: Vec<_> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(dates, ["2026-01-05", "2026-01-07", "2026-01-09"]);
    let segments = ada
        .get("/api/export/segments.csv")
        .await
        .expect(StatusCode::OK);
    let (head, rows) = csv_rows(&segments.text());
    let source = head
        .iter()
        .position(|h| h == "source")
        .expect("a source column");
    assert!(rows.iter().any(|r| r[source] == "planned"));
    assert!(rows.iter().any(|r| r[source] == "done"));

    // The backup: the whole record, telemetry included, as `retrowalk restore` reads it.
    let backup = ada
        .get("/api/export/backup.json")
        .await
        .expect(StatusCode::OK);
    assert_eq!(content_type(&backup), "application/json");
    let b: Backup = serde_json::from_slice(&backup.body).expect("a backup document");
    assert_eq!(b.person.email, "ada@example.org");
    assert_eq!(b.runs.len(), 3);
    assert!(b.runs.iter().all(|r| r.samples.len() == 1200));
    assert_eq!(b, {
        let mut direct = t.state.svc.store.backup(ada_id).await.unwrap();
        direct.created_at = b.created_at;
        direct
    });

    // The programme as a file: the same UIDs every time.
    let a = ada
        .get("/api/export/programme.ics?date=2026-01-12&weeks=4")
        .await
        .expect(StatusCode::OK);
    assert_eq!(content_type(&a), "text/calendar; charset=utf-8");
    let b = ada
        .get("/api/export/programme.ics?date=2026-01-12&weeks=4&at=07:30")
        .await
        .expect(StatusCode::OK);
    let uids = ics_uids(&a.text());
    assert_eq!(uids.len(), 12, "3 sessions a week for 4 weeks");
    assert_eq!(uids, ics_uids(&b.text()));
    let r = ada.get("/api/export/programme.ics?weeks=40").await;
    assert_eq!(r.field().as_deref(), Some("weeks"));
    let r = ada.get("/api/export/everything.zip").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Far bigger than the 64 KiB every JSON endpoint takes: the upload route has its own
    // 8 MiB limit. Two hours at 1 Hz on the next Monday.
    let long = synthetic::treadmill_walk(MON + 7 * 86_400, 7200, 240);
    let long_bytes = fit::encode(&long, EncodeOptions::default()).unwrap();
    assert!(long_bytes.len() > 64 * 1024, "{} bytes", long_bytes.len());
    let (ct, body) = multipart(&[("long.fit", &long_bytes)]);
    let later = ANSWERS.replace("date=2026-01-10", "date=2026-01-20");
    let r = upload(&mut ada, &later, &ct, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["files"][0]["records"], json!(7200));

    // Too big an upload is refused whole.
    let huge = vec![0u8; 9 * 1024 * 1024];
    let r = upload(&mut ada, ANSWERS, "application/octet-stream", huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
}

async fn the_calendar_feed_opens_with_its_link_alone(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, _) = walker_with_programme(&t, "ada@example.org").await;
    let status = ada.get("/api/calendar/feed").await.expect(StatusCode::OK);
    assert_eq!(status.json()["active"], json!(false));
    let made = ada
        .post("/api/calendar/feed", json!({}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let path = made["path"].as_str().unwrap().to_string();
    assert!(
        path.starts_with("/calendar/") && path.ends_with(".ics"),
        "{path}"
    );
    assert_eq!(
        ada.get("/api/calendar/feed").await.json()["active"],
        json!(true)
    );

    // A calendar app: no cookie, no CSRF, only the URL.
    let app = t.router.clone();
    let fetch = |p: String| {
        let app = app.clone();
        async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let res = app
                .oneshot(Request::get(p).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let status = res.status();
            let ct = res
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_string());
            let body = res.into_body().collect().await.unwrap().to_bytes();
            (status, ct, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    let (s, ct, first) = fetch(path.clone()).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(ct.as_deref(), Some("text/calendar; charset=utf-8"));
    let uids = ics_uids(&first);
    assert!(!uids.is_empty());
    let (_, _, second) = fetch(path.clone()).await;
    assert_eq!(ics_uids(&second), uids, "stable UIDs between fetches");
    // The downloaded file from the same day has the same events under the same UIDs, so
    // subscribing after importing the file replaces rather than duplicates.
    let file = ada
        .get("/api/export/programme.ics?weeks=12")
        .await
        .expect(StatusCode::OK);
    assert_eq!(ics_uids(&file.text()), uids);

    // A made-up token and a mangled one open nothing.
    let guess = format!("/calendar/{}.ics", "ab".repeat(32));
    assert_eq!(fetch(guess).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        fetch("/calendar/../api/me".into()).await.0,
        StatusCode::NOT_FOUND
    );

    // A new link replaces the old one at once.
    let again = ada
        .post("/api/calendar/feed", json!({}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let new_path = again["path"].as_str().unwrap().to_string();
    assert_ne!(new_path, path);
    assert_eq!(fetch(path).await.0, StatusCode::NOT_FOUND);
    let (s, _, text) = fetch(new_path.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ics_uids(&text), uids, "same events, same UIDs, new link");

    // Walks logged in the last 4 weeks stay in the feed (calendar apps drop what a feed
    // stops listing); older ones do not. The first planned day, once walked, keeps its UID
    // and now says it was done.
    let today = time::OffsetDateTime::now_utc().date();
    let first: time::Date = uids[0][..10].parse_date();
    // Out of date order, as when older walks are imported after newer ones.
    for d in [
        first,
        today - time::Duration::days(6),
        today - time::Duration::days(40),
    ] {
        ada.post(
            &format!("/api/log?date={first}"),
            clean_log(&d.to_string(), 5.0),
        )
        .await
        .expect(StatusCode::OK);
    }
    let (_, _, text) = fetch(new_path.clone()).await;
    let after = ics_uids(&text);
    let uid_of = |d: time::Date| uids[0].replacen(&first.to_string(), &d.to_string(), 1);
    assert_eq!(
        after[0],
        uid_of(today - time::Duration::days(6)),
        "{after:?}"
    );
    assert_eq!(after[1], uids[0], "the walked day keeps its UID");
    assert!(!after.contains(&uid_of(today - time::Duration::days(40))));
    assert!(
        uids[1..].iter().all(|u| after.contains(u)),
        "the plan after it keeps its UIDs: {uids:?} {after:?}"
    );
    let summaries: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("SUMMARY:"))
        .collect();
    assert!(
        summaries[0].contains("(done)") && summaries[1].contains("(done)"),
        "{summaries:?}"
    );
    assert!(!summaries[2].contains("(done)"), "{summaries:?}");
    let (_, _, again) = fetch(new_path).await;
    assert_eq!(ics_uids(&again), after, "stable between fetches");
}

/// A date as the first ten characters of a UID carry it.
trait ParseDate {
    fn parse_date(&self) -> time::Date;
}
impl ParseDate for str {
    fn parse_date(&self) -> time::Date {
        time::Date::parse(
            self,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .unwrap()
    }
}

/// The same file sent twice at the same moment (a double-click, two tabs) is logged once:
/// the session, its run and its telemetry are one transaction, refused whole the second
/// time.
async fn the_same_file_uploaded_twice_at_once_is_logged_once(store: Store) {
    let t = TestApp::new(store);
    let (ada, _) = walker_with_programme(&t, "ada@example.org").await;
    let days = [MON, WED, FRI, MON + 7 * 86_400, WED + 7 * 86_400];
    let answers = ANSWERS.replace("2026-01-10", "2026-01-20");
    for start in days {
        let (_, bytes) = walk(start);
        let (mut a, mut b) = (ada.clone(), ada.clone());
        let (ra, rb) = tokio::join!(
            upload(&mut a, &answers, "application/octet-stream", bytes.clone()),
            upload(&mut b, &answers, "application/octet-stream", bytes),
        );
        let mut statuses = [ra.status, rb.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY],
            "{} / {}",
            ra.text(),
            rb.text()
        );
        let refused = if ra.status == StatusCode::OK { rb } else { ra };
        let e = refused.json()["files"][0]["error"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with("already imported") || e.starts_with("a session is already logged"),
            "{e}"
        );
    }
    let mut ada = ada;
    let history = ada.get("/api/history").await.expect(StatusCode::OK).json();
    let sessions = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"]["kind"] == "session")
        .count();
    assert_eq!(sessions, days.len(), "one session per file");
    let me = ada.get("/api/me").await.json()["id"].as_i64().unwrap();
    let runs = t.state.svc.store.runs(me).await.unwrap();
    assert_eq!(runs.len(), days.len(), "one run per file");
    for r in &runs {
        assert_eq!(t.state.svc.store.samples(&r.id).await.unwrap().len(), 1200);
    }
}

async fn clinicians_download_linked_patients_files_but_not_backups(store: Store) {
    let t = TestApp::new(store);
    let (mut ada, ada_id) = walker_with_programme(&t, "ada@example.org").await;
    let (mut bob, _) = walker_with_programme(&t, "bob@example.org").await;
    let (_, mon_bytes) = walk(MON);
    let (ct, body) = multipart(&[("mon.fit", &mon_bytes)]);
    upload(&mut ada, ANSWERS, &ct, body)
        .await
        .expect(StatusCode::OK);
    let mut lin = t.client();
    lin.signup("lin@example.org", "clinician").await;
    t.approve("lin@example.org").await;
    let code = lin.post("/api/invites", json!({})).await.json()["code"].clone();
    ada.post("/api/invites/accept", json!({ "code": code }))
        .await
        .expect(StatusCode::OK);
    let mut moe = t.client();
    moe.signup("moe@example.org", "clinician").await;
    t.approve("moe@example.org").await;

    let own = ada
        .get("/api/export/sessions.csv")
        .await
        .expect(StatusCode::OK);
    let theirs = lin
        .get(&format!("/api/patients/{ada_id}/export/sessions.csv"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(own.body, theirs.body);
    let f = lin
        .get(&format!(
            "/api/patients/{ada_id}/export/session.fit?date=2026-01-05"
        ))
        .await
        .expect(StatusCode::OK);
    assert_eq!(fit::decode(&f.body).unwrap().records.len(), 1200);
    let r = lin
        .get(&format!("/api/patients/{ada_id}/export/backup.json"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = moe
        .get(&format!("/api/patients/{ada_id}/export/sessions.csv"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Bob's own export has none of Ada's sessions.
    let (_, rows) = csv_rows(&bob.get("/api/export/sessions.csv").await.text());
    assert!(rows.is_empty());
    let r = bob
        .get("/api/export/session.fit?run=fit-1767632400-0000")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let _: Value = r.json();
}

/// Stored telemetry that FIT cannot hold (written before the restore checks existed, or by
/// hand) gets a plain answer naming the value, never a 500; the other formats still export.
async fn stored_data_fit_cannot_hold_is_refused_plainly(store: Store) {
    let t = TestApp::new(store.clone());
    let (mut w, _) = walker_with_programme(&t, "walker@example.org").await;
    let run = w
        .post("/api/runs", json!({"date": START, "treadmill": "none"}))
        .await
        .expect(StatusCode::CREATED)
        .json()["run_id"]
        .as_str()
        .expect("run id")
        .to_string();
    let absurd = retrowalk_store::Sample {
        t_ms: 1_000,
        speed_kmh: 1.0e9,
        incline_pct: Some(0.0),
        distance_m: 5.0,
        heart_rate: None,
        rr_ms: Vec::new(),
    };
    store
        .append_samples(&run, &[absurd])
        .await
        .expect("stored as is");

    let r = w.get(&format!("/api/export/session.fit?run={run}")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("FIT cannot hold"), "{}", r.text());
    assert!(
        r.text().contains("TCX"),
        "points to a format that works: {}",
        r.text()
    );
    w.get(&format!("/api/export/session.tcx?run={run}"))
        .await
        .expect(StatusCode::OK);
    for f in ["sessions.csv", "segments.csv", "backup.json"] {
        w.get(&format!("/api/export/{f}"))
            .await
            .expect(StatusCode::OK);
    }
}

/// Imports know what they are (issue 11): a ride is refused by its sport, a chained file
/// gives one session per activity, the file's own offset from UTC sets the person's date,
/// and files fold in the order they were walked, not by name.
async fn imports_know_what_they_are(store: Store) {
    let t = TestApp::new(store);
    let (mut w, _) = walker_with_programme(&t, "walker@example.org").await;
    let mut ride = synthetic::treadmill_walk(MON, 1200, 240);
    if let Some(s) = ride.session.as_mut() {
        s.sport = Some(2);
        s.sub_sport = Some(58);
    }
    let ride = fit::encode(&ride, EncodeOptions::default()).unwrap();
    let r = upload(&mut w, ANSWERS, "application/octet-stream", ride).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("cycling"), "{}", r.text());

    // Wednesday 22:30 at UTC-5 is Thursday 03:30 UTC: still Wednesday for the walker.
    let late = WED + 5 * 3600 + 30 * 60 + 5 * 3600;
    let mut evening = synthetic::treadmill_walk(late, 1200, 240);
    evening.utc_offset_s = Some(-5 * 3600);
    // "a.fit" holds Friday's walk chained after it; "b.fit" holds Monday's.
    let mut a = fit::encode(&evening, EncodeOptions::default()).unwrap();
    a.extend(walk(FRI).1);
    let b = walk(MON).1;
    let (ct, body) = multipart(&[("a.fit", &a), ("b.fit", &b)]);
    let r = upload(&mut w, ANSWERS, &ct, body)
        .await
        .expect(StatusCode::OK);
    let body = r.json();
    assert_eq!(body["imported"], json!(3), "{body}");
    let dates: Vec<_> = body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["date"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        dates,
        vec!["2026-01-07", "2026-01-09", "2026-01-05"],
        "reported in the files' order, local dates: {body}"
    );
    assert!(body["files"][0]["name"]
        .as_str()
        .unwrap()
        .contains("activity 1 of 2"));
    let h = w.get("/api/history").await.expect(StatusCode::OK).json();
    let logged: Vec<_> = h
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            e["event"]["data"]["date"]
                .as_str()
                .or(e["event"]["date"].as_str())
        })
        .map(str::to_string)
        .collect();
    assert!(
        logged.windows(2).all(|p| p[0] <= p[1]),
        "folded in date order: {logged:?}"
    );
    let r = w
        .get("/api/export/session.fit?date=2026-01-07")
        .await
        .expect(StatusCode::OK);
    let back = fit::decode(&r.body).unwrap();
    assert_eq!(
        back.utc_offset_s,
        Some(-5 * 3600),
        "the export keeps local time"
    );
}

both_backends!(
    imports_know_what_they_are,
    stored_data_fit_cannot_hold_is_refused_plainly,
    uploads_keep_the_good_files_and_every_download_decodes,
    the_calendar_feed_opens_with_its_link_alone,
    clinicians_download_linked_patients_files_but_not_backups,
    the_same_file_uploaded_twice_at_once_is_logged_once,
);
