//! retrowalk's use-cases: what a person or a clinician can do, over the pure core and the
//! store. The CLI and the web app are thin adapters over this crate.

mod actuals;
mod clinician;
mod error;
mod exchange;
mod onboarding;
mod progress;
mod restore;
mod sessions;
mod summaries;

pub use actuals::{ActualSource, DoneSegment, SessionActuals};
pub use clinician::{AuditEntry, Flag, PatientSummary};
pub use error::{Result, ServiceError};
pub use exchange::{prepare_imports, CalendarExport, ImportAnswers, Imported, SessionExport};
pub use onboarding::{ClinicianTier, Onboarding};
pub use progress::{HistoryEntry, Progress, SessionStat, WeekStat};
pub use restore::{parse_backup, BackupFileError, Restored};
pub use retrowalk_formats::incoming::Incoming;
pub use sessions::{caps_text, check_key, Adherence, Status, Today, Upcoming, KEY_MAX};

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
        Ok(v.approved_clinician() && self.store.is_linked(viewer, subject).await?)
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

    /// A clinician may act only once a server administrator has approved them.
    pub async fn ensure_approved_clinician(&self, clinician: UserId) -> Result<()> {
        match self.store.user(clinician).await? {
            Some(u) if u.approved_clinician() => Ok(()),
            Some(u) if u.role == Role::Clinician => Err(ServiceError::NotApproved),
            _ => Err(ServiceError::Forbidden("only a clinician can do that")),
        }
    }

    pub async fn ensure_clinician_of(&self, clinician: UserId, patient: UserId) -> Result<()> {
        let user = self.store.user(clinician).await?;
        if user
            .as_ref()
            .is_some_and(|u| u.role == Role::Clinician && !u.approved_clinician())
        {
            return Err(ServiceError::NotApproved);
        }
        let is_clinician = user.is_some_and(|u| u.approved_clinician());
        if is_clinician && self.store.is_linked(clinician, patient).await? {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "only a linked clinician can do that",
            ))
        }
    }
}
