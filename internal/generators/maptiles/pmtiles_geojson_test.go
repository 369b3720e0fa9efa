package maptiles_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/clustertest"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// pmtilesGeoJSONResult is what testdata/pmtiles_geojson.mjs prints.
type pmtilesGeoJSONResult struct {
	Header struct {
		MinZoom int `json:"minZoom"`
		MaxZoom int `json:"maxZoom"`
	} `json:"header"`
	Layers  []string `json:"layers"`
	Tiles   int      `json:"tiles"`
	PerZoom map[string]struct {
		Tiles    int `json:"tiles"`
		NonEmpty int `json:"nonEmpty"`
		Features int `json:"features"`
	} `json:"perZoom"`
	Features   int      `json:"features"`
	Edge       int      `json:"edge"`
	Mismatches int      `json:"mismatches"`
	First      []string `json:"first"`
}

// sampleTiles picks, at every zoom minZ..maxZ, the tiles to compare: every tile
// over the components' bounds (and one around them) while there are at most
// maxAll of them; deeper, the densest tiles, the tiles of randomly chosen
// components and random tiles over the bounds (mostly empty), from a fixed seed.
func sampleTiles(comps []record.Component, minZ, maxZ, maxAll int) [][3]uint32 {
	var out [][3]uint32
	bound := orb.Bound{Min: orb.Point{comps[0].Geo.Lng, comps[0].Geo.Lat}, Max: orb.Point{comps[0].Geo.Lng, comps[0].Geo.Lat}}
	for _, c := range comps {
		bound = bound.Extend(orb.Point{c.Geo.Lng, c.Geo.Lat})
	}
	for z := minZ; z <= maxZ; z++ {
		zoom := maptile.Zoom(z)
		last := int64(1)<<z - 1
		nw := maptile.At(orb.Point{bound.Min[0], bound.Max[1]}, zoom)
		se := maptile.At(orb.Point{bound.Max[0], bound.Min[1]}, zoom)
		x0, y0 := max(int64(nw.X)-1, 0), max(int64(nw.Y)-1, 0)
		x1, y1 := min(int64(se.X)+1, last), min(int64(se.Y)+1, last)
		seen := map[[3]uint32]bool{}
		add := func(x, y int64) {
			k := [3]uint32{uint32(z), uint32(x), uint32(y)}
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
		if (x1-x0+1)*(y1-y0+1) <= int64(maxAll) {
			for x := x0; x <= x1; x++ {
				for y := y0; y <= y1; y++ {
					add(x, y)
				}
			}
			continue
		}
		counts := map[maptile.Tile]int{}
		for _, c := range comps {
			counts[maptile.At(orb.Point{c.Geo.Lng, c.Geo.Lat}, zoom)]++
		}
		dense := make([]maptile.Tile, 0, len(counts))
		for t := range counts {
			dense = append(dense, t)
		}
		sort.Slice(dense, func(i, j int) bool {
			a, b := dense[i], dense[j]
			if counts[a] != counts[b] {
				return counts[a] > counts[b]
			}
			return a.X < b.X || a.X == b.X && a.Y < b.Y
		})
		for _, t := range dense[:min(4, len(dense))] {
			add(int64(t.X), int64(t.Y))
		}
		rng := rand.New(rand.NewPCG(20260, uint64(z)))
		for range 40 {
			c := comps[rng.IntN(len(comps))]
			t := maptile.At(orb.Point{c.Geo.Lng, c.Geo.Lat}, zoom)
			add(int64(t.X), int64(t.Y))
		}
		for range 6 {
			add(x0+rng.Int64N(x1-x0+1), y0+rng.Int64N(y1-y0+1))
		}
	}
	return out
}

// TestVectorTilesMatchGeoJSON bakes the synthetic layers through the real writer
// and checks, in Node, that the PMTiles archive MapLibre reads and the GeoJSON
// tile sets the JS client (js/src) reads show the same map: for a sample of tiles at
// every zoom and every layer, the features inside the vector tile proper are the
// features getClusters returns for the tile, with the same properties.
func TestVectorTilesMatchGeoJSON(t *testing.T) {
	peers := shareddata.Peers(t)
	pts := clustertest.GenPoints(t, 28000)
	cats := []record.Category{record.DSR, record.DSR, record.DSR, record.Battery, record.Gas, record.Solar, record.Wind}
	ds := &record.Dataset{Components: componentsAt(pts, cats)}
	out, _, sum := bake(t, ds, maptiles.Options{})

	const minZ, maxZ = 0, 17 // MinZoom..MaxZoom+1 of the default options
	tiles := sampleTiles(ds.Components, minZ, maxZ, 64)
	req, err := json.Marshal(tiles)
	if err != nil {
		t.Fatal(err)
	}
	reqPath := filepath.Join(t.TempDir(), "tiles.json")
	if err := os.WriteFile(reqPath, req, 0o644); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "pmtiles_geojson.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	var r pmtilesGeoJSONResult
	shareddata.NodeJSON(t, &r, script, peers, out, reqPath)

	if r.Header.MinZoom != minZ || r.Header.MaxZoom != maxZ {
		t.Errorf("archive zooms %d..%d, want %d..%d", r.Header.MinZoom, r.Header.MaxZoom, minZ, maxZ)
	}
	if len(r.Layers) != len(sum.Layers) {
		t.Errorf("archive layers %v, summary has %d layers", r.Layers, len(sum.Layers))
	}
	if r.Tiles != len(tiles) || r.Tiles < 200 {
		t.Errorf("compared %d tiles of %d sampled, want all and at least 200", r.Tiles, len(tiles))
	}
	for z := r.Header.MinZoom; z <= r.Header.MaxZoom; z++ {
		zs := r.PerZoom[strconv.Itoa(z)]
		// Each zoom needs tiles with features, and deep zooms several.
		if zs.NonEmpty == 0 || z >= 8 && (zs.NonEmpty < 20 || zs.Features < 50) {
			t.Errorf("zoom %d: %d tiles compared, %d with %d features; too few to mean much", z, zs.Tiles, zs.NonEmpty, zs.Features)
		}
	}
	if r.Mismatches > 0 {
		t.Errorf("%d differences between the vector tiles and the GeoJSON tile sets; first:\n%s", r.Mismatches, joinLines(r.First))
	}
	t.Logf("compared %d tiles (%d with features) x %d layers: %d features, %d on a tile edge", r.Tiles, nonEmpty(r), len(r.Layers), r.Features, r.Edge)
	for z := r.Header.MinZoom; z <= r.Header.MaxZoom; z++ {
		zs := r.PerZoom[strconv.Itoa(z)]
		t.Logf("zoom %2d: %3d tiles, %3d with features, %5d features", z, zs.Tiles, zs.NonEmpty, zs.Features)
	}
}

func nonEmpty(r pmtilesGeoJSONResult) int {
	n := 0
	for _, zs := range r.PerZoom {
		n += zs.NonEmpty
	}
	return n
}

func joinLines(s []string) string {
	out := ""
	for _, l := range s {
		out += "  " + l + "\n"
	}
	return out
}
