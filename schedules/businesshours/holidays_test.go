package businesshours

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseHolidaysList(t *testing.T) {
	tests := []struct {
		value string
		want  []string
	}{
		{"", []string{}},
		{"2026-12-25", []string{"2026-12-25"}},
		{"2026-12-25, 2026-12-24,2026-12-25", []string{"2026-12-24", "2026-12-25"}},
		{" 2027-01-01 ,, 2026-12-31, ", []string{"2026-12-31", "2027-01-01"}},
		{"1969-12-31,1970-01-01", []string{"1969-12-31", "1970-01-01"}},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			h, err := ParseHolidays(tc.value)
			if err != nil {
				t.Fatalf("ParseHolidays(%q): %v", tc.value, err)
			}
			if got := h.Dates(); !slices.Equal(got, tc.want) {
				t.Fatalf("Dates() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseHolidaysErrors(t *testing.T) {
	tests := []struct {
		value string
		want  string
	}{
		{"2026-13-01", `bad date "2026-13-01" (use YYYY-MM-DD, e.g. 2026-12-25)`},
		{"2026-12-25,2026-02-30", `bad date "2026-02-30" (use YYYY-MM-DD, e.g. 2026-12-25)`},
		{"2026-1-5", `bad date "2026-1-5" (use YYYY-MM-DD, e.g. 2026-12-25)`},
		{"2026-12-25 2026-12-26", `bad date "2026-12-25 2026-12-26" (use YYYY-MM-DD, e.g. 2026-12-25)`},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			_, err := ParseHolidays(tc.value)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("ParseHolidays(%q) error = %v, want %s", tc.value, err, tc.want)
			}
		})
	}
}

func TestParseHolidaysFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("holidays.txt", "# France 2026\n\n2026-12-25 # Noël\r\n  2026-11-11\n2026-12-25\n   # indented comment\n2027-01-01")
	bad := write("bad.txt", "# 2026\n2026-12-25\n\n2026-12-32 # typo\n")
	digits := write("2026", "2026-05-01\n")

	tests := []struct {
		name    string
		value   string
		chdir   bool
		want    []string
		wantErr string
	}{
		{name: "comments and blank lines", value: good, want: []string{"2026-11-11", "2026-12-25", "2027-01-01"}},
		{name: "relative path without a slash", value: "holidays.txt", chdir: true, want: []string{"2026-11-11", "2026-12-25", "2027-01-01"}},
		{name: "existing file named like a date", value: "2026", chdir: true, want: []string{"2026-05-01"}},
		{name: "absolute path named like a date", value: digits, want: []string{"2026-05-01"}},
		{name: "bad date", value: bad, wantErr: bad + `:4: bad date "2026-12-32" (use YYYY-MM-DD, e.g. 2026-12-25)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.chdir {
				t.Chdir(dir)
			}
			h, err := ParseHolidays(tc.value)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("ParseHolidays error = %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseHolidays(%q): %v", tc.value, err)
			}
			if got := h.Dates(); !slices.Equal(got, tc.want) {
				t.Fatalf("Dates() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseHolidaysMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.txt")
	_, err := ParseHolidays(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ParseHolidays(missing) error = %v, want fs.ErrNotExist", err)
	}
	if want := "read holidays: open " + path + ": "; !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error = %q, want it to start with %q", err, want)
	}
}

func TestHolidaysHas(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	h := mustHolidays(t, "2026-12-25")
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"start of the day", time.Date(2026, 12, 25, 0, 0, 0, 0, paris), true},
		{"end of the day", time.Date(2026, 12, 25, 23, 59, 59, 999999999, paris), true},
		{"the day after", time.Date(2026, 12, 26, 0, 0, 0, 0, paris), false},
		{"UTC on the eve, already the day in Paris", time.Date(2026, 12, 24, 23, 30, 0, 0, time.UTC), false},
		{"the same instant in Paris", time.Date(2026, 12, 24, 23, 30, 0, 0, time.UTC).In(paris), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := h.Has(tc.t); got != tc.want {
				t.Fatalf("Has(%v) = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
	if (Holidays{}).Has(time.Now()) {
		t.Fatalf("zero Holidays has a holiday")
	}
}
