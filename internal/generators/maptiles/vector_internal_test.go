package maptiles

import (
	"testing"

	"github.com/prebake/prebake/internal/generators/maptiles/vectortiles"
)

// TestVectorZoomsClampsAsSuperCluster checks vectorZooms against the rule it
// stands for: a feature of the cluster tree's zooms minZ..maxZ is drawn at
// vector tile zoom z when it is shown at z clamped to bottom..top (the lowest
// clustered zoom's features below it, the raw-point zoom's above it).
func TestVectorZoomsClampsAsSuperCluster(t *testing.T) {
	for bottom := 0; bottom <= 4; bottom++ {
		for top := bottom; top <= 6; top++ {
			for minZ := -1; minZ <= 7; minZ++ {
				for maxZ := minZ; maxZ <= 7; maxZ++ {
					zr := vectorZooms(minZ, maxZ, bottom, top)
					for z := 0; z <= vectortiles.MaxZoom; z++ {
						c := max(min(z, top), bottom)
						want := minZ <= c && c <= maxZ
						if got := zr[0] <= z && z <= zr[1]; got != want {
							t.Fatalf("feature at zooms %d..%d, clustered %d..%d: drawn at %d is %v, want %v (range %v)", minZ, maxZ, bottom, top, z, got, want, zr)
						}
					}
				}
			}
		}
	}
}
