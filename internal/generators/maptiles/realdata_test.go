package maptiles_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/prebake/prebake/cluster"
	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/clustertest"
	"github.com/prebake/prebake/internal/testkit/dataset"
	"github.com/prebake/prebake/internal/testkit/realbake"
	"github.com/prebake/prebake/manifest"
)

// realBake returns the map tile files of the test run's shared real-data bake
// (internal/testkit/realbake: the register, postcode table and boundaries baked once by
// `prebake build` for every package and pytest, maptiles.Generate with the
// default options), linked into a directory of their own, and its manifest.
func realBake(t *testing.T) (string, *manifest.Manifest) {
	t.Helper()
	b := realbake.Get(t)
	out, err := b.Link(t.TempDir(), "maptiles")
	if err != nil {
		t.Fatal(err)
	}
	// The JS checks read out/manifest.json, where bake puts it.
	if err := os.Symlink(b.ManifestPath, filepath.Join(out, "manifest.json")); err != nil {
		t.Fatal(err)
	}
	return out, b.Manifest
}

// TestRealLayers bakes the real register and checks every layer's default view
// as a client sees it: at every zoom the point counts of the features shown over
// GB add up to the components the view shows with each cluster once, above the max zoom
// every component id is listed exactly once, and every file is within 64 KB;
// then the JS client against supercluster on the DSR and all layers.
func TestRealLayers(t *testing.T) {
	ds := dataset.Real(t)
	out, m, sum := bake(t, ds, maptiles.Options{})
	if len(sum.Layers) < 5 {
		t.Fatalf("only %d layers from the real register: %+v", len(sum.Layers), sum.Layers)
	}
	located := 0
	for _, c := range ds.Components {
		if c.Geo.Located {
			located++
		}
	}
	active := activeTexts(ds.Components)
	for _, ls := range sum.Layers {
		t.Run(ls.Name, func(t *testing.T) {
			cat := record.Category(ls.Name)
			if ls.Name == maptiles.AllLayer {
				cat = ""
				if ls.Components != located {
					t.Errorf("all layer has %d components, %d are located", ls.Components, located)
				}
			}
			comps := layerComponents(ds, cat)
			if len(comps) != ls.Components {
				t.Fatalf("summary says %d components, the layer has %d located", ls.Components, len(comps))
			}
			view := viewComponents(comps, active)
			if len(view) != ls.Shown {
				t.Fatalf("summary says the default view shows %d components, it shows %d", ls.Shown, len(view))
			}
			l := readLayer(t, out, m.TileSets[ls.TileSet])
			checkCounts(t, l, view, 16)
			checkFiles(t, out, m.TileSets[ls.TileSet], 64<<10)
			t.Logf("%s: %d components, %d features, %d files, %d bytes, largest %d", ls.Name, ls.Components, ls.Features, ls.Files, ls.Bytes, ls.Largest)
		})
	}
	checkClientComps(t, out, "maptiles/default/DSR", viewComponents(layerComponents(ds, record.DSR), active), 300)
	checkClientComps(t, out, "maptiles/default/all", viewComponents(layerComponents(ds, ""), active), 150)
}

// TestRealDSRMatchesSupercluster compares the clustering of the real DSR
// components (in the generator's input order) with the supercluster npm package.
func TestRealDSRMatchesSupercluster(t *testing.T) {
	ds := dataset.Real(t)
	comps := layerComponents(ds, record.DSR)
	if len(comps) < 1000 {
		t.Fatalf("only %d located DSR components", len(comps))
	}
	points := make([]orb.Point, len(comps))
	mw := make([]float64, len(comps))
	for i, c := range comps {
		points[i] = orb.Point{c.Geo.Lng, c.Geo.Lat}
		if c.DeratedMW != nil {
			mw[i] = *c.DeratedMW
		}
	}
	r := rand.New(rand.NewPCG(4, 2))
	var queries []clustertest.Query
	for range 300 {
		z := r.IntN(19)
		w := 2.5 * 360 / float64(int(1)<<z)
		lng, lat := -6+8*r.Float64(), 50+8*r.Float64()
		queries = append(queries, clustertest.Query{BBox: [4]float64{lng - w/2, lat - w/4, lng + w/2, lat + w/4}, Zoom: z})
	}
	opts := cluster.DefaultOptions()
	want := clustertest.Run(t, points, mw, opts, queries)
	ix, err := cluster.Load(points, opts, &cluster.Aggregate[float64]{
		Map:    func(i int) float64 { return mw[i] },
		Reduce: func(acc *float64, c float64) { *acc += c },
	})
	if err != nil {
		t.Fatal(err)
	}
	clustertest.Compare(t, ix, want, queries, func(a float64) float64 { return a })
}

// TestRealOpeningViewMatchesSupercluster: on the real register, every layer's
// opening view (the tile set "maptiles/default/<layer>", as a client decodes
// it) equals, at every zoom over the whole world, what the
// supercluster npm package returns when fed the markers the app's
// /api/map-data/ gives for the default filters (testMarkers: one per exact
// position, the app's representative and order): the same clusters (id,
// point_count = markers, position bit for bit, expansion zoom, summed mw) and
// the same points (the representative's id at its position, with the ids of
// every component there). Viewports are checked by TestRealLayers through the
// JS client. It logs the markers and components of each opening view (the
// counts docs/app-contract.md states).
func TestRealOpeningViewMatchesSupercluster(t *testing.T) {
	ds := dataset.Real(t)
	active := activeTexts(ds.Components)
	out, m, _ := bake(t, ds, maptiles.Options{SkipVectorTiles: true})
	opts := cluster.DefaultOptions()
	for name, ts := range m.TileSets {
		layer, ok := strings.CutPrefix(name, maptiles.DefaultViewPrefix)
		if !ok {
			continue
		}
		t.Run(layer, func(t *testing.T) {
			cat := record.Category(layer)
			if layer == maptiles.AllLayer {
				cat = ""
			}
			view := viewComponents(layerComponents(ds, cat), active)
			markers := testMarkers(view)
			t.Logf("%s: opening view %d markers for %d components", layer, len(markers), len(view))
			if len(markers) == 0 {
				return
			}
			points := make([]orb.Point, len(markers))
			mw := make([]float64, len(markers))
			for i, mk := range markers {
				points[i] = orb.Point{mk[0].Geo.Lng, mk[0].Geo.Lat}
				for _, c := range mk {
					if c.DeratedMW != nil {
						mw[i] += *c.DeratedMW
					}
				}
			}
			want := clustertest.Run(t, points, mw, opts, nil)
			l := readLayer(t, out, ts)
			bad := 0
			for zi, feats := range want.Zooms {
				z := opts.MinZoom + zi
				clusters := map[int64]bakedFeature{}
				pts := map[int64]bakedFeature{} // by representative id
				for _, f := range l.at(z) {
					if f.Properties.Cluster {
						clusters[f.ID] = f
					} else {
						pts[f.ID] = f
					}
				}
				if len(clusters)+len(pts) != len(feats) {
					t.Errorf("zoom %d: %d features baked, supercluster %d", z, len(clusters)+len(pts), len(feats))
					bad++
				}
				for _, w := range feats {
					var problem string
					if w[0] == 1 {
						g, ok := clusters[int64(w[1])]
						switch {
						case !ok:
							problem = "missing"
						case g.Geometry.Coordinates != [2]float64{w[3], w[4]}:
							problem = fmt.Sprintf("at %v, supercluster %v", g.Geometry.Coordinates, w[3:5])
						case math.Abs(g.Properties.MW-w[6]) > 1e-6:
							problem = fmt.Sprintf("mw %v, supercluster %v", g.Properties.MW, w[6])
						case g.Properties.PointCount != int(w[2]) || g.Properties.ExpansionZoom != int(w[5]):
							problem = fmt.Sprintf("point_count %d expansion %d, supercluster %v %v", g.Properties.PointCount, g.Properties.ExpansionZoom, w[2], w[5])
						}
					} else {
						// supercluster's point ids are input indexes: the marker.
						mk := markers[int(w[1])]
						g, ok := pts[mk[0].ID]
						switch {
						case !ok:
							problem = "missing"
						case fmt.Sprint(g.Properties.IDs) != fmt.Sprint(componentIDs(mk)):
							problem = fmt.Sprintf("ids %v, the marker's components %v", g.Properties.IDs, componentIDs(mk))
						case g.Geometry.Coordinates != [2]float64{mk[0].Geo.Lng, mk[0].Geo.Lat}:
							problem = fmt.Sprintf("at %v, the marker at %v %v", g.Geometry.Coordinates, mk[0].Geo.Lng, mk[0].Geo.Lat)
						case math.Abs(g.Geometry.Coordinates[0]-w[3]) > 1e-9 || math.Abs(g.Geometry.Coordinates[1]-w[4]) > 1e-9:
							// supercluster reports an unclustered point at its grid
							// cell, within 1e-14 of the marker; the bake keeps the
							// marker's own position (package doc).
							problem = fmt.Sprintf("at %v, supercluster %v", g.Geometry.Coordinates, w[3:5])
						}
					}
					if problem != "" {
						if bad++; bad <= 10 {
							t.Errorf("zoom %d: feature %v: %s", z, w, problem)
						}
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d differences from supercluster over the markers", bad)
			}
		})
	}
}

func componentIDs(cs []*record.Component) []int64 {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}
