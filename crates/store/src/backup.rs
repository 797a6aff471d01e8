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
    pub async fn restore(&self, user: UserId, b: &Backup, replace: bool) -> Result<()> {
        if b.format != BACKUP_FORMAT || b.version > BACKUP_VERSION {
            return Err(StoreError::Invalid(format!(
                "not a retrowalk backup this version can read (format {:?}, version {})",
                b.format, b.version
            )));
        }
        let seqs: Vec<i64> = b.events.iter().map(|e| e.seq).collect();
        if seqs.iter().enumerate().any(|(i, s)| *s != i as i64 + 1) {
            return Err(StoreError::Invalid(
                "the backup's events are not numbered 1, 2, 3, …; the file is damaged".into(),
            ));
        }
        // Every event must be one this version understands before anything is written.
        for e in &b.events {
            serde_json::from_value::<retrowalk_core::Event>(e.data.clone()).map_err(|err| {
                StoreError::Invalid(format!("event {} cannot be read: {err}", e.seq))
            })?;
        }
        if let Some(p) = &b.profile {
            p.validate()
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
        }
        if self.programme(user).await?.is_some() && !replace {
            return Err(StoreError::Conflict(
                "this person already has a programme; restore with replace to overwrite it".into(),
            ));
        }
        let mut actors = std::collections::HashMap::new();
        for email in b.events.iter().filter_map(|e| e.actor.as_deref()) {
            if !actors.contains_key(email) {
                let id = self.user_by_email(email).await?.map(|u| u.id);
                actors.insert(email.to_string(), id);
            }
        }
        let mut tx = self.write_tx().await?;
        for table in ["events", "programmes", "profiles"] {
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
            sqlx::query(
                "INSERT INTO runs (id, user_id, started_at, ended_at, plan, stop_reason) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&r.run.id)
            .bind(user)
            .bind(r.run.started_at)
            .bind(r.run.ended_at)
            .bind(r.run.plan.to_string())
            .bind(&r.run.stop_reason)
            .execute(&mut *tx)
            .await?;
            crate::runs::insert_samples(&mut tx, &r.run.id, &r.samples).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
