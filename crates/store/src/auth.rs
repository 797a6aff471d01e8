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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invite {
    pub code: String,
    pub clinician_id: UserId,
    pub expires_at: i64,
    pub accepted_by: Option<UserId>,
}

impl Store {
    /// Stores a session under the hash of its token (the token itself is never stored).
    pub async fn create_auth_session(
        &self,
        token_hash: &str,
        user: UserId,
        csrf: &str,
        ttl_s: i64,
    ) -> Result<()> {
        let t = now();
        sqlx::query(
            "INSERT INTO auth_sessions (token_hash, user_id, csrf, created_at, expires_at, revoked) \
             VALUES ($1, $2, $3, $4, $5, FALSE)",
        )
        .bind(token_hash)
        .bind(user)
        .bind(csrf)
        .bind(t)
        .bind(t + ttl_s)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A live (unexpired, unrevoked) session.
    pub async fn auth_session(&self, token_hash: &str) -> Result<Option<AuthSession>> {
        self.read_optional(
            "SELECT user_id, csrf, expires_at FROM auth_sessions \
             WHERE token_hash = $1 AND revoked = FALSE AND expires_at > $2",
            &[Arg::Text(token_hash), Arg::Int(now())],
            |r| {
                Ok(AuthSession {
                    user_id: r.int("user_id")?,
                    csrf: r.text("csrf")?,
                    expires_at: r.int("expires_at")?,
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
            "UPDATE invites SET accepted_by = $1 WHERE code = $2 AND accepted_by IS NULL AND expires_at > $3 \
             RETURNING clinician_id",
        )
        .bind(patient)
        .bind(code.trim())
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            StoreError::Invalid("that invitation code is unknown, used or expired; ask your clinician for a new one".into())
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
