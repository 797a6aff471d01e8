-- Each `retrowalk serve` process, so a run it drove can be told apart from one a living
-- process drives: a process that died (killed, crashed) leaves its runs open, and the
-- next start closes them instead of answering "driven by another process" for ever.
CREATE TABLE server_instances (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,
    ended_at BIGINT
);
ALTER TABLE runs ADD COLUMN driver TEXT;
