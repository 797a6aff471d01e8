-- A client's key for a write it may retry (POST /api/log sends one per log form): the
-- event recorded under it answers the retry, so a resent log never counts twice. Unique per
-- person; events written without a key leave it NULL, and NULLs never collide.
ALTER TABLE events ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX events_user_idempotency_key ON events (user_id, idempotency_key);
