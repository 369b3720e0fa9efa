package cluster_test

import (
	"math/rand/v2"
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
