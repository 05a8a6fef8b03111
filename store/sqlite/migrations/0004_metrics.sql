-- Marketing metrics set with /metrics: one number per metric name and ISO
-- week (the week as the configured zone counts it); setting it again
-- replaces it. unit is '%' for percentages, '' otherwise. set_at is Unix
-- nanoseconds, UTC.
CREATE TABLE metrics (
    name   TEXT    NOT NULL CHECK (name <> ''),
    year   INTEGER NOT NULL,
    week   INTEGER NOT NULL CHECK (week BETWEEN 1 AND 53),
    value  REAL    NOT NULL,
    unit   TEXT    NOT NULL DEFAULT '' CHECK (unit IN ('', '%')),
    set_by TEXT    NOT NULL DEFAULT '',
    set_at INTEGER NOT NULL,
    PRIMARY KEY (name, year, week)
) WITHOUT ROWID;
CREATE INDEX metrics_week ON metrics (year, week);
