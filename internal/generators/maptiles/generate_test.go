package maptiles_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/clustertest"
	"github.com/prebake/prebake/internal/writer"
)

func located(id int64, lng, lat, mw float64, cat record.Category, loc string) record.Component {
	return record.Component{ID: id, ComponentID: "C" + itoa(int(id)), CMUID: "CMU" + itoa(int(id)), Category: cat,
		TechClass: string(cat), Company: "Co " + itoa(int(id)), Location: loc, LocationText: loc, DeratedMW: &mw, DeliveryYear: 2025,
		AuctionName: "2025-26 (T-4) Four Year Ahead Capacity Auction", // an active location: in the default view
		Geo:         record.Geocode{Lng: lng, Lat: lat, Located: true}, SourceFile: "test.json", SourceRow: int(id)}
}

// TestMergeColocated: components at exactly one position are one point feature
// (count, ids newest delivery year first then ascending id, summed mw, the
// newest component's details, as the app's /api/map-data/) above the max zoom,
// and inside one cluster below it; a component a hair away stays apart.
func TestMergeColocated(t *testing.T) {
	const lng, lat = -1.5491, 53.8008
	newest := located(30, lng, lat, 3, record.DSR, "Leeds/C")
	newest.DeliveryYear = 2026
	newest.TechClass = "Storage (Duration 2h)"
	newest.Category = record.DSR // layer membership only; the property says what the record says
	ds := &record.Dataset{Components: []record.Component{
		newest,
		located(10, lng, lat, 1, record.DSR, "Leeds A"),
		located(20, lng, lat, 2, record.DSR, "Leeds B"),
		located(40, lng+1e-9, lat, 4, record.DSR, "Leeds D"),
		located(50, 151.2, -33.9, 5, record.DSR, "Sydney"),                                          // never within the radius
		{ID: 60, Category: record.DSR, Location: "nowhere", SourceFile: "test.json", SourceRow: 60}, // not located
	}}
	tests := []struct {
		name      string
		minPoints int
		minZoom   int // the merged point's minzoom
	}{
		{"min points 2: merged point only above max zoom", 2, 17},
		{"min points 5: merged point at every zoom", 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, m, _ := bake(t, ds, withOpts(func(o *maptiles.Options) { o.MinPoints, o.SkipVectorTiles = tt.minPoints, true }))
			l := readLayer(t, out, m.TileSets["maptiles/default/DSR"])
			checkCounts(t, l, layerComponents(ds, record.DSR), 16)
			var merged []bakedFeature
			for _, f := range l.at(17) {
				if f.Properties.Count > 1 {
					merged = append(merged, f)
				}
			}
			if len(merged) != 1 {
				t.Fatalf("%d merged features above max zoom, want 1", len(merged))
			}
			f := merged[0]
			p := f.Properties
			if f.ID != 30 || p.Count != 3 || len(p.IDs) != 3 || p.IDs[0] != 30 || p.IDs[1] != 10 || p.IDs[2] != 20 {
				t.Errorf("merged feature id %d count %d ids %v, want id 30, ids [30 10 20]", f.ID, p.Count, p.IDs)
			}
			if p.MW != 6 || p.Title != "Leeds/C" || p.DetailURL != "/location/by-name/Leeds%2FC/" || p.MinZoom != tt.minZoom || p.MaxZoom != 17 {
				t.Errorf("merged feature mw %v title %q url %q zooms %d..%d", p.MW, p.Title, p.DetailURL, p.MinZoom, p.MaxZoom)
			}
			if p.Technology != "Storage (Duration 2h)" || f.Raw["display_technology"] != "DSR" || f.Raw["delivery_year"] != "2026" {
				t.Errorf("merged feature technology %q display_technology %v delivery_year %#v, want the raw class, the category and the string \"2026\"",
					p.Technology, f.Raw["display_technology"], f.Raw["delivery_year"])
			}
			if f.Geometry.Coordinates != [2]float64{lng, lat} {
				t.Errorf("merged feature at %v, want the components' own position", f.Geometry.Coordinates)
			}
			if got := len(l.at(17)); got != 3 {
				t.Errorf("%d features above max zoom, want 3 (merged, the near one, Sydney)", got)
			}
			if _, inline := m.TileSets["maptiles/default/DSR"].Layout["index"]; !inline {
				t.Errorf("a five-component layer's index is not inline in the manifest")
			}
			checkClient(t, out, ds, "maptiles/default/DSR", record.DSR, 60) // inline index; supercluster with the layout's options
		})
	}
}

// TestNothingOutsideOutDir: no input value decides a path. Hostile text fields
// stay in file contents; a category that is not one of record.Categories is an
// error naming the record, and nothing is written for it.
func TestNothingOutsideOutDir(t *testing.T) {
	hostile := "../../../../etc/passwd\x00/\\..\\"
	c := located(1, -2, 53, 1, record.Gas, hostile)
	c.Company, c.CMUID, c.Description, c.TechClass, c.AuctionName = hostile, hostile, hostile, hostile, hostile
	root := t.TempDir()
	out := filepath.Join(root, "out")
	w, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := maptiles.Generate(&record.Dataset{Components: []record.Component{c, located(2, -2.1, 53.1, 1, record.Gas, "x")}}, w, maptiles.Options{}); err != nil {
		t.Fatal(err)
	}
	bad := located(3, -2, 53, 1, record.Category("../../escape"), "x")
	_, err = maptiles.Generate(&record.Dataset{Components: []record.Component{bad}}, w, maptiles.Options{})
	if err == nil || !strings.Contains(err.Error(), "test.json record 3") || !strings.Contains(err.Error(), "Category") {
		t.Errorf("unknown category: error %v, want one naming test.json record 3 and field Category", err)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 || entries[0].Name() != "out" {
		t.Errorf("files outside the output directory: %v", entries)
	}
	filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.Contains(p, "escape") || strings.Contains(p, "passwd") {
			t.Errorf("input text in a path: %s", p)
		}
		return nil
	})
}

func TestBadInput(t *testing.T) {
	nan := located(7, math.NaN(), 53, 1, record.DSR, "x")
	far := located(8, 200, 53, 1, record.DSR, "x")
	tests := []struct {
		name string
		ds   *record.Dataset
		opts maptiles.Options
		want string
	}{
		{"NaN longitude", &record.Dataset{Components: []record.Component{nan}}, maptiles.Options{}, "test.json record 7: field Geo"},
		{"longitude 200", &record.Dataset{Components: []record.Component{far}}, maptiles.Options{}, "test.json record 8: field Geo"},
		{"negative radius", &record.Dataset{}, maptiles.Options{Radius: -1}, "radius"},
		// A clustering field set to zero while others are set is taken as given
		// (issue 15): rejected here, never replaced by the default.
		{"radius 0", &record.Dataset{}, withOpts(func(o *maptiles.Options) { o.Radius = 0 }), "radius 0: want a positive"},
		{"min points 0", &record.Dataset{}, withOpts(func(o *maptiles.Options) { o.MinPoints = 0 }), "min points 0: want 2 or more"},
		{"min points 1", &record.Dataset{}, withOpts(func(o *maptiles.Options) { o.MinPoints = 1 }), "min points 1"},
		{"extent 0", &record.Dataset{}, withOpts(func(o *maptiles.Options) { o.Extent = 0 }), "extent 0"},
		{"max zoom 24", &record.Dataset{}, withOpts(func(o *maptiles.Options) { o.MaxZoom = 24 }), "max zoom 24: want 0 to 23"},
		{"min zoom above max zoom", &record.Dataset{}, withOpts(func(o *maptiles.Options) { o.MinZoom, o.MaxZoom = 10, 5 }), "zooms 10..5"},
		{"tiny files", &record.Dataset{}, maptiles.Options{MaxFileBytes: 100}, "max file bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := writer.New(writer.Options{OutDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			_, err = maptiles.Generate(tt.ds, w, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestDeterministic: the same input gives byte-identical tile sets and archive
// with any GOMAXPROCS.
func TestDeterministic(t *testing.T) {
	pts := clustertest.GenPoints(t, 3000)
	ds := &record.Dataset{Components: componentsAt(pts, []record.Category{record.DSR, record.Gas, record.Battery})}
	var manifests [][]byte
	for _, procs := range []int{1, 4} {
		prev := runtime.GOMAXPROCS(procs)
		out, m, _ := bake(t, ds, maptiles.Options{MaxFileBytes: 16 << 10})
		runtime.GOMAXPROCS(prev)
		if len(m.TileSets) != 5 {
			t.Fatalf("%d tile sets, want 4 layers and the archive", len(m.TileSets))
		}
		var b bytes.Buffer
		for _, name := range []string{"maptiles/default/DSR", "maptiles/default/Gas", "maptiles/default/Battery", "maptiles/default/all", "maptiles/map.pmtiles"} {
			ts := m.TileSets[name]
			b.WriteString(name + " " + ts.Path + " " + itoa(ts.Files) + " " + itoa(int(ts.Bytes)) + "\n")
		}
		manifests = append(manifests, b.Bytes())
		_ = out
	}
	if !bytes.Equal(manifests[0], manifests[1]) {
		t.Errorf("GOMAXPROCS 1 and 4 differ:\n%s\n%s", manifests[0], manifests[1])
	}
}

// TestLayersOption bakes only the layers asked for.
func TestLayersOption(t *testing.T) {
	pts := clustertest.GenPoints(t, 500)
	ds := &record.Dataset{Components: componentsAt(pts, []record.Category{record.DSR, record.Gas})}
	_, m, sum := bake(t, ds, maptiles.Options{Layers: []string{"DSR"}, SkipVectorTiles: true})
	if len(sum.Layers) != 1 || sum.Layers[0].Name != "DSR" || len(m.TileSets) != 1 {
		t.Errorf("layers %+v, tile sets %d; want DSR alone", sum.Layers, len(m.TileSets))
	}
}

// TestNothingLocated: a register without located components writes no layer.
func TestNothingLocated(t *testing.T) {
	ds := &record.Dataset{Components: []record.Component{{ID: 1, Category: record.DSR, SourceFile: "x.json", SourceRow: 1}}}
	_, m, sum := bake(t, ds, maptiles.Options{})
	if len(sum.Layers) != 0 || len(m.TileSets) != 0 {
		t.Errorf("layers %+v, tile sets %v; want none", sum.Layers, m.TileSets)
	}
}

// withOpts is DefaultOptions changed by set.
func withOpts(set func(*maptiles.Options)) maptiles.Options {
	o := maptiles.DefaultOptions()
	set(&o)
	return o
}

// TestMaxZoomLimits checks that the extreme max zooms are honoured, not replaced
// (issue 15: 0 became 16, 24 passed validation and failed the vector tiles).
func TestMaxZoomLimits(t *testing.T) {
	ds := &record.Dataset{Components: []record.Component{
		located(1, -1.5, 53.8, 1, record.DSR, "Leeds A"),
		located(2, -1.5001, 53.8001, 1, record.DSR, "Leeds B"),
		located(3, -0.1, 51.5, 1, record.DSR, "London"),
	}}
	for _, maxZoom := range []int{0, maptiles.MaxMaxZoom} {
		t.Run(fmt.Sprint(maxZoom), func(t *testing.T) {
			out, m, _ := bake(t, ds, withOpts(func(o *maptiles.Options) { o.MaxZoom = maxZoom }))
			ts := m.TileSets["maptiles/default/DSR"]
			if got := ts.Layout["points_zoom"]; got != float64(maxZoom+1) {
				t.Errorf("points_zoom %v, want %d", got, maxZoom+1)
			}
			l := readLayer(t, out, ts)
			checkCounts(t, l, layerComponents(ds, record.DSR), maxZoom)
			vt := m.TileSets["maptiles/map.pmtiles"]
			if vt.TileJSON.MaxZoom != maxZoom+1 {
				t.Errorf("vector tiles max zoom %d, want %d", vt.TileJSON.MaxZoom, maxZoom+1)
			}
		})
	}
}

// TestEmptyDefaultView: a layer whose components the default view hides (here
// historical locations) still has its attribute file, named by a tile set of
// one file without features; with no component shown anywhere no archive is
// written (an archive without tiles is not valid PMTiles).
func TestEmptyDefaultView(t *testing.T) {
	c := located(1, -1.5, 53.8, 1, record.DSR, "Leeds")
	c.AuctionName = "2019-20 (T-4) Four Year Ahead Capacity Auction"
	out, m, sum := bake(t, &record.Dataset{Components: []record.Component{c}}, maptiles.Options{})
	if len(sum.Layers) != 2 || sum.Layers[0].Components != 1 || sum.Layers[0].Shown != 0 {
		t.Fatalf("layers %+v, want DSR and all with 1 component, none shown", sum.Layers)
	}
	ts, ok := m.TileSets["maptiles/default/DSR"]
	if !ok || ts.Files != 1 {
		t.Fatalf("tile set maptiles/default/DSR: %v, %d files; want one", ok, ts.Files)
	}
	l := readLayer(t, out, ts)
	for z := 0; z <= 17; z++ {
		if fs := l.at(z); len(fs) != 0 {
			t.Errorf("zoom %d: %d features, want none", z, len(fs))
		}
	}
	if _, ok := m.TileSets["maptiles/map.pmtiles"]; ok {
		t.Error("an archive was written with no component shown")
	}
	f, _ := readAttrs(t, out, ts)
	if f.Count != 1 {
		t.Errorf("attribute file has %d rows, want 1", f.Count)
	}
}
