//! Group commit for SQLite: one task owns the writing connection and drains a queue of
//! write jobs, several per transaction, so one `fsync` acknowledges many writes.
//!
//! SQLite has one writer at a time and `synchronous=FULL` makes every `COMMIT` wait for
//! the disk (about 1.7 ms here); one transaction per write caps logging near 1,200/s and
//! writers queue in SQLite's sleeping busy handler. Here the jobs that arrive while a
//! `COMMIT` is syncing form the next batch: `BEGIN IMMEDIATE`, each job inside its own
//! `SAVEPOINT` (a failing job is rolled back alone and gets its own error), one `COMMIT`,
//! and only then is any job answered. If the `COMMIT` (or anything between the savepoints)
//! fails, every job of the batch gets the error: none of them was acknowledged.
//!
//! The connection comes from the pool and goes back when the queue is empty, so closing
//! the store does not wait for it. After any failure it is closed instead (see
//! `write.rs`: a failed `COMMIT` can leave it believing it is inside a transaction), and
//! the next batch takes a fresh one.

use crate::{Result, StoreError};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor};
use std::future::Future;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

/// What a write job returns: a future borrowing the writer's connection.
pub(crate) type JobFuture<'c, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'c>>;

/// The most jobs in one transaction, so the first of a long queue is not kept waiting for
/// the last.
const MAX_BATCH: usize = 128;

/// A queued job, its answer type erased.
trait Job: Send {
    /// Runs the job on the connection, keeping its result; on failure, a copy of its error
    /// (the batch's cause if SQLite aborted the whole transaction, as on a full disk).
    fn run<'c>(
        &'c mut self,
        conn: &'c mut AnyConnection,
    ) -> Pin<Box<dyn Future<Output = Option<StoreError>> + Send + 'c>>;
    /// Answers the caller once the batch's fate is known.
    fn answer(self: Box<Self>, batch: std::result::Result<(), &StoreError>);
}

struct Typed<T, F> {
    f: Option<F>,
    out: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> Job for Typed<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut AnyConnection) -> JobFuture<'c, T> + Send + 'static,
{
    fn run<'c>(
        &'c mut self,
        conn: &'c mut AnyConnection,
    ) -> Pin<Box<dyn Future<Output = Option<StoreError>> + Send + 'c>> {
        Box::pin(async move {
            let f = self.f.take()?;
            let out = f(conn).await;
            let failed = out.as_ref().err().map(copy_error);
            self.out = Some(out);
            failed
        })
    }

    fn answer(self: Box<Self>, batch: std::result::Result<(), &StoreError>) {
        let answer = match (batch, self.out) {
            // The job's own failure is the most precise answer, whatever the batch did.
            (_, Some(Err(e))) => Err(e),
            (Ok(()), Some(Ok(v))) => Ok(v),
            (Err(e), _) => Err(copy_error(e)),
            (Ok(()), None) => Err(StoreError::Unavailable(
                "the write was not run; try again".into(),
            )),
        };
        // The caller may have gone away (a cancelled request); its write stands or not
        // with the batch, as a write whose answer was lost.
        let _ = self.reply.send(answer);
    }
}

/// The batch's error, for each of its jobs (`sqlx::Error` cannot be cloned).
fn copy_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::NotFound(what) => StoreError::NotFound(what),
        StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
        StoreError::Invalid(m) => StoreError::Invalid(m.clone()),
        StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
        StoreError::DiskFull => StoreError::DiskFull,
        StoreError::UnsupportedUrl(u) => StoreError::UnsupportedUrl(u.clone()),
        StoreError::Corrupt(m) => StoreError::Corrupt(m.clone()),
        StoreError::Database(e) => StoreError::Database(sqlx::Error::Protocol(e.to_string())),
        StoreError::Migration(e) => StoreError::Database(sqlx::Error::Protocol(e.to_string())),
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the write was not made (the store's writer failed); try again".into())
}

/// The handle kept in `Store`; the task ends when the last handle is dropped.
#[derive(Debug)]
pub(crate) struct Writer {
    queue: mpsc::UnboundedSender<Box<dyn Job>>,
}

impl std::fmt::Debug for dyn Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl Writer {
    /// Starts the writer task on the current Tokio runtime.
    pub(crate) fn start(pool: AnyPool) -> Writer {
        let (queue, jobs) = mpsc::unbounded_channel();
        tokio::spawn(run(pool, jobs));
        Writer { queue }
    }

    /// Queues `f` and waits until its batch is committed (or has failed).
    pub(crate) async fn submit<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> JobFuture<'c, T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Typed {
            f: Some(f),
            out: None,
            reply,
        });
        self.queue.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The writer's connection. Dropped while a panic unwinds (a job's bug), it is closed
/// rather than returned to the pool in the middle of a transaction.
struct Held(PoolConnection<Any>);

impl Drop for Held {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.close_on_drop();
        }
    }
}

async fn run(pool: AnyPool, mut jobs: mpsc::UnboundedReceiver<Box<dyn Job>>) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut conn = match pool.acquire().await {
            Ok(c) => Held(c),
            Err(e) => {
                let e = StoreError::from(e);
                batch.drain(..).for_each(|j| j.answer(Err(&e)));
                continue;
            }
        };
        // Keep the connection while work keeps coming.
        loop {
            // Each batch in its own task, so a job that panics loses its batch (whose
            // callers are told the write was not made) but not the writer.
            let work = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
            let done = tokio::spawn(async move {
                let (mut conn, mut work) = (conn, work);
                let outcome = commit_batch(&mut conn.0, &mut work).await;
                (conn, work, outcome)
            })
            .await;
            let Ok((held, work, outcome)) = done else {
                break;
            };
            conn = held;
            match outcome {
                Ok(()) => work.into_iter().for_each(|j| j.answer(Ok(()))),
                Err(e) => {
                    // Whatever state SQLite is in, this connection is not reused.
                    let _ = conn.0.execute("ROLLBACK").await;
                    conn.0.close_on_drop();
                    work.into_iter().for_each(|j| j.answer(Err(&e)));
                    break;
                }
            }
            while batch.len() < MAX_BATCH {
                match jobs.try_recv() {
                    Ok(j) => batch.push(j),
                    Err(_) => break,
                }
            }
            if batch.is_empty() {
                break;
            }
        }
    }
}

/// One transaction for the whole batch, each job in its own savepoint.
async fn commit_batch(conn: &mut AnyConnection, batch: &mut [Box<dyn Job>]) -> Result<()> {
    conn.execute("BEGIN IMMEDIATE").await?;
    for job in batch.iter_mut() {
        conn.execute("SAVEPOINT job").await?;
        if let Some(cause) = job.run(conn).await {
            if conn.execute("ROLLBACK TO job").await.is_err() {
                // SQLite ended the whole transaction on the job's error: it is the batch's.
                return Err(cause);
            }
        }
        conn.execute("RELEASE job").await?;
    }
    conn.execute("COMMIT").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{Store, StoreError};
    use sqlx::{Executor, Row};

    /// Four jobs queued together (the current-thread runtime runs the writer only once all
    /// four are queued, so on SQLite they share one transaction): the second and third
    /// fail after writing, and only their own writes are undone.
    async fn a_failing_job_leaves_its_batch_alone(store: Store, table: &str) {
        store
            .pool()
            .execute(format!("CREATE TABLE {table} (x INTEGER PRIMARY KEY)").as_str())
            .await
            .unwrap();
        let insert = |x: i64| format!("INSERT INTO {table} (x) VALUES ({x})");
        let (one, two, three, four, five) = (insert(1), insert(2), insert(3), insert(4), insert(5));
        let one_again = one.clone();
        let (a, b, c, d) = tokio::join!(
            store.write(move |conn| Box::pin(async move {
                conn.execute(one.as_str()).await?;
                Ok(1)
            })),
            store.write(move |conn| Box::pin(async move {
                conn.execute(two.as_str()).await?;
                Err::<i64, _>(StoreError::Invalid("job two refuses".into()))
            })),
            store.write(move |conn| Box::pin(async move {
                conn.execute(three.as_str()).await?;
                // A duplicate key: the database's own error, mid-job.
                conn.execute(one_again.as_str()).await?;
                Ok(3)
            })),
            store.write(move |conn| Box::pin(async move {
                conn.execute(four.as_str()).await?;
                Ok(4)
            })),
        );
        assert_eq!(a.unwrap(), 1);
        assert!(
            matches!(b, Err(StoreError::Invalid(ref m)) if m == "job two refuses"),
            "{b:?}"
        );
        assert!(matches!(c, Err(StoreError::Conflict(_))), "{c:?}");
        assert_eq!(d.unwrap(), 4);
        let rows = sqlx::query(&format!("SELECT x FROM {table} ORDER BY x"))
            .fetch_all(store.pool())
            .await
            .unwrap();
        let xs: Vec<i64> = rows.iter().map(|r| r.get::<i64, _>("x")).collect();
        assert_eq!(xs, vec![1, 4]);
        // The writer goes on after a mixed batch.
        store
            .write(move |conn| {
                Box::pin(async move {
                    conn.execute(five.as_str()).await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
    }

    /// A job that panics (a bug) fails its own batch, and the writer goes on.
    #[tokio::test]
    async fn sqlite_a_panicking_job_does_not_stop_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("p.db").to_str().unwrap())
            .await
            .unwrap();
        store
            .pool()
            .execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            store.write(|conn| Box::pin(async move {
                conn.execute("INSERT INTO t (x) VALUES (1)").await?;
                Ok(())
            })),
            store.write(|_conn| -> super::JobFuture<'_, ()> { panic!("a bug in a job") }),
        );
        assert!(matches!(a, Err(StoreError::Unavailable(_))), "{a:?}");
        assert!(matches!(b, Err(StoreError::Unavailable(_))), "{b:?}");
        for x in 2..6 {
            let sql = format!("INSERT INTO t (x) VALUES ({x})");
            store
                .write(move |conn| {
                    Box::pin(async move {
                        conn.execute(sql.as_str()).await?;
                        Ok(())
                    })
                })
                .await
                .unwrap();
        }
        let xs: Vec<i64> = sqlx::query("SELECT x FROM t ORDER BY x")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<i64, _>("x"))
            .collect();
        // The panicked batch was rolled back with its connection.
        assert_eq!(xs, vec![2, 3, 4, 5]);
    }

    #[tokio::test]
    async fn sqlite_a_failing_job_leaves_its_batch_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("w.db").to_str().unwrap())
            .await
            .unwrap();
        a_failing_job_leaves_its_batch_alone(store, "t").await;
    }

    #[tokio::test]
    async fn postgres_a_failing_job_leaves_its_batch_alone() {
        let Some(url) = crate::testing::postgres_admin_url() else {
            return;
        };
        let store = Store::open(&url).await.unwrap();
        let table = format!("writer_batch_{}", std::process::id());
        a_failing_job_leaves_its_batch_alone(store.clone(), &table).await;
        store
            .pool()
            .execute(format!("DROP TABLE {table}").as_str())
            .await
            .unwrap();
    }
}
