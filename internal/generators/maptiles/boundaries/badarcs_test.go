package boundaries

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb/simplify"

	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// TestBadArcsMatchesMaps: badArcs finds the same arcs as its previous
// implementation (badArcsMaps below, maps of slices), on the real DNO areas'
// arcs unsimplified and simplified at each band's tolerance and smaller ones,
// rounded to 1 to 8 decimals, and with two neighbouring vertices of a quarter
// of the arcs swapped so that many arcs clash.
func TestBadArcsMatchesMaps(t *testing.T) {
	fc, _, err := Load(shareddata.Path(t, "data/geo/gb_dno_boundaries.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	topo, err := newTopology(fc)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(29, 3))
	cases, withBad := 0, 0
	for _, b := range DefaultBands {
		tol := DefaultTolerancePx * metresPerPixel(b.MaxZoom)
		for _, f := range []float64{0, 0.25, 1, 4} {
			arcs := make([][]int32, len(topo.arcs))
			for i, arc := range topo.arcs {
				arcs[i] = topo.douglasPeucker(simplify.DouglasPeucker(tol*f), arc)
			}
			mangled := make([][]int32, len(arcs))
			for i, a := range arcs {
				a = slices.Clone(a)
				if len(a) > 3 && r.IntN(4) == 0 {
					// Two neighbouring inner vertices swapped: a local kink.
					k := 1 + r.IntN(len(a)-3)
					a[k], a[k+1] = a[k+1], a[k]
				}
				mangled[i] = a
			}
			for _, set := range [][][]int32{arcs, mangled} {
				for _, decimals := range []int{1, 2, 3, 5, 8} {
					scale := math.Pow(10, float64(decimals))
					got, want := topo.badArcs(set, scale), topo.badArcsMaps(set, scale)
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("band %v, tolerance x%v, %d decimals: bad arcs %v, the maps' version %v", b, f, decimals, got, want)
					}
					cases++
					if len(want) > 0 {
						withBad++
					}
				}
			}
		}
	}
	t.Logf("%d cases (%d arcs), %d of them with bad arcs", cases, len(topo.arcs), withBad)
	if withBad < cases/2 {
		t.Errorf("only %d of %d cases have bad arcs: the comparison tests little", withBad, cases)
	}
}

// badArcsMaps is badArcs as it was before its grouping moved to flat slices:
// the reference TestBadArcsMatchesMaps compares with.
func (t *topology) badArcsMaps(arcs [][]int32, scale float64) []int {
	type seg struct {
		arc  int
		a, b ipt
	}
	var segs []seg
	type visit struct {
		arc    int
		vertex int32
		end    bool // the arc's first or last vertex: a junction
	}
	visits := map[ipt][]visit{}
	bad := map[int]bool{}
	var bound [4]int64 // min x, min y, max x, max y
	first := true
	for i, arc := range arcs {
		closed := len(arc) > 1 && arc[0] == arc[len(arc)-1]
		var prev ipt
		for j, v := range arc {
			p := roundPt(t.wgs[v], scale)
			if j > 0 && p == prev {
				continue // rounded onto the previous vertex: dropped from the ring
			}
			if first {
				bound, first = [4]int64{p.x, p.y, p.x, p.y}, false
			}
			bound = [4]int64{min(bound[0], p.x), min(bound[1], p.y), max(bound[2], p.x), max(bound[3], p.y)}
			if !(closed && j == len(arc)-1) {
				visits[p] = append(visits[p], visit{i, v, j == 0 || j == len(arc)-1})
			}
			if j > 0 {
				segs = append(segs, seg{i, prev, p})
			}
			prev = p
		}
	}
	for _, vs := range visits {
		if len(vs) < 2 {
			continue
		}
		ok := true
		for _, v := range vs {
			ok = ok && v.end && v.vertex == vs[0].vertex
		}
		if !ok {
			for _, v := range vs {
				bad[v.arc] = true
			}
		}
	}
	if len(segs) >= 2 {
		// A uniform grid with about one segment per cell.
		cell := max(bound[2]-bound[0], bound[3]-bound[1])/int64(math.Sqrt(float64(len(segs)))) + 1
		grid := map[[2]int64][]int{}
		for i, s := range segs {
			x0, x1 := (min(s.a.x, s.b.x)-bound[0])/cell, (max(s.a.x, s.b.x)-bound[0])/cell
			y0, y1 := (min(s.a.y, s.b.y)-bound[1])/cell, (max(s.a.y, s.b.y)-bound[1])/cell
			for x := x0; x <= x1; x++ {
				for y := y0; y <= y1; y++ {
					grid[[2]int64{x, y}] = append(grid[[2]int64{x, y}], i)
				}
			}
		}
		for _, ids := range grid {
			for i := 0; i < len(ids); i++ {
				for j := i + 1; j < len(ids); j++ {
					s, u := segs[ids[i]], segs[ids[j]]
					if segmentsClash(s.a, s.b, u.a, u.b) {
						bad[s.arc], bad[u.arc] = true, true
					}
				}
			}
		}
	}
	out := make([]int, 0, len(bad))
	for i := range bad {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// ipt is a point rounded to the band's decimals, as integers (exact arithmetic).
