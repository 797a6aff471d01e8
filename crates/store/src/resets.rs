//! One-time password-reset links for a self-hosted server: an administrator issues one from
//! the command line, the person opens it and chooses a new password. Tokens are stored as
//! hashes, expire, and work once.

use crate::{now, Result, Store, StoreError, UserId};
use sqlx::Row;

impl Store {
    /// Stores a reset link's token hash for `user`, valid for `ttl_s` seconds. Any earlier
    /// link of theirs stops working: only the newest one the administrator handed out counts.
    pub async fn create_password_reset(
        &self,
        token_hash: &str,
        user: UserId,
        ttl_s: i64,
    ) -> Result<()> {
        let t = now();
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user)
        .bind(t)
        .bind(t + ttl_s)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whose password an unused, unexpired link may reset.
    pub async fn password_reset_user(&self, token_hash: &str) -> Result<Option<UserId>> {
        let row = sqlx::query(
            "SELECT user_id FROM password_resets \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get("user_id")).transpose()?)
    }

    /// Uses a link: sets the new password hash and signs the person out everywhere, in one
    /// transaction, so a link that was used, expired or never issued changes nothing.
    pub async fn reset_password(&self, token_hash: &str, password_hash: &str) -> Result<UserId> {
        let t = now();
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "UPDATE password_resets SET used_at = $1 \
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
             RETURNING user_id",
        )
        .bind(t)
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            StoreError::Invalid(
                "this reset link is unknown, already used or expired: ask the server's administrator for a new one".into(),
            )
        })?;
        let user: UserId = row.try_get("user_id")?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("person"));
        }
        sqlx::query("UPDATE auth_sessions SET revoked = TRUE WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(user)
    }
}
