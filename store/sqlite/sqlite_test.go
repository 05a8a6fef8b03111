package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"smarketing/store"
	"smarketing/store/sqlite"
	"smarketing/store/storetest"
)

// opener opens SQLite stores in files in the test's temporary directory.
var opener = storetest.Opener{
	DSN: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "smarketing.db") },
	Open: func(ctx context.Context, dsn string, opt store.Options) (store.Store, error) {
		return sqlite.Open(ctx, dsn, opt)
	},
}

// TestStore runs the conformance suite on SQLite.
func TestStore(t *testing.T) { storetest.Run(t, opener) }

// BenchmarkStore runs the suite's benchmarks on SQLite.
func BenchmarkStore(b *testing.B) { storetest.Bench(b, opener) }
