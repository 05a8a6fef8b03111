package postgres

import (
	"context"
	"embed"
	"fmt"

	"smarketing/store/sqlcore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the key of the advisory lock every migration step takes
// inside its transaction, so that instances starting at once apply each
// migration once, one after the other ("smk-migr" in ASCII).
const migrationLock int64 = 0x736d6b2d6d696772

// migrate brings the schema up to date ([sqlcore.DB.Migrate]), each step
// holding the migration lock.
func (db *DB) migrate(ctx context.Context) error {
	return db.Migrate(ctx, migrationFiles, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    BIGINT PRIMARY KEY,
			applied_at BIGINT NOT NULL)`, db.migrationStep)
}

// migrationStep runs fn in a READ COMMITTED transaction (each statement
// sees what another instance committed while this one waited) holding the
// migration lock.
func (db *DB) migrationStep(ctx context.Context, fn func(tx *sqlcore.Tx) error) error {
	pgtx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer db.rollback(ctx, pgtx)
	if _, err := pgtx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if err := fn(newTx(pgtx, db.now().UTC()).Tx); err != nil {
		return err
	}
	return pgtx.Commit(ctx)
}
