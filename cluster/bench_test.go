package cluster_test

import (
	"github.com/prebake/prebake/internal/testkit/clustertest"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/prebake/prebake/cluster"
)

// BenchmarkLoad indexes 28,000 points spread like the DSR layer (blobs around a
// few towns over GB) at every zoom 0..16, with an mw reduce.
func BenchmarkLoad(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	towns := [][2]float64{{-0.13, 51.51}, {-1.89, 52.49}, {-2.24, 53.48}, {-4.25, 55.86}, {-1.55, 53.80}, {-2.59, 51.45}}
	pts := make([]orb.Point, 28000)
	mw := make([]float64, len(pts))
	for i := range pts {
		if i%4 == 0 {
			pts[i] = orb.Point{-8 + 10*r.Float64(), 50 + 9*r.Float64()}
		} else {
			t := towns[r.IntN(len(towns))]
			pts[i] = orb.Point{t[0] + 0.3*r.NormFloat64(), t[1] + 0.2*r.NormFloat64()}
		}
		mw[i] = r.Float64()
	}
	agg := &cluster.Aggregate[float64]{Map: func(i int) float64 { return mw[i] }, Reduce: func(a *float64, c float64) { *a += c }}
	for b.Loop() {
		if _, err := cluster.Load(pts, cluster.DefaultOptions(), agg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadFile indexes the points of the GeoJSON file $PREBAKE_BENCH_POINTS
// (written by scripts/bench-maptiles.sh: the sample's DSR layer, the points the
// supercluster npm package is timed on in the same run) with the app's options
// and an aggregate the size of the map tiles' (capacity and 16 category counts),
// then asks every cluster's expansion zoom, as the map tile generator does.
func BenchmarkLoadFile(b *testing.B) {
	path := os.Getenv("PREBAKE_BENCH_POINTS")
	if path == "" {
		b.Skip("PREBAKE_BENCH_POINTS is not set (scripts/bench-maptiles.sh sets it)")
	}
	pts := clustertest.LoadPoints(b, path)
	type totals struct {
		mw   float64
		cats [16]int32
	}
	agg := &cluster.Aggregate[totals]{
		Map: func(i int) totals {
			var t totals
			t.mw = float64(i%97) * 0.37
			t.cats[i%16] = 1
			return t
		},
		Reduce: func(acc *totals, c totals) {
			acc.mw += c.mw
			for k := range acc.cats {
				acc.cats[k] += c.cats[k]
			}
		},
	}
	o := cluster.DefaultOptions()
	var clusters int
	for b.Loop() {
		ix, err := cluster.Load(pts, o, agg)
		if err != nil {
			b.Fatal(err)
		}
		clusters = 0
		for z := o.MinZoom; z <= o.MaxZoom; z++ {
			for i, n := 0, ix.Len(z); i < n; i++ {
				if id, isCluster := ix.IDAt(z, i); isCluster {
					if _, err := ix.ExpansionZoom(id); err != nil {
						b.Fatal(err)
					}
					clusters++
				}
			}
		}
	}
	b.ReportMetric(float64(len(pts)), "points")
	b.ReportMetric(float64(clusters), "clusters")
}

// BenchmarkLoadFilePlain is exactly what supercluster_bench.mjs times as
// "index": load() of the same points with the same options and no map/reduce,
// so Load without an Aggregate and nothing after it. BenchmarkLoadFile does
// more than supercluster does there (the bake's aggregate and every cluster's
// expansion zoom); scripts/bench-maptiles.sh reports both ratios.
func BenchmarkLoadFilePlain(b *testing.B) {
	path := os.Getenv("PREBAKE_BENCH_POINTS")
	if path == "" {
		b.Skip("PREBAKE_BENCH_POINTS is not set (scripts/bench-maptiles.sh sets it)")
	}
	pts := clustertest.LoadPoints(b, path)
	o := cluster.DefaultOptions()
	var clusters int
	for b.Loop() {
		ix, err := cluster.Load[struct{}](pts, o, nil)
		if err != nil {
			b.Fatal(err)
		}
		clusters = 0
		for z := o.MinZoom; z <= o.MaxZoom; z++ {
			clusters += ix.Len(z)
		}
	}
	b.ReportMetric(float64(len(pts)), "points")
	b.ReportMetric(float64(clusters), "items")
}
