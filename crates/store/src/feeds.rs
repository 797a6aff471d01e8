//! Calendar feed tokens: the secret in a person's subscribable calendar URL, stored as a
//! hash so a copy of the database does not hand out working feed URLs.

use crate::{now, Result, Store, UserId};
use sqlx::Row;

impl Store {
    /// Sets the person's feed token (by hash), replacing any earlier one, which stops
    /// working at once. Returns when it was made (Unix seconds).
    pub async fn set_calendar_feed(&self, user: UserId, token_hash: &str) -> Result<i64> {
        let t = now();
        sqlx::query(
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, \
             created_at = excluded.created_at",
        )
        .bind(user)
        .bind(token_hash)
        .bind(t)
        .execute(&self.pool)
        .await?;
        Ok(t)
    }

    /// Whose feed a token hash opens, if anyone's.
    pub async fn calendar_feed_user(&self, token_hash: &str) -> Result<Option<UserId>> {
        let row = sqlx::query("SELECT user_id FROM calendar_feeds WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("user_id")).transpose()?)
    }

    /// When the person's current feed token was made, if they have one.
    pub async fn calendar_feed_created(&self, user: UserId) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT created_at FROM calendar_feeds WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("created_at")).transpose()?)
    }

    /// Turns the feed off: its URL stops working.
    pub async fn delete_calendar_feed(&self, user: UserId) -> Result<()> {
        sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
