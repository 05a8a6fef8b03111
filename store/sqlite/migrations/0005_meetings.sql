-- Joint sales+marketing meetings. schedule is a cron spec (five fields or a
-- descriptor), read in SMARKETING_TIMEZONE. Times are Unix nanoseconds, UTC.
CREATE TABLE meetings (
    id              INTEGER PRIMARY KEY,
    title           TEXT    NOT NULL,
    schedule        TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    created_by_name TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);

-- Agenda items of a meeting, oldest first. An item is open until a reminder
-- that listed it was posted; then cleared_at is set and it is not shown again.
CREATE TABLE meeting_agenda (
    id            INTEGER PRIMARY KEY,
    meeting_id    INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    text          TEXT    NOT NULL,
    added_by      TEXT    NOT NULL,
    added_by_name TEXT    NOT NULL DEFAULT '',
    added_at      INTEGER NOT NULL,
    cleared_at    INTEGER
);
CREATE INDEX meeting_agenda_open ON meeting_agenda (meeting_id, id) WHERE cleared_at IS NULL;

-- Reminders claimed for one occurrence (its start time) of a meeting. The
-- row is written before the reminder is posted, so a reminder goes out at
-- most once: not after a restart, not when two runs race. A failed post
-- deletes the row so the next run tries again.
CREATE TABLE meeting_runs (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    occurrence INTEGER NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('posting', 'posted')),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, occurrence)
) WITHOUT ROWID;
