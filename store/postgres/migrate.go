package postgres

import (
	"context"
	"embed"
	"fmt"
	"smarketing/store"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations are this backend's schema steps.
func migrations() ([]store.Migration, error) {
	return store.ReadMigrations(migrationFiles, "migrations")
}

// migrationLock is the key of the advisory lock every migration step takes
// inside its transaction, so that instances starting at once apply each
// migration once, one after the other ("smk-migr" in ASCII).
const migrationLock int64 = 0x736d6b2d6d696772

// migrate applies, in order and each in its own transaction, every
// migration not recorded in schema_migrations.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	// CREATE TABLE IF NOT EXISTS is not safe against a concurrent one: the
	// lock makes it so.
	if err := db.migrationStep(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    BIGINT PRIMARY KEY,
			applied_at BIGINT NOT NULL)`)
		return err
	}); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, latest, err := db.appliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if n := len(ms); n > 0 && latest > ms[n-1].Version {
		return fmt.Errorf("schema version %d is newer than this smarketing knows (%d): upgrade smarketing", latest, ms[n-1].Version)
	}
	// Every migration not applied yet, in order (not only those above the
	// highest applied: one added between two others still runs).
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := db.migrationStep(ctx, func(tx *Tx) error { return applyMigration(ctx, tx, m) }); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

func (db *DB) appliedMigrations(ctx context.Context) (map[int]bool, int, error) {
	rows, err := db.pool.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	applied, latest := map[int]bool{}, 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, 0, err
		}
		applied[v], latest = true, max(latest, v)
	}
	return applied, latest, rows.Err()
}

// migrationStep runs fn in a transaction holding the migration lock.
func (db *DB) migrationStep(ctx context.Context, fn func(tx *Tx) error) error {
	pgtx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer db.rollback(ctx, pgtx)
	if _, err := pgtx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if err := fn(newTx(pgtx, time.Now().UTC())); err != nil {
		return err
	}
	return pgtx.Commit(ctx)
}

func applyMigration(ctx context.Context, tx *Tx, m store.Migration) error {
	// Another instance may have applied it while this one waited for the
	// lock.
	var done bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)", m.Version).Scan(&done); err != nil {
		return err
	}
	if done {
		return nil
	}
	// No arguments: pgx sends it as one simple query, every statement of
	// the file in this transaction.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", m.Version, nanos(tx.Now))
	return err
}

// SchemaVersion returns the highest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.pool.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}
