package maptiles_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
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
