//! Persistence for retrowalk. One SQL dialect serves SQLite (embedded, the default) and
//! PostgreSQL (for clinics), chosen by the URL's scheme; each backend has its own
//! migrations folder, embedded in the binary and run at start.
//!
//! The core stays unaware of storage: programmes are stored as their initial state plus
//! an append-only event log, folded through `retrowalk_core::Progression`.

mod auth;
mod backup;
mod error;
mod exec;
mod feeds;
mod imports;
mod instances;
mod programme;
mod read;
mod recent;
mod resets;
mod runs;
mod sqlite;
mod sqlite_reads;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod users;
mod write;
mod writer;

pub use auth::{
    AuthSession, Invite, InviteListing, InviteState, LinkedClinician, LoginGate, Revoked,
    INVITES_LISTED,
};
pub use backup::{
    Backup, BackupEvent, BackupPerson, BackupProgramme, BackupRun, BACKUP_FORMAT, BACKUP_VERSION,
};
pub use error::{Result, StoreError};
pub use imports::NewRun;
pub use instances::{INSTANCE_BEAT_S, INSTANCE_DEAD_AFTER_S, SERVER_DIED};
pub use programme::{ProgrammeRecord, Recorded, StoredEvent};
pub use recent::{Among, Dated, PatientRow, ProgrammeVersion, RecentSession, LAST_SESSIONS};
pub use runs::{Run, Sample};
pub use users::{Role, User, UserId, LOCAL_EMAIL};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite's group-commit writer (see `writer.rs`); PostgreSQL writes on the pool.
    writer: Option<Arc<writer::Writer>>,
    /// SQLite's in-line readers for the hot reads (see `sqlite_reads.rs`); none for
    /// PostgreSQL or an in-memory database, which read on the pool.
    sqlite_reads: Option<Arc<sqlite_reads::SqliteReads>>,
}

/// The file a `sqlite:` URL names, or none for an in-memory database (whose connections
/// each see their own database, so only the pool's may read it).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let memory =
        path.is_empty() || path == ":memory:" || query.split('&').any(|kv| kv == "mode=memory");
    (!memory).then(|| std::path::PathBuf::from(path))
}

/// Seconds since the Unix epoch, the store's only clock.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Store {
    /// Opens (creating if needed) the database a URL or path names, and migrates it.
    /// `postgres://…` selects PostgreSQL; `sqlite://…`, `sqlite::memory:` or a plain path
    /// selects SQLite.
    pub async fn open(url_or_path: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (url, backend, file) =
            if url_or_path.starts_with("postgres://") || url_or_path.starts_with("postgresql://") {
                (url_or_path.to_string(), Backend::Postgres, None)
            } else if url_or_path.starts_with("sqlite:") {
                (
                    url_or_path.to_string(),
                    Backend::Sqlite,
                    sqlite_file(url_or_path),
                )
            } else if url_or_path.contains("://") {
                return Err(StoreError::UnsupportedUrl(url_or_path.to_string()));
            } else {
                let path = Path::new(url_or_path);
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Invalid(format!(
                            "cannot create the database folder {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Backend::Sqlite,
                    Some(path.to_path_buf()),
                )
            };
        let opts = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            // SQLite's busy reads and the group-commit writer have their own connections
            // (`sqlite.rs`); the pool serves migrations, the rare writes and long reads.
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .acquire_timeout(Duration::from_secs(5))
            // sqlx pings every connection it hands out by default: on PostgreSQL a second
            // round trip for each one-query request. Only a connection idle for a while
            // (which may have outlived a server restart) is checked; one that breaks in use
            // is dropped by sqlx, and the next request gets a fresh one.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > Duration::from_secs(1) {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL for concurrent readers; the rest as every SQLite connection.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        for (name, value) in sqlite::SETTINGS {
                            conn.execute(format!("PRAGMA {name} = {value}").as_str())
                                .await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await?;
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        // A database file gets rusqlite's writer and readers; an in-memory one, whose
        // connections each see their own database, is written and read on the pool.
        let (writer, sqlite_reads) = match &file {
            Some(path) => (
                Some(Arc::new(writer::Writer::start(path)?)),
                Some(Arc::new(sqlite_reads::SqliteReads::open(path)?)),
            ),
            None => (None, None),
        };
        Ok(Store {
            pool,
            backend,
            writer,
            sqlite_reads,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction that will write. SQLite takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later cannot
    /// wait for a concurrent writer and fails with "database is locked" instead.
    pub(crate) async fn write_tx(&self) -> Result<write::WriteTx> {
        let conn = self.pool.acquire().await?;
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        write::WriteTx::begin(conn, begin).await
    }

    /// Runs `job` in a write transaction and answers once it is durable. On SQLite it joins
    /// the writer's next batch (one `COMMIT` for many jobs, each in its own savepoint);
    /// on PostgreSQL, which commits concurrent transactions in parallel, it is a
    /// transaction of its own. A job that fails is rolled back and nothing of it is kept.
    pub(crate) async fn write<T, F>(&self, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn exec::Exec) -> exec::ExecFuture<'c, T> + Send + 'static,
    {
        if let Some(w) = &self.writer {
            return w.submit(job).await;
        }
        let mut tx = self.write_tx().await?;
        match job(&mut *tx).await {
            Ok(v) => {
                tx.commit().await?;
                Ok(v)
            }
            Err(e) => {
                // A failed rollback closes the connection; the job's error is the answer.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close();
        }
        if let Some(reads) = &self.sqlite_reads {
            reads.close();
        }
        self.pool.close().await;
    }
}
