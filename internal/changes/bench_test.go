package changes_test

import (
	"testing"

	"github.com/prebake/prebake/internal/changes"
)

// BenchmarkChangelogReal is the changelog of two bakes of the real register
// (the shared bake and the one with the test's edits): read both bakes'
// components tables and DNO areas from disk, compare, and encode the JSON.
// Issue 28's target is at most 1 s (scripts/bench-changes.sh prints it).
func BenchmarkChangelogReal(b *testing.B) {
	e := getEdited(b)
	b.ReportAllocs()
	for b.Loop() {
		old, err := changes.Load(e.oldM, e.oldOut)
		if err != nil {
			b.Fatal(err)
		}
		nw, err := changes.Load(e.newM, e.out)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := changes.Compare(old, nw).Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}
