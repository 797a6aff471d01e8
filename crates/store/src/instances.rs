//! The server processes serving this database, so the runs a dead one drove can be
//! closed. A process registers at start, says it is alive every few seconds, and marks
//! itself ended on a clean shutdown; one killed or crashed does none of that.

use crate::{now, Result, Store};
use sqlx::Row;

/// A process not seen for this long is dead: it says it is alive every
/// [`INSTANCE_BEAT_S`] seconds.
pub const INSTANCE_DEAD_AFTER_S: i64 = 15;
/// How often a living process says so.
pub const INSTANCE_BEAT_S: u64 = 3;

/// The stop reason written on a run whose process died before ending it.
pub const SERVER_DIED: &str = "server_died";

impl Store {
    /// Registers this process (`id` is random per start).
    pub async fn register_instance(&self, id: &str, host: &str, pid: u32) -> Result<()> {
        let t = now();
        sqlx::query(
            "INSERT INTO server_instances (id, host, pid, started_at, seen_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(id)
        .bind(host)
        .bind(i64::from(pid))
        .bind(t)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// This process is alive.
    pub async fn instance_seen(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE server_instances SET seen_at = $1 WHERE id = $2")
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// This process (or one known dead) has ended.
    pub async fn end_instance(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE server_instances SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Processes on `host` still marked running, as (id, pid): the caller can tell which of
    /// them no longer exist, without waiting for their silence.
    pub async fn running_instances_on(&self, host: &str) -> Result<Vec<(String, u32)>> {
        let rows = sqlx::query(
            "SELECT id, pid FROM server_instances WHERE host = $1 AND ended_at IS NULL",
        )
        .bind(host)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let pid: i64 = r.try_get("pid")?;
                Ok((r.try_get("id")?, u32::try_from(pid).unwrap_or(0)))
            })
            .collect()
    }

    /// Whether the process that drives run `id` is alive: `None` for a run no server
    /// process drives (the terminal's, or one from before processes were recorded).
    pub async fn run_driver_alive(&self, run_id: &str) -> Result<Option<bool>> {
        let row = sqlx::query(
            "SELECT r.driver AS driver, i.ended_at AS ended_at, i.seen_at AS seen_at \
             FROM runs r LEFT JOIN server_instances i ON i.id = r.driver WHERE r.id = $1",
        )
        .bind(run_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let driver: Option<String> = r.try_get("driver")?;
        if driver.is_none() {
            return Ok(None);
        }
        let ended: Option<i64> = r.try_get("ended_at")?;
        let seen: Option<i64> = r.try_get("seen_at")?;
        Ok(Some(
            ended.is_none() && seen.is_some_and(|s| now() - s <= INSTANCE_DEAD_AFTER_S),
        ))
    }

    /// Ends every open run whose driving process has ended or gone silent, with
    /// [`SERVER_DIED`] as its stop reason. Returns the ids closed.
    pub async fn close_orphaned_runs(&self) -> Result<Vec<String>> {
        let t = now();
        let rows = sqlx::query(
            "UPDATE runs SET ended_at = $1, stop_reason = $2 \
             WHERE ended_at IS NULL AND driver IS NOT NULL AND driver IN \
               (SELECT id FROM server_instances WHERE ended_at IS NOT NULL OR seen_at < $3) \
             RETURNING id",
        )
        .bind(t)
        .bind(SERVER_DIED)
        .bind(t - INSTANCE_DEAD_AFTER_S)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }
}
