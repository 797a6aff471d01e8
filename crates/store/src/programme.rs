//! Profiles and programmes. A programme row keeps its initial state and a cached fold of
//! its event log; writes use optimistic concurrency on `seq`, so two writers (two
//! clinicians, or two app processes) never overwrite each other silently.

use crate::exec::Exec;
use crate::read::Arg;
use crate::recent::programme_from;
use crate::{now, Backend, Result, Store, StoreError, UserId};
use retrowalk_core::{Decision, Event, Profile, Progression, SessionLog};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use time::Date;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgrammeRecord {
    pub start_date: Date,
    pub state: Progression,
    /// How many events have been applied.
    pub seq: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub event: Event,
    pub decision: Option<Decision>,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub created_at: i64,
    /// Free text given with the change (log notes, a pause reason, a clearance note).
    #[serde(default)]
    pub note: Option<String>,
}

/// The outcome of recording one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub seq: i64,
    pub decision: Option<Decision>,
    pub state: Progression,
    /// Set when the idempotency key was already used: the event first recorded under it,
    /// whose decision is the one above. Nothing was written this time; `seq` and `state`
    /// are the programme as it stands.
    pub replay: Option<Event>,
}

fn kind(e: &Event) -> &'static str {
    match e {
        Event::Session(_) => "session",
        Event::MorningPain { .. } => "morning_pain",
        Event::CapsSet { .. } => "caps_set",
        Event::Retiered { .. } => "retiered",
        Event::ScheduleSet { .. } => "schedule_set",
        Event::Paused { .. } => "paused",
        Event::Resumed { .. } => "resumed",
        Event::ClearanceRecorded { .. } => "clearance_recorded",
    }
}

/// The day an event is about, kept in its own indexed column (see migration 0004): a
/// session's date, or the date of the session a morning check follows.
pub(crate) fn event_day(e: &Event) -> Option<String> {
    match e {
        Event::Session(l) => Some(l.date.to_string()),
        Event::MorningPain { session_date, .. } => Some(session_date.to_string()),
        _ => None,
    }
}

const ATTEMPTS: usize = 8;

/// The job's error when the event's `seq` was taken meanwhile: it must be rolled back (the
/// programme row was already updated) and the append retried, never shown to anyone.
const STALE: &str = "event sequence taken; retry";

/// A unique-key conflict on the event's `seq`: another writer took it (see [`STALE`]).
fn stale_if_taken(e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(STALE.into()),
        other => other,
    }
}

/// A run written with its event, owned so the job can wait in the writer's queue.
struct OwnedRun {
    id: String,
    plan: serde_json::Value,
    stop_reason: Option<String>,
    samples: Vec<crate::Sample>,
}

/// Everything one event append writes, computed before the transaction.
struct AppendJob {
    user: UserId,
    prev_seq: i64,
    state: String,
    kind: &'static str,
    data: String,
    decision: Option<String>,
    actor: Option<UserId>,
    note: Option<String>,
    day: Option<String>,
    /// A client's key for this write (POST /api/log), unique per person (migration 0010).
    key: Option<String>,
    run: Option<OwnedRun>,
}

impl AppendJob {
    /// PostgreSQL, an event without a run: the version guard and the append in one
    /// statement, atomic by itself, so one round trip to the server instead of four
    /// (`BEGIN`, update, insert, `COMMIT`). SQLite, whose writer is in-process, cannot
    /// update inside a `WITH` and runs [`AppendJob::run`].
    async fn run_as_one_statement(self, store: &Store) -> Result<bool> {
        let seq = self.prev_seq + 1;
        let done = store
            .exec_once(
                "WITH moved AS ( \
                    UPDATE programmes SET state = $1, seq = $2, updated_at = $3 \
                    WHERE user_id = $4 AND seq = $5 RETURNING user_id) \
                 INSERT INTO events (user_id, seq, kind, data, decision, actor_id, created_at, note, day, idempotency_key) \
                 SELECT user_id, $2, $6, $7, $8, $9, $3, $10, $11, $12 FROM moved",
                &[
                    Arg::Text(&self.state),
                    Arg::Int(seq),
                    Arg::Int(now()),
                    Arg::Int(self.user),
                    Arg::Int(self.prev_seq),
                    Arg::Text(self.kind),
                    Arg::Text(&self.data),
                    Arg::OptText(self.decision.as_deref()),
                    Arg::OptInt(self.actor),
                    Arg::OptText(self.note.as_deref()),
                    Arg::OptText(self.day.as_deref()),
                    Arg::OptText(self.key.as_deref()),
                ],
            )
            .await
            .map_err(stale_if_taken)?;
        // No row: the programme was no longer at `prev_seq`, and nothing was written.
        Ok(done == 1)
    }

    /// Advances the programme from `prev_seq` and appends the event (and its run). False,
    /// with nothing written, when the programme is no longer at `prev_seq`.
    async fn run(self, conn: &mut dyn Exec) -> Result<bool> {
        let seq = self.prev_seq + 1;
        let updated = conn
            .exec(
                "UPDATE programmes SET state = $1, seq = $2, updated_at = $3 \
                 WHERE user_id = $4 AND seq = $5",
                &[
                    Arg::Text(&self.state),
                    Arg::Int(seq),
                    Arg::Int(now()),
                    Arg::Int(self.user),
                    Arg::Int(self.prev_seq),
                ],
            )
            .await?;
        if updated != 1 {
            return Ok(false);
        }
        // After the version guard, so a concurrent writer of the same person has either
        // committed (and is seen here) or waits for this one to finish.
        if let Some(r) = &self.run {
            let run = crate::imports::NewRun {
                id: &r.id,
                plan: &r.plan,
                stop_reason: r.stop_reason.as_deref(),
                samples: &r.samples,
            };
            // A session's day: a second session logged on it means this walk is in already.
            let session_day = self.day.as_deref().filter(|_| self.kind == "session");
            crate::imports::insert_run(conn, self.user, session_day, &run).await?;
        }
        conn.exec(
            "INSERT INTO events (user_id, seq, kind, data, decision, actor_id, created_at, note, day, idempotency_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                Arg::Int(self.user),
                Arg::Int(seq),
                Arg::Text(self.kind),
                Arg::Text(&self.data),
                Arg::OptText(self.decision.as_deref()),
                Arg::OptInt(self.actor),
                Arg::Int(now()),
                Arg::OptText(self.note.as_deref()),
                Arg::OptText(self.day.as_deref()),
                Arg::OptText(self.key.as_deref()),
            ],
        )
        .await
        .map_err(stale_if_taken)?;
        Ok(true)
    }
}

impl Store {
    /// Saves a person's profile. A running programme's version moves with it (its
    /// `updated_at`, strictly forward even within one second): the patient list's flags
    /// read the screening the profile gives, and its remembered summaries are kept only
    /// while the version stands still.
    pub async fn save_profile(&self, user: UserId, profile: &Profile) -> Result<()> {
        profile
            .validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let data = serde_json::to_string(profile)?;
        let at = now();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO profiles (user_id, data, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
        )
        .bind(user)
        .bind(data)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE programmes SET updated_at = CASE WHEN updated_at < $1 THEN $1 ELSE updated_at + 1 END \
             WHERE user_id = $2",
        )
        .bind(at)
        .bind(user)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn profile(&self, user: UserId) -> Result<Option<Profile>> {
        self.read_optional(
            "SELECT data FROM profiles WHERE user_id = $1",
            &[Arg::Int(user)],
            |r| Ok(serde_json::from_str(&r.text("data")?)?),
        )
        .await
    }

    /// Starts (or, with `replace`, restarts) a person's programme. Restarting keeps the
    /// old events out of the new programme's fold but never deletes them silently: the
    /// caller asked for it.
    pub async fn start_programme(
        &self,
        user: UserId,
        initial: &Progression,
        start_date: Date,
        replace: bool,
    ) -> Result<()> {
        let json = serde_json::to_string(initial)?;
        let mut tx = self.write_tx().await?;
        let exists = sqlx::query("SELECT seq FROM programmes WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if exists && !replace {
            return Err(StoreError::Conflict(
                "a programme already exists; restart it explicitly to replace it".into(),
            ));
        }
        sqlx::query("DELETE FROM events WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM programmes WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO programmes (user_id, start_date, initial, state, seq, updated_at) \
             VALUES ($1, $2, $3, $3, 0, $4)",
        )
        .bind(user)
        .bind(start_date.to_string())
        .bind(&json)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn programme(&self, user: UserId) -> Result<Option<ProgrammeRecord>> {
        let found = self
            .read_optional(
                "SELECT start_date, state, seq, updated_at FROM programmes WHERE user_id = $1",
                &[Arg::Int(user)],
                programme_from,
            )
            .await?;
        Ok(found.flatten())
    }

    /// Appends an event and advances the cached state in one transaction. Concurrent
    /// writers retry against the newest state, so every event is applied exactly once
    /// and in order.
    pub async fn record(
        &self,
        user: UserId,
        event: &Event,
        actor: Option<UserId>,
    ) -> Result<Recorded> {
        self.record_if(user, event, actor, None).await
    }

    /// Like [`Store::record`], but refuses with a conflict if the programme has moved on
    /// since `expected_seq`: for edits made from a screen that may be out of date.
    pub async fn record_if(
        &self,
        user: UserId,
        event: &Event,
        actor: Option<UserId>,
        expected_seq: Option<i64>,
    ) -> Result<Recorded> {
        self.record_noted(user, event, actor, expected_seq, None)
            .await
    }

    /// Like [`Store::record_if`], keeping `note` with the event.
    pub async fn record_noted(
        &self,
        user: UserId,
        event: &Event,
        actor: Option<UserId>,
        expected_seq: Option<i64>,
        note: Option<&str>,
    ) -> Result<Recorded> {
        self.record_with(user, event, actor, expected_seq, note, None, None, None)
            .await
    }

    /// Like [`Store::record_noted`], starting from `known`, the programme the caller has
    /// just read: saves reading it again. If it is out of date the append is refused as
    /// stale (its `prev_seq` no longer matches) and the write retries on a fresh read, as
    /// with any other writer that got there first.
    pub async fn record_noted_from(
        &self,
        user: UserId,
        event: &Event,
        actor: Option<UserId>,
        note: Option<&str>,
        known: ProgrammeRecord,
    ) -> Result<Recorded> {
        self.record_with(user, event, actor, None, note, None, Some(known), None)
            .await
    }

    /// Like [`Store::record_noted_from`], under a client's idempotency `key`: if an event
    /// was already recorded under it for this person, nothing is written and the answer
    /// carries that event and its decision ([`Recorded::replay`]), so a retried request
    /// never counts twice.
    pub async fn record_keyed_from(
        &self,
        user: UserId,
        event: &Event,
        actor: Option<UserId>,
        note: Option<&str>,
        known: ProgrammeRecord,
        key: Option<&str>,
    ) -> Result<Recorded> {
        self.record_with(user, event, actor, None, note, None, Some(known), key)
            .await
    }

    /// The event recorded under a person's idempotency key, with its decision.
    async fn event_by_key(
        &self,
        user: UserId,
        key: &str,
    ) -> Result<Option<(Event, Option<Decision>)>> {
        self.read_optional(
            "SELECT data, decision FROM events WHERE user_id = $1 AND idempotency_key = $2",
            &[Arg::Int(user), Arg::Text(key)],
            |r| {
                let event = serde_json::from_str(&r.text("data")?)?;
                let decision = r
                    .opt_text("decision")?
                    .map(|d| serde_json::from_str(&d))
                    .transpose()?;
                Ok((event, decision))
            },
        )
        .await
    }

    /// How many sessions are logged on `day`: the first one is that day's planned session
    /// (PRG-08), any other is extra.
    pub async fn sessions_on(&self, user: UserId, day: Date) -> Result<usize> {
        let day = day.to_string();
        Ok(self
            .read_all(
                "SELECT seq FROM events WHERE user_id = $1 AND kind = 'session' AND day = $2",
                &[Arg::Int(user), Arg::Text(&day)],
                |r| r.int("seq"),
            )
            .await?
            .len())
    }

    /// The one writer of events: with `run`, the run and its telemetry are written in the
    /// same transaction as the event (see [`Store::record_with_run`]); with `known`, the
    /// first attempt starts from that programme instead of reading it.
    // Private plumbing behind the public variants above; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_with(
        &self,
        user: UserId,
        event: &Event,
        actor: Option<UserId>,
        expected_seq: Option<i64>,
        note: Option<&str>,
        run: Option<&crate::imports::NewRun<'_>>,
        mut known: Option<ProgrammeRecord>,
        key: Option<&str>,
    ) -> Result<Recorded> {
        let mut event = std::borrow::Cow::Borrowed(event);
        let mut data = serde_json::to_string(&*event)?;
        for _ in 0..ATTEMPTS {
            // A caller's programme was read before it classified the log, so a write from it
            // that lands saw what the classification saw. Any other attempt may follow a
            // writer that logged the same day since (PRG-08: one decision per day).
            let classified_on_this = known.is_some();
            let rec = match known.take() {
                Some(rec) => rec,
                None => self
                    .programme(user)
                    .await?
                    .ok_or(StoreError::NotFound("programme"))?,
            };
            if !classified_on_this {
                if let Event::Session(log) = &*event {
                    if !log.extra && self.sessions_on(user, log.date).await? > 0 {
                        event = std::borrow::Cow::Owned(Event::Session(SessionLog {
                            extra: true,
                            ..*log
                        }));
                        data = serde_json::to_string(&*event)?;
                    }
                }
            }
            // Checked on every attempt: when two retries race, the loser's insert breaks the
            // key's unique index, and its next attempt finds the winner's event here.
            if let Some(k) = key {
                if let Some((first, decision)) = self.event_by_key(user, k).await? {
                    return Ok(Recorded {
                        seq: rec.seq,
                        decision,
                        state: rec.state,
                        replay: Some(first),
                    });
                }
            }
            if let Some(expected) = expected_seq {
                if expected != rec.seq {
                    return Err(StoreError::Conflict(format!(
                        "the programme changed since you loaded it (version {expected}, now {}); reload and try again",
                        rec.seq
                    )));
                }
            }
            let mut state = rec.state;
            let decision = state.apply(&event);
            let seq = rec.seq + 1;
            let job = AppendJob {
                user,
                prev_seq: rec.seq,
                state: serde_json::to_string(&state)?,
                kind: kind(&event),
                data: data.clone(),
                decision: decision.as_ref().map(serde_json::to_string).transpose()?,
                actor,
                note: note.map(str::to_owned),
                day: event_day(&event),
                key: key.map(str::to_owned),
                run: run.map(|r| OwnedRun {
                    id: r.id.to_owned(),
                    plan: r.plan.clone(),
                    stop_reason: r.stop_reason.map(str::to_owned),
                    samples: r.samples.to_vec(),
                }),
            };
            let written = if self.backend == Backend::Postgres && job.run.is_none() {
                job.run_as_one_statement(self).await
            } else {
                self.write(move |conn| Box::pin(job.run(conn))).await
            };
            match written {
                Ok(true) => {
                    return Ok(Recorded {
                        seq,
                        decision,
                        state,
                        replay: None,
                    })
                }
                // Another writer moved the programme on: retry against its state.
                Ok(false) => continue,
                Err(StoreError::Conflict(m)) if m == STALE => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(
            "too many simultaneous changes to this programme; try again".into(),
        ))
    }

    pub async fn events(&self, user: UserId) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query(
            "SELECT e.seq, e.data, e.decision, e.actor_id, u.display_name AS actor_name, e.created_at, e.note \
             FROM events e LEFT JOIN users u ON u.id = e.actor_id \
             WHERE e.user_id = $1 ORDER BY e.seq",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_event).collect()
    }

    /// The newest `limit` events of the same kind as `like` (its data is ignored), newest
    /// first: who set the caps in force, who paused.
    pub async fn newest_events_like(
        &self,
        user: UserId,
        like: &Event,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query(
            "SELECT e.seq, e.data, e.decision, e.actor_id, u.display_name AS actor_name, e.created_at, e.note \
             FROM events e LEFT JOIN users u ON u.id = e.actor_id \
             WHERE e.user_id = $1 AND e.kind = $2 ORDER BY e.seq DESC LIMIT $3",
        )
        .bind(user)
        .bind(kind(like))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_event).collect()
    }

    /// Rebuilds the state from the initial state and every event: proof that the cache
    /// and the log agree.
    pub async fn replay(&self, user: UserId) -> Result<Progression> {
        let mut state = self.initial_state(user).await?;
        for e in self.events(user).await? {
            state.apply(&e.event);
        }
        Ok(state)
    }
}

impl Store {
    /// The programme as it was before any event: the start of every replay.
    pub async fn initial_state(&self, user: UserId) -> Result<Progression> {
        let row = sqlx::query("SELECT initial FROM programmes WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("programme"))?;
        Ok(serde_json::from_str(&row.try_get::<String, _>("initial")?)?)
    }
}

fn stored_event(r: &sqlx::any::AnyRow) -> Result<StoredEvent> {
    Ok(StoredEvent {
        seq: r.try_get("seq")?,
        event: serde_json::from_str(&r.try_get::<String, _>("data")?)?,
        decision: r
            .try_get::<Option<String>, _>("decision")?
            .map(|d| serde_json::from_str(&d))
            .transpose()?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        created_at: r.try_get("created_at")?,
        note: r.try_get("note")?,
    })
}

pub(crate) fn parse_date(s: &str) -> Result<Date> {
    Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|e| StoreError::Corrupt(format!("bad date {s:?}: {e}")))
}
