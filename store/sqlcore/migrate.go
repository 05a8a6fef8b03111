package sqlcore

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"smarketing/store"
)

// Migrate brings the schema up to the backend's migrations, the files of
// fsys's migrations directory ([store.ReadMigrations]): it creates schema_migrations with create (the backend's CREATE TABLE IF
// NOT EXISTS), refuses a schema newer than ms, and applies every migration
// not recorded there (not only those above the highest applied: one added
// between two others still runs), each in a transaction of its own run
// by step: one that keeps other instances' steps out until it commits, and
// whose statements see what those committed (PostgreSQL: READ COMMITTED
// under an advisory lock). A nil step is the backend's write transaction
// (SQLite's, exclusive already). Then it fills in, in Go, what a migration
// could not compute in SQL ([DB.BackfillOrigins]).
func (db *DB) Migrate(ctx context.Context, fsys fs.FS, create string, step func(context.Context, func(tx *Tx) error) error) error {
	ms, err := store.ReadMigrations(fsys, "migrations")
	if err != nil {
		return err
	}
	if step == nil {
		step = db.write
	}
	// CREATE TABLE IF NOT EXISTS is not safe against a concurrent one
	// (PostgreSQL): the lock makes it so.
	if err := step(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, create)
		return err
	}); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, latest := map[int]bool{}, 0
	err = db.read(ctx, func(tx *Tx) error {
		clear(applied)
		rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations")
		if err != nil {
			return err
		}
		return scanEach(rows, func(r Rows) error {
			var v int
			err := r.Scan(&v)
			applied[v], latest = true, max(latest, v)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if n := len(ms); n > 0 && latest > ms[n-1].Version {
		return fmt.Errorf("schema version %d is newer than this smarketing knows (%d): upgrade smarketing", latest, ms[n-1].Version)
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := step(ctx, func(tx *Tx) error { return applyMigration(ctx, tx, m) }); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return db.BackfillOrigins(ctx)
}

// backfillChunk is how many leads one transaction of [DB.BackfillOrigins]
// updates: the bot's writes (another instance's) get in between.
const backfillChunk = 500

// BackfillOrigins gives every lead stored without a source (before the
// lead loop's migration added it) the origin [store.OriginOf] finds in its
// text and poster, in one pass over them by id, a chunk per write
// transaction, and logs how many it filled in. Run at every Open, it finds
// nothing once done (a lead is stored with its source since), and two
// instances opening at once write the same values.
func (db *DB) BackfillOrigins(ctx context.Context) error {
	var after int64
	total := 0
	for {
		var last int64
		n := 0
		err := db.write(ctx, func(tx *Tx) error {
			last, n = after, 0
			rows, err := tx.Query(ctx, `SELECT id, text, posted_by FROM leads
				WHERE source = '' AND status = 'lead' AND id > ? ORDER BY id LIMIT ?`, after, backfillChunk)
			if err != nil {
				return err
			}
			var args []any
			err = scanEach(rows, func(r Rows) error {
				var text, postedBy string
				if err := r.Scan(&last, &text, &postedBy); err != nil {
					return err
				}
				o := store.OriginOf(text, postedBy)
				args = append(args, last, o.Source, o.Campaign)
				n++
				return nil
			})
			if err != nil || n == 0 {
				return err
			}
			// CAST: PostgreSQL takes an untyped VALUES column for text.
			_, err = tx.Exec(ctx, `UPDATE leads SET source = v.column2, campaign = v.column3
				FROM (VALUES `+strings.Repeat(", (CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT))", n)[2:]+`) AS v
				WHERE leads.id = v.column1`, args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("backfill lead origins: %w", err)
		}
		total, after = total+n, last
		if n < backfillChunk {
			break
		}
	}
	if total > 0 {
		db.log.Info("lead origins backfilled", "leads", total)
	}
	return nil
}

func applyMigration(ctx context.Context, tx *Tx, m store.Migration) error {
	// Another instance may have applied it while this one waited.
	var done int64
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	// No arguments: each driver runs every statement of the file (pgx as
	// one simple query), in this transaction.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", m.Version, Nanos(tx.Now))
	return err
}

// SchemaVersion returns the highest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.pool().QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}
