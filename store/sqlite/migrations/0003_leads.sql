-- Leads: top-level posts in the leads channels. A reaction on a message the
-- bot has not seen yet creates an 'unverified' row until the message is
-- fetched; only 'lead' rows count anywhere. Times are Unix nanoseconds, UTC.
CREATE TABLE leads (
    id                INTEGER PRIMARY KEY,
    channel           TEXT    NOT NULL,
    ts                TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('lead', 'unverified')),
    text              TEXT    NOT NULL DEFAULT '',
    posted_by         TEXT    NOT NULL DEFAULT '',
    posted_at         INTEGER NOT NULL,
    deleted           INTEGER NOT NULL DEFAULT 0,
    first_feedback_at INTEGER,
    reminder          TEXT    NOT NULL DEFAULT '' CHECK (reminder IN ('', 'sending', 'sent')),
    UNIQUE (channel, ts)
);
CREATE INDEX leads_posted ON leads (posted_at);

-- The rating emoji each user currently has on a lead.
CREATE TABLE lead_reactions (
    lead_id  INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    user     TEXT    NOT NULL,
    emoji    TEXT    NOT NULL,
    rating   TEXT    NOT NULL CHECK (rating IN ('good', 'poor', 'hot')),
    added_at INTEGER NOT NULL,
    PRIMARY KEY (lead_id, user, emoji)
) WITHOUT ROWID;

-- Each user's current rating of a lead (one per user: the latest wins), the
-- emoji that set it, and for poor ratings why.
CREATE TABLE feedback (
    lead_id INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    user    TEXT    NOT NULL,
    rating  TEXT    NOT NULL CHECK (rating IN ('good', 'poor', 'hot')),
    emoji   TEXT    NOT NULL,
    reason  TEXT    NOT NULL DEFAULT '',
    at      INTEGER NOT NULL,
    PRIMARY KEY (lead_id, user)
) WITHOUT ROWID;

-- Slack event ids already applied, so a redelivered event counts once, even
-- across restarts. Pruned after a day.
CREATE TABLE seen_events (
    id      TEXT    PRIMARY KEY,
    seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX seen_events_at ON seen_events (seen_at);
