//! What the CLI tests share: a throwaway database for the real binary, and Ada's profile.
#![allow(dead_code)] // each test binary uses its own part

pub mod http;
pub mod server;

use serde_json::Value;
use std::path::PathBuf;

/// A temporary folder holding the database; commands run with it as their working folder.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: String,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rw.db").display().to_string();
        Env { dir, db }
    }

    /// A database where `profile create` has run with Ada's answers, starting on `start`.
    pub fn with_profile(start: &str) -> Env {
        let e = Env::new();
        let out = e.cmd().args(profile_args(start)).output().unwrap();
        assert!(
            out.status.success(),
            "profile create: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        e
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The real binary on this database, for `assert_cmd`'s assertions.
    pub fn cmd(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_cmd())
    }

    /// The same, as a std command, for tests that spawn and talk to the process.
    pub fn std_cmd(&self) -> std::process::Command {
        use assert_cmd::cargo::CommandCargoExt;
        let mut c = std::process::Command::cargo_bin("retrowalk").unwrap();
        c.env("RETROWALK_DB", &self.db)
            .env_remove("RETROWALK_LOG")
            .current_dir(self.dir.path());
        c
    }

    /// Runs a reading command with `--json` and returns what it printed.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.cmd().arg("--json").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// `profile create` with flags for a 58-year-old with knee osteoarthritis, training
/// Monday, Wednesday and Friday from `start`.
pub fn profile_args(start: &str) -> Vec<&str> {
    vec![
        "profile",
        "create",
        "--name",
        "Ada",
        "--age",
        "58",
        "--mass-kg",
        "72",
        "--units",
        "kmh",
        "--goal",
        "knee-rehab",
        "--knee",
        "osteoarthritis",
        "--knee-pain",
        "3",
        "--days",
        "mon,wed,fri",
        "--start",
        start,
    ]
}
