-- The lead loop (SPEC §9). Every lead keeps where it came from: its
-- source (never '' for a lead once stored: the store keeps it with
-- store.KeptOrigin, and at Open backfills, in Go with store.OriginOf, the
-- leads stored before this migration, which leads_unsourced finds at no
-- cost once done) and its campaign ('' for none).
--
-- The figures of a window, of all leads or per source or campaign, read
-- every lead of the window once: leads_window covers what they read of a
-- lead (its id being the rowid), so that a window of 8,000 leads is read
-- from the index without a row of the table, and grouping by source or
-- campaign costs no more than the window. (An index led by source would
-- serve one source, not the groups of a window.) It starts with
-- posted_at, so it serves every window query leads_posted served.
ALTER TABLE leads ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN campaign TEXT NOT NULL DEFAULT '';
-- Each lead keeps the counts of its current ratings by kind (good, poor,
-- hot), written with every change of its feedback in the same
-- transaction (sqlcore.recountRatings), so that the figures of a window
-- read one index entry per lead instead of joining and sorting every
-- rating.
ALTER TABLE leads ADD COLUMN good INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN poor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN hot INTEGER NOT NULL DEFAULT 0;
UPDATE leads SET
    good = (SELECT COUNT(*) FROM feedback f WHERE f.lead_id = leads.id AND f.rating = 'good'),
    poor = (SELECT COUNT(*) FROM feedback f WHERE f.lead_id = leads.id AND f.rating = 'poor'),
    hot = (SELECT COUNT(*) FROM feedback f WHERE f.lead_id = leads.id AND f.rating = 'hot')
WHERE EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = leads.id);
CREATE INDEX leads_window ON leads (posted_at, status, deleted, source, campaign, first_feedback_at, good, poor, hot);
DROP INDEX leads_posted;
CREATE INDEX leads_unsourced ON leads (id) WHERE source = '';

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
CREATE INDEX sla_targets_at ON sla_targets (set_at, id);
