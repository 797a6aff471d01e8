-- A programme's version (seq, updated_at, start_date) beside its key, so the patient list
-- can check which of its remembered summaries are still current from this index alone.
CREATE INDEX programmes_versions ON programmes (user_id, seq, updated_at, start_date);
