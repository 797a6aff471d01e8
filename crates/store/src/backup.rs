//! A person's whole record as one JSON document, and its restore: profile, programme (its
//! initial state, cached state and version), every event with who made it, runs and their
//! telemetry. Restoring what was backed up gives back exactly what was there.

use crate::programme::parse_date;
use crate::{now, Result, Role, Run, Sample, Store, StoreError, UserId};
use retrowalk_core::progression::PauseReason;
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
    /// run's `user_id` are ignored, and a run id another person already holds is given a
    /// new one. Authorship is checked against what this database holds, never taken from
    /// the file (issue 14):
    /// - a change the file puts down to another account here must be one that account
    ///   made to this record, identical and at the same seq; anything else naming them is
    ///   refused ([`StoreError::Invalid`]), so a file cannot put words in their mouth;
    /// - a change someone else made that the file does not carry is a conflict: a restore
    ///   cannot undo it;
    /// - a change naming someone with no account here (a file from another server) is
    ///   kept as history without an author, never as a clinician's act;
    /// - whatever the events, a pause and a clinician's caps and tier in force here stay
    ///   in force (no looser) in what is restored.
    pub async fn restore(&self, user: UserId, b: &Backup, replace: bool) -> Result<()> {
        check(b)?;
        if self.programme(user).await?.is_some() && !replace {
            return Err(StoreError::Conflict(
                "this person already has a programme; restore with replace to overwrite it".into(),
            ));
        }
        let me = self
            .user(user)
            .await?
            .ok_or(StoreError::NotFound("person"))?;
        let person = email_key(&b.person.email);
        let mut accounts = std::collections::HashMap::new();
        let named = b.events.iter().filter_map(|e| e.actor.as_deref());
        for email in named.chain([person.as_str()]) {
            let email = email_key(email);
            if let std::collections::hash_map::Entry::Vacant(v) = accounts.entry(email) {
                let found = self.user_by_email(v.key()).await?;
                v.insert(found.map(|u| (u.id, u.role)));
            }
        }
        // A backup is of a person's record; clinicians have none. A file whose person is a
        // clinician here was edited so that their changes would pass as the person's own.
        if let Some(Some((id, Role::Clinician))) = accounts.get(&person) {
            if *id != user {
                return Err(StoreError::Invalid(format!(
                    "person.email: {person} is a clinician's account here, and a backup is a person's own record; the file was edited"
                )));
            }
        }
        let own = |email: &str| {
            let email = email_key(email);
            email == me.email || email == person
        };
        let mut tx = self.write_tx().await?;
        // The programme row goes first: on PostgreSQL that waits for an append in flight
        // and holds off the next, so the events deleted below are all there are, and a
        // clinician's change that lands while the file is read is checked here.
        let held_state: Option<Progression> =
            match sqlx::query("DELETE FROM programmes WHERE user_id = $1 RETURNING state")
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?
            {
                Some(r) => Some(serde_json::from_str(&r.try_get::<String, _>("state")?)?),
                None => None,
            };
        let gone = sqlx::query(
            "DELETE FROM events WHERE user_id = $1 \
             RETURNING seq, data, decision, actor_id, created_at, note",
        )
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let others = others_changes(&mut tx, user, &gone).await?;
        let refused = forged_author(b, &others, &accounts, &own)
            .map(StoreError::Invalid)
            .or_else(|| others_change_dropped(b, &others).map(StoreError::Conflict))
            .or_else(|| limits_lifted(held_state.as_ref(), b, &others).map(StoreError::Invalid));
        if let Some(e) = refused {
            tx.rollback().await?;
            return Err(e);
        }
        sqlx::query("DELETE FROM profiles WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
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
            // Checked above: an event at another's seq is theirs, unchanged; any other
            // naming an account here names this person; the rest have no author here.
            let actor = match (others.get(&e.seq), e.actor.as_deref()) {
                (Some(h), _) => Some(h.actor),
                (None, Some(email)) if own(email) => Some(user),
                _ => None,
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

/// Emails as accounts are keyed: trimmed and lower-case.
fn email_key(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

/// A change held for this record that someone other than its person made (a clinician).
#[derive(Debug, Clone, PartialEq)]
struct OthersChange {
    actor: UserId,
    email: String,
    name: String,
    data: serde_json::Value,
    decision: Option<serde_json::Value>,
    created_at: i64,
    note: Option<String>,
}

impl OthersChange {
    fn kind(&self) -> &str {
        self.data
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("a change")
    }

    /// Whether `e` is this change exactly: what, when, the decision, the note and who.
    fn is(&self, e: &BackupEvent) -> bool {
        e.data == self.data
            && e.decision == self.decision
            && e.created_at == self.created_at
            && e.note == self.note
            && e.actor.as_deref().map(email_key).as_deref() == Some(self.email.as_str())
    }
}

/// The changes among `deleted` made by someone other than `user`, by seq.
async fn others_changes(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
    deleted: &[sqlx::any::AnyRow],
) -> Result<std::collections::BTreeMap<i64, OthersChange>> {
    let mut out = std::collections::BTreeMap::new();
    for row in deleted {
        let Some(actor) = row.try_get::<Option<UserId>, _>("actor_id")? else {
            continue;
        };
        if actor == user {
            continue;
        }
        let who = sqlx::query("SELECT email, display_name FROM users WHERE id = $1")
            .bind(actor)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(who) = who else { continue };
        out.insert(
            row.try_get::<i64, _>("seq")?,
            OthersChange {
                actor,
                email: email_key(&who.try_get::<String, _>("email")?),
                name: who.try_get("display_name")?,
                data: serde_json::from_str(&row.try_get::<String, _>("data")?)?,
                decision: row
                    .try_get::<Option<String>, _>("decision")?
                    .map(|d| serde_json::from_str(&d))
                    .transpose()?,
                created_at: row.try_get("created_at")?,
                note: row.try_get("note")?,
            },
        );
    }
    Ok(out)
}

/// The first event of the file that names another account here as its author without
/// being a change that account made to this record (same seq, same content), described
/// with where it is; `None` when there is none.
fn forged_author(
    b: &Backup,
    others: &std::collections::BTreeMap<i64, OthersChange>,
    accounts: &std::collections::HashMap<String, Option<(UserId, Role)>>,
    own: &dyn Fn(&str) -> bool,
) -> Option<String> {
    b.events.iter().enumerate().find_map(|(i, e)| {
        let email = email_key(e.actor.as_deref()?);
        if own(&email) {
            return None;
        }
        let (id, _) = (*accounts.get(&email)?)?;
        let theirs = others
            .get(&e.seq)
            .is_some_and(|h| h.actor == id && h.is(e));
        (!theirs).then(|| {
            let kind = e.data.get("kind").and_then(|k| k.as_str()).unwrap_or("change");
            format!(
                "events[{i}].actor: the backup says {email} made this change ({kind}, event {}), but this server holds no such change by them: a backup cannot add or change someone else's changes. Restore the file as it was downloaded",
                e.seq
            )
        })
    })
}

/// A change someone else (a clinician) made to this programme that the backup does not
/// carry unchanged at its place, described; `None` when the backup keeps every one. A
/// restore replaces the person's own record, but it must not undo a clinician's caps,
/// pause or tier.
fn others_change_dropped(
    b: &Backup,
    others: &std::collections::BTreeMap<i64, OthersChange>,
) -> Option<String> {
    others.iter().find_map(|(seq, h)| {
        let kept = usize::try_from(seq - 1)
            .ok()
            .and_then(|i| b.events.get(i))
            .is_some_and(|e| h.is(e));
        (!kept).then(|| {
            let when = time::OffsetDateTime::from_unix_timestamp(h.created_at)
                .map(|t| t.date().to_string())
                .unwrap_or_default();
            format!(
                "{} changed this programme ({}, {when}) and the backup does not have that change: \
                 a restore cannot undo a clinician's changes. Make a new backup, or ask them",
                h.name,
                h.kind()
            )
        })
    })
}

/// How the restored programme would be looser than the one held here, described: a
/// pause lifted, a clinician's cap removed or raised, or a tier below the one a
/// clinician last set. The events may all be the person's own (or an unknown author's)
/// and still do that, so the states themselves are compared.
fn limits_lifted(
    held: Option<&Progression>,
    b: &Backup,
    others: &std::collections::BTreeMap<i64, OthersChange>,
) -> Option<String> {
    let held = held?;
    let restored = b.programme.as_ref().map(|p| &p.state);
    const ASK: &str = "a restore cannot lift it; ask your clinician";
    if let Some(reason) = held.paused {
        if restored.and_then(|r| r.paused) != Some(reason) {
            let why = match reason {
                PauseReason::Clinician => "by your clinician".to_string(),
                PauseReason::Fall => "after a fall".into(),
                PauseReason::RepeatedDizziness => "after repeated dizziness".into(),
                PauseReason::RedFlag(flag) => format!("after {}", flag.describe()),
            };
            return Some(format!(
                "programme.state: the programme is paused here {why}, and the backup's would not be: {ASK}"
            ));
        }
    }
    let caps = restored.map(|r| r.caps).unwrap_or_default();
    let looser = |held: Option<f64>, restored: Option<f64>| match (held, restored) {
        (Some(h), Some(r)) => r > h,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let lifted = [
        (
            "maximum speed",
            looser(
                held.caps.max_speed.map(|s| s.kmh()),
                caps.max_speed.map(|s| s.kmh()),
            ),
        ),
        (
            "maximum incline",
            looser(
                held.caps.max_incline.map(|i| i.percent()),
                caps.max_incline.map(|i| i.percent()),
            ),
        ),
        (
            "maximum backward time",
            looser(
                held.caps.max_backward_s.map(f64::from),
                caps.max_backward_s.map(f64::from),
            ),
        ),
    ];
    if let Some((what, _)) = lifted.iter().find(|(_, l)| *l) {
        return Some(format!(
            "programme.state: the backup removes or raises the {what} your clinician set: {ASK}"
        ));
    }
    let clinicians_tier = others.values().rev().find_map(|h| {
        match serde_json::from_value::<retrowalk_core::Event>(h.data.clone()) {
            Ok(retrowalk_core::Event::Retiered { tier, limits, .. }) => Some((tier, limits)),
            _ => None,
        }
    });
    if let Some((tier, theirs)) = clinicians_tier {
        let Some(r) = restored.filter(|r| r.tier >= tier) else {
            return Some(format!(
                "programme.state: the backup's tier is below the tier your clinician set ({}): {ASK}",
                tier.label()
            ));
        };
        // A tier event the person made (their screening) is not checked against their
        // answers here, so its limits must be no looser than the clinician's, unless they
        // are the ones in force now (a stricter tier the person's answers brought).
        if r.limits != held.limits && !no_looser(&r.limits, &theirs) {
            return Some(format!(
                "programme.state: the backup's limits (target time, speed, incline or rails) are looser than the {} tier your clinician set allows: {ASK}",
                tier.label()
            ));
        }
    }
    None
}

/// Whether `a` lets progression go no further than `b` in any respect.
fn no_looser(a: &retrowalk_core::Limits, b: &retrowalk_core::Limits) -> bool {
    a.target_backward_s <= b.target_backward_s
        && a.target_speed.kmh() <= b.target_speed.kmh()
        && a.max_incline.percent() <= b.max_incline.percent()
        && a.rail_floor >= b.rail_floor
        && a.min_speed.kmh() <= b.min_speed.kmh()
        && a.speed_step.kmh() <= b.speed_step.kmh()
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
