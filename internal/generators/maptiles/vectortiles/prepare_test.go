package vectortiles

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// TestPreparedPlanarIsToPlanar checks that a point projected once and scaled
// to each level lands exactly where toPlanar puts it at that level, so
// binning from prepared points places every feature where orb's projection
// does: near the poles (toPlanar's clamps), at the antimeridian, at 0.
func TestPreparedPlanarIsToPlanar(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pts := []orb.Point{{0, 0}, {-180, -90}, {180, 90}, {-0.0001, 51.5}, {1e-9, -1e-9}, {179.9999999, 85.0511287}, {-179.9999999, -85.0511287},
		{10, 89.3}, {10, -89.3}, {10, 89.19}, {10, -89.19}, {math.Copysign(0, -1), math.Copysign(0, -1)}}
	for range 2000 {
		pts = append(pts, orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90})
	}
	l := Layer{Name: "p", Zooms: make([][2]int, len(pts))}
	for i, p := range pts {
		l.Features = append(l.Features, geojson.NewFeature(p))
		l.Zooms[i] = AllZooms
	}
	tab, err := prepareLayer(l, Options{MaxZoom: MaxZoom})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pts {
		for level := uint32(0); level <= MaxZoom+16; level++ {
			x, y := tab.feats[i].planar(level)
			wx, wy := toPlanar(p[0], p[1], level)
			if math.Float64bits(x) != math.Float64bits(wx) || math.Float64bits(y) != math.Float64bits(wy) {
				t.Fatalf("%v at level %d: prepared %v, %v; toPlanar %v, %v", p, level, x, y, wx, wy)
			}
		}
	}
}
