//! Web sign-in sessions, login throttling, invitations and clinician–patient links. All
//! of it lives in the database so any number of app processes can share it.

use crate::read::Arg;
use crate::{now, Result, Store, StoreError, UserId};
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthSession {
    pub user_id: UserId,
    pub csrf: String,
    pub expires_at: i64,
    /// The sign-in this token belongs to: its first token's hash, shared by its renewals.
    pub family: String,
    /// Whether the account is, at this moment, an approved clinician and a server
    /// administrator: read with the session on every request, so approving or revoking
    /// takes effect at once on every process.
    pub approved: bool,
    pub admin: bool,
}

/// What a login attempt may do, decided atomically with counting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginGate {
    /// Go ahead and check the password; this is the key's `failures`th unconfirmed try.
    Check { failures: i64 },
    /// Too soon after the last failures: wait this many seconds.
    Wait { seconds: i64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invite {
    pub code: String,
    pub clinician_id: UserId,
    pub expires_at: i64,
    pub accepted_by: Option<UserId>,
}

/// Where an invitation code stands, for the clinician's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteState {
    Unused,
    Used,
    Expired,
    Revoked,
}

/// One of a clinician's invitation codes, as their list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteListing {
    pub code: String,
    pub state: InviteState,
    pub created_at: i64,
    pub expires_at: i64,
    /// Who used it, while they are still a user of this server.
    pub accepted_by: Option<UserId>,
    pub accepted_by_name: Option<String>,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A clinician a person is linked to, as the person's settings show them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedClinician {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub linked_at: i64,
}

/// What revoking an invitation code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// Revoked now (or it already was): it can no longer be accepted.
    Done,
    /// It was used: the link it made stands (the patient may unlink).
    AlreadyUsed,
    /// No code of this clinician's has that name.
    NotFound,
}

/// How many codes a clinician's list shows, newest first.
pub const INVITES_LISTED: i64 = 50;

impl Store {
    /// Stores a session under the hash of its token (the token itself is never stored).
    /// A renewal names the `family` of the session it renews; a new sign-in starts its own.
    pub async fn create_auth_session(
        &self,
        token_hash: &str,
        user: UserId,
        csrf: &str,
        ttl_s: i64,
        family: Option<&str>,
    ) -> Result<()> {
        let t = now();
        sqlx::query(
            "INSERT INTO auth_sessions (token_hash, user_id, csrf, created_at, expires_at, revoked, family) \
             VALUES ($1, $2, $3, $4, $5, FALSE, $6)",
        )
        .bind(token_hash)
        .bind(user)
        .bind(csrf)
        .bind(t)
        .bind(t + ttl_s)
        .bind(family.unwrap_or(token_hash))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A live (unexpired, unrevoked) session.
    pub async fn auth_session(&self, token_hash: &str) -> Result<Option<AuthSession>> {
        self.read_optional(
            "SELECT s.user_id, s.csrf, s.expires_at, COALESCE(s.family, s.token_hash) AS family, \
             u.approved_at, u.admin_at \
             FROM auth_sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.revoked = FALSE AND s.expires_at > $2",
            &[Arg::Text(token_hash), Arg::Int(now())],
            |r| {
                Ok(AuthSession {
                    user_id: r.int("user_id")?,
                    csrf: r.text("csrf")?,
                    expires_at: r.int("expires_at")?,
                    family: r.text("family")?,
                    approved: r.opt_int("approved_at")?.is_some(),
                    admin: r.opt_int("admin_at")?.is_some(),
                })
            },
        )
        .await
    }

    pub async fn revoke_auth_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("UPDATE auth_sessions SET revoked = TRUE WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a sign-in: every token it was given, renewals included.
    pub async fn revoke_session_family(&self, family: &str) -> Result<()> {
        sqlx::query("UPDATE auth_sessions SET revoked = TRUE WHERE family = $1")
            .bind(family)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every sign-in of `user` but the family `keep` (after a password change, the
    /// person stays signed in where they changed it).
    pub async fn revoke_other_sessions(&self, user: UserId, keep: &str) -> Result<()> {
        sqlx::query(
            "UPDATE auth_sessions SET revoked = TRUE \
             WHERE user_id = $1 AND COALESCE(family, token_hash) <> $2",
        )
        .bind(user)
        .bind(keep)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Counts a login attempt for `key` before its password is checked, in one statement,
    /// so parallel attempts (from any number of processes) each see the ones before them.
    /// The first `free` tries since the last success (or since `idle_s` of quiet) go
    /// through at once; after that each must wait twice as long as the one before, from
    /// `backoff.0` seconds up to `backoff.1`. A success calls [`Store::login_succeeded`].
    pub async fn login_attempt(
        &self,
        key: &str,
        free: i64,
        idle_s: i64,
        backoff: (i64, i64),
    ) -> Result<LoginGate> {
        let t = now();
        let (first, max_wait_s) = backoff;
        let first_wait: i64 = if free > 1 { 0 } else { first };
        // In SET, the table's columns are the values before this attempt; the new wait is
        // written out twice (for wait_s and next_at) because SQL cannot refer to it.
        const NEW_WAIT: &str = "CASE WHEN login_throttle.last_at < $2 - $3 THEN $6 \
             WHEN login_throttle.failures + 1 < $4 THEN 0 \
             WHEN login_throttle.wait_s = 0 THEN $7 \
             WHEN login_throttle.wait_s * 2 > $5 THEN $5 \
             ELSE login_throttle.wait_s * 2 END";
        let sql = format!(
            "INSERT INTO login_throttle (key, failures, last_at, wait_s, next_at) \
             VALUES ($1, 1, $2, $6, $2 + $6) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN login_throttle.last_at < $2 - $3 THEN 1 \
                 ELSE login_throttle.failures + 1 END, \
               last_at = $2, wait_s = {NEW_WAIT}, next_at = $2 + {NEW_WAIT} \
             WHERE login_throttle.next_at <= $2 OR login_throttle.last_at < $2 - $3 \
             RETURNING failures"
        );
        let row = sqlx::query(&sql)
            .bind(key)
            .bind(t)
            .bind(idle_s)
            .bind(free)
            .bind(max_wait_s)
            .bind(first_wait)
            .bind(first)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(r) = row {
            return Ok(LoginGate::Check {
                failures: r.try_get("failures")?,
            });
        }
        let next: Option<i64> = sqlx::query("SELECT next_at FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("next_at"))
            .transpose()?;
        Ok(LoginGate::Wait {
            seconds: next.map_or(1, |n| (n - t).max(1)),
        })
    }

    /// A correct password: the key's count starts again.
    pub async fn login_succeeded(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn revoke_all_sessions(&self, user: UserId) -> Result<()> {
        sqlx::query("UPDATE auth_sessions SET revoked = TRUE WHERE user_id = $1")
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a failed login for `key` and returns how many failures it has had in the
    /// last `window_s` seconds.
    pub async fn note_login_failure(&self, key: &str, window_s: i64) -> Result<i64> {
        let t = now();
        sqlx::query("INSERT INTO login_attempts (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(t)
            .execute(&self.pool)
            .await?;
        self.login_failures(key, window_s).await
    }

    pub async fn login_failures(&self, key: &str, window_s: i64) -> Result<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM login_attempts WHERE key = $1 AND at > $2")
                .bind(key)
                .bind(now() - window_s)
                .fetch_one(&self.pool)
                .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_attempts WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_invite(&self, code: &str, clinician: UserId, ttl_s: i64) -> Result<()> {
        let t = now();
        sqlx::query(
            "INSERT INTO invites (code, clinician_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(code)
        .bind(clinician)
        .bind(t)
        .bind(t + ttl_s)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The patient accepts an invitation: links them to its clinician, once.
    pub async fn accept_invite(&self, code: &str, patient: UserId) -> Result<UserId> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "UPDATE invites SET accepted_by = $1, accepted_at = $3 WHERE code = $2 AND accepted_by IS NULL \
             AND revoked_at IS NULL AND expires_at > $3 RETURNING clinician_id",
        )
        .bind(patient)
        .bind(code.trim())
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            StoreError::Invalid("that invitation code is unknown, used, revoked or expired; ask your clinician for a new one".into())
        })?;
        let clinician: UserId = row.try_get("clinician_id")?;
        if clinician == patient {
            return Err(StoreError::Invalid(
                "you cannot accept your own invitation".into(),
            ));
        }
        sqlx::query(
            "INSERT INTO links (clinician_id, patient_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (clinician_id, patient_id) DO NOTHING",
        )
        .bind(clinician)
        .bind(patient)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(clinician)
    }

    /// The clinician's codes, newest first, each with its state at `at` (Unix seconds).
    pub async fn invites_of(&self, clinician: UserId, at: i64) -> Result<Vec<InviteListing>> {
        let rows = sqlx::query(
            "SELECT i.code, i.created_at, i.expires_at, i.accepted_by, i.accepted_at, i.revoked_at, \
             u.display_name AS accepted_by_name \
             FROM invites i LEFT JOIN users u ON u.id = i.accepted_by \
             WHERE i.clinician_id = $1 ORDER BY i.created_at DESC, i.code LIMIT $2",
        )
        .bind(clinician)
        .bind(INVITES_LISTED)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let accepted_by: Option<UserId> = r.try_get("accepted_by")?;
                let revoked_at: Option<i64> = r.try_get("revoked_at")?;
                let expires_at: i64 = r.try_get("expires_at")?;
                // Used wins over revoked or expired: the link it made is what matters.
                let state = if accepted_by.is_some() {
                    InviteState::Used
                } else if revoked_at.is_some() {
                    InviteState::Revoked
                } else if expires_at <= at {
                    InviteState::Expired
                } else {
                    InviteState::Unused
                };
                Ok(InviteListing {
                    code: r.try_get("code")?,
                    state,
                    created_at: r.try_get("created_at")?,
                    expires_at,
                    accepted_by,
                    accepted_by_name: r.try_get("accepted_by_name")?,
                    accepted_at: r.try_get("accepted_at")?,
                    revoked_at,
                })
            })
            .collect()
    }

    /// Revokes one of the clinician's codes so nobody can accept it any more.
    pub async fn revoke_invite(&self, clinician: UserId, code: &str) -> Result<Revoked> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "SELECT accepted_by, revoked_at FROM invites WHERE code = $1 AND clinician_id = $2",
        )
        .bind(code)
        .bind(clinician)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(Revoked::NotFound);
        };
        let accepted_by: Option<UserId> = row.try_get("accepted_by")?;
        if accepted_by.is_some() {
            tx.rollback().await?;
            return Ok(Revoked::AlreadyUsed);
        }
        // The guard on accepted_by closes the race with a patient accepting it just now.
        let changed = sqlx::query(
            "UPDATE invites SET revoked_at = COALESCE(revoked_at, $3) \
             WHERE code = $1 AND clinician_id = $2 AND accepted_by IS NULL",
        )
        .bind(code)
        .bind(clinician)
        .bind(now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(if changed == 1 {
            Revoked::Done
        } else {
            Revoked::AlreadyUsed
        })
    }

    /// Ends the link between a patient and a clinician; whether there was one. What the
    /// clinician set in the programme (caps, a pause, a tier) stays: it is the programme's.
    pub async fn unlink(&self, clinician: UserId, patient: UserId) -> Result<bool> {
        let n = sqlx::query("DELETE FROM links WHERE clinician_id = $1 AND patient_id = $2")
            .bind(clinician)
            .bind(patient)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    /// The clinicians a person is linked to, in the order they were linked.
    pub async fn linked_clinicians(&self, patient: UserId) -> Result<Vec<LinkedClinician>> {
        let rows = sqlx::query(
            "SELECT u.id, u.display_name, u.email, l.created_at FROM links l \
             JOIN users u ON u.id = l.clinician_id WHERE l.patient_id = $1 \
             ORDER BY l.created_at, u.id",
        )
        .bind(patient)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LinkedClinician {
                    id: r.try_get("id")?,
                    name: r.try_get("display_name")?,
                    email: r.try_get("email")?,
                    linked_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    pub async fn is_linked(&self, clinician: UserId, patient: UserId) -> Result<bool> {
        Ok(
            sqlx::query("SELECT 1 AS one FROM links WHERE clinician_id = $1 AND patient_id = $2")
                .bind(clinician)
                .bind(patient)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    pub async fn patients_of(&self, clinician: UserId) -> Result<Vec<UserId>> {
        let rows =
            sqlx::query("SELECT patient_id FROM links WHERE clinician_id = $1 ORDER BY patient_id")
                .bind(clinician)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok(r.try_get("patient_id")?)).collect()
    }

    pub async fn clinicians_of(&self, patient: UserId) -> Result<Vec<UserId>> {
        let rows = sqlx::query(
            "SELECT clinician_id FROM links WHERE patient_id = $1 ORDER BY clinician_id",
        )
        .bind(patient)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get("clinician_id")?))
            .collect()
    }
}
