//! Write transactions whose connection never goes back to the pool in a doubtful state.
//!
//! sqlx's own `Transaction` counts nesting depth on the connection. When `COMMIT` fails
//! (a full disk: SQLite has already rolled the transaction back by itself), that count
//! stays at one, the rollback on drop fails too ("no transaction is active"), and the
//! pooled connection turns every later `BEGIN` into a `SAVEPOINT` that fails: one full disk
//! would poison the pool until a restart. Here the transaction is plain SQL on a pooled
//! connection, and any path that does not end in a successful `COMMIT` or `ROLLBACK`
//! closes the connection instead of returning it; closing ends any transaction the server
//! still holds.

use crate::Result;
use sqlx::pool::PoolConnection;
use sqlx::AnyConnection;
use sqlx::{Any, Executor};
use std::ops::{Deref, DerefMut};

pub(crate) struct WriteTx {
    conn: Option<PoolConnection<Any>>,
}

impl WriteTx {
    pub(crate) async fn begin(mut conn: PoolConnection<Any>, begin_sql: &str) -> Result<WriteTx> {
        if let Err(e) = conn.execute(begin_sql).await {
            conn.close_on_drop();
            return Err(e.into());
        }
        Ok(WriteTx { conn: Some(conn) })
    }

    pub(crate) async fn commit(mut self) -> Result<()> {
        self.finish("COMMIT").await
    }

    pub(crate) async fn rollback(mut self) -> Result<()> {
        self.finish("ROLLBACK").await
    }

    async fn finish(&mut self, sql: &str) -> Result<()> {
        let Some(mut conn) = self.conn.take() else {
            return Ok(());
        };
        match conn.execute(sql).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // Whatever state the server is in, this connection must not be reused.
                let _ = conn.execute("ROLLBACK").await;
                conn.close_on_drop();
                Err(e.into())
            }
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // Dropped without commit or rollback (an error with `?`, a cancelled request):
        // no async rollback is possible here, so the connection is closed, which rolls back.
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        // `conn` is only taken by `finish`, which consumes the transaction.
        self.conn
            .as_deref()
            .expect("write transaction already finished")
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn
            .as_deref_mut()
            .expect("write transaction already finished")
    }
}
