-- One-time password-reset links an administrator issues (`retrowalk user reset-password`).
-- Only the token's hash is kept, so a copy of the database hands out no working link;
-- used_at makes a link single-use even when two tabs submit it at once.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);
