use thiserror::Error;

/// What went wrong in the store, in terms a caller can act on.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the database is unavailable: {0}. Check that it is running and reachable; retrowalk retries on the next request")]
    Unavailable(String),
    #[error("the disk is full: nothing new was saved and nothing already stored was lost. Free some space and try again")]
    DiskFull,
    #[error("unsupported database URL {0:?}: use a file path, sqlite://PATH, or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
            sqlx::Error::Database(db) => {
                let msg = db.message().to_ascii_lowercase();
                // SQLITE_FULL, and PostgreSQL's disk_full (53100).
                if msg.contains("database or disk is full")
                    || db.code().as_deref() == Some("53100")
                    || db.code().as_deref() == Some("13")
                {
                    StoreError::DiskFull
                } else if db.is_unique_violation() {
                    StoreError::Conflict(db.message().to_string())
                } else if msg.contains("terminating connection")
                    || msg.contains("the database system is")
                    || db
                        .code()
                        .as_deref()
                        .is_some_and(|c| c.starts_with("08") || c == "57P01")
                {
                    StoreError::Unavailable(db.message().to_string())
                } else {
                    StoreError::Database(e)
                }
            }
            _ => StoreError::Database(e),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
