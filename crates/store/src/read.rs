//! Reads written once for both backends: one SQL text, its parameters and one function
//! that turns a row into a value. PostgreSQL runs them through sqlx's pool; SQLite runs
//! them on [`crate::sqlite_reads`], in-line (see `sqlite.rs` for why).
//!
//! SQL uses `$1`, `$2`… placeholders, which both databases understand; a placeholder may
//! appear more than once.

use crate::{Result, Store};
use sqlx::Row;

/// A bound parameter: `args[0]` is `$1`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Real(f64),
    OptReal(Option<f64>),
    Text(&'a str),
    OptText(Option<&'a str>),
}

/// One result row's columns by name, whichever backend produced it.
pub(crate) trait Cols {
    fn int(&self, col: &str) -> Result<i64>;
    fn opt_int(&self, col: &str) -> Result<Option<i64>>;
    fn text(&self, col: &str) -> Result<String>;
    fn opt_text(&self, col: &str) -> Result<Option<String>>;
}

impl Cols for sqlx::any::AnyRow {
    fn int(&self, col: &str) -> Result<i64> {
        Ok(self.try_get(col)?)
    }
    fn opt_int(&self, col: &str) -> Result<Option<i64>> {
        Ok(self.try_get(col)?)
    }
    fn text(&self, col: &str) -> Result<String> {
        Ok(self.try_get(col)?)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        Ok(self.try_get(col)?)
    }
}

/// Binds `args` to a sqlx query in order.
pub(crate) fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    args: &[Arg<'q>],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for a in args {
        q = match *a {
            Arg::Int(v) => q.bind(v),
            Arg::OptInt(v) => q.bind(v),
            Arg::Real(v) => q.bind(v),
            Arg::OptReal(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::OptText(v) => q.bind(v),
        };
    }
    q
}

impl Store {
    /// Every row `sql` yields, each turned into a value by `map`.
    pub(crate) async fn read_all<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        map: impl Fn(&dyn Cols) -> Result<T>,
    ) -> Result<Vec<T>> {
        if let Some(reads) = &self.sqlite_reads {
            return reads.read(sql, args, usize::MAX, &map);
        }
        let rows = bind_all(sqlx::query(sql), args)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| map(r)).collect()
    }

    /// The first row `sql` yields, if any.
    pub(crate) async fn read_optional<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        map: impl Fn(&dyn Cols) -> Result<T>,
    ) -> Result<Option<T>> {
        if let Some(reads) = &self.sqlite_reads {
            return Ok(reads.read(sql, args, 1, &map)?.pop());
        }
        let row = bind_all(sqlx::query(sql), args)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| map(r)).transpose()
    }

    /// Runs one statement on the pool, outside any transaction (a single statement is
    /// atomic by itself); how many rows it changed. For writes that need no batch.
    pub(crate) async fn exec_once(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        let done = bind_all(sqlx::query(sql), args).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}
