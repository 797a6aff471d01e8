//! `retrowalk serve` as a child process on a free loopback port.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running server; dropping it kills the process (SIGKILL) and reaps it.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `retrowalk serve` on `db` and waits for the line that names its address.
pub fn start(db: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_retrowalk"))
        .args(["serve", "--addr", "127.0.0.1:0", "--db", db])
        .env_remove("RETROWALK_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn retrowalk serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server printed its address within 60 s");
    let addr = line
        .trim()
        .strip_prefix("retrowalk listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .expect("an address");
    Server { child, addr }
}
