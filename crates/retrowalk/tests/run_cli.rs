//! `retrowalk run` and `retrowalk devices` through the real binary, on a real database
//! file: a simulated session runs to the end and its telemetry is stored; Ctrl-C (SIGINT)
//! and `s` + Enter mid-run stop the belt, and the stop is recorded with the run.

use retrowalk_store::Store;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

mod common;
use common::Env;

const DAY: &str = "2026-11-23";

trait Runs {
    fn runs(&self) -> Vec<(retrowalk_store::Run, usize)>;
}

impl Runs for Env {
    /// The runs of the CLI's person with their stored telemetry row counts.
    fn runs(&self) -> Vec<(retrowalk_store::Run, usize)> {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let store = Store::open(&self.db).await.unwrap();
            let me = store.local_user().await.unwrap();
            let mut out = Vec::new();
            for r in store.runs(me).await.unwrap() {
                let n = store.samples(&r.id).await.unwrap().len();
                out.push((r, n));
            }
            out
        })
    }
}

fn planned_total_s(e: &Env) -> u64 {
    let out = e
        .std_cmd()
        .args(["--json", "today", "--date", DAY])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["plan"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["duration_s"].as_u64().unwrap())
        .sum()
}

#[test]
fn a_simulated_session_runs_to_the_end_and_its_telemetry_is_stored() {
    let e = Env::with_profile(DAY);
    let total = planned_total_s(&e);
    let out = e
        .std_cmd()
        .args([
            "--json",
            "run",
            "--treadmill",
            "sim",
            "--speedup",
            "60",
            "--date",
            DAY,
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reason"], "completed", "{v}");
    assert_eq!(v["stop_confirmed"], true);
    assert_eq!(
        v["samples"].as_u64(),
        Some(total),
        "one sample per session second"
    );
    assert!(v["backward_s"].as_u64().unwrap() > 0);
    // The live view went to stderr, segment by segment.
    assert!(stderr.contains("▸ 1/"), "{stderr}");
    assert!(stderr.contains("Belt stopped: completed"), "{stderr}");

    let runs = e.runs();
    assert_eq!(runs.len(), 1);
    let (run, rows) = &runs[0];
    assert_eq!(run.id, v["run_id"].as_str().unwrap());
    assert_eq!(*rows as u64, total);
    assert_eq!(run.stop_reason.as_deref(), Some("treadmill completed"));
    assert!(run.ended_at.is_some());
    assert_eq!(run.plan["treadmill"], "sim");
}

/// Starts a simulated run with piped stdin and stdout, reads the live view until the belt
/// has been running a while, then lets `interrupt` act on the process.
fn interrupted_run(interrupt: impl FnOnce(&mut std::process::Child)) -> String {
    let e = Env::with_profile(DAY);
    let mut child = e
        .std_cmd()
        .args([
            "run",
            "--treadmill",
            "sim",
            "--speedup",
            "60",
            "--date",
            DAY,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    // One minute into the warm-up (a second of real time at 60×): the belt is running.
    while !seen.contains("[1:00]") {
        line.clear();
        let n = reader.read_line(&mut line).unwrap();
        assert!(n > 0, "the run ended before the belt ran: {seen}");
        seen.push_str(&line);
    }
    assert!(seen.contains("km/h (target"), "{seen}");
    interrupt(&mut child);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    seen.push_str(&rest);
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}\n{seen}");

    let runs = e.runs();
    assert_eq!(runs.len(), 1);
    let (run, rows) = &runs[0];
    let total = planned_total_s(&e) as usize;
    assert!(run.ended_at.is_some());
    assert!(*rows >= 60 && *rows < total, "{rows} rows of {total}");
    format!(
        "{seen}\nstored: {}",
        run.stop_reason.clone().unwrap_or_default()
    )
}

#[cfg(unix)]
#[test]
fn ctrl_c_mid_run_stops_the_belt_and_the_stop_is_recorded() {
    let out = interrupted_run(|child| {
        let ok = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "could not send SIGINT");
    });
    assert!(
        out.contains(
            "Belt stopped: user_stop: terminal (Ctrl-C) (the treadmill confirmed the stop)"
        ),
        "{out}"
    );
    assert!(
        out.contains("stored: treadmill user_stop: terminal (Ctrl-C)"),
        "{out}"
    );
    assert!(out.contains("--stopped <dizziness|pain"), "{out}");
    assert!(!out.contains("Belt stopped: completed"), "{out}");
}

#[test]
fn typing_s_stops_the_belt() {
    let out = interrupted_run(|child| {
        let stdin = child.stdin.as_mut().unwrap();
        stdin.write_all(b"s\n").unwrap();
        stdin.flush().unwrap();
    });
    assert!(
        out.contains("Belt stopped: user_stop: terminal (s) (the treadmill confirmed the stop)"),
        "{out}"
    );
    assert!(
        out.contains("stored: treadmill user_stop: terminal (s)"),
        "{out}"
    );
    // Ada takes no medicine that slows the heart: the age-based cap is her limit (SAF-04).
    assert!(out.contains("Heart-rate cap 133 bpm"), "{out}"); // caution: 167.4 × 0.8
}

/// Issue 12 (SCR-16): someone on a beta-blocker is told to go by effort before the belt
/// starts, and the age-based ceiling is named a backstop, never their cap.
#[test]
fn on_a_beta_blocker_the_run_goes_by_effort() {
    let e = Env::new();
    let mut args = common::profile_args(DAY);
    args.push("--heart-rate-medicine");
    let out = e.cmd().args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // No clinician in retrowalk: a self-attested clearance starts supervised (SCR-14).
    let out = e.cmd().args(["profile", "clearance"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut child = e
        .std_cmd()
        .args([
            "run",
            "--treadmill",
            "sim",
            "--speedup",
            "60",
            "--date",
            DAY,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while !seen.contains("to stop the belt") {
        line.clear();
        let n = reader.read_line(&mut line).unwrap();
        assert!(n > 0, "the run ended before its header: {seen}");
        seen.push_str(&line);
    }
    let stdin = child.stdin.as_mut().unwrap();
    stdin.write_all(b"s\n").unwrap();
    stdin.flush().unwrap();
    std::io::Read::read_to_string(&mut reader, &mut seen).unwrap();
    assert!(child.wait().unwrap().success(), "{seen}");
    assert!(seen.contains("Go by effort, not heart rate"), "{seen}");
    assert!(seen.contains("3 to 4 out of 10"), "{seen}");
    // 58 on the supervised tier: (208 − 40.6) × 0.75 = 125.55.
    assert!(
        seen.contains("stops above 125 bpm, as a backstop only"),
        "{seen}"
    );
    assert!(!seen.contains("Heart-rate cap"), "{seen}");
}

#[test]
fn speedup_is_refused_for_a_real_treadmill() {
    let e = Env::with_profile(DAY);
    let out = e
        .std_cmd()
        .args([
            "run",
            "--treadmill",
            "FS-6041F1",
            "--speedup",
            "10",
            "--date",
            DAY,
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--speedup is only for the simulated"));
    assert!(
        e.runs().is_empty(),
        "a run was recorded although nothing ran"
    );
}

#[cfg(not(feature = "bluetooth"))]
#[test]
fn without_bluetooth_devices_and_real_treadmills_say_how_to_build_with_it() {
    let e = Env::new();
    let out = e.std_cmd().args(["devices"]).output().unwrap();
    // Exit 1: the command cannot do its job in this build, and scripts should notice.
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no Bluetooth support"), "{err}");
    assert!(
        err.contains("cargo build --release --features bluetooth"),
        "{err}"
    );
    assert!(err.contains("--treadmill sim"), "{err}");
    assert!(out.stdout.is_empty());

    let e = Env::with_profile(DAY);
    let out = e
        .std_cmd()
        .args(["run", "--treadmill", "FS-6041F1", "--date", DAY])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--features bluetooth"), "{err}");
    assert!(e.runs().is_empty());

    // A strap needs Bluetooth too, even on the simulated treadmill.
    let out = e
        .std_cmd()
        .args([
            "run",
            "--treadmill",
            "sim",
            "--hr-strap",
            "Polar H10",
            "--date",
            DAY,
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("heart-rate strap") && err.contains("--features bluetooth"),
        "{err}"
    );
    assert!(e.runs().is_empty());
}
