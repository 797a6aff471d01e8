-- The day an event is about: a session's date, or the session a next-morning check
-- follows. Today's page and a clinician's patient list only need the last days and the
-- last few sessions, so they read those rows through these indexes instead of decoding a
-- person's whole history on every request.
ALTER TABLE events ADD COLUMN day TEXT;
UPDATE events SET day = json_extract(data, '$.date') WHERE kind = 'session';
UPDATE events SET day = json_extract(data, '$.session_date') WHERE kind = 'morning_pain';
CREATE INDEX events_user_kind_day ON events (user_id, kind, day);
CREATE INDEX events_user_kind_seq ON events (user_id, kind, seq);
