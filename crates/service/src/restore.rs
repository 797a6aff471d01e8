//! A person's JSON backup read from its file and restored. `retrowalk restore` and the web
//! app's upload both come through here, so they read the same files, refuse the same
//! things with the same words, and leave the same record behind.
//!
//! What a restore does (the same on both): it replaces the signed-in person's profile,
//! programme, history and treadmill runs with the backup's, in one transaction. If the
//! person already has a programme it refuses unless told to replace (`--replace`, or
//! `?replace=true` after the web page's confirmation). Their sign-in (email, password) and
//! clinician links are kept; the name shown for them becomes the profile's. It refuses,
//! changing nothing, while a session is being walked, and when the record holds a change a
//! clinician made (caps, a pause, a tier) that the file does not carry unchanged: a
//! patient may take their data anywhere, but not undo their therapist's limits. Nor can
//! a file put a change in a clinician's name that they did not make here, or leave the
//! programme less restricted than it is (issue 14; see `Store::restore`).

use crate::{Result, Service, ServiceError};
use retrowalk_core::dates::in_window;
use retrowalk_core::{ClearedBy, Speed};
use retrowalk_store::{Backup, StoreError, UserId};
use serde::Serialize;
use thiserror::Error;

/// Why a file is not a backup this version can read, with where in the file: a path such
/// as `runs[2].samples[14].speed_kmh`, or `file` when it is not JSON at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct BackupFileError {
    pub field: String,
    pub message: String,
}

/// How long an unfinished run counts as being walked: longer than any session may last.
const LIVE_RUN_S: i64 = 4 * 3600;

/// What a restore brought back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Restored {
    pub events: usize,
    pub runs: usize,
    pub samples: usize,
}

/// Reads a backup file, naming the field that is wrong and what was expected there.
pub fn parse_backup(bytes: &[u8]) -> std::result::Result<Backup, BackupFileError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BackupFileError {
            field: "file".into(),
            message: "the file is empty; choose a backup made by retrowalk".into(),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let b: Backup = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." || inner.is_syntax() || inner.is_eof() {
            "file".to_string()
        } else {
            path
        };
        let message = if field == "file" {
            format!("not a retrowalk backup (not JSON: {inner})")
        } else {
            inner.to_string()
        };
        BackupFileError { field, message }
    })?;
    // Trailing text after the document means the file was damaged or is something else.
    de.end().map_err(|e| BackupFileError {
        field: "file".into(),
        message: format!("not a retrowalk backup (more after the document: {e})"),
    })?;
    check_values(&b)?;
    Ok(b)
}

/// The longest a run's telemetry may last: longer than any session could.
const MAX_RUN_MS: i64 = 24 * 3600 * 1000;
/// The farthest a run may go, in metres: a day of walking at the belt's top speed.
const MAX_RUN_M: f64 = 24.0 * Speed::MAX_KMH * 1000.0;
/// Belt inclines treadmills have (some decline to -6 %; none climbs past 40 %).
const INCLINE_PCT: std::ops::RangeInclusive<f64> = -10.0..=40.0;

fn bad(field: String, message: impl Into<String>) -> BackupFileError {
    BackupFileError {
        field,
        message: message.into(),
    }
}

/// Values the file's shape allows but no walk could produce. A restored record feeds the
/// charts, the exports and the engine's date arithmetic, so an absurd speed, a negative
/// time or a date in year 9999 is refused here, naming where it is, rather than breaking a
/// page later.
fn check_values(b: &Backup) -> std::result::Result<(), BackupFileError> {
    if let Some(p) = &b.programme {
        in_window("programme.start_date", p.start_date)
            .map_err(|e| bad("programme.start_date".into(), e.to_string()))?;
    }
    for (i, e) in b.events.iter().enumerate() {
        check_dates(&e.data, &mut format!("events[{i}].data"))?;
    }
    for (i, r) in b.runs.iter().enumerate() {
        let at = |f: &str| format!("runs[{i}].{f}");
        if r.run.started_at < 0 {
            return Err(bad(at("started_at"), "a run cannot start before 1970"));
        }
        if r.run.ended_at.is_some_and(|e| e < r.run.started_at) {
            return Err(bad(at("ended_at"), "a run cannot end before it starts"));
        }
        let mut last_t = -1;
        let mut last_d = 0.0;
        for (j, x) in r.samples.iter().enumerate() {
            let at = |f: &str| format!("runs[{i}].samples[{j}].{f}");
            if !(0..=MAX_RUN_MS).contains(&x.t_ms) || x.t_ms < last_t {
                return Err(bad(
                    at("t_ms"),
                    format!(
                        "sample times must be 0 to {MAX_RUN_MS} ms into the run and never go back (got {})",
                        x.t_ms
                    ),
                ));
            }
            if !(x.speed_kmh.is_finite() && (0.0..=Speed::MAX_KMH).contains(&x.speed_kmh)) {
                return Err(bad(
                    at("speed_kmh"),
                    format!(
                        "a belt speed must be 0 to {} km/h (got {})",
                        Speed::MAX_KMH,
                        x.speed_kmh
                    ),
                ));
            }
            if let Some(g) = x.incline_pct {
                if !(g.is_finite() && INCLINE_PCT.contains(&g)) {
                    return Err(bad(
                        at("incline_pct"),
                        format!("an incline must be -10 to 40 % (got {g})"),
                    ));
                }
            }
            if !(x.distance_m.is_finite() && (last_d..=MAX_RUN_M).contains(&x.distance_m)) {
                return Err(bad(
                    at("distance_m"),
                    format!(
                        "distance must be 0 to {MAX_RUN_M} m and never go back (got {})",
                        x.distance_m
                    ),
                ));
            }
            last_t = x.t_ms;
            last_d = x.distance_m;
        }
    }
    Ok(())
}

/// Every calendar date anywhere in an event (session dates, pause dates, programme
/// starts, whatever the event's kind) must lie in the accepted window.
fn check_dates(
    v: &serde_json::Value,
    path: &mut String,
) -> std::result::Result<(), BackupFileError> {
    match v {
        serde_json::Value::String(s) => {
            let fmt = time::format_description::well_known::Iso8601::DATE;
            if let Ok(d) = time::Date::parse(s, &fmt) {
                in_window("date", d).map_err(|e| bad(path.clone(), e.to_string()))?;
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_dates(x, path)?;
                path.truncate(len);
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                check_dates(x, path)?;
                path.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

impl Service {
    /// Restores `b` as `user`'s own record (see the module's notes for what that means).
    /// Nothing in the file can name another account: the store ignores its person and
    /// run owners and gives this person's data to `user` alone.
    pub async fn restore_backup(
        &self,
        user: UserId,
        b: &Backup,
        replace: bool,
    ) -> Result<Restored> {
        // A restore deletes the runs it replaces; one still being walked (its belt may be
        // moving) must end first. An unfinished run older than this was abandoned.
        // Runs whose server process died are closed first: nobody is walking them.
        self.store.close_orphaned_runs().await?;
        let since = retrowalk_store::now() - LIVE_RUN_S;
        let mut live = None;
        for r in self.store.runs(user).await? {
            if r.ended_at.is_none()
                && r.started_at > since
                && self.store.run_driver_alive(&r.id).await? != Some(false)
            {
                live = Some(r);
                break;
            }
        }
        if let Some(r) = live {
            return Err(ServiceError::Store(StoreError::Conflict(format!(
                "a session is in progress (run {}); stop it before restoring",
                r.id
            ))));
        }
        // Who cleared the person is the server's to say, never the file's: a clearance the
        // server holds stays as it is, and one the server has never seen cannot claim a
        // clinician (nobody here recorded it), so it counts as the person's own word.
        let mut b = std::borrow::Cow::Borrowed(b);
        if let Some(p) = b.profile.as_ref() {
            let stored = self.store.profile(user).await?;
            let (clearance, by) = match &stored {
                Some(s) => (s.clearance, s.clearance_by),
                None if matches!(p.clearance_by, Some(ClearedBy::Clinician { .. })) => {
                    (p.clearance, Some(ClearedBy::SelfAttested))
                }
                None => (p.clearance, p.clearance_by),
            };
            if (clearance, by) != (p.clearance, p.clearance_by) {
                if let Some(p) = b.to_mut().profile.as_mut() {
                    p.clearance = clearance;
                    p.clearance_by = by;
                }
            }
        }
        let b = b.as_ref();
        self.store.restore(user, b, replace).await?;
        if let Some(p) = &b.profile {
            self.store.set_display_name(user, &p.name).await?;
        }
        Ok(Restored {
            events: b.events.len(),
            runs: b.runs.len(),
            samples: b.runs.iter().map(|r| r.samples.len()).sum(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field_and_what_was_expected() {
        let e = parse_backup(b"{not json").unwrap_err();
        assert_eq!(e.field, "file");
        assert!(e.message.starts_with("not a retrowalk backup"), "{e}");
        assert_eq!(parse_backup(b"  \n").unwrap_err().field, "file");
        let doc = serde_json::json!({
            "format": "retrowalk-backup", "version": 1, "created_at": 0,
            "person": {"email": "a@x.org", "display_name": "A"},
            "profile": null, "programme": null, "events": [],
            "runs": [],
        });
        assert!(parse_backup(doc.to_string().as_bytes()).is_ok());
        let mut bad = doc.clone();
        bad["version"] = "one".into();
        let e = parse_backup(bad.to_string().as_bytes()).unwrap_err();
        assert_eq!(e.field, "version");
        assert!(e.message.contains("expected u32"), "{e}");
        let mut bad = doc.clone();
        bad["events"] = serde_json::json!([{"seq": 1, "data": {}, "decision": null,
            "actor": null, "created_at": "yesterday"}]);
        let e = parse_backup(bad.to_string().as_bytes()).unwrap_err();
        assert_eq!(e.field, "events[0].created_at");
        let mut bad = doc;
        bad.as_object_mut().unwrap().remove("runs");
        let e = parse_backup(bad.to_string().as_bytes()).unwrap_err();
        assert!(e.message.contains("missing field `runs`"), "{e}");
        let e = parse_backup(b"{\"format\": 1} trailing").unwrap_err();
        assert_eq!(e.field, "format");
    }
}

#[cfg(test)]
mod value_tests {
    use super::*;
    use serde_json::json;

    fn backup_with(events: serde_json::Value, samples: serde_json::Value) -> serde_json::Value {
        json!({
            "format": "retrowalk-backup", "version": 1, "created_at": 0,
            "person": {"email": "a@x.org", "display_name": "A"},
            "profile": null, "programme": null, "events": events,
            "runs": [{"id": "r1", "user_id": 1, "started_at": 1_700_000_000, "ended_at": null,
                      "plan": {}, "stop_reason": null, "samples": samples}],
        })
    }

    fn sample(t_ms: i64, speed: f64, distance: f64) -> serde_json::Value {
        json!({"t_ms": t_ms, "speed_kmh": speed, "incline_pct": 0.0, "distance_m": distance,
               "heart_rate": null})
    }

    fn parse(v: serde_json::Value) -> std::result::Result<Backup, BackupFileError> {
        parse_backup(v.to_string().as_bytes())
    }

    #[test]
    fn plausible_telemetry_restores() {
        let ok = backup_with(
            json!([]),
            json!([sample(0, 0.0, 0.0), sample(1000, 2.0, 0.5)]),
        );
        assert!(parse(ok).is_ok());
    }

    #[test]
    fn absurd_telemetry_is_refused_naming_the_sample() {
        let cases = [
            (
                json!([sample(0, -3.0, 0.0)]),
                "runs[0].samples[0].speed_kmh",
            ),
            (
                json!([sample(0, 500.0, 0.0)]),
                "runs[0].samples[0].speed_kmh",
            ),
            (json!([sample(-5, 1.0, 0.0)]), "runs[0].samples[0].t_ms"),
            (
                json!([sample(2000, 1.0, 0.0), sample(1000, 1.0, 0.0)]),
                "runs[0].samples[1].t_ms",
            ),
            (
                json!([sample(0, 1.0, -1.0)]),
                "runs[0].samples[0].distance_m",
            ),
            (
                json!([sample(0, 1.0, 1e12)]),
                "runs[0].samples[0].distance_m",
            ),
            (
                json!([sample(0, 1.0, 5.0), sample(1000, 1.0, 2.0)]),
                "runs[0].samples[1].distance_m",
            ),
            (
                json!([sample(i64::MAX, 1.0, 0.0)]),
                "runs[0].samples[0].t_ms",
            ),
        ];
        for (samples, field) in cases {
            let e = parse(backup_with(json!([]), samples.clone())).unwrap_err();
            assert_eq!(e.field, field, "{samples}: {e}");
        }
        let mut steep = backup_with(json!([]), json!([sample(0, 1.0, 0.0)]));
        steep["runs"][0]["samples"][0]["incline_pct"] = json!(90.0);
        assert_eq!(
            parse(steep).unwrap_err().field,
            "runs[0].samples[0].incline_pct"
        );
        let mut back = backup_with(json!([]), json!([]));
        back["runs"][0]["ended_at"] = json!(5);
        assert_eq!(parse(back).unwrap_err().field, "runs[0].ended_at");
    }

    #[test]
    fn dates_outside_the_window_are_refused_wherever_they_are() {
        let ev = |d: &str| {
            json!([{"seq": 1, "data": {"Session": {"date": d}}, "decision": null,
                    "actor": null, "created_at": 0}])
        };
        assert!(parse(backup_with(ev("2026-03-02"), json!([]))).is_ok());
        for d in ["9999-12-31", "1900-01-01"] {
            let e = parse(backup_with(ev(d), json!([]))).unwrap_err();
            assert_eq!(e.field, "events[0].data.Session.date", "{e}");
            assert!(
                e.message.contains("between 2000-01-01 and 2099-12-31"),
                "{e}"
            );
        }
    }
}
