package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestMemoryLimit: the flag wins when given, GOMEMLIMIT when set, else the
// default, which follows the register's size between its floor and ceiling;
// 0 means no limit.
func TestMemoryLimit(t *testing.T) {
	const real, s64k = 18_051_944, 40_630_168 // ../shared's register files, the 64k sample's
	cases := []struct {
		name        string
		flagGiven   bool
		gomemlimit  string
		mib         int
		sourceBytes int64
		want        int64
		set         bool
	}{
		{"default, the real register: the floor", false, "", 0, real, 340 << 20, true},
		{"default, the 64k sample: 8.5 x 38.7 MiB = 329 MiB, the floor", false, "", 0, s64k, 340 << 20, true},
		{"default, no register files: the floor", false, "", 0, 0, 340 << 20, true},
		{"default, 100 MiB of files: 8.5 times", false, "", 0, 100 << 20, 850 << 20, true},
		{"default, 613 MiB of files (1M components): the ceiling", false, "", 0, 613 << 20, 1800 << 20, true},
		{"default, more bytes than fit: the ceiling", false, "", 0, math.MaxInt64, 1800 << 20, true},
		{"GOMEMLIMIT set, flag not given: the runtime's", false, "1GiB", 0, real, 0, false},
		{"flag given beats GOMEMLIMIT", true, "1GiB", 512, real, 512 << 20, true},
		{"flag given beats the default", true, "", 3000, real, 3000 << 20, true},
		{"flag 0: no limit", true, "", 0, real, math.MaxInt64, true},
		{"flag negative: no limit", true, "", -1, real, math.MaxInt64, true},
		{"the largest MiB that fits", true, "", math.MaxInt64 >> 20, real, math.MaxInt64 >> 20 << 20, true},
		{"more MiB than int64 bytes: no limit, not a wrapped one", true, "", 1 << 44, real, math.MaxInt64, true},
		{"math.MaxInt MiB", true, "", math.MaxInt, real, math.MaxInt64, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, set := memoryLimit(tc.flagGiven, tc.gomemlimit, tc.mib, tc.sourceBytes)
			if got != tc.want || set != tc.set {
				t.Errorf("memoryLimit(%v, %q, %d, %d) = %d, %v; want %d, %v", tc.flagGiven, tc.gomemlimit, tc.mib, tc.sourceBytes, got, set, tc.want, tc.set)
			}
		})
	}
}

// TestGCPercent: 200 for registers under 256 MiB, Go's 100 above; the size is
// that of the files the patterns name.
func TestGCPercent(t *testing.T) {
	for _, tc := range []struct {
		bytes int64
		want  int
	}{{0, 200}, {40 << 20, 200}, {256<<20 - 1, 200}, {256 << 20, 100}, {613 << 20, 100}} {
		if got := gcPercent(tc.bytes); got != tc.want {
			t.Errorf("gcPercent(%d) = %d, want %d", tc.bytes, got, tc.want)
		}
	}
	dir := t.TempDir()
	for name, size := range map[string]int{"a.json": 100, "b.json": 250, "c.csv": 7} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// a.json named by the glob and again by name counts once, as Read reads it once.
	patterns := []string{filepath.Join(dir, "*.json"), filepath.Join(dir, "c.csv"), filepath.Join(dir, "a.json")}
	if got := sourceBytes(patterns); got != 357 {
		t.Errorf("sourceBytes = %d, want 357", got)
	}
	// A database among the sources: its size is unknown, taken as large.
	db := append(patterns, "postgresql://app@localhost:5432/cm")
	if got := sourceBytes(db); got != math.MaxInt64 || gcPercent(got) != 100 || defaultMemoryLimit(got) != MaxDefaultMemoryLimitMiB<<20 {
		t.Errorf("with a database source: sourceBytes = %d, GOGC %d, limit %d", got, gcPercent(got), defaultMemoryLimit(got))
	}
	if got := sourceBytes([]string{filepath.Join(dir, "missing.json")}); got != 0 {
		t.Errorf("sourceBytes of a missing file = %d, want 0", got)
	}
}
