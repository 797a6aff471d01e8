//! SQLite reads on the calling thread, for the pages opened all the time (today's session,
//! the patient list, every request's sign-in check). Their pages are in memory and a read
//! takes tens of microseconds, less than handing it to another thread and back (see
//! `sqlite.rs`), so they run in-line on the task that asks. In WAL mode these readers
//! never wait for the writer.

use crate::read::{Arg, Cols};
use crate::Result;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Connections kept between reads. Reads run on the async runtime's worker threads (and
/// the odd blocking thread), so a few are all that are ever busy at once; more are opened
/// when needed and closed afterwards.
const KEEP_IDLE: usize = 4;

pub(crate) struct SqliteReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReads")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteReads {
    /// Readers for the database file at `path`, which must exist (the store has migrated it).
    pub(crate) fn open(path: &Path) -> Result<SqliteReads> {
        let reads = SqliteReads {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        };
        // Fail at start, not on the first request, if the file cannot be read.
        let conn = crate::sqlite::connect(path, true)?;
        reads.put_back(conn);
        Ok(reads)
    }

    fn take(&self) -> Result<Connection> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => crate::sqlite::connect(&self.path, true),
        }
    }

    fn put_back(&self, conn: Connection) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < KEEP_IDLE {
            idle.push(conn);
        }
    }

    /// Up to `limit` rows of `sql`, each turned into a value by `map`.
    pub(crate) fn read<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        limit: usize,
        map: &dyn Fn(&dyn Cols) -> Result<T>,
    ) -> Result<Vec<T>> {
        let conn = self.take()?;
        let out = crate::sqlite::query(&conn, sql, args, limit, map);
        self.put_back(conn);
        out
    }

    /// Closes the idle connections (the store is closing).
    pub(crate) fn close(&self) {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }
}
