//! A minimal blocking HTTP/1.1 client for talking to `retrowalk serve` child processes,
//! with a cookie jar that also supplies the CSRF header.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

#[derive(Default, Clone)]
pub struct Jar(pub Vec<(String, String)>);

impl Jar {
    /// The cookie and CSRF headers for a request, each ending in CRLF.
    pub fn headers(&self) -> String {
        let mut h = String::new();
        if !self.0.is_empty() {
            let c: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
            h.push_str(&format!("Cookie: {}\r\n", c.join("; ")));
        }
        if let Some((_, t)) = self.0.iter().find(|(k, _)| k == "rw_csrf") {
            h.push_str(&format!("X-CSRF-Token: {t}\r\n"));
        }
        h
    }
}

pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request per connection; cookies the server sets go into the jar.
pub fn call(
    addr: SocketAddr,
    jar: &mut Jar,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let body = body.map(|v| v.to_string()).unwrap_or_default();
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}\r\n{body}",
        body.len(),
        jar.headers()
    );
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
    let mut chunked = false;
    for l in lines {
        let (k, v) = l.split_once(':').unwrap_or((l, ""));
        if k.eq_ignore_ascii_case("set-cookie") {
            if let Some((n, val)) = v.trim().split(';').next().and_then(|kv| kv.split_once('=')) {
                jar.0.retain(|(k, _)| k != n);
                if !val.is_empty() {
                    jar.0.push((n.to_string(), val.to_string()));
                }
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
    Reply { status, body }
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
