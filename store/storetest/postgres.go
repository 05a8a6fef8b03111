package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"smarketing/store"
)

// postgresDSN returns a new PostgreSQL database for tb; see [PostgresDSN].
func postgresDSN(tb testing.TB) string {
	tb.Helper()
	return PostgresDSN(tb)
}

// PostgresDSN creates a new, empty database on the server at
// SMARKETING_TEST_POSTGRES (named smk_ and random hex, so that tests and
// test processes running at once never share one), returns its URL, and
// drops it, whoever is still connected, when the test ends. Without a
// server that answers, the test is skipped — or fails, in CI ([InCI]).
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv("SMARKETING_TEST_POSTGRES")
	if admin == "" {
		noPostgres(tb, "SMARKETING_TEST_POSTGRES is not set (a postgres:// URL of a role that may create databases; "+
			"`source .ci/postgres.sh` starts a throwaway server and sets it)")
		return ""
	}
	u, err := url.Parse(admin)
	if err != nil || !store.IsPostgres(admin) {
		tb.Fatalf("SMARKETING_TEST_POSTGRES=%q is not a postgres:// URL", store.Redact(admin))
	}
	var buf [8]byte
	if _, err := rand.Read(buf[:]); err != nil {
		tb.Fatal(err)
	}
	name := "smk_" + hex.EncodeToString(buf[:])
	if err := adminExec(admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		noPostgres(tb, "PostgreSQL at SMARKETING_TEST_POSTGRES="+store.Redact(admin)+" cannot create a database: "+err.Error())
		return ""
	}
	tb.Cleanup(func() {
		// FORCE: a store the test left open (or a connection its pool
		// has not closed yet) does not keep the database.
		if err := adminExec(admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// noPostgres skips tb, or fails it in CI, where PostgreSQL must be there.
func noPostgres(tb testing.TB, why string) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("PostgreSQL is needed in CI: %s", why)
	}
	tb.Skipf("skipped: no PostgreSQL to test on: %s", why)
}

// adminExec runs one statement on the server's administration database
// (the one SMARKETING_TEST_POSTGRES names).
func adminExec(admin, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// LockTables has another connection to the PostgreSQL database at dsn take
// tables in EXCLUSIVE mode (others may read them, not write them) in a
// transaction it holds until the returned release is called (or tb ends):
// a writer that holds the store's writes back, as a long import or a
// migration by hand would.
func LockTables(tb testing.TB, dsn string, tables ...string) (release func()) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect to lock tables: %v", err)
	}
	tx, err := conn.Begin(ctx)
	if err == nil {
		names := make([]string, len(tables))
		for i, t := range tables {
			names[i] = pgx.Identifier{t}.Sanitize()
		}
		_, err = tx.Exec(ctx, "LOCK TABLE "+strings.Join(names, ", ")+" IN EXCLUSIVE MODE")
	}
	if err != nil {
		conn.Close(ctx)
		tb.Fatalf("lock tables %v: %v", tables, err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if err := tx.Commit(ctx); err != nil {
				tb.Errorf("release the table locks: %v", err)
			}
			conn.Close(ctx)
		})
	}
	tb.Cleanup(release)
	return release
}
