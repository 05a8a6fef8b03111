-- Customer insights (SPEC §11): what a salesperson heard from a customer,
-- shared with marketing. Times are Unix nanoseconds, UTC. Deleting a
-- persona keeps its insights, without one (foreign keys are on).
-- channel and ts are the message an insight was shared from ('' for one
-- typed with /insight): a user shares a message once.
CREATE TABLE insights (
    id         INTEGER PRIMARY KEY,
    text       TEXT    NOT NULL,
    persona_id INTEGER REFERENCES personas (id) ON DELETE SET NULL,
    source     TEXT    NOT NULL DEFAULT '',
    by_user    TEXT    NOT NULL,
    by_name    TEXT    NOT NULL DEFAULT '',
    at         INTEGER NOT NULL,
    channel    TEXT    NOT NULL DEFAULT '',
    ts         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX insights_at ON insights (at, id);
CREATE INDEX insights_persona ON insights (persona_id, at, id);
CREATE UNIQUE INDEX insights_message ON insights (channel, ts, by_user) WHERE ts <> '';
