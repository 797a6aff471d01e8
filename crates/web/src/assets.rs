//! The browser UI, embedded in the binary at build time (build.rs lists assets/), so the
//! app works offline on a LAN with no CDN.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

pub fn files() -> &'static [(&'static str, &'static [u8])] {
    generated::ASSETS
}

fn find(path: &str) -> Option<&'static [u8]> {
    files().iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

fn etags() -> &'static HashMap<&'static str, String> {
    static E: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    E.get_or_init(|| {
        files()
            .iter()
            .map(|(p, b)| (*p, format!("\"{}\"", &hex::encode(Sha256::digest(b))[..20])))
            .collect()
    })
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn serve(
    path: &'static str,
    body: &'static [u8],
    headers: &HeaderMap,
    cache: &'static str,
) -> Response {
    let tag = etags().get(path).cloned().unwrap_or_default();
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    // Files keep their names across releases, so browsers revalidate (cheaply, by ETag)
    // rather than keep a stale UI.
    h.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(ETAG, v);
    }
    res
}

/// `GET /assets/{*path}`.
pub async fn asset(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches("/assets/");
    match files().iter().find(|(p, _)| *p == path) {
        Some((p, b)) => serve(p, b, &headers, "public, max-age=300, must-revalidate"),
        None => {
            crate::error::ApiError::not_found(format!("no asset named {path:?}")).into_response()
        }
    }
}

/// Every other page path: the single-page UI, which routes on location.pathname.
pub async fn index(headers: HeaderMap) -> Response {
    match find("index.html") {
        Some(b) => serve("index.html", b, &headers, "no-cache"),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            "retrowalk was built without its web pages (crates/web/assets/index.html); the API under /api works",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/b.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("x.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn every_embedded_file_has_an_etag() {
        for (p, _) in files() {
            assert!(etags().get(p).is_some_and(|t| t.len() == 22), "{p}");
        }
    }
}
