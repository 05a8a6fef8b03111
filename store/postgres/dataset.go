package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"smarketing/store"
	"smarketing/store/sqlcore"
	"smarketing/store/sqlite"
)

// Import applies ds in one transaction by the rules of [store.ImportInto].
// If another instance's write makes the transaction fail to serialize, the
// whole import runs again (opt.Progress counts from the start again).
func (db *DB) Import(ctx context.Context, ds store.Dataset, opt store.ImportOptions) (store.ImportReport, error) {
	var rep store.ImportReport
	if progress := opt.Progress; progress != nil {
		// A run again after a serialization failure counts from 0 again:
		// report only what goes past what was reported.
		reported := 0
		opt.Progress = func(done, total int) {
			if done > reported {
				reported = done
				progress(done, total)
			}
		}
	}
	err := db.write(ctx, func(tx *Tx) error {
		var err error
		// pgx prepares each statement once per connection and keeps it:
		// the few statements run for every record are not parsed again.
		rep, err = store.ImportInto(ctx, ds, opt, sqlcore.Importer{Tx: tx.Tx, D: dialect{}})
		return err
	})
	if err == nil && len(ds.Terms)+len(ds.Personas)+len(ds.Leads)+len(ds.Meetings)+len(ds.Metrics)+len(ds.SLA) >= bulkRecords {
		db.analyze(ctx)
	}
	return rep, err
}

// bulkRecords is how many records make an import a bulk load, after which
// the tables are analyzed.
const bulkRecords = 1000

// analyze gathers the planner's statistics of every table after a bulk
// load (an import, a copy) and sets their visibility maps: until
// autovacuum comes round to it, the planner would take the tables for
// nearly empty and plan the figures of /leads badly (10 times slower),
// and an index-only scan would still visit every row's page (a week's
// poor ratings: 20 ms instead of 2). What it loaded is committed already,
// so a failure is only logged: autovacuum follows.
func (db *DB) analyze(ctx context.Context) {
	var names []string
	for _, t := range store.Schema() {
		names = append(names, pgx.Identifier{t.Name}.Sanitize())
	}
	if _, err := db.pool.Exec(ctx, "VACUUM (ANALYZE) "+strings.Join(names, ", ")); err != nil {
		db.log.Warn("analyze after a bulk load", "err", err)
	}
}

// Backup writes a consistent copy of everything to file, a new SQLite
// database (so that a backup opens anywhere, without a server): every
// table is read in one snapshot while the bot keeps writing, copied into
// a SQLite store beside file by [store.Copy], and checked and named by
// [sqlite.WriteBackup]. It refuses to overwrite an existing file.
func (db *DB) Backup(ctx context.Context, file string) error {
	return sqlite.WriteBackup(ctx, file, func(ctx context.Context, tmp string) error {
		dst, err := sqlite.Open(ctx, tmp, store.Options{Log: db.log})
		if err != nil {
			return fmt.Errorf("create the copy: %w", err)
		}
		_, err = store.Copy(ctx, db, dst)
		return errors.Join(err, dst.Close())
	})
}
