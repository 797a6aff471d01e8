//! A person's whole record as one JSON document, and its restore: profile, programme (its
//! initial state, cached state and version), every event with who made it, runs and their
//! telemetry. Restoring what was backed up gives back exactly what was there.

use crate::programme::parse_date;
use crate::{now, Result, Run, Sample, Store, StoreError, UserId};
use retrowalk_core::{Profile, Progression};
use serde::{Deserialize, Serialize};
use sqlx::Row;

pub const BACKUP_FORMAT: &str = "retrowalk-backup";
pub const BACKUP_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    pub format: String,
    pub version: u32,
    pub created_at: i64,
    pub person: BackupPerson,
    pub profile: Option<Profile>,
    pub programme: Option<BackupProgramme>,
    pub events: Vec<BackupEvent>,
    pub runs: Vec<BackupRun>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupPerson {
    pub email: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupProgramme {
    pub start_date: time::Date,
    pub initial: Progression,
    pub state: Progression,
    pub seq: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupEvent {
    pub seq: i64,
    /// The event as stored, so nothing is reinterpreted on the way through.
    pub data: serde_json::Value,
    pub decision: Option<serde_json::Value>,
    /// Who made the change, by email: ids differ between databases.
    pub actor: Option<String>,
    pub created_at: i64,
    /// Free text kept with the event; absent in backups made before notes were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupRun {
    #[serde(flatten)]
    pub run: Run,
    pub samples: Vec<Sample>,
}

impl Store {
    pub async fn backup(&self, user: UserId) -> Result<Backup> {
        let u = self
            .user(user)
            .await?
            .ok_or(StoreError::NotFound("person"))?;
        let programme = match sqlx::query(
            "SELECT start_date, initial, state, seq, updated_at FROM programmes WHERE user_id = $1",
        )
        .bind(user)
        .fetch_optional(&self.pool)
        .await?
        {
            Some(r) => Some(BackupProgramme {
                start_date: parse_date(&r.try_get::<String, _>("start_date")?)?,
                initial: serde_json::from_str(&r.try_get::<String, _>("initial")?)?,
                state: serde_json::from_str(&r.try_get::<String, _>("state")?)?,
                seq: r.try_get("seq")?,
                updated_at: r.try_get("updated_at")?,
            }),
            None => None,
        };
        let rows = sqlx::query(
            "SELECT e.seq, e.data, e.decision, u.email AS actor, e.created_at, e.note FROM events e \
             LEFT JOIN users u ON u.id = e.actor_id WHERE e.user_id = $1 ORDER BY e.seq",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        let events = rows
            .iter()
            .map(|r| {
                Ok(BackupEvent {
                    seq: r.try_get("seq")?,
                    data: serde_json::from_str(&r.try_get::<String, _>("data")?)?,
                    decision: r
                        .try_get::<Option<String>, _>("decision")?
                        .map(|d| serde_json::from_str(&d))
                        .transpose()?,
                    actor: r.try_get("actor")?,
                    created_at: r.try_get("created_at")?,
                    note: r.try_get("note")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut runs = Vec::new();
        for run in self.runs(user).await? {
            let samples = self.samples(&run.id).await?;
            runs.push(BackupRun { run, samples });
        }
        Ok(Backup {
            format: BACKUP_FORMAT.into(),
            version: BACKUP_VERSION,
            created_at: now(),
            person: BackupPerson {
                email: u.email,
                display_name: u.display_name,
            },
            profile: self.profile(user).await?,
            programme,
            events,
            runs,
        })
    }

    /// Restores a backup into `user`, in one transaction. Refuses to overwrite an existing
    /// programme unless `replace` is set; either all of it lands or none of it does.
    ///
    /// The restored record is `user`'s whatever the file says: the backup's person and each
    /// run's `user_id` are ignored, a run id another person already holds is given a new
    /// one, and a change is attributed to someone else only if that someone is a clinician
    /// linked to `user` now (otherwise it is kept without an author), so a file cannot put
    /// words in another account's mouth. A change someone else (a clinician) made that the
    /// backup does not carry unchanged is a conflict: a restore cannot undo it.
    pub async fn restore(&self, user: UserId, b: &Backup, replace: bool) -> Result<()> {
        check(b)?;
        if self.programme(user).await?.is_some() && !replace {
            return Err(StoreError::Conflict(
                "this person already has a programme; restore with replace to overwrite it".into(),
            ));
        }
        let mut actors = std::collections::HashMap::new();
        for email in b.events.iter().filter_map(|e| e.actor.as_deref()) {
            if email == b.person.email || actors.contains_key(email) {
                continue;
            }
            let id = match self.user_by_email(email).await? {
                Some(u) if u.id != user && self.is_linked(u.id, user).await? => Some(u.id),
                _ => None,
            };
            actors.insert(email.to_string(), id);
        }
        let mut tx = self.write_tx().await?;
        // What is deleted is checked inside the transaction, so a clinician's change that
        // lands while the file is read is either seen here or waits for the restore.
        let gone = sqlx::query(
            "DELETE FROM events WHERE user_id = $1 RETURNING data, actor_id, created_at",
        )
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        if let Some(msg) = others_change_dropped(&mut tx, user, b, &gone).await? {
            tx.rollback().await?;
            return Err(StoreError::Conflict(msg));
        }
        for table in ["programmes", "profiles"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM runs WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        if let Some(p) = &b.profile {
            sqlx::query("INSERT INTO profiles (user_id, data, updated_at) VALUES ($1, $2, $3)")
                .bind(user)
                .bind(serde_json::to_string(p)?)
                .bind(now())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(p) = &b.programme {
            sqlx::query(
                "INSERT INTO programmes (user_id, start_date, initial, state, seq, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(user)
            .bind(p.start_date.to_string())
            .bind(serde_json::to_string(&p.initial)?)
            .bind(serde_json::to_string(&p.state)?)
            .bind(p.seq)
            .bind(p.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        for e in &b.events {
            let actor = match e.actor.as_deref() {
                Some(email) if email == b.person.email => Some(user),
                Some(email) => actors.get(email).copied().flatten(),
                None => None,
            };
            sqlx::query(
                "INSERT INTO events (user_id, seq, kind, data, decision, actor_id, created_at, note, day) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(user)
            .bind(e.seq)
            .bind(e.data.get("kind").and_then(|k| k.as_str()).unwrap_or("unknown"))
            .bind(e.data.to_string())
            .bind(e.decision.as_ref().map(|d| d.to_string()))
            .bind(actor)
            .bind(e.created_at)
            .bind(&e.note)
            // Every event was checked readable above, so each gets its day.
            .bind(
                serde_json::from_value::<retrowalk_core::Event>(e.data.clone())
                    .ok()
                    .as_ref()
                    .and_then(crate::programme::event_day),
            )
            .execute(&mut *tx)
            .await?;
        }
        for r in &b.runs {
            // This person's own runs were deleted above, so a holder now is someone else.
            let mut id = r.run.id.clone();
            if run_holder(&mut tx, &id).await?.is_some() {
                id = format!("{}-u{user}", r.run.id);
                if run_holder(&mut tx, &id).await?.is_some() {
                    return Err(StoreError::Conflict(format!(
                        "run {:?} of the backup is already in this database under another person",
                        r.run.id
                    )));
                }
            }
            sqlx::query(
                "INSERT INTO runs (id, user_id, started_at, ended_at, plan, stop_reason) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(user)
            .bind(r.run.started_at)
            .bind(r.run.ended_at)
            .bind(r.run.plan.to_string())
            .bind(&r.run.stop_reason)
            .execute(&mut *tx)
            .await?;
            crate::runs::insert_samples(&mut *tx, &id, &r.samples).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// A change someone else (a clinician) made to this programme that the backup does not
/// carry unchanged, described; `None` when the backup keeps every one. A restore replaces
/// the person's own record, but it must not undo a clinician's caps, pause or tier.
async fn others_change_dropped(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
    b: &Backup,
    deleted: &[sqlx::any::AnyRow],
) -> Result<Option<String>> {
    for row in deleted {
        let Some(actor) = row.try_get::<Option<UserId>, _>("actor_id")? else {
            continue;
        };
        if actor == user {
            continue;
        }
        let data: serde_json::Value = serde_json::from_str(&row.try_get::<String, _>("data")?)?;
        let created_at: i64 = row.try_get("created_at")?;
        let who = sqlx::query("SELECT email, display_name FROM users WHERE id = $1")
            .bind(actor)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(who) = who else { continue };
        let email: String = who.try_get("email")?;
        let kept = b.events.iter().any(|e| {
            e.data == data && e.created_at == created_at && e.actor.as_deref() == Some(&email)
        });
        if !kept {
            let name: String = who.try_get("display_name")?;
            let kind = data
                .get("kind")
                .and_then(|k| k.as_str())
                .unwrap_or("a change");
            let when = time::OffsetDateTime::from_unix_timestamp(created_at)
                .map(|t| t.date().to_string())
                .unwrap_or_default();
            return Ok(Some(format!(
                "{name} changed this programme ({kind}, {when}) and the backup does not have that change: \
                 a restore cannot undo a clinician's changes. Make a new backup, or ask them"
            )));
        }
    }
    Ok(None)
}

async fn run_holder(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Option<UserId>> {
    Ok(sqlx::query("SELECT user_id FROM runs WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get("user_id"))
        .transpose()?)
}

/// Everything a backup must satisfy before anything is written, each failure naming the
/// field (as a path into the file) and what was expected there.
fn check(b: &Backup) -> Result<()> {
    let bad = |msg: String| Err(StoreError::Invalid(msg));
    if b.format != BACKUP_FORMAT || b.version > BACKUP_VERSION {
        return bad(format!(
            "not a retrowalk backup this version can read (format {:?}, version {}; expected format {BACKUP_FORMAT:?}, version {BACKUP_VERSION} or lower)",
            b.format, b.version
        ));
    }
    for (i, e) in b.events.iter().enumerate() {
        if e.seq != i as i64 + 1 {
            return bad(format!(
                "events[{i}].seq: expected {}, found {}: the backup's events are not numbered 1, 2, 3, …; the file is damaged",
                i + 1,
                e.seq
            ));
        }
        // Every event must be one this version understands before anything is written.
        if let Err(err) = serde_json::from_value::<retrowalk_core::Event>(e.data.clone()) {
            return bad(format!(
                "event {} cannot be read (events[{i}].data): {err}",
                e.seq
            ));
        }
        if let Some(d) = &e.decision {
            if let Err(err) = serde_json::from_value::<retrowalk_core::Decision>(d.clone()) {
                return bad(format!("events[{i}].decision: {err}"));
            }
        }
    }
    match &b.programme {
        Some(p) if p.seq != b.events.len() as i64 => {
            return bad(format!(
                "programme.seq: expected {} (the number of events), found {}",
                b.events.len(),
                p.seq
            ))
        }
        None if !b.events.is_empty() => {
            return bad(format!(
                "programme: missing, yet the backup has {} event(s) of one",
                b.events.len()
            ))
        }
        _ => {}
    }
    // The cached state must be what the events make of the initial one, as `retrowalk
    // check` verifies: a state edited in the file would otherwise take effect unseen.
    if let Some(p) = &b.programme {
        let mut state = p.initial.clone();
        for e in &b.events {
            if let Ok(ev) = serde_json::from_value::<retrowalk_core::Event>(e.data.clone()) {
                state.apply(&ev);
            }
        }
        if state != p.state {
            return bad(
                "programme.state: expected the state the events make of programme.initial; the file was edited or is damaged".into(),
            );
        }
    }
    if let Some(p) = &b.profile {
        p.validate()
            .map_err(|e| StoreError::Invalid(format!("profile: {e}")))?;
    }
    let mut ids = std::collections::HashSet::new();
    for (i, r) in b.runs.iter().enumerate() {
        let id = &r.run.id;
        let ok = !id.is_empty()
            && id.len() <= 80
            && id
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        if !ok {
            return bad(format!(
                "runs[{i}].id: expected 1 to 80 letters, digits, '-' or '_', found {id:?}"
            ));
        }
        if !ids.insert(id.as_str()) {
            return bad(format!("runs[{i}].id: {id:?} appears twice"));
        }
    }
    Ok(())
}
