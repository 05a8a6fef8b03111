package commands

import (
	"context"
	"fmt"
	"testing"
	"time"

	"smarketing/store"
)

// BenchmarkHome builds the App Home of someone on the sales side over
// 10,000 terms (every one waiting for sales) and 100,000 leads with about
// 150,000 ratings. Target (issue 15): under 50 ms of the bot's own time.
func BenchmarkHome(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	db := benchLeads(b, 100_000, 3, now)
	ds := store.Dataset{Version: 1, Terms: make([]store.TermRecord, 10_000)}
	for i := range ds.Terms {
		at := now.Add(-time.Duration(i) * time.Minute)
		ds.Terms[i] = store.TermRecord{Name: fmt.Sprintf("Term %05d", i), Aliases: []string{}, Definition: "What both teams mean by it.",
			CreatedBy: "UMKT", CreatedAt: at, UpdatedBy: "UMKT", UpdatedAt: at}
	}
	if _, err := db.Import(context.Background(), ds, store.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	h := New(db, Options{LeadsChannels: []string{"CLEADS"}, SLA: 24 * time.Hour, Now: func() time.Time { return now },
		Reactions: map[string]string{"+1": "good", "-1": "poor", "fire": "hot"}, Sides: fakeSides{sales: map[string]bool{"USALES": true}}})
	ctx := context.Background()
	for b.Loop() {
		blocks, err := h.Home(ctx, "USALES", "")
		if err != nil || len(blocks) < 20 || len(blocks) > 100 {
			b.Fatalf("home: %d blocks, %v", len(blocks), err)
		}
	}
}
