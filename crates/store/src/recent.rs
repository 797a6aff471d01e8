//! Reads for the pages opened all the time (today's session, a clinician's patient list).
//! They need only the last days and the last few sessions, found through the events'
//! `day` column and its indexes (migration 0004), so their cost does not grow with the
//! length of a person's history.

use crate::programme::parse_date;
use crate::read::{Arg, Cols};
use crate::{Backend, ProgrammeRecord, Result, Store, StoreError, UserId};
use retrowalk_core::{Event, Profile, SessionLog};
use time::Date;

/// A session or a next-morning check, by the day it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dated {
    Session(Date),
    MorningCheck(Date),
}

/// A session log with its place in the programme's event log.
#[derive(Debug, Clone, PartialEq)]
pub struct RecentSession {
    pub user_id: UserId,
    pub seq: i64,
    pub log: SessionLog,
}

/// One row of a clinician's patient list.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientRow {
    pub id: UserId,
    pub name: String,
    pub email: String,
    /// The latest screening, read in the same query as the programme.
    pub profile: Option<Profile>,
    pub programme: Option<ProgrammeRecord>,
    /// The latest date any session was logged for.
    pub last_session_day: Option<Date>,
}

/// Which version of a programme a summary was made from: any write to the programme moves
/// `seq` (or, on a restart or restore, `updated_at` and usually `start_date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProgrammeVersion {
    pub seq: i64,
    pub updated_at: i64,
    pub start_date: Date,
}

impl ProgrammeVersion {
    pub fn of(rec: &ProgrammeRecord) -> ProgrammeVersion {
        ProgrammeVersion {
            seq: rec.seq,
            updated_at: rec.updated_at,
            start_date: rec.start_date,
        }
    }
}

/// How many of the latest sessions [`Store::recent_sessions`] always returns.
pub const LAST_SESSIONS: usize = 3;

/// Which of a clinician's patients a list read covers.
#[derive(Debug, Clone, Copy)]
pub enum Among<'a> {
    All,
    /// Only these (the ones whose remembered summary is out of date).
    Only(&'a [UserId]),
}

/// `AND column IN ($first, …)` for [`Among::Only`], with its parameters. The list is padded
/// (repeating its last id) to 1, 2, 4, 8, 16… entries, so a handful of statement shapes
/// serve every size and stay in the prepared-statement caches.
fn among_sql(column: &str, among: Among<'_>, first: usize) -> (String, Vec<Arg<'static>>) {
    let Among::Only(ids) = among else {
        return (String::new(), Vec::new());
    };
    let Some(&last) = ids.last() else {
        // Nobody: a condition no row meets.
        return (" AND 1 = 0".into(), Vec::new());
    };
    let padded = ids.len().next_power_of_two();
    let placeholders: Vec<String> = (first..first + padded).map(|i| format!("${i}")).collect();
    let args = ids
        .iter()
        .copied()
        .chain(std::iter::repeat(last))
        .take(padded)
        .map(Arg::Int)
        .collect();
    (
        format!(" AND {column} IN ({})", placeholders.join(", ")),
        args,
    )
}

/// The last [`LAST_SESSIONS`] sessions of each patient in `patients` (a query yielding
/// `pid`), and every session dated `$2` or later. `UNION` drops the rows both halves find.
fn recent_sql(patients: &str) -> String {
    format!(
        "SELECT e.user_id, e.seq, e.data FROM ({patients}) p \
         JOIN events e ON e.user_id = p.pid AND e.kind = 'session' AND e.seq >= COALESCE(( \
             SELECT x.seq FROM events x WHERE x.user_id = p.pid AND x.kind = 'session' \
             ORDER BY x.seq DESC LIMIT 1 OFFSET {offset}), 0) \
         UNION \
         SELECT e.user_id, e.seq, e.data FROM ({patients}) p \
         JOIN events e ON e.user_id = p.pid AND e.kind = 'session' AND e.day >= $2 \
         ORDER BY 1, 2",
        offset = LAST_SESSIONS - 1
    )
}

impl Store {
    /// A person's sessions and morning checks about `since` or later.
    pub async fn dated_since(&self, user: UserId, since: Date) -> Result<Vec<Dated>> {
        let since = since.to_string();
        self.read_all(
            "SELECT kind, day FROM events \
             WHERE user_id = $1 AND kind IN ('session', 'morning_pain') AND day >= $2",
            &[Arg::Int(user), Arg::Text(&since)],
            dated_from,
        )
        .await
    }

    /// What today's page needs, in one query: the person's profile and programme, and
    /// their sessions and morning checks about `since` or later ([`Store::dated_since`]).
    pub async fn today_reads(
        &self,
        user: UserId,
        since: Date,
    ) -> Result<(Option<Profile>, Option<ProgrammeRecord>, Vec<Dated>)> {
        enum Part {
            Person(Box<(Option<Profile>, Option<ProgrammeRecord>)>),
            Dated(Dated),
        }
        let since = since.to_string();
        let parts = self
            .read_all(
                "SELECT 'person' AS part, pr.data AS profile, p.start_date, p.state, p.seq, \
                    p.updated_at, NULL AS kind, NULL AS day \
                 FROM users u LEFT JOIN profiles pr ON pr.user_id = u.id \
                 LEFT JOIN programmes p ON p.user_id = u.id WHERE u.id = $1 \
                 UNION ALL \
                 SELECT 'dated', NULL, NULL, NULL, NULL, NULL, kind, day FROM events \
                 WHERE user_id = $1 AND kind IN ('session', 'morning_pain') AND day >= $2",
                &[Arg::Int(user), Arg::Text(&since)],
                |r| {
                    if r.text("part")? == "person" {
                        let profile = r
                            .opt_text("profile")?
                            .map(|d| serde_json::from_str(&d))
                            .transpose()?;
                        return Ok(Part::Person(Box::new((profile, programme_from(r)?))));
                    }
                    dated_from(r).map(Part::Dated)
                },
            )
            .await?;
        let (mut profile, mut programme, mut dated) = (None, None, Vec::new());
        for part in parts {
            match part {
                Part::Person(person) => (profile, programme) = *person,
                Part::Dated(d) => dated.push(d),
            }
        }
        Ok((profile, programme, dated))
    }

    /// The latest [`LAST_SESSIONS`] sessions of `patient` and every session dated `since`
    /// or later, in log order.
    pub async fn recent_sessions(
        &self,
        patient: UserId,
        since: Date,
    ) -> Result<Vec<RecentSession>> {
        // The cast gives PostgreSQL the parameter's type; both backends read it as BIGINT.
        let sql = recent_sql("SELECT CAST($1 AS BIGINT) AS pid");
        let since = since.to_string();
        self.read_all(&sql, &[Arg::Int(patient), Arg::Text(&since)], recent_from)
            .await
    }

    /// [`Store::recent_sessions`] for those of `clinician`'s patients `among` names, in
    /// one query.
    pub async fn recent_sessions_of_patients(
        &self,
        clinician: UserId,
        among: Among<'_>,
        since: Date,
    ) -> Result<Vec<RecentSession>> {
        let (only, ids) = among_sql("patient_id", among, 3);
        let sql = recent_sql(&format!(
            "SELECT patient_id AS pid FROM links WHERE clinician_id = $1{only}"
        ));
        let since = since.to_string();
        let mut args = vec![Arg::Int(clinician), Arg::Text(&since)];
        args.extend(ids);
        self.read_all(&sql, &args, recent_from).await
    }

    /// A person's profile and programme in one query (today's page needs both).
    pub async fn profile_and_programme(
        &self,
        user: UserId,
    ) -> Result<(Option<Profile>, Option<ProgrammeRecord>)> {
        let found = self
            .read_optional(
                "SELECT pr.data AS profile, p.start_date, p.state, p.seq, p.updated_at \
                 FROM users u LEFT JOIN profiles pr ON pr.user_id = u.id \
                 LEFT JOIN programmes p ON p.user_id = u.id WHERE u.id = $1",
                &[Arg::Int(user)],
                |r| {
                    let profile = r
                        .opt_text("profile")?
                        .map(|d| serde_json::from_str(&d))
                        .transpose()?;
                    Ok((profile, programme_from(r)?))
                },
            )
            .await?;
        Ok(found.unwrap_or((None, None)))
    }

    /// The note given with the latest pause, if that pause had one.
    pub async fn last_pause_note(&self, user: UserId) -> Result<Option<String>> {
        let note = self
            .read_optional(
                "SELECT note FROM events WHERE user_id = $1 AND kind = 'paused' \
                 ORDER BY seq DESC LIMIT 1",
                &[Arg::Int(user)],
                |r| r.opt_text("note"),
            )
            .await?;
        Ok(note.flatten())
    }

    /// The latest date any session of `patient` was logged for.
    pub async fn last_session_day(&self, patient: UserId) -> Result<Option<Date>> {
        let day = self
            .read_optional(
                "SELECT MAX(day) AS last_day FROM events WHERE user_id = $1 AND kind = 'session'",
                &[Arg::Int(patient)],
                |r| r.opt_text("last_day"),
            )
            .await?;
        day.flatten().map(|d| parse_date(&d)).transpose()
    }

    /// A clinician's linked patients, in id order, with the version of their programme
    /// (none before it starts); read from indexes only.
    pub async fn patient_versions(
        &self,
        clinician: UserId,
    ) -> Result<Vec<(UserId, Option<ProgrammeVersion>)>> {
        // SQLite's planner prefers the primary key's index, which sends it to the table
        // for every patient; the covering index (migration 0005) answers from itself.
        let hint = match self.backend {
            Backend::Sqlite => "INDEXED BY programmes_versions",
            Backend::Postgres => "",
        };
        self.read_all(
            &format!(
                "SELECT l.patient_id, p.seq, p.updated_at, p.start_date FROM links l \
                 LEFT JOIN programmes p {hint} ON p.user_id = l.patient_id \
                 WHERE l.clinician_id = $1 ORDER BY l.patient_id"
            ),
            &[Arg::Int(clinician)],
            |r| {
                let version = match r.opt_int("seq")? {
                    Some(seq) => Some(ProgrammeVersion {
                        seq,
                        updated_at: r.int("updated_at")?,
                        start_date: parse_date(&r.text("start_date")?)?,
                    }),
                    None => None,
                };
                Ok((r.int("patient_id")?, version))
            },
        )
        .await
    }

    /// Those of `clinician`'s linked patients `among` names, with their profiles and
    /// programmes, in one query.
    pub async fn patient_rows(
        &self,
        clinician: UserId,
        among: Among<'_>,
    ) -> Result<Vec<PatientRow>> {
        let (only, ids) = among_sql("l.patient_id", among, 2);
        let mut args = vec![Arg::Int(clinician)];
        args.extend(ids);
        self.read_all(
            &format!(
                "SELECT u.id, u.display_name, u.email, pr.data AS profile, \
                    p.start_date, p.state, p.seq, p.updated_at, \
                    (SELECT MAX(x.day) FROM events x WHERE x.user_id = l.patient_id AND x.kind = 'session') AS last_day \
                 FROM links l JOIN users u ON u.id = l.patient_id \
                 LEFT JOIN profiles pr ON pr.user_id = l.patient_id \
                 LEFT JOIN programmes p ON p.user_id = l.patient_id \
                 WHERE l.clinician_id = $1{only} ORDER BY l.patient_id"
            ),
            &args,
            |r| {
                Ok(PatientRow {
                    id: r.int("id")?,
                    name: r.text("display_name")?,
                    email: r.text("email")?,
                    profile: r
                        .opt_text("profile")?
                        .map(|d| serde_json::from_str(&d))
                        .transpose()?,
                    programme: programme_from(r)?,
                    last_session_day: r
                        .opt_text("last_day")?
                        .map(|d| parse_date(&d))
                        .transpose()?,
                })
            },
        )
        .await
    }
}

/// The programme columns (start_date, state, seq, updated_at) of a row that may have none.
pub(crate) fn programme_from(r: &dyn Cols) -> Result<Option<ProgrammeRecord>> {
    let Some(state) = r.opt_text("state")? else {
        return Ok(None);
    };
    Ok(Some(ProgrammeRecord {
        start_date: parse_date(&r.text("start_date")?)?,
        state: serde_json::from_str(&state)?,
        seq: r.int("seq")?,
        updated_at: r.int("updated_at")?,
    }))
}

fn dated_from(r: &dyn Cols) -> Result<Dated> {
    let day = parse_date(&r.text("day")?)?;
    Ok(match r.text("kind")?.as_str() {
        "session" => Dated::Session(day),
        _ => Dated::MorningCheck(day),
    })
}

fn recent_from(r: &dyn Cols) -> Result<RecentSession> {
    let data = r.text("data")?;
    match serde_json::from_str(&data)? {
        Event::Session(log) => Ok(RecentSession {
            user_id: r.int("user_id")?,
            seq: r.int("seq")?,
            log,
        }),
        _ => Err(StoreError::Corrupt(
            "an event stored as a session holds something else".into(),
        )),
    }
}
