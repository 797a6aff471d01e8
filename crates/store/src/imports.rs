//! A session logged together with the finished run that recorded it (a FIT file imported
//! from a watch), written as one transaction: either the session, the run and all its
//! telemetry are stored, or none of them is. A second writer of the same file, even at the
//! same instant from another process, finds the first one's run and is refused.

use crate::exec::Exec;
use crate::read::Arg;
use crate::{now, Recorded, Result, Sample, Store, StoreError, UserId};
use retrowalk_core::Event;

/// A run that has already finished, with everything it recorded.
#[derive(Debug, Clone, Copy)]
pub struct NewRun<'a> {
    /// Unique in the database; an import derives it from the person and the file.
    pub id: &'a str,
    pub plan: &'a serde_json::Value,
    pub stop_reason: Option<&'a str>,
    pub samples: &'a [Sample],
}

impl Store {
    /// Records `event` (a session) and `run` with its samples in one transaction. Refused
    /// with a conflict, and nothing written, when the run id is already stored or a session
    /// is already logged on the event's day: importing the same walk twice, however the
    /// requests interleave, logs it once.
    pub async fn record_with_run(
        &self,
        user: UserId,
        event: &Event,
        actor: Option<UserId>,
        run: &NewRun<'_>,
    ) -> Result<Recorded> {
        self.record_with(user, event, actor, None, None, Some(run), None, None)
            .await
    }
}

/// Writes the run inside the event's transaction, after the programme's version guard.
/// `session_day`: the day of the session the event logs, if it logs one.
pub(crate) async fn insert_run(
    conn: &mut dyn Exec,
    user: UserId,
    session_day: Option<&str>,
    run: &NewRun<'_>,
) -> Result<()> {
    let t = now();
    let plan = run.plan.to_string();
    let inserted = conn
        .exec(
            "INSERT INTO runs (id, user_id, started_at, ended_at, plan, stop_reason) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
            &[
                Arg::Text(run.id),
                Arg::Int(user),
                Arg::Int(t),
                Arg::Int(t),
                Arg::Text(&plan),
                Arg::OptText(run.stop_reason),
            ],
        )
        .await?;
    if inserted != 1 {
        return Err(StoreError::Conflict(format!(
            "already imported (run {})",
            run.id
        )));
    }
    if let Some(day) = session_day {
        let taken = conn
            .exists(
                "SELECT 1 AS one FROM events WHERE user_id = $1 AND kind = 'session' AND day = $2",
                &[Arg::Int(user), Arg::Text(day)],
            )
            .await?;
        if taken {
            return Err(StoreError::Conflict(format!(
                "a session is already logged on {day}"
            )));
        }
    }
    crate::runs::insert_samples(conn, run.id, run.samples).await
}
