package storetest

import (
	"testing"
)

// postgresDSN returns a new PostgreSQL database for tb; see [PostgresDSN].
func postgresDSN(tb testing.TB) string {
	tb.Helper()
	tb.Fatalf("the PostgreSQL backend is not built yet")
	return ""
}
