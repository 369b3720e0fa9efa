package maptiles_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/generators/maptiles/vectortiles"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/clustertest"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// bake runs Generate into a fresh output directory and commits a manifest.
func bake(t testing.TB, ds *record.Dataset, opts maptiles.Options) (string, *manifest.Manifest, maptiles.Summary) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	w, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := maptiles.Generate(ds, w, opts)
	if err != nil {
		t.Fatal(err)
	}
	mp := filepath.Join(out, "manifest.json")
	if err := w.Commit(mp, manifest.Manifest{Generator: manifest.Generator{Name: "prebake", Version: "test"}}); err != nil {
		t.Fatal(err)
	}
	return out, loadManifest(t, mp), sum
}

// layerComponents is a layer's input: located components of cat ("" for all) by id.
func layerComponents(ds *record.Dataset, cat record.Category) []*record.Component {
	var out []*record.Component
	for i := range ds.Components {
		c := &ds.Components[i]
		if c.Geo.Located && (cat == "" || c.Category == cat) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// testMarkers restates, for the tests, the markers the app's /api/map-data/
// gives for comps (app-integration.md, Map points; the app's map_data_api):
// one per exact lng/lat, its components newest delivery year first (unknown
// last, ties ascending id), the markers in the order the app's query (that
// same order) meets their first components.
func testMarkers(comps []*record.Component) [][]*record.Component {
	sorted := append([]*record.Component(nil), comps...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.DeliveryYear != b.DeliveryYear {
			return a.DeliveryYear > b.DeliveryYear
		}
		return a.ID < b.ID
	})
	type pos struct{ lng, lat float64 }
	at := map[pos]int{}
	var out [][]*record.Component
	for _, c := range sorted {
		k := pos{c.Geo.Lng, c.Geo.Lat}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], c)
	}
	return out
}

// writePoints writes the markers of comps (testMarkers) as the GeoJSON input
// supercluster gets: id = the representative's register id, properties.ids the
// register ids of the marker's components.
func writePoints(t testing.TB, comps []*record.Component) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, m := range testMarkers(comps) {
		if i > 0 {
			b.WriteByte(',')
		}
		ids := make([]string, len(m))
		for k, c := range m {
			ids[k] = strconv.FormatInt(c.ID, 10)
		}
		c := m[0]
		b.WriteString(`{"type":"Feature","id":` + strconv.FormatInt(c.ID, 10) + `,"properties":{"ids":[` + strings.Join(ids, ",") + `]},"geometry":{"type":"Point","coordinates":[` +
			strconv.FormatFloat(c.Geo.Lng, 'g', -1, 64) + "," + strconv.FormatFloat(c.Geo.Lat, 'g', -1, 64) + "]}}")
	}
	b.WriteString("]}")
	p := filepath.Join(t.TempDir(), "points.geojson")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkClient runs the JS client (js/src) against supercluster over n random viewports.
func checkClient(t *testing.T, out string, ds *record.Dataset, tileset string, cat record.Category, n int) {
	t.Helper()
	checkClientComps(t, out, tileset, layerComponents(ds, cat), n)
}

// checkClientComps runs the JS client (js/src) on tileset against supercluster over
// comps (the tile set's input, in order) in n random viewports.
func checkClientComps(t *testing.T, out, tileset string, comps []*record.Component, n int) {
	t.Helper()
	script := filepath.Join(shareddata.Root(), "js", "test", "prebake-map-check.mjs")
	points := writePoints(t, comps)
	var r struct {
		Checks     int               `json:"checks"`
		Features   int               `json:"features"`
		Mismatches int               `json:"mismatches"`
		First      []json.RawMessage `json:"first"`
		MaxFiles   int               `json:"maxFiles"`
		MeanFiles  float64           `json:"meanFiles"`
		MaxBytes   int               `json:"maxBytes"`
	}
	shareddata.NodeJSON(t, &r, script, out, filepath.Join(out, "manifest.json"), tileset, points, strconv.Itoa(n), "7")
	if r.Checks < n || r.Features == 0 {
		t.Fatalf("only %d viewports with %d features checked", r.Checks, r.Features)
	}
	if r.Mismatches > 0 {
		t.Errorf("%s: %d of %d viewports differ from supercluster; first: %s", tileset, r.Mismatches, r.Checks, r.First)
	}
	t.Logf("%s: %d viewports, %d features; files per viewport mean %.1f max %d; max bytes fetched %d", tileset, r.Checks, r.Features, r.MeanFiles, r.MaxFiles, r.MaxBytes)
}

// checkCounts checks, at every zoom, that the features a client shows for the
// whole world count every marker (exact position) of the layer once in
// point_count and every located component once in components / count, each
// cluster and position once, and that above the max zoom every component id is
// listed once.
func checkCounts(t *testing.T, l *bakedLayer, comps []*record.Component, maxZoom int) {
	t.Helper()
	markers := len(testMarkers(comps))
	for z := 0; z <= maxZoom+1; z++ {
		total, positions := 0, 0
		clusters := map[int]bool{}
		seen := map[int64]int{}
		for _, f := range l.at(z) {
			p := f.Properties
			if p.Cluster {
				if clusters[p.ClusterID] {
					t.Errorf("zoom %d: cluster %d shown twice", z, p.ClusterID)
				}
				clusters[p.ClusterID] = true
				if z > maxZoom {
					t.Errorf("zoom %d: cluster %d above the max zoom", z, p.ClusterID)
				}
				if p.Components < p.PointCount {
					t.Errorf("zoom %d: cluster %d of %d markers stands for %d components", z, p.ClusterID, p.PointCount, p.Components)
				}
				total += p.Components
				positions += p.PointCount
				continue
			}
			if p.Count != len(p.IDs) || p.Count == 0 {
				t.Errorf("zoom %d: point %d has count %d and %d ids", z, f.ID, p.Count, len(p.IDs))
			}
			total += p.Count
			positions++
			for _, id := range p.IDs {
				seen[id]++
			}
		}
		if total != len(comps) {
			t.Errorf("zoom %d: components add up to %d, want %d located components", z, total, len(comps))
		}
		if positions != markers {
			t.Errorf("zoom %d: point_counts add up to %d, want %d markers (positions)", z, positions, markers)
		}
		if z == maxZoom+1 {
			for _, c := range comps {
				if seen[c.ID] != 1 {
					t.Errorf("above max zoom: component %d listed %d times", c.ID, seen[c.ID])
				}
			}
		}
	}
}

func TestSyntheticLayers(t *testing.T) {
	pts := clustertest.GenPoints(t, 28000)
	cats := []record.Category{record.DSR, record.DSR, record.DSR, record.Battery, record.Gas, record.Solar, record.Wind}
	ds := &record.Dataset{Components: componentsAt(pts, cats)}
	out, m, sum := bake(t, ds, maptiles.Options{})

	wantLayers := []string{"DSR", "Battery", "Gas", "Wind", "Solar", "all"}
	var got []string
	for _, l := range sum.Layers {
		got = append(got, l.Name)
	}
	if strings.Join(got, ",") != strings.Join(wantLayers, ",") {
		t.Fatalf("layers %v, want %v (legend order, non-empty, all last)", got, wantLayers)
	}
	active := activeTexts(ds.Components)
	for _, ls := range sum.Layers {
		ts, ok := m.TileSets[ls.TileSet]
		if !ok {
			t.Fatalf("manifest has no tile set %s", ls.TileSet)
		}
		if ts.Files != ls.Files || ts.Files == 0 {
			t.Errorf("%s: manifest says %d files, summary %d", ls.Name, ts.Files, ls.Files)
		}
		cat := record.Category(ls.Name)
		if ls.Name == maptiles.AllLayer {
			cat = ""
		}
		comps := viewComponents(layerComponents(ds, cat), active)
		l := readLayer(t, out, ts)
		checkCounts(t, l, comps, 16)
		checkFiles(t, out, ts, 64<<10)
	}
	vt, ok := m.TileSets[vectortiles.AssetName]
	if !ok || vt.Format != "pmtiles" || len(vt.TileJSON.VectorLayers) != len(wantLayers) {
		t.Errorf("vector tile set %s = %+v, want a pmtiles archive with layers %v", vectortiles.AssetName, vt, wantLayers)
	}
	checkClientComps(t, out, "maptiles/default/DSR", viewComponents(layerComponents(ds, record.DSR), active), 400)
	checkClientComps(t, out, "maptiles/default/all", viewComponents(layerComponents(ds, ""), active), 200)
}

// checkFiles checks every file of a tile set and its compressed variants stay
// within limit bytes.
func checkFiles(t *testing.T, out string, ts manifest.TileSet, limit int64) {
	t.Helper()
	n := 0
	err := filepath.Walk(filepath.Join(out, ts.Path), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		n++
		if fi.Size() > limit {
			t.Errorf("%s: %d bytes, over %d", p, fi.Size(), limit)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < ts.Files {
		t.Errorf("%s: %d files on disk, manifest says %d", ts.Path, n, ts.Files)
	}
}
