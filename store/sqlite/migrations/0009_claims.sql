-- Claims (store/claims.go): one row per thing done once — a recap run, a
-- meeting reminder, an SLA reminder — held by an owner for a lease and then
-- 'done'. They replace runs, meeting_runs and leads.reminder, whose
-- 'posting' state could outlive a crash for ever; what those recorded is
-- carried over (a 'posting' one as a held claim whose lease has run out, so
-- it is taken over). Times are Unix nanoseconds, UTC.
CREATE TABLE claims (
    key        TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('held', 'done')),
    claimed_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX claims_done ON claims (updated_at) WHERE state = 'done';

INSERT INTO claims (key, owner, state, claimed_at, expires_at, updated_at)
SELECT job || ':' || strftime('%Y-%m-%dT%H:%M:%SZ', scheduled_at / 1000000000, 'unixepoch'), '',
       CASE state WHEN 'posted' THEN 'done' ELSE 'held' END, updated_at, 0, updated_at
FROM runs;
INSERT OR IGNORE INTO claims (key, owner, state, claimed_at, expires_at, updated_at)
SELECT 'meeting:' || meeting_id || ':' || strftime('%Y-%m-%dT%H:%M:%SZ', occurrence / 1000000000, 'unixepoch'), '',
       CASE state WHEN 'posted' THEN 'done' ELSE 'held' END, updated_at, 0, updated_at
FROM meeting_runs;
INSERT OR IGNORE INTO claims (key, owner, state, claimed_at, expires_at, updated_at)
SELECT 'sla:' || id, '', CASE reminder WHEN 'sent' THEN 'done' ELSE 'held' END, posted_at, 0, posted_at
FROM leads WHERE reminder <> '';
DROP TABLE runs;
DROP TABLE meeting_runs;
-- leads.reminder stays (a column with a CHECK cannot be dropped) but is
-- no longer read or written.

-- The inbox (migration 0007) is gone: events are acknowledged once
-- committed.
DROP TABLE inbox_applied;

-- Events the database refused (a constraint): recorded and skipped, so a
-- redelivery does not fail for ever and nothing is silently lost.
CREATE TABLE failed_events (
    id       INTEGER PRIMARY KEY,
    event_id TEXT    NOT NULL,
    event    TEXT    NOT NULL,
    error    TEXT    NOT NULL,
    at       INTEGER NOT NULL
);
