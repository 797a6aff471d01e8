//! Live treadmill runs and the telemetry they record at 1 Hz, so a session's dose is what
//! the treadmill measured rather than what was planned.

use crate::exec::Exec;
use crate::read::Arg;
use crate::{now, Result, Store, StoreError, UserId};
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Milliseconds since the run started.
    pub t_ms: i64,
    pub speed_kmh: f64,
    pub incline_pct: Option<f64>,
    pub distance_m: f64,
    pub heart_rate: Option<u8>,
    #[serde(default)]
    pub rr_ms: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub id: String,
    pub user_id: UserId,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub plan: serde_json::Value,
    pub stop_reason: Option<String>,
}

impl Store {
    pub async fn start_run(&self, id: &str, user: UserId, plan: &serde_json::Value) -> Result<()> {
        self.start_run_by(id, user, plan, None).await
    }

    /// Starts a run that the server process `driver` (see `register_instance`) drives, so
    /// that if the process dies the run can be closed.
    pub async fn start_run_by(
        &self,
        id: &str,
        user: UserId,
        plan: &serde_json::Value,
        driver: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO runs (id, user_id, started_at, plan, driver) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(user)
        .bind(now())
        .bind(plan.to_string())
        .bind(driver)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn end_run(&self, id: &str, stop_reason: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE runs SET ended_at = $1, stop_reason = $2 WHERE id = $3")
            .bind(now())
            .bind(stop_reason)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Appends samples in one transaction; a sample already stored (same time) is kept,
    /// so a retried batch is harmless.
    pub async fn append_samples(&self, run_id: &str, samples: &[Sample]) -> Result<()> {
        let run_id = run_id.to_owned();
        let samples = samples.to_vec();
        self.write(move |conn| {
            Box::pin(async move { insert_samples(conn, &run_id, &samples).await })
        })
        .await
    }

    pub async fn samples(&self, run_id: &str) -> Result<Vec<Sample>> {
        let rows = sqlx::query(
            "SELECT t_ms, speed_kmh, incline_pct, distance_m, heart_rate, rr FROM telemetry \
             WHERE run_id = $1 ORDER BY t_ms",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let hr: Option<i64> = r.try_get("heart_rate")?;
                Ok(Sample {
                    t_ms: r.try_get("t_ms")?,
                    speed_kmh: r.try_get("speed_kmh")?,
                    incline_pct: r.try_get("incline_pct")?,
                    distance_m: r.try_get("distance_m")?,
                    heart_rate: hr
                        .map(|h| {
                            u8::try_from(h)
                                .map_err(|_| StoreError::Corrupt(format!("heart rate {h}")))
                        })
                        .transpose()?,
                    rr_ms: r
                        .try_get::<Option<String>, _>("rr")?
                        .map(|s| serde_json::from_str(&s))
                        .transpose()?
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    pub async fn runs(&self, user: UserId) -> Result<Vec<Run>> {
        let rows = sqlx::query(
            "SELECT id, user_id, started_at, ended_at, plan, stop_reason FROM runs \
             WHERE user_id = $1 ORDER BY started_at",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// One run by its id (a primary-key lookup), for checks that run every second and
    /// must not grow with the person's history.
    pub async fn run(&self, id: &str) -> Result<Option<Run>> {
        let row = sqlx::query(
            "SELECT id, user_id, started_at, ended_at, plan, stop_reason FROM runs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(run_from_row).transpose()
    }

    /// The time of the run's latest sample (milliseconds since it started), or None when
    /// nothing is recorded yet: answered from the (run_id, t_ms) key without reading the
    /// samples, so "is anyone still recording this run?" stays cheap on long runs.
    pub async fn last_sample_ms(&self, run_id: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT MAX(t_ms) AS last FROM telemetry WHERE run_id = $1")
            .bind(run_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("last")?)
    }
}

fn run_from_row(r: &sqlx::any::AnyRow) -> Result<Run> {
    Ok(Run {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        started_at: r.try_get("started_at")?,
        ended_at: r.try_get("ended_at")?,
        plan: serde_json::from_str(&r.try_get::<String, _>("plan")?)?,
        stop_reason: r.try_get("stop_reason")?,
    })
}

/// Samples per `INSERT`: a year of telemetry restored row by row took 16 s on PostgreSQL,
/// one round trip per second of walking. 7 parameters a row stays far below both
/// databases' limits on bound parameters.
const SAMPLES_PER_INSERT: usize = 128;

pub(crate) async fn insert_samples(
    conn: &mut dyn Exec,
    run_id: &str,
    samples: &[Sample],
) -> Result<()> {
    for chunk in samples.chunks(SAMPLES_PER_INSERT) {
        let rr: Vec<Option<String>> = chunk
            .iter()
            .map(|s| {
                (!s.rr_ms.is_empty())
                    .then(|| serde_json::to_string(&s.rr_ms))
                    .transpose()
            })
            .collect::<std::result::Result<_, _>>()?;
        let mut values = Vec::with_capacity(chunk.len());
        let mut args = Vec::with_capacity(chunk.len() * 7);
        for (k, (s, rr)) in chunk.iter().zip(&rr).enumerate() {
            let p = k * 7;
            values.push(format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7
            ));
            args.extend([
                Arg::Text(run_id),
                Arg::Int(s.t_ms),
                Arg::Real(s.speed_kmh),
                Arg::OptReal(s.incline_pct),
                Arg::Real(s.distance_m),
                Arg::OptInt(s.heart_rate.map(i64::from)),
                Arg::OptText(rr.as_deref()),
            ]);
        }
        // A sample already stored (same run and time) is kept: a retried batch is harmless.
        let sql = format!(
            "INSERT INTO telemetry (run_id, t_ms, speed_kmh, incline_pct, distance_m, heart_rate, rr) \
             VALUES {} ON CONFLICT (run_id, t_ms) DO NOTHING",
            values.join(", ")
        );
        conn.exec(&sql, &args).await?;
    }
    Ok(())
}
