-- Anyone could sign up as a clinician and act on a patient who accepted their invite
-- (issue 14). A clinician now acts only once a server administrator has approved them,
-- and the first account made on an empty server is its administrator.
ALTER TABLE users ADD COLUMN approved_at BIGINT;
ALTER TABLE users ADD COLUMN admin_at BIGINT;

-- Clinicians who were working before approval existed stay approved, so an upgrade does
-- not lock a running clinic out of its patients; `retrowalk admin list` shows them for
-- review and `retrowalk admin revoke EMAIL` withdraws one.
UPDATE users SET approved_at = created_at WHERE role = 'clinician';

-- One row per one-time event of the server's life. 'first_account' is taken by the first
-- account made with a password, in the transaction that creates it, so two sign-ups on an
-- empty server cannot both become administrator. A server that already has accounts has
-- had its first one: it gets an administrator only through `retrowalk admin grant`.
CREATE TABLE server_once (
    name TEXT PRIMARY KEY,
    user_id BIGINT,
    at BIGINT NOT NULL
);
INSERT INTO server_once (name, user_id, at)
SELECT 'first_account', NULL, 0
WHERE EXISTS (SELECT 1 FROM users WHERE password_hash IS NOT NULL);
