//! Responses are compressed for clients that ask (the pages' CSS and scripts, JSON), and
//! the live run stream is not, so no event waits in a compressor's buffer.

mod common;

use axum::http::{header, StatusCode};
use common::*;
use http_body_util::BodyExt;
use retrowalk_store::Store;
use serde_json::json;
use std::io::Read;
use std::time::Duration;
use tower::ServiceExt;

fn asset(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(b, 4096)
        .read_to_end(&mut out)
        .expect("a brotli body");
    out
}

async fn get_with(c: &mut Client, path: &str, encoding: Option<&str>) -> Resp {
    let mut req = c.request("GET", path, None);
    if let Some(e) = encoding {
        req.headers_mut()
            .insert(header::ACCEPT_ENCODING, e.parse().unwrap());
    }
    c.send(req).await
}

fn encoding(r: &Resp) -> Option<&str> {
    r.headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap())
}

async fn assets_and_json_are_compressed_the_live_stream_is_not(store: Store) {
    let t = TestApp::new(store);
    let mut c = t.client();
    let css = asset("app.css");

    let r = get_with(&mut c, "/assets/app.css", Some("gzip"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(encoding(&r), Some("gzip"));
    assert!(
        r.body.len() * 3 < css.len(),
        "{} of {}",
        r.body.len(),
        css.len()
    );
    assert_eq!(gunzip(&r.body), css);
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/css"));

    let r = get_with(&mut c, "/assets/app.css", Some("br, gzip"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(encoding(&r), Some("br"));
    assert_eq!(unbrotli(&r.body), css);

    // A client that does not ask gets the file as it is.
    let r = get_with(&mut c, "/assets/app.css", None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(encoding(&r), None);
    assert_eq!(r.body, css);

    // JSON from the API, and the page itself.
    let r = get_with(&mut c, "/api/openapi.json", Some("gzip"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(encoding(&r), Some("gzip"));
    let doc: serde_json::Value = serde_json::from_slice(&gunzip(&r.body)).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let r = get_with(&mut c, "/", Some("gzip"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(encoding(&r), Some("gzip"));

    // A run on the simulated treadmill: its event stream is sent as it comes.
    let (mut w, _) = walker_with_programme(&t, "ada@example.org").await;
    let run = w
        .post("/api/runs", json!({"date": START, "treadmill": "sim"}))
        .await
        .expect(StatusCode::CREATED)
        .json()["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut req = w.request("GET", &format!("/api/runs/{run}/live"), None);
    req.headers_mut()
        .insert(header::ACCEPT_ENCODING, "br, gzip".parse().unwrap());
    let res = w.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
    // The first event arrives by itself, readable as plain text.
    let mut body = res.into_body();
    let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("an event within 5 s")
        .expect("the stream is open")
        .expect("a frame");
    let text = String::from_utf8(frame.into_data().expect("data").to_vec()).unwrap();
    assert!(
        text.starts_with("event:") || text.starts_with(':'),
        "{text}"
    );
    w.post(
        &format!("/api/runs/{run}/stop"),
        json!({"reason": "finished"}),
    )
    .await;
}

retrowalk_store::both_backends!(assets_and_json_are_compressed_the_live_stream_is_not);
