-- Glossary gaps (store/gaps.go): how often a text (by store.Key) was
-- looked up and not found, per day in the bot's zone (YYYY-MM-DD); and who
-- asked to be told when a term of that name is added. Times are Unix
-- nanoseconds, UTC.
CREATE TABLE term_gaps (
    key   TEXT    NOT NULL,
    day   TEXT    NOT NULL,
    asked INTEGER NOT NULL,
    PRIMARY KEY (key, day)
);
CREATE INDEX term_gaps_day ON term_gaps (day);

CREATE TABLE gap_requests (
    key          TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    requested_at INTEGER NOT NULL,
    PRIMARY KEY (key, user_id)
);
