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
//! patient may take their data anywhere, but not undo their therapist's limits.

use crate::{Result, Service, ServiceError};
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
    Ok(b)
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
        let since = retrowalk_store::now() - LIVE_RUN_S;
        if let Some(r) = self
            .store
            .runs(user)
            .await?
            .iter()
            .find(|r| r.ended_at.is_none() && r.started_at > since)
        {
            return Err(ServiceError::Store(StoreError::Conflict(format!(
                "a session is in progress (run {}); stop it before restoring",
                r.id
            ))));
        }
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
