//! A crash at any point loses nothing that was acknowledged: `retrowalk log` processes are
//! killed with SIGKILL at random moments; every one that reported success must be in the
//! history afterwards, and the cached programme must equal a replay of its event log.

use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::Duration;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_retrowalk")
}

fn run(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .env("RETROWALK_DB", db)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn killed_mid_write_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db").display().to_string();
    let out = run(
        &db,
        &[
            "profile",
            "create",
            "--name",
            "K",
            "--age",
            "40",
            "--mass-kg",
            "70",
            "--units",
            "mph",
            "--goal",
            "fitness",
            "--knee",
            "none",
            "--knee-pain",
            "0",
            "--days",
            "mon,tue,wed",
            "--start",
            "2026-01-05",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A cheap xorshift so the kill moments vary but the test is repeatable.
    let mut seed = 0x9E3779B97F4A7C15u64;
    let mut rand = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let start = time::macros::date!(2026 - 01 - 05);
    let mut acknowledged = Vec::new();
    let mut killed = 0;
    for i in 0..40 {
        let date = (start + time::Duration::days(i)).to_string();
        let mut child = Command::new(bin())
            .env("RETROWALK_DB", &db)
            .args([
                "log",
                "--date",
                &date,
                "--effort",
                "3",
                "--pain-before",
                "0",
                "--pain-during",
                "1",
                "--pain-after",
                "1",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill about half of them somewhere between start-up and commit.
        if rand(2) == 0 {
            std::thread::sleep(Duration::from_micros(rand(40_000)));
            if child.kill().is_ok() {
                killed += 1;
            }
        }
        let out = child.wait_with_output().unwrap();
        if out.status.success() && String::from_utf8_lossy(&out.stdout).starts_with("Logged.") {
            acknowledged.push(date);
        }
    }
    assert!(
        killed > 5,
        "the test killed too few writers to mean anything"
    );
    assert!(!acknowledged.is_empty());

    let out = run(&db, &["--json", "history"]);
    assert!(
        out.status.success(),
        "the database opens after the crashes: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let history: Value = serde_json::from_slice(&out.stdout).unwrap();
    let logged: Vec<String> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["kind"] == "session")
        .map(|e| e["event"]["date"].as_str().unwrap().to_string())
        .collect();
    for d in &acknowledged {
        assert!(logged.contains(d), "acknowledged session {d} was lost");
    }
    // Sequence numbers have no gaps: nothing was half-written.
    let seqs: Vec<i64> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    // And the state the next session is planned from agrees with the log.
    let check = run(&db, &["--json", "check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let check: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(check["ok"], true);
    assert_eq!(check["events"].as_u64().unwrap() as usize, logged.len());
}
