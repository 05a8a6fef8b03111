package cronspec

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	monday := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // a Monday, 09:00
	tests := []struct {
		spec string
		ok   bool
		next time.Time // after monday, when ok
	}{
		{"0 9 * * MON", true, monday.AddDate(0, 0, 7)},
		{"@weekly", true, time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)},
		{"@every 10s", true, monday.Add(10 * time.Second)},
		{"  30 8 * * 1-5 ", true, monday.Add(23*time.Hour + 30*time.Minute)},
		{"", false, time.Time{}},
		{"every monday", false, time.Time{}},
		{"0 9 * *", false, time.Time{}},
		{"0 0 9 * * MON", false, time.Time{}}, // six fields: seconds are not accepted
		{"61 9 * * *", false, time.Time{}},
		{"CRON_TZ=UTC", false, time.Time{}}, // panics inside robfig/cron unguarded
		{"TZ=", false, time.Time{}},
		{"@every 0s", false, time.Time{}},
		{"@every banana", false, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			s, err := Parse(tc.spec)
			if (err == nil) != tc.ok {
				t.Fatalf("Parse(%q) error = %v, want ok=%v", tc.spec, err, tc.ok)
			}
			if tc.ok {
				if got := s.Next(monday); !got.Equal(tc.next) {
					t.Fatalf("Next = %v, want %v", got, tc.next)
				}
			}
		})
	}
}
