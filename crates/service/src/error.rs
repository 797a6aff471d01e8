use retrowalk_store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("no profile yet: create one first (retrowalk profile create, or the onboarding page)")]
    NoProfile,
    #[error("no programme yet: it starts once screening allows it")]
    NoProgramme,
    #[error("a clinician's clearance must be recorded before a programme can start")]
    NeedsClearance,
    #[error("the programme is paused: {0}")]
    Paused(String),
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// A clinician whom no server administrator has approved (yet, or any more).
    #[error("your clinician account is waiting for approval by this server's administrator; until then you cannot see or change any patient")]
    NotApproved,
    /// Another linked clinician set the pause or limits this change would lift or loosen.
    #[error("{0}")]
    SetByAnother(String),
    #[error("{0}")]
    Invalid(String),
    /// Something asked for by date or id that is not there (a session, a run).
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<retrowalk_core::InvalidValue> for ServiceError {
    fn from(e: retrowalk_core::InvalidValue) -> Self {
        ServiceError::Invalid(e.to_string())
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

impl From<retrowalk_core::dates::OutOfWindow> for ServiceError {
    fn from(e: retrowalk_core::dates::OutOfWindow) -> Self {
        ServiceError::Invalid(e.to_string())
    }
}

impl From<retrowalk_core::slots::Refused> for ServiceError {
    fn from(e: retrowalk_core::slots::Refused) -> Self {
        ServiceError::Invalid(e.to_string())
    }
}

impl From<retrowalk_core::slots::MorningRefused> for ServiceError {
    fn from(e: retrowalk_core::slots::MorningRefused) -> Self {
        ServiceError::Invalid(e.to_string())
    }
}
