//! rusqlite for SQLite's busy paths: the in-line readers (`sqlite_reads.rs`) and the
//! group-commit writer (`writer.rs`). sqlx runs each SQLite connection on a thread of its
//! own and passes every statement there and every row back through channels; under the
//! clinic load those hand-offs were 40–45% of the server's CPU, far more than the
//! statements themselves. Migrations, the rare writes and the long reads (backups,
//! exports) stay on sqlx's pool, which shares the same bundled SQLite library.

use crate::exec::{Exec, ExecFuture};
use crate::read::{Arg, Cols};
use crate::{Result, StoreError};
use rusqlite::{Connection, OpenFlags, Statement};
use std::path::Path;

/// Prepared statements kept per connection: every busy statement, with room to spare.
const STATEMENT_CACHE: usize = 64;

/// Every SQLite connection's settings, whichever library opens it: FULL sync so an
/// acknowledged write survives a crash or a power cut, wait rather than fail on a lock,
/// and enforce foreign keys. (WAL, for concurrent readers, is kept by the file itself;
/// the pool sets it when it creates the database.)
pub(crate) const SETTINGS: [(&str, &str); 3] = [
    ("synchronous", "FULL"),
    ("busy_timeout", "5000"),
    ("foreign_keys", "ON"),
];

/// Opens the database file at `path`, which the store has already created and migrated,
/// with the pool's [`SETTINGS`].
pub(crate) fn connect(path: &Path, read_only: bool) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite_error)?;
    for (name, value) in SETTINGS {
        conn.pragma_update(None, name, value)
            .map_err(sqlite_error)?;
    }
    if read_only {
        // SQLite itself refuses a write made through a reader.
        conn.pragma_update(None, "query_only", true)
            .map_err(sqlite_error)?;
    }
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Binds `args` by name, so `$2` is bound right even where it appears before `$1`.
fn bind(stmt: &mut Statement<'_>, args: &[Arg<'_>]) -> Result<()> {
    for (i, arg) in args.iter().enumerate() {
        let name = format!("${}", i + 1);
        let Some(index) = stmt.parameter_index(&name).map_err(sqlite_error)? else {
            return Err(StoreError::Invalid(format!(
                "the query has no parameter {name}"
            )));
        };
        match *arg {
            Arg::Int(v) => stmt.raw_bind_parameter(index, v),
            Arg::OptInt(v) => stmt.raw_bind_parameter(index, v),
            Arg::Real(v) => stmt.raw_bind_parameter(index, v),
            Arg::OptReal(v) => stmt.raw_bind_parameter(index, v),
            Arg::Text(v) => stmt.raw_bind_parameter(index, v),
            Arg::OptText(v) => stmt.raw_bind_parameter(index, v),
        }
        .map_err(sqlite_error)?;
    }
    Ok(())
}

/// Up to `limit` rows of `sql`, each turned into a value by `map`.
pub(crate) fn query<T>(
    conn: &Connection,
    sql: &str,
    args: &[Arg<'_>],
    limit: usize,
    map: &dyn Fn(&dyn Cols) -> Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(sqlite_error)?;
    bind(&mut stmt, args)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while out.len() < limit {
        match rows.next().map_err(sqlite_error)? {
            Some(row) => out.push(map(row)?),
            None => break,
        }
    }
    Ok(out)
}

/// Runs one statement; how many rows it changed.
pub(crate) fn execute(conn: &Connection, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
    let mut stmt = conn.prepare_cached(sql).map_err(sqlite_error)?;
    bind(&mut stmt, args)?;
    Ok(stmt.raw_execute().map_err(sqlite_error)? as u64)
}

impl Exec for Connection {
    fn exec<'a>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> ExecFuture<'a, u64> {
        Box::pin(std::future::ready(execute(self, sql, args)))
    }

    fn exists<'a>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> ExecFuture<'a, bool> {
        let found = query(self, sql, args, 1, &|_| Ok(()));
        Box::pin(std::future::ready(found.map(|rows| !rows.is_empty())))
    }
}

impl Cols for rusqlite::Row<'_> {
    fn int(&self, col: &str) -> Result<i64> {
        self.get(col).map_err(column_error)
    }
    fn opt_int(&self, col: &str) -> Result<Option<i64>> {
        self.get(col).map_err(column_error)
    }
    fn text(&self, col: &str) -> Result<String> {
        self.get(col).map_err(column_error)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        self.get(col).map_err(column_error)
    }
}

/// A column that is missing or holds the wrong type means the schema and the code
/// disagree, which no retry mends.
fn column_error(e: rusqlite::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// The meanings the store gives sqlx's errors (`error.rs`), for rusqlite's.
pub(crate) fn sqlite_error(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    let constraint = matches!(
        &e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    );
    if constraint {
        return StoreError::Conflict(e.to_string());
    }
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StoreError::DiskFull,
        Some(
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::CannotOpen
            | ErrorCode::SystemIoFailure,
        ) => StoreError::Unavailable(e.to_string()),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Sqlite(e),
    }
}

#[cfg(test)]
mod tests {
    /// The writer's and the readers' connections carry the pool's settings (a writer
    /// without FULL sync would acknowledge writes a power cut can lose), and readers refuse
    /// to write.
    #[tokio::test]
    async fn rusqlite_connections_carry_the_pools_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        crate::Store::open(path.to_str().unwrap()).await.unwrap();
        for read_only in [false, true] {
            let conn = super::connect(&path, read_only).unwrap();
            let get = |p: &str| -> i64 {
                conn.query_row(&format!("PRAGMA {p}"), [], |r| r.get(0))
                    .unwrap()
            };
            assert_eq!(get("synchronous"), 2, "FULL");
            assert_eq!(get("busy_timeout"), 5000);
            assert_eq!(get("foreign_keys"), 1);
            assert_eq!(get("query_only"), i64::from(read_only));
            let mode: String = conn
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
        }
        let reader = super::connect(&path, true).unwrap();
        assert!(reader.execute_batch("CREATE TABLE x (y INTEGER)").is_err());
    }
}
