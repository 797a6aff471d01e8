//! Group commit for SQLite: one thread owns the writing connection and drains a queue of
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
//! The writer is a plain thread on rusqlite, not a task on sqlx's pool: a batch then runs
//! start to end without waiting for the async runtime between its statements (with sqlx
//! every statement was a hand-off to the connection's thread and back, each queued behind
//! whatever the runtime was doing). After any failure, or a job that panics, the connection
//! is closed, which rolls back whatever SQLite still holds, and the next batch opens a
//! fresh one.

use crate::exec::{Exec, ExecFuture};
use crate::{Result, StoreError};
use rusqlite::Connection;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use std::task::{Context, Poll, Waker};
use tokio::sync::oneshot;

/// The most jobs in one transaction, so the first of a long queue is not kept waiting for
/// the last.
const MAX_BATCH: usize = 128;

/// A queued job, its answer type erased.
trait Job: Send {
    /// Runs the job on the connection, keeping its result; on failure, a copy of its error
    /// (the batch's cause if SQLite aborted the whole transaction, as on a full disk).
    fn run(&mut self, conn: &mut Connection) -> Option<StoreError>;
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
    F: for<'c> FnOnce(&'c mut dyn Exec) -> ExecFuture<'c, T> + Send + 'static,
{
    fn run(&mut self, conn: &mut Connection) -> Option<StoreError> {
        let f = self.f.take()?;
        let out = run_to_end(f(conn));
        let failed = out.as_ref().err().map(copy_error);
        self.out = Some(out);
        failed
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

/// Runs a job's future, which on rusqlite is ready at its first poll: every statement it
/// awaits has already run.
fn run_to_end<T>(mut job: ExecFuture<'_, T>) -> Result<T> {
    match job.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => Err(StoreError::Invalid(
            "a write job waited for something other than the database".into(),
        )),
    }
}

/// The batch's error, for each of its jobs (the errors cannot be cloned).
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
        StoreError::Sqlite(e) => StoreError::Database(sqlx::Error::Protocol(e.to_string())),
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the write was not made (the store's writer failed); try again".into())
}

/// The handle kept in `Store`; the thread ends once the queue is closed and drained.
#[derive(Debug)]
pub(crate) struct Writer {
    queue: Mutex<Option<mpsc::Sender<Box<dyn Job>>>>,
}

impl std::fmt::Debug for dyn Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl Writer {
    /// Starts the writer thread on the database file at `path` (already migrated).
    pub(crate) fn start(path: &Path) -> Result<Writer> {
        // Opened here so a database that cannot be written fails the start, not a request.
        let conn = crate::sqlite::connect(path, false)?;
        let (queue, jobs) = mpsc::channel();
        let path = path.to_path_buf();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(path, conn, jobs))
            .map_err(|e| StoreError::Unavailable(format!("cannot start the writer: {e}")))?;
        Ok(Writer {
            queue: Mutex::new(Some(queue)),
        })
    }

    /// Queues `f` and waits until its batch is committed (or has failed).
    pub(crate) async fn submit<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Exec) -> ExecFuture<'c, T> + Send + 'static,
    {
        let answer = self.enqueue(f)?;
        answer.await.map_err(|_| stopped())?
    }

    /// Queues `f`; the answer arrives once its batch is committed (or has failed).
    fn enqueue<T, F>(&self, f: F) -> Result<oneshot::Receiver<Result<T>>>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Exec) -> ExecFuture<'c, T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Typed {
            f: Some(f),
            out: None,
            reply,
        });
        {
            let queue = self
                .queue
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let Some(queue) = queue.as_ref() else {
                return Err(StoreError::Unavailable("the store is closed".into()));
            };
            queue.send(job).map_err(|_| stopped())?;
        }
        Ok(answer)
    }

    /// Takes no more jobs; those already queued are still written.
    pub(crate) fn close(&self) {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
    }
}

fn run(path: PathBuf, conn: Connection, jobs: mpsc::Receiver<Box<dyn Job>>) {
    let mut conn = Some(conn);
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = jobs.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let mut c = match conn.take() {
            Some(c) => c,
            None => match crate::sqlite::connect(&path, false) {
                Ok(c) => c,
                Err(e) => {
                    batch.drain(..).for_each(|j| j.answer(Err(&e)));
                    continue;
                }
            },
        };
        // A job that panics (a bug) loses its batch, whose callers are told the write was
        // not made, but not the writer.
        match catch_unwind(AssertUnwindSafe(|| commit_batch(&mut c, &mut batch))) {
            Ok(Ok(())) => {
                conn = Some(c);
                batch.drain(..).for_each(|j| j.answer(Ok(())));
            }
            Ok(Err(e)) => {
                // Closing rolls back whatever SQLite still holds; the next batch reopens.
                drop(c);
                batch.drain(..).for_each(|j| j.answer(Err(&e)));
            }
            Err(_) => {
                drop(c);
                let e = stopped();
                batch.drain(..).for_each(|j| j.answer(Err(&e)));
            }
        }
    }
}

/// One transaction for the whole batch, each job in its own savepoint.
fn commit_batch(conn: &mut Connection, batch: &mut [Box<dyn Job>]) -> Result<()> {
    use crate::sqlite::execute;
    execute(conn, "BEGIN IMMEDIATE", &[])?;
    for job in batch.iter_mut() {
        execute(conn, "SAVEPOINT job", &[])?;
        if let Some(cause) = job.run(conn) {
            if execute(conn, "ROLLBACK TO job", &[]).is_err() {
                // SQLite ended the whole transaction on the job's error: it is the batch's.
                return Err(cause);
            }
        }
        execute(conn, "RELEASE job", &[])?;
    }
    execute(conn, "COMMIT", &[])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{Store, StoreError};
    use sqlx::{Executor, Row};
    use std::sync::mpsc;

    /// Keeps SQLite's writer busy inside a job until the returned sender is dropped, so
    /// the jobs queued meanwhile form the next batch together.
    fn hold_writer(store: &Store) -> Option<mpsc::Sender<()>> {
        let writer = store.writer.as_ref()?;
        let (entered, inside) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let _answer = writer
            .enqueue(move |_conn| -> crate::exec::ExecFuture<'_, ()> {
                let _ = entered.send(());
                let _ = released.recv();
                Box::pin(async { Ok(()) })
            })
            .unwrap();
        inside.recv().unwrap();
        Some(release)
    }

    /// Four jobs queued together (on SQLite, while the writer is held, so they share one
    /// transaction): the second and third fail after writing, and only their own writes
    /// are undone.
    async fn a_failing_job_leaves_its_batch_alone(store: Store, table: &str) {
        store
            .pool()
            .execute(format!("CREATE TABLE {table} (x INTEGER PRIMARY KEY)").as_str())
            .await
            .unwrap();
        let insert = |x: i64| format!("INSERT INTO {table} (x) VALUES ({x})");
        let (one, two, three, four, five) = (insert(1), insert(2), insert(3), insert(4), insert(5));
        let one_again = one.clone();
        let held = hold_writer(&store);
        // `join!` polls its branches in order the first time: all four jobs are queued
        // before the last branch lets the writer go.
        let (a, b, c, d, ()) = tokio::join!(
            store.write(move |conn| Box::pin(async move {
                conn.exec(&one, &[]).await?;
                Ok(1)
            })),
            store.write(move |conn| Box::pin(async move {
                conn.exec(&two, &[]).await?;
                Err::<i64, _>(StoreError::Invalid("job two refuses".into()))
            })),
            store.write(move |conn| Box::pin(async move {
                conn.exec(&three, &[]).await?;
                // A duplicate key: the database's own error, mid-job.
                conn.exec(&one_again, &[]).await?;
                Ok(3)
            })),
            store.write(move |conn| Box::pin(async move {
                conn.exec(&four, &[]).await?;
                Ok(4)
            })),
            async move { drop(held) },
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
                    conn.exec(&five, &[]).await?;
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
        let held = hold_writer(&store);
        let (a, b, ()) = tokio::join!(
            store.write(|conn| Box::pin(async move {
                conn.exec("INSERT INTO t (x) VALUES (1)", &[]).await?;
                Ok(())
            })),
            store.write(|_conn| -> crate::exec::ExecFuture<'_, ()> { panic!("a bug in a job") }),
            async move { drop(held) },
        );
        assert!(matches!(a, Err(StoreError::Unavailable(_))), "{a:?}");
        assert!(matches!(b, Err(StoreError::Unavailable(_))), "{b:?}");
        for x in 2..6 {
            let sql = format!("INSERT INTO t (x) VALUES ({x})");
            store
                .write(move |conn| {
                    Box::pin(async move {
                        conn.exec(&sql, &[]).await?;
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
