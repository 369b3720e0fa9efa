package source

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/prebake/prebake/internal/record"
)

// TestCompChunksSorted: the components merged into chunks come out sorted by
// ID, each whole, as sorting one slice of them did, for inputs in order, in
// reverse, shuffled, in sorted runs, and across chunk boundaries.
func TestCompChunksSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, compChunkSize - 1, compChunkSize, compChunkSize + 1, 3*compChunkSize + 17} {
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = int64(i*3 + 1)
		}
		runs := slices.Clone(ids)
		for i := 0; i+100 <= len(runs); i += 100 { // sorted runs of 100, the runs shuffled
			j := r.IntN(len(runs)/100) * 100
			for k := range 100 {
				runs[i+k], runs[j+k] = runs[j+k], runs[i+k]
			}
		}
		shuffled := slices.Clone(ids)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		reversed := slices.Clone(ids)
		slices.Reverse(reversed)
		for name, order := range map[string][]int64{"in order": ids, "reversed": reversed, "shuffled": shuffled, "runs": runs} {
			var c compChunks
			var want []record.Component
			for _, id := range order {
				x := record.Component{ID: id, Company: "c" + string(rune('a'+id%26)), SourceRow: int(id) * 7}
				c.add(&x)
				want = append(want, x)
			}
			sort.Slice(want, func(i, j int) bool { return want[i].ID < want[j].ID })
			got := c.sorted()
			if len(got) != len(want) || (n == 0) != (got == nil) {
				t.Fatalf("%d %s: %d components, want %d (nil: %v)", n, name, len(got), len(want), got == nil)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%d %s: component %d is %+v, want %+v", n, name, i, got[i], want[i])
				}
			}
		}
	}
}
