-- Glossary gaps (store/gaps.go), as SQLite's migration 0010: how often a
-- text (by store.Key) was looked up and not found, per day in the bot's
-- zone (YYYY-MM-DD); and who asked to be told when a term of that name is
-- added. Times are Unix nanoseconds, UTC.
CREATE TABLE term_gaps (
    key   TEXT COLLATE "C" NOT NULL,
    day   TEXT COLLATE "C" NOT NULL,
    asked BIGINT NOT NULL,
    PRIMARY KEY (key, day)
);
CREATE INDEX term_gaps_day ON term_gaps (day);

CREATE TABLE gap_requests (
    key          TEXT COLLATE "C" NOT NULL,
    user_id      TEXT COLLATE "C" NOT NULL,
    requested_at BIGINT NOT NULL,
    PRIMARY KEY (key, user_id)
);
