package maptiles_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prebake/prebake/cluster"
	"github.com/prebake/prebake/internal/testkit/dataset"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// TestRealPointsGridMatchesV8 projects every located component of the real
// register onto SuperCluster's grid in Go and in Node (SuperCluster's latY with
// V8's Math.sin/Math.log, and the client's own port in js/src/mercator.mjs): every
// point must land in the same cell in all three (issue 15).
func TestRealPointsGridMatchesV8(t *testing.T) {
	ds := dataset.Real(t)
	var lats []float64
	var b strings.Builder
	for _, c := range ds.Components {
		if c.Geo.Located {
			lats = append(lats, c.Geo.Lat)
			fmt.Fprintf(&b, "latY %x\nclientLatY %x\n", math.Float64bits(c.Geo.Lat), math.Float64bits(c.Geo.Lat))
		}
	}
	in := filepath.Join(t.TempDir(), "lats.txt")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var hex []string
	shareddata.NodeJSON(t, &hex, filepath.Join(shareddata.Root(), "js", "test", "v8math.mjs"), in)
	if len(hex) != 2*len(lats) {
		t.Fatalf("node returned %d results for %d inputs", len(hex), 2*len(lats))
	}
	bad := 0
	for i, lat := range lats {
		for k, who := range []string{"V8 (SuperCluster's latY)", "js/src/mercator.mjs"} {
			bits, err := strconv.ParseUint(hex[2*i+k], 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			y := math.Float64frombits(bits)
			if got := cluster.LatY(lat); got != y {
				if bad++; bad <= 10 {
					t.Errorf("latitude %v: Go's y %v, %s %v (grid %d vs %d)", lat, got, who, y, cluster.GridY(lat), int32((y-0.5)*(1<<30)))
				}
			}
		}
	}
	if len(lats) < 10000 {
		t.Fatalf("only %d located components", len(lats))
	}
	t.Logf("%d real points: Go's projection equals V8's and the client's bit for bit (%d differ)", len(lats), bad)
}
