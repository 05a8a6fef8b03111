-- Terms of the shared glossary. Times are Unix nanoseconds, UTC.
CREATE TABLE terms (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    category        TEXT    NOT NULL DEFAULT '',
    definition      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    created_by_name TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_by      TEXT    NOT NULL,
    updated_by_name TEXT    NOT NULL DEFAULT '',
    updated_at      INTEGER NOT NULL
);

-- Every name and alias of a term, normalised, in one namespace: the primary
-- key is what keeps "MQL" from naming two terms.
CREATE TABLE term_keys (
    key      TEXT    PRIMARY KEY,
    term_id  INTEGER NOT NULL REFERENCES terms (id) ON DELETE CASCADE,
    label    TEXT    NOT NULL,
    position INTEGER NOT NULL -- 0 is the name, 1.. the aliases in order
) WITHOUT ROWID;
CREATE INDEX term_keys_term ON term_keys (term_id, position);

-- One row per saved version of a term or persona (kind), oldest first. data
-- is the record as saved, in JSON; deleting the record deletes its rows.
CREATE TABLE revisions (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('term', 'persona')),
    record_id      INTEGER NOT NULL,
    action         TEXT    NOT NULL CHECK (action IN ('created', 'edited')),
    data           TEXT    NOT NULL,
    edited_by      TEXT    NOT NULL,
    edited_by_name TEXT    NOT NULL DEFAULT '',
    edited_at      INTEGER NOT NULL
);
CREATE INDEX revisions_record ON revisions (kind, record_id, id);

-- Full-text index over terms; docid is terms.id.
CREATE VIRTUAL TABLE terms_fts USING fts4 (name, aliases, definition, tokenize=unicode61);
