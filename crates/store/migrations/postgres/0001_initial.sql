-- Users: people who walk, and clinicians. The CLI uses one local person.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    role TEXT NOT NULL CHECK (role IN ('person', 'clinician')),
    created_at BIGINT NOT NULL
);

CREATE TABLE profiles (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    data TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The programme's state is a fold over its events; `state` caches the fold at `seq`
-- and `initial` keeps the starting point so history can always be replayed.
CREATE TABLE programmes (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    start_date TEXT NOT NULL,
    initial TEXT NOT NULL,
    state TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    decision TEXT,
    actor_id BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, seq)
);

-- A live treadmill run and its 1 Hz telemetry.
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    plan TEXT NOT NULL,
    stop_reason TEXT
);

CREATE TABLE telemetry (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    t_ms BIGINT NOT NULL,
    speed_kmh DOUBLE PRECISION NOT NULL,
    incline_pct DOUBLE PRECISION,
    distance_m DOUBLE PRECISION NOT NULL,
    heart_rate BIGINT,
    rr TEXT,
    PRIMARY KEY (run_id, t_ms)
);

-- Web sign-in sessions, login throttling, and clinician links; kept in the database so
-- several app processes can share them.
CREATE TABLE auth_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE login_attempts (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_attempts_key_at ON login_attempts (key, at);

CREATE TABLE invites (
    code TEXT PRIMARY KEY,
    clinician_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_by BIGINT REFERENCES users(id)
);

CREATE TABLE links (
    clinician_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    patient_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (clinician_id, patient_id)
);
