//! The browser UI, embedded in the binary at build time (build.rs lists assets/), so the
//! app works offline on a LAN with no CDN.

use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Mutex, OnceLock};

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

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Encoding {
    Br,
    Gzip,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Br => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

/// Whether the client's Accept-Encoding lists `name` without `q=0`.
fn accepts(headers: &HeaderMap, name: &str) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            let mut it = part.split(';');
            let enc = it.next().unwrap_or("").trim();
            let refused = it.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            enc.eq_ignore_ascii_case(name) && !refused
        })
}

/// Text worth compressing; images and fonts are compressed already.
fn compressible(path: &str, body: &[u8]) -> bool {
    body.len() >= 512
        && matches!(
            path.rsplit_once('.').map(|(_, e)| e),
            Some("html" | "css" | "js" | "mjs" | "json" | "svg" | "webmanifest" | "txt" | "md")
        )
}

fn compress(body: &[u8], enc: Encoding) -> Option<Vec<u8>> {
    match enc {
        Encoding::Br => {
            let mut out = Vec::new();
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
            Some(out)
        }
        Encoding::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(body).ok()?;
            e.finish().ok()
        }
    }
}

/// Each file compressed once, at the best ratio, on its first request in that encoding (a
/// few tens of KB in all). Compressing on every request cost a static file most of its
/// throughput (9,000 requests/s down to 1,400 with gzip).
fn compressed(path: &'static str, body: &'static [u8], enc: Encoding) -> Option<&'static [u8]> {
    type Cache = Mutex<HashMap<(&'static str, Encoding), Option<&'static [u8]>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    if let Some(hit) = cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&(path, enc))
    {
        return *hit;
    }
    // Built outside the lock; a second request racing here builds the same bytes.
    let made: Option<&'static [u8]> =
        compress(body, enc).map(|v| &*Box::leak(v.into_boxed_slice()));
    *cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry((path, enc))
        .or_insert(made)
}

fn serve(
    path: &'static str,
    body: &'static [u8],
    headers: &HeaderMap,
    cache: &'static str,
) -> Response {
    let tag = etags().get(path).cloned().unwrap_or_default();
    serve_tagged(path, body, tag, headers, cache)
}

fn serve_tagged(
    path: &'static str,
    body: &'static [u8],
    tag: String,
    headers: &HeaderMap,
    cache: &'static str,
) -> Response {
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let squeeze = compressible(path, body);
    let encoded = squeeze
        .then(|| {
            [Encoding::Br, Encoding::Gzip]
                .into_iter()
                .filter(|e| accepts(headers, e.name()))
                .find_map(|e| compressed(path, body, e).map(|b| (e, b)))
        })
        .flatten();
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else if let Some((enc, bytes)) = encoded {
        let mut r = bytes.into_response();
        r.headers_mut()
            .insert(CONTENT_ENCODING, HeaderValue::from_static(enc.name()));
        r
    } else {
        body.into_response()
    };
    let h = res.headers_mut();
    if squeeze {
        h.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
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

/// The worker's source file among the assets; served filled in at `/sw.js`.
const WORKER: &str = "sw.js";

/// A hash of every embedded file: changes with any change to the UI, so the service worker
/// (which carries it) is a new worker for each build and replaces the old one's cache.
pub fn build_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| version_of(files()))
}

/// Names and lengths go in too, so moving bytes from one file to the next still changes it.
fn version_of(files: &[(&str, &[u8])]) -> String {
    let mut h = Sha256::new();
    for (p, b) in files {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    }
    hex::encode(h.finalize())[..16].to_string()
}

/// The service worker with this build's version and the URL of every file it must keep
/// for the app to open offline (all of them: a page module missing from the cache is a page
/// that fails offline).
fn worker_source() -> Option<&'static [u8]> {
    static W: OnceLock<Option<&'static [u8]>> = OnceLock::new();
    *W.get_or_init(|| {
        let template = std::str::from_utf8(find(WORKER)?).ok()?;
        let shell: Vec<String> = files()
            .iter()
            .filter(|(p, _)| *p != WORKER)
            .map(|(p, _)| format!("/assets/{p}"))
            .collect();
        let shell = serde_json::to_string(&shell).ok()?;
        let src = template
            .replace("__RETROWALK_VERSION__", build_version())
            .replace("__RETROWALK_SHELL__", &shell);
        Some(&*Box::leak(src.into_bytes().into_boxed_slice()))
    })
}

/// `GET /sw.js`: at the root, because a worker only controls pages under its own path.
pub async fn service_worker(headers: HeaderMap) -> Response {
    match worker_source() {
        // no-cache: the browser asks on every check for an update, by ETag.
        Some(b) => serve_tagged(
            "/sw.js",
            b,
            format!("\"{}\"", build_version()),
            &headers,
            "no-cache",
        ),
        None => {
            crate::error::ApiError::not_found("this build has no service worker").into_response()
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
    fn accept_encoding_honours_q_zero() {
        let mut h = HeaderMap::new();
        h.insert(
            ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br;q=0"),
        );
        assert!(accepts(&h, "gzip"));
        assert!(!accepts(&h, "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }

    #[test]
    fn any_change_to_the_ui_is_a_new_version() {
        let base: Vec<(&str, &[u8])> = vec![("app.js", b"let a = 1;"), ("app.css", b"p{}")];
        let v = version_of(&base);
        assert_eq!(v.len(), 16);
        assert_eq!(v, version_of(&base), "the same files, the same version");
        let edited: Vec<(&str, &[u8])> = vec![("app.js", b"let a = 2;"), ("app.css", b"p{}")];
        let renamed: Vec<(&str, &[u8])> = vec![("app2.js", b"let a = 1;"), ("app.css", b"p{}")];
        let added: Vec<(&str, &[u8])> = vec![
            ("app.js", b"let a = 1;"),
            ("app.css", b"p{}"),
            ("x.svg", b""),
        ];
        let moved: Vec<(&str, &[u8])> = vec![("app.js", b"let a = 1;p"), ("app.css", b"{}")];
        for other in [&edited, &renamed, &added, &moved] {
            assert_ne!(v, version_of(other));
        }
    }

    #[test]
    fn worker_carries_the_version_and_every_file() {
        let Some(src) = worker_source() else {
            return;
        };
        let src = std::str::from_utf8(src).expect("utf-8");
        assert!(!src.contains("__RETROWALK_"), "placeholders left: {src}");
        assert!(src.contains(build_version()));
        for (p, _) in files() {
            if *p != WORKER {
                assert!(src.contains(&format!("\"/assets/{p}\"")), "{p} not cached");
            }
        }
        assert!(src.contains("\"/assets/pages/log.js\""));
    }

    #[test]
    fn every_embedded_file_has_an_etag() {
        for (p, _) in files() {
            assert!(etags().get(p).is_some_and(|t| t.len() == 22), "{p}");
        }
    }
}
