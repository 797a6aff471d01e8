-- Invitation codes a clinician can list and revoke (issue 13): a revoked code can no longer
-- be accepted, and the list says when each code was used. The link a code made is in
-- `links`; a patient who unlinks removes that row, not the code's history.
ALTER TABLE invites ADD COLUMN revoked_at BIGINT;
ALTER TABLE invites ADD COLUMN accepted_at BIGINT;
CREATE INDEX invites_clinician ON invites (clinician_id, created_at);
