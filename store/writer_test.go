package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestWriterConnectionSetUp: the writer connection keeps statement journals
// in memory (in files they made every event 3-4 times dearer) and leaves
// checkpoints to the checkpointer, also after database/sql replaces the
// connection.
func TestWriterConnectionSetUp(t *testing.T) {
	ctx := context.Background()
	db := mustOpenTestDB(t, filepath.Join(t.TempDir(), "smarketing.db"))
	for round := range 2 {
		var tempStore, autoCheckpoint int
		if err := db.w.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&tempStore); err != nil {
			t.Fatal(err)
		}
		if err := db.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&autoCheckpoint); err != nil {
			t.Fatal(err)
		}
		if tempStore != 2 || autoCheckpoint != 0 {
			t.Fatalf("round %d: temp_store = %d, wal_autocheckpoint = %d; want 2 (memory) and 0", round, tempStore, autoCheckpoint)
		}
		// Make database/sql open a new writer connection.
		db.w.SetMaxIdleConns(0)
		db.w.SetMaxIdleConns(2)
	}
}
