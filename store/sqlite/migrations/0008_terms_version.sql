-- A counter that moves on in every transaction that changes terms or
-- term_keys (store/termcache.go, touchTerms), whichever process makes it.
-- The term cache reads it on each lookup: while it has not moved, the terms
-- cached are current. It is moved by the store's writers, not by triggers:
-- a trigger on terms gave every insert a statement journal, whose savepoint
-- makes the full-text index flush its pending terms each time, and an import
-- of 10,000 terms took 60% more CPU.
CREATE TABLE terms_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO terms_version (id, n) VALUES (1, 0);
