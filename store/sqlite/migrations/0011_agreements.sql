-- Agreed definitions (store/agreement.go, SPEC §8): every term and
-- persona has a version (one more with each edit), an owner (empty: its
-- creator) and agreed_at, the Standing.AgreedAt of its current version,
-- NULL unless both sides approved that version: the store keeps it with
-- every sign-off and edit, so that what is due for review is a query.
-- Each revision carries the version it made. Times are Unix nanoseconds,
-- UTC.
ALTER TABLE terms ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE terms ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE terms ADD COLUMN owner_name TEXT NOT NULL DEFAULT '';
ALTER TABLE terms ADD COLUMN agreed_at INTEGER;

ALTER TABLE personas ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE personas ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE personas ADD COLUMN owner_name TEXT NOT NULL DEFAULT '';
ALTER TABLE personas ADD COLUMN agreed_at INTEGER;

ALTER TABLE revisions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- The versions so far: a revision is its position in its record's
-- history, a record has as many versions as revisions (at least one).
UPDATE revisions SET version = (SELECT COUNT(*) FROM revisions r
    WHERE r.kind = revisions.kind AND r.record_id = revisions.record_id AND r.id <= revisions.id);
UPDATE terms SET version = max(1, (SELECT COUNT(*) FROM revisions r
    WHERE r.kind = 'term' AND r.record_id = terms.id));
UPDATE personas SET version = max(1, (SELECT COUNT(*) FROM revisions r
    WHERE r.kind = 'persona' AND r.record_id = personas.id));

-- Every approval and dispute of every version, oldest first. side is the
-- side an approval counts for, '' for a dispute; dual marks an approver on
-- both sides. Deleting the record deletes its rows (as its revisions).
CREATE TABLE signoffs (
    id        INTEGER PRIMARY KEY,
    kind      TEXT    NOT NULL CHECK (kind IN ('term', 'persona')),
    record_id INTEGER NOT NULL,
    version   INTEGER NOT NULL,
    user_id   TEXT    NOT NULL,
    user_name TEXT    NOT NULL DEFAULT '',
    side      TEXT    NOT NULL CHECK (side IN ('sales', 'marketing', '')),
    dual      INTEGER NOT NULL DEFAULT 0,
    dispute   INTEGER NOT NULL DEFAULT 0,
    reason    TEXT    NOT NULL DEFAULT '',
    at        INTEGER NOT NULL
);
CREATE INDEX signoffs_record ON signoffs (kind, record_id, id);

-- What is due for review, and when the next one falls due.
CREATE INDEX terms_agreed ON terms (agreed_at) WHERE agreed_at IS NOT NULL;
CREATE INDEX personas_agreed ON personas (agreed_at) WHERE agreed_at IS NOT NULL;
