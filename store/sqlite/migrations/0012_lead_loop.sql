-- The lead loop (SPEC §9). Every lead keeps where it came from: its
-- source (never '' for a lead once stored: the store fills it with
-- store.KeptOrigin, and at Open backfills the leads this migration finds,
-- in Go, with store.OriginOf) and its campaign ('' for none). The
-- indexes make the figures per source or campaign over a window (and the
-- backfill's search for leads without a source) an index range scan:
-- (value, posted_at) for one value, covering status, deleted and
-- first_feedback_at so that a window grouped by value reads no table row.
ALTER TABLE leads ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN campaign TEXT NOT NULL DEFAULT '';
CREATE INDEX leads_source ON leads (source, posted_at);
CREATE INDEX leads_campaign ON leads (campaign, posted_at);

-- The commitments of the two-way SLA: every change of a target, with who
-- made it and when (the latest per name is in force). name is one of
-- store.SLANames; target is leads per week or a percentage. set_at is
-- Unix nanoseconds, UTC.
CREATE TABLE sla_targets (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL CHECK (name IN ('leads', 'good', 'within')),
    target      REAL    NOT NULL,
    set_by      TEXT    NOT NULL DEFAULT '',
    set_by_name TEXT    NOT NULL DEFAULT '',
    set_at      INTEGER NOT NULL
);
CREATE INDEX sla_targets_at ON sla_targets (name, set_at, id);
