-- Scheduled runs (job, the time it was scheduled for), recorded before the
-- job posts, so the same run never posts twice: not after a restart, not
-- when two runs race. state is 'posting' while in progress, then 'posted'.
CREATE TABLE runs (
    job          TEXT    NOT NULL,
    scheduled_at INTEGER NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('posting', 'posted')),
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (job, scheduled_at)
) WITHOUT ROWID;
