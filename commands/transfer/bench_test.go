package transfer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"smarketing/commands/transfer"
	"smarketing/store"
	"smarketing/store/storetest"
)

// writeTermsJSON writes n generated terms in the export format to a file in
// dir, every tenth with aliases and a category.
func writeTermsJSON(tb testing.TB, dir string, n int) string {
	tb.Helper()
	ds := store.Dataset{Version: store.DatasetVersion}
	at := time.Date(2024, 3, 5, 14, 30, 0, 0, time.UTC)
	for i := range n {
		t := store.TermRecord{
			Name:       fmt.Sprintf("Term %05d", i),
			Aliases:    []string{},
			Definition: fmt.Sprintf("Definition number %d of a generated glossary, long enough to look like a real one: a lead that marketing judges ready for sales.", i),
			CreatedBy:  "UGEN", CreatedAt: at, UpdatedBy: "UGEN", UpdatedAt: at,
		}
		if i%10 == 0 {
			t.Aliases = []string{fmt.Sprintf("T%05d", i), fmt.Sprintf("Alias %05d", i)}
			t.Category = "Generated"
		}
		ds.Terms = append(ds.Terms, t)
	}
	data, err := transfer.Marshal(ds)
	if err != nil {
		tb.Fatal(err)
	}
	file := filepath.Join(dir, fmt.Sprintf("terms-%d.json", n))
	if err := os.WriteFile(file, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return file
}

// BenchmarkImport10kTerms imports 10,000 terms into a fresh database per
// iteration: parsing, validation and the one transaction.
func BenchmarkImport10kTerms(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	file := writeTermsJSON(b, dir, 10_000)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := storetest.Open(b, time.Time{})
		b.StartTimer()
		sum, err := transfer.Import(ctx, db, file, transfer.ImportOptions{By: store.Actor{ID: "import", Name: "import"}})
		b.StopTimer()
		if err != nil || sum.Created != 10_000 {
			b.Fatalf("Import = %+v, %v; want 10,000 created", sum, err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
