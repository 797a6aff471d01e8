//! Statements inside a write, written once for both backends: a job (an event append, a
//! run's telemetry) runs on PostgreSQL inside a sqlx transaction, and on SQLite inside the
//! group-commit writer's batch on rusqlite (see `writer.rs`).

use crate::read::Arg;
use crate::Result;
use std::future::Future;
use std::pin::Pin;

/// What a statement (or a whole write job) returns: a future borrowing the connection.
/// On SQLite it is always ready: the statement has already run when it is made.
pub(crate) type ExecFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// A connection in the middle of a write transaction.
pub(crate) trait Exec: Send {
    /// Runs one statement; how many rows it changed.
    fn exec<'a>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> ExecFuture<'a, u64>;
    /// Whether `sql` yields any row.
    fn exists<'a>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> ExecFuture<'a, bool>;
}

impl Exec for sqlx::AnyConnection {
    fn exec<'a>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> ExecFuture<'a, u64> {
        Box::pin(async move {
            let done = crate::read::bind_all(sqlx::query(sql), args)
                .execute(&mut *self)
                .await?;
            Ok(done.rows_affected())
        })
    }

    fn exists<'a>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> ExecFuture<'a, bool> {
        Box::pin(async move {
            let row = crate::read::bind_all(sqlx::query(sql), args)
                .fetch_optional(&mut *self)
                .await?;
            Ok(row.is_some())
        })
    }
}
