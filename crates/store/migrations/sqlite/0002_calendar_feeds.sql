-- A person's subscribable calendar feed. Calendar apps cannot send cookies, so the feed
-- URL carries a secret token; only its hash is kept, like sign-in sessions. One feed per
-- person: making a new one replaces (and so revokes) the old URL.
CREATE TABLE calendar_feeds (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
