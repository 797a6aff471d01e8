-- What a person or clinician wrote alongside a change: the notes on a session log, the
-- reason a clinician gave for a pause, the note with a recorded clearance. Kept beside
-- the event rather than inside it, so the engine's events stay pure facts.
ALTER TABLE events ADD COLUMN note TEXT;
