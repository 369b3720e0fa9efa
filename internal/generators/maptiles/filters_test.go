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
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/clustertest"
	"github.com/prebake/prebake/internal/testkit/dataset"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/manifest"
)

// activeTexts restates the app's LocationGroup.is_active for the test: group
// components by verbatim location text (not empty, None, N/A, NA, TBC, to be
// confirmed); a group is active when one of its 5 newest distinct auction names
// (descending) contains 2024-25 .. 2029-30.
func activeTexts(comps []record.Component) map[string]bool {
	names := map[string]map[string]bool{}
	for _, c := range comps {
		t := c.LocationText
		l := strings.ToLower(t)
		if t == "" || t == "None" || t == "N/A" || t == "NA" || strings.Contains(l, "tbc") || strings.Contains(l, "to be confirmed") {
			continue
		}
		if names[t] == nil {
			names[t] = map[string]bool{}
		}
		if c.AuctionName != "" {
			names[t][c.AuctionName] = true
		}
	}
	out := map[string]bool{}
	for t, set := range names {
		var ns []string
		for n := range set {
			ns = append(ns, n)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(ns)))
		for i, n := range ns {
			if i == 5 {
				break
			}
			for _, y := range []string{"2024-25", "2025-26", "2026-27", "2027-28", "2028-29", "2029-30"} {
				if strings.Contains(n, y) {
					out[t] = true
				}
			}
		}
	}
	return out
}

func residential(c *record.Component) bool {
	return c.Company == "AXLE ENERGY LIMITED" || c.Company == "OCTOPUS ENERGY LIMITED"
}

// attrsFile is the head of an attribute file; readAttrs reads the columns.
type attrsFile struct {
	Scheme    string              `json:"scheme"`
	Count     int                 `json:"count"`
	Positions []float64           `json:"positions"`
	Dicts     map[string][]string `json:"dicts"`
}

func readAttrs(t *testing.T, out string, ts manifest.TileSet) (attrsFile, map[string][]float64) {
	t.Helper()
	path, _ := ts.Layout["attributes_path"].(string)
	if ts.Layout["attributes_scheme"] != maptiles.AttrsScheme || path == "" {
		t.Fatalf("layout names no attribute file: %v", ts.Layout)
	}
	data, err := os.ReadFile(filepath.Join(out, path))
	if err != nil {
		t.Fatal(err)
	}
	var f attrsFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	cols := map[string][]float64{}
	for _, k := range []string{"id", "position", "category", "technology", "company", "delivery_year", "mw", "active", "residential"} {
		var v []float64
		if err := json.Unmarshal(raw[k], &v); err != nil || len(v) != f.Count {
			t.Fatalf("column %s: %d values for %d rows (%v)", k, len(v), f.Count, err)
		}
		cols[k] = v
	}
	return f, cols
}

// checkAttrs decodes a layer's attribute file and compares every row with the
// layer's components (in input order) and the independently stated flags.
func checkAttrs(t *testing.T, out string, ts manifest.TileSet, comps []*record.Component, active map[string]bool) {
	t.Helper()
	f, cols := readAttrs(t, out, ts)
	if f.Count != len(comps) {
		t.Fatalf("attribute file has %d rows, the layer %d components", f.Count, len(comps))
	}
	id := int64(0)
	bad := 0
	for i, c := range comps {
		id += int64(cols["id"][i])
		p := int(cols["position"][i])
		year := ""
		if y := int(cols["delivery_year"][i]); y >= 0 {
			year = f.Dicts["delivery_year"][y]
		}
		wantYear := ""
		if c.DeliveryYear != 0 {
			wantYear = strconv.Itoa(c.DeliveryYear)
		}
		mw := 0.0
		if c.DeratedMW != nil {
			mw = *c.DeratedMW
		}
		got := []any{id, f.Positions[2*p], f.Positions[2*p+1], f.Dicts["category"][int(cols["category"][i])],
			f.Dicts["technology"][int(cols["technology"][i])], f.Dicts["company"][int(cols["company"][i])], year,
			cols["mw"][i], cols["active"][i] == 1, cols["residential"][i] == 1}
		want := []any{c.ID, c.Geo.Lng, c.Geo.Lat, string(c.Category), c.TechClass, c.Company, wantYear, mw,
			active[c.LocationText], residential(c)}
		for k := range got {
			if got[k] != want[k] {
				if bad++; bad <= 5 {
					t.Errorf("row %d (id %d) field %d: got %v, want %v", i, c.ID, k, got[k], want[k])
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d fields differ", bad)
	}
}

// writeFilterPoints writes comps as the check script's input: GeoJSON points
// with the properties the /map/ filters and the client's point features use.
func writeFilterPoints(t *testing.T, comps []*record.Component, active map[string]bool) string {
	t.Helper()
	type props struct {
		ID          int64   `json:"id"`
		Technology  string  `json:"technology"`
		Category    string  `json:"display_technology"`
		Company     string  `json:"company"`
		Year        *string `json:"delivery_year"`
		MW          float64 `json:"mw"`
		Active      bool    `json:"active"`
		Residential bool    `json:"residential"`
	}
	type feat struct {
		Type     string `json:"type"`
		ID       int64  `json:"id"`
		Geometry struct {
			Type        string     `json:"type"`
			Coordinates [2]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties props `json:"properties"`
	}
	fs := make([]feat, len(comps))
	for i, c := range comps {
		p := props{ID: c.ID, Technology: c.TechClass, Category: string(c.Category), Company: c.Company,
			Active: active[c.LocationText], Residential: residential(c)}
		if p.Technology == "" {
			p.Technology = "Unknown"
		}
		if c.DeliveryYear != 0 {
			y := strconv.Itoa(c.DeliveryYear)
			p.Year = &y
		}
		if c.DeratedMW != nil {
			p.MW = *c.DeratedMW
		}
		fs[i] = feat{Type: "Feature", ID: c.ID, Properties: p}
		fs[i].Geometry.Type = "Point"
		fs[i].Geometry.Coordinates = [2]float64{c.Geo.Lng, c.Geo.Lat}
	}
	data, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "filter-points.geojson")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkFiltered runs js/test/prebake-filters-check.mjs: no filter, the default
// filters and n random filter sets, each over 6 viewports and zooms, clustered
// in the client against supercluster.
func checkFiltered(t *testing.T, out, tileset string, comps []*record.Component, active map[string]bool, n int) {
	t.Helper()
	script := filepath.Join(shareddata.Root(), "js", "test", "prebake-filters-check.mjs")
	var r struct {
		Checks, Filters, Features, Mismatches, AttrsBytes int
		First                                             json.RawMessage
		Recluster                                         struct{ Mean, Max float64 }
	}
	shareddata.NodeJSON(t, &r, script, out, filepath.Join(out, "manifest.json"), tileset,
		writeFilterPoints(t, comps, active), strconv.Itoa(n), "12")
	if r.Checks < 6*n || r.Features == 0 {
		t.Fatalf("%s: only %d views with %d features checked", tileset, r.Checks, r.Features)
	}
	if r.Mismatches > 0 {
		t.Errorf("%s: %d of %d filtered views differ from supercluster; first: %s", tileset, r.Mismatches, r.Checks, r.First)
	}
	t.Logf("%s: %d filter sets, %d views, %d features equal to supercluster; attribute file %d bytes; re-cluster mean %.1f ms, max %.1f ms",
		tileset, r.Filters, r.Checks, r.Features, r.AttrsBytes, r.Recluster.Mean, r.Recluster.Max)
}

// TestSyntheticFilteredViews: attribute files match the components, default
// views hold exactly the default-filtered components, and filtered clustering in
// the client equals supercluster, on a small synthetic register with residential
// companies and active and historical locations.
func TestSyntheticFilteredViews(t *testing.T) {
	ds := &record.Dataset{Components: syntheticFilterComponents(t, 3000)}
	active := activeTexts(ds.Components)
	out, m, sum := bake(t, ds, maptiles.Options{SkipVectorTiles: true})
	for _, l := range sum.Layers {
		if _, ok := m.TileSets[maptiles.DefaultViewPrefix+l.Name]; !ok || l.TileSet != maptiles.DefaultViewPrefix+l.Name {
			t.Errorf("layer %s: tile set %q, manifest has it: %v", l.Name, l.TileSet, ok)
		}
		if _, ok := m.TileSets["maptiles/"+l.Name]; ok {
			t.Errorf("layer %s: the unfiltered tile set maptiles/%s is still baked", l.Name, l.Name)
		}
	}
	checkViews(t, out, m, ds, active, 40, 12)
}

// syntheticFilterComponents: n components over GB, with residential DSR, several
// years and auctions (some locations active, some historical) and categories.
func syntheticFilterComponents(t *testing.T, n int) []record.Component {
	pts := clustertest.GenPoints(t, n)
	cats := []record.Category{record.DSR, record.Battery, record.Gas, record.DSR, record.Solar}
	comps := componentsAt(pts, cats)
	for i := range comps {
		c := &comps[i]
		switch i % 7 {
		case 0:
			c.Company = "OCTOPUS ENERGY LIMITED"
		case 3:
			c.Company = "AXLE ENERGY LIMITED"
		}
		c.DeliveryYear = 2019 + i%9
		c.AuctionName = strconv.Itoa(c.DeliveryYear) + "-" + strconv.Itoa((c.DeliveryYear+1)%100) + " (T-4) Four Year Ahead Capacity Auction"
		c.LocationText = "Site " + strconv.Itoa(i/3) // three components a location
		if i%41 == 0 {
			c.LocationText = "TBC"
		}
	}
	return comps
}

// TestRealFilteredViews bakes the real register's DSR and all layers: their
// attribute files match the components (the all layer's within 400 KB brotli),
// the default views equal supercluster over the default-filtered components, and
// random filter sets x viewports x zooms clustered in the client equal
// supercluster over the filtered components.
func TestRealFilteredViews(t *testing.T) {
	ds := dataset.Real(t)
	active := activeTexts(ds.Components)
	out, m := realBake(t)
	checkViews(t, out, m, ds, active, 100, 40)
}

// checkViews checks the DSR and all layers of a bake: attribute files (the all
// layer's within 400 KB brotli), default views against supercluster over the
// default-filtered components (nView viewports), and nFilters random filter sets
// clustered in the client against supercluster.
func checkViews(t *testing.T, out string, m *manifest.Manifest, ds *record.Dataset, active map[string]bool, nView, nFilters int) {
	t.Helper()
	for _, cat := range []record.Category{record.DSR, ""} {
		name := string(cat)
		if cat == "" {
			name = maptiles.AllLayer
		}
		comps := layerComponents(ds, cat)
		ts := maptiles.DefaultViewPrefix + name
		checkAttrs(t, out, m.TileSets[ts], comps, active)
		a := m.Assets["maptiles/"+name+".attrs.json"]
		t.Logf("%s: attribute file %d bytes, brotli %d, gzip %d", name, a.Size, a.Encodings["br"].Size, a.Encodings["gzip"].Size)
		if br := a.Encodings["br"].Size; name == maptiles.AllLayer && (br == 0 || br > 400<<10) {
			t.Errorf("all layer's attribute file is %d bytes brotli; the budget is 400 KB", br)
		}
		view := viewComponents(comps, active)
		if len(view) == 0 || len(view) == len(comps) {
			t.Fatalf("%s: default view keeps %d of %d components; the data should exercise the filter", name, len(view), len(comps))
		}
		t.Logf("%s: default view keeps %d of %d located components", name, len(view), len(comps))
		checkClientComps(t, out, ts, view, nView)
		checkFiltered(t, out, ts, comps, active, nFilters)
	}
}
