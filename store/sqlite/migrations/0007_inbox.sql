-- The sequence number of the last inbox record applied (store/inbox.go):
-- written in the same transaction as the events, so a replay after a crash
-- skips exactly what is already in the database.
CREATE TABLE inbox_applied (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO inbox_applied (id, seq) VALUES (1, 0);
