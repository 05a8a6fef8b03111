-- Meeting outcomes (issue 14): action items, the decision log, skipped
-- occurrences, and agenda items linked to the message they came from.
-- Times are Unix nanoseconds, UTC; dates are 'YYYY-MM-DD' in the
-- configured zone ('' for an action without a due date). Deleting a
-- meeting deletes them all (foreign keys are on).
ALTER TABLE meeting_agenda ADD COLUMN link TEXT NOT NULL DEFAULT '';

-- Action items: open while done_at is NULL.
CREATE TABLE meeting_actions (
    id              INTEGER PRIMARY KEY,
    meeting_id      INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    owner           TEXT    NOT NULL,
    owner_name      TEXT    NOT NULL DEFAULT '',
    text            TEXT    NOT NULL,
    due             TEXT    NOT NULL DEFAULT '',
    created_by      TEXT    NOT NULL,
    created_by_name TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    done_at         INTEGER,
    done_by         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX meeting_actions_meeting ON meeting_actions (meeting_id, id);
CREATE INDEX meeting_actions_open_due ON meeting_actions (due, id) WHERE done_at IS NULL;

-- The decision log of a meeting.
CREATE TABLE meeting_decisions (
    id         INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    text       TEXT    NOT NULL,
    by_user    TEXT    NOT NULL,
    by_name    TEXT    NOT NULL DEFAULT '',
    at         INTEGER NOT NULL
);
CREATE INDEX meeting_decisions_at ON meeting_decisions (at, id);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id, at, id);

-- Occurrences skipped with /meeting skip, by day.
CREATE TABLE meeting_skips (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    day        TEXT    NOT NULL,
    added_by   TEXT    NOT NULL DEFAULT '',
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, day)
) WITHOUT ROWID;
