package main

import (
	"math"
	"testing"
)

// TestMemoryLimit: the flag wins when given, GOMEMLIMIT when set, else the
// default; 0 means no limit.
func TestMemoryLimit(t *testing.T) {
	cases := []struct {
		name       string
		flagGiven  bool
		gomemlimit string
		mib        int
		want       int64
		set        bool
	}{
		{"default", false, "", DefaultMemoryLimitMiB, 3 << 30, true},
		{"GOMEMLIMIT set, flag not given: the runtime's", false, "1GiB", DefaultMemoryLimitMiB, 0, false},
		{"flag given beats GOMEMLIMIT", true, "1GiB", 512, 512 << 20, true},
		{"flag 0: no limit", true, "", 0, math.MaxInt64, true},
		{"flag negative: no limit", true, "", -1, math.MaxInt64, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, set := memoryLimit(tc.flagGiven, tc.gomemlimit, tc.mib)
			if got != tc.want || set != tc.set {
				t.Errorf("memoryLimit(%v, %q, %d) = %d, %v; want %d, %v", tc.flagGiven, tc.gomemlimit, tc.mib, got, set, tc.want, tc.set)
			}
		})
	}
}
