//! retrowalk's use-cases: what a person or a clinician can do, over the pure core and the
//! store. The CLI and the web app are thin adapters over this crate.

mod clinician;
mod error;
mod exchange;
mod onboarding;
mod progress;
mod restore;
mod sessions;
mod summaries;

pub use clinician::{AuditEntry, Flag, PatientSummary};
pub use error::{Result, ServiceError};
pub use exchange::{CalendarExport, ImportAnswers, Imported, SessionExport};
pub use onboarding::{ClinicianTier, Onboarding};
pub use progress::{HistoryEntry, Progress, SessionStat, WeekStat};
pub use restore::{parse_backup, BackupFileError, Restored};
pub use sessions::{Adherence, Status, Today, Upcoming};

pub use retrowalk_core as core;
pub use retrowalk_store as store;

use retrowalk_store::{Role, Store, UserId};

#[derive(Clone, Debug)]
pub struct Service {
    pub store: Store,
    /// The patient list's summaries, checked against the database on every request.
    summaries: std::sync::Arc<summaries::Summaries>,
}

impl Service {
    pub fn new(store: Store) -> Service {
        Service {
            store,
            summaries: Default::default(),
        }
    }

    /// May `viewer` see and act on `subject`'s data? Themselves, or a linked clinician.
    pub async fn can_access(&self, viewer: UserId, subject: UserId) -> Result<bool> {
        if viewer == subject {
            return Ok(true);
        }
        let Some(v) = self.store.user(viewer).await? else {
            return Ok(false);
        };
        Ok(v.role == Role::Clinician && self.store.is_linked(viewer, subject).await?)
    }

    pub async fn ensure_access(&self, viewer: UserId, subject: UserId) -> Result<()> {
        if self.can_access(viewer, subject).await? {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "you can only see your own data, or your linked patients'",
            ))
        }
    }

    pub async fn ensure_clinician_of(&self, clinician: UserId, patient: UserId) -> Result<()> {
        let is_clinician = self
            .store
            .user(clinician)
            .await?
            .is_some_and(|u| u.role == Role::Clinician);
        if is_clinician && self.store.is_linked(clinician, patient).await? {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "only a linked clinician can do that",
            ))
        }
    }
}
