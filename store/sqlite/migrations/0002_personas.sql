-- Buyer personas. Times are Unix nanoseconds, UTC. key is the normalised
-- name (see store.Key), unique.
CREATE TABLE personas (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    key             TEXT    NOT NULL UNIQUE,
    role            TEXT    NOT NULL DEFAULT '',
    summary         TEXT    NOT NULL DEFAULT '',
    goals           TEXT    NOT NULL DEFAULT '',
    pains           TEXT    NOT NULL DEFAULT '',
    objections      TEXT    NOT NULL DEFAULT '',
    channels        TEXT    NOT NULL DEFAULT '',
    questions       TEXT    NOT NULL DEFAULT '',
    created_by      TEXT    NOT NULL,
    created_by_name TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_by      TEXT    NOT NULL,
    updated_by_name TEXT    NOT NULL DEFAULT '',
    updated_at      INTEGER NOT NULL
);
