-- A renewed sign-in gets a new token in the same family, so signing out can end every
-- token the sign-in was ever given (the old one stayed valid after logout before).
ALTER TABLE auth_sessions ADD COLUMN family TEXT;
UPDATE auth_sessions SET family = token_hash;
CREATE INDEX auth_sessions_family ON auth_sessions (family);

-- Login throttling per client address and account, counted in one atomic statement so
-- parallel guesses (from any number of app processes) cannot slip past the count.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    wait_s BIGINT NOT NULL,
    next_at BIGINT NOT NULL
);
