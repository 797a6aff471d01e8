//! The server's own accept loop: slow or silent clients are cut off, real requests served.

mod common;

use common::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TIMEOUT: Duration = Duration::from_millis(300);

async fn server() -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
    tempfile::TempDir,
) {
    let (dir, store) = retrowalk_store::testing::fresh_sqlite().await;
    let t = TestApp::new(store);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(retrowalk_web::listen::serve_http1(
        listener,
        t.router.clone(),
        TIMEOUT,
        async move {
            let _ = rx.await;
        },
    ));
    (addr, tx, task, dir)
}

/// Reads until the server closes the connection; how long that took, and what it sent.
async fn until_closed(s: &mut TcpStream) -> (Duration, String) {
    let start = Instant::now();
    let mut out = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    assert!(r.is_ok(), "the server kept the connection open for 5 s");
    (start.elapsed(), String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_slow_clients_are_cut_off() {
    let (addr, stop, task, _dir) = server().await;

    // Connects and says nothing.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let (took, _) = until_closed(&mut silent).await;
    assert!(took < Duration::from_secs(2), "{took:?}");

    // Sends half a request's headers and stalls.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (took, _) = until_closed(&mut slow).await;
    assert!(took < Duration::from_secs(2), "{took:?}");

    // A whole request is answered, and the kept-alive connection is closed once idle.
    let mut ok = TcpStream::connect(addr).await.unwrap();
    ok.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (took, text) = until_closed(&mut ok).await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(took < Duration::from_secs(2), "{took:?}");

    // Shutdown stops the loop.
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the server stops on shutdown")
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}
