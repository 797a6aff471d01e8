//! The patient list's per-patient summaries, remembered between requests. A summary is
//! reused only while its patient's programme is at the version it was made from (any
//! logged session or clinician change moves the version, in whichever process made it) and
//! for the same day; names and emails, which can change without a new version, are
//! refreshed at least once a minute. The database stays the only source of truth: this is
//! a cache that every list request checks against it.

use crate::clinician::PatientSummary;
use retrowalk_store::{ProgrammeVersion, UserId};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use time::Date;

/// How long a remembered name or email may be shown after it changed.
const NAME_TTL: Duration = Duration::from_secs(60);
/// A bound on memory: about 300 bytes a patient.
const MAX_ENTRIES: usize = 50_000;

#[derive(Debug, Default)]
pub(crate) struct Summaries {
    map: Mutex<HashMap<UserId, Entry>>,
}

#[derive(Debug)]
struct Entry {
    version: ProgrammeVersion,
    today: Date,
    summary: PatientSummary,
    at: Instant,
}

impl Summaries {
    pub(crate) fn get(
        &self,
        patient: UserId,
        version: ProgrammeVersion,
        today: Date,
    ) -> Option<PatientSummary> {
        let map = self.map.lock().ok()?;
        let e = map.get(&patient)?;
        (e.version == version && e.today == today && e.at.elapsed() < NAME_TTL)
            .then(|| e.summary.clone())
    }

    /// Remembers `summary`, made from the programme at `version`, as of `today`.
    pub(crate) fn put(&self, version: ProgrammeVersion, today: Date, summary: &PatientSummary) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(
                summary.id,
                Entry {
                    version,
                    today,
                    summary: summary.clone(),
                    at: Instant::now(),
                },
            );
        }
    }
}
