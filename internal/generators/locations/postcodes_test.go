package locations

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/treetest"
	"github.com/prebake/prebake/manifest"
)

func TestSplitPostcode(t *testing.T) {
	tests := []struct {
		in              string
		outcode, inward string
		ok              bool
	}{
		{"WF11 8DX", "WF11", "8DX", true},
		{"B1 1AA", "B1", "1AA", true},
		{"EC1A 1BB", "EC1A", "1BB", true},
		{"W1A 0AX", "W1A", "0AX", true},
		{"WF118DX", "", "", false},
		{"wf11 8dx", "", "", false},
		{"WF11  8DX", "", "", false},
		{"1F11 8DX", "", "", false},
		{"WF11 DX8", "", "", false},
		{"ABCDE 1AA", "", "", false},
		{"W 1AA", "", "", false},
		{"", "", "", false},
		{"WF1/ 8DX", "", "", false},
	}
	for _, tt := range tests {
		oc, in, err := splitPostcode(tt.in)
		if (err == nil) != tt.ok || oc != tt.outcode || in != tt.inward {
			t.Errorf("splitPostcode(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.in, oc, in, err, tt.outcode, tt.inward, tt.ok)
		}
	}
}

func TestNewPostcodeTable(t *testing.T) {
	tests := []struct {
		name     string
		in       []record.PostcodePoint
		outcodes []string
		n, dups  int
		err      string
	}{
		{
			name: "sorted, AB1 before AB10",
			in: []record.PostcodePoint{
				pp("AB1 0AA", 57.1, -2.2), pp("AB1 0AB", 57.1, -2.2), pp("AB10 1AA", 57.14, -2.1), pp("B1 1AA", 52.4, -1.9),
			},
			outcodes: []string{"AB1", "AB10", "B1"}, n: 4,
		},
		{
			name: "unsorted is sorted, repeats dropped",
			in: []record.PostcodePoint{
				pp("B1 1AA", 52.4, -1.9), pp("AB10 1AA", 57.14, -2.1), pp("B1 1AA", 50, 0), pp("AB1 0AA", 57.1, -2.2),
			},
			outcodes: []string{"AB1", "AB10", "B1"}, n: 3, dups: 1,
		},
		{
			name: "sorted with repeats",
			in: []record.PostcodePoint{
				pp("AB1 0AA", 57.1, -2.2), pp("AB10 1AA", 57.14, -2.1), pp("B1 1AA", 52.4, -1.9), pp("B1 1AA", 50, 0), pp("B1 1AA", 51, 0),
			},
			outcodes: []string{"AB1", "AB10", "B1"}, n: 3, dups: 2,
		},
		{
			// the repeat next to its twin before the disorder is counted once
			name: "unsorted, a repeat already adjacent",
			in: []record.PostcodePoint{
				pp("B1 1AA", 52.4, -1.9), pp("B1 1AA", 50, 0), pp("AB10 1AA", 57.14, -2.1), pp("AB1 0AA", 57.1, -2.2),
			},
			outcodes: []string{"AB1", "AB10", "B1"}, n: 3, dups: 1,
		},
		{name: "empty", in: nil, n: 0},
		{
			name: "bad postcode names the record and field",
			in:   []record.PostcodePoint{pp("AB1 0AA", 57, -2), pp("AB10AA", 57, -2)},
			err:  `record 2: field Postcode "AB10AA"`,
		},
		{
			name: "NaN position",
			in:   []record.PostcodePoint{pp("AB1 0AA", math.NaN(), -2)},
			err:  "record 1 (AB1 0AA): field Lat/Lng",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := newPostcodeTable(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ocs []string
			for _, r := range tab.outcodes {
				ocs = append(ocs, r.outcode)
			}
			if !reflect.DeepEqual(ocs, tt.outcodes) || len(tab.points) != tt.n || tab.duplicates != tt.dups {
				t.Errorf("outcodes %v, %d points, %d repeats; want %v, %d, %d", ocs, len(tab.points), tab.duplicates, tt.outcodes, tt.n, tt.dups)
			}
			if tt.dups > 0 && tab.points[2].Lat != 52.4 {
				t.Errorf("the first of a repeated postcode should be kept, got %v", tab.points[2])
			}
		})
	}
}

func TestEncodeShard(t *testing.T) {
	pts := []record.PostcodePoint{
		pp("WF11 0AA", 53.70000012, -1.2500004),
		pp("WF11 0AB", 53.70000088, -1.25),
		pp("WF11 8DX", 53.7123456, -1.2654321),
	}
	b, c, secs := encodeShard(nil, "WF11", pts)
	want := `{"outcode":"WF11","centroid":[53.704116,-1.255144],"sectors":{"0":[53.700001,-1.25],"8":[53.712346,-1.265432]},"postcodes":{"0AA":[53.7,-1.25],"0AB":[53.700001,-1.25],"8DX":[53.712346,-1.265432]}}`
	if string(b) != want {
		t.Errorf("shard\n%s\nwant\n%s", b, want)
	}
	sh := decode[PostcodeShard](t, "shard", b)
	if sh.Outcode != "WF11" || len(sh.Postcodes) != 3 || sh.Postcodes["8DX"] != [2]float64{53.712346, -1.265432} {
		t.Errorf("decoded %+v", sh)
	}
	if c.Postcodes != 3 || len(secs) != 2 || secs[0].Postcodes != 2 || secs[1].Postcodes != 1 {
		t.Errorf("centroids %+v %+v", c, secs)
	}
	if got := sectorNames("WF11", pts); !reflect.DeepEqual(got, []string{"WF11 0", "WF11 8"}) {
		t.Errorf("sectorNames = %v", got)
	}
}

// TestNearestPostcode compares the ring search with a brute-force scan.
func TestNearestPostcode(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var pts []record.PostcodePoint
	letters := "ABDEFGHJLNPQRSTUWXYZ"
	for i := range 3000 {
		pc := "AB" + itoa(int64(1+i%50)) + " " + itoa(int64(i/400)) + string(letters[i%20]) + string(letters[(i/20)%20])
		pts = append(pts, record.PostcodePoint{Postcode: pc, Lat: 52 + rng.Float64()*0.5, Lng: -1 + rng.Float64()*0.8})
	}
	tab, err := newPostcodeTable(pts)
	if err != nil {
		t.Fatal(err)
	}
	ix := newPostcodeIndex(tab)
	for range 500 {
		lat, lng := 51.9+rng.Float64()*0.7, -1.1+rng.Float64()*1.0
		best, bestD := -1, math.Inf(1)
		for i, p := range tab.points {
			if d := geo.Distance(orb.Point{lng, lat}, orb.Point{p.Lng, p.Lat}); d < bestD {
				best, bestD = i, d
			}
		}
		got, ok := ix.nearest(lat, lng, 5000)
		if bestD > 5000 {
			if ok {
				t.Errorf("(%v, %v): found %d, but the nearest is %.0f m away", lat, lng, got, bestD)
			}
			continue
		}
		if !ok {
			t.Errorf("(%v, %v): none found, want %d at %.0f m", lat, lng, best, bestD)
			continue
		}
		p := tab.points[got]
		if d := geo.Distance(orb.Point{lng, lat}, orb.Point{p.Lng, p.Lat}); d > bestD+0.5 {
			t.Errorf("(%v, %v): found %s at %.1f m, nearest is %s at %.1f m", lat, lng, p.Postcode, d, tab.points[best].Postcode, bestD)
		}
	}
}

func pp(pc string, lat, lng float64) record.PostcodePoint {
	return record.PostcodePoint{Postcode: pc, Lat: lat, Lng: lng}
}

// smallDataset is a few components and postcodes in two districts.
func smallDataset() *record.Dataset {
	return &record.Dataset{
		Components: []record.Component{
			located(1, record.Gas, "Ferrybridge Power Station, Knottingley WF11 8SQ", "WF11", 53.7150, -1.2780),
			located(2, record.Gas, "Ferrybridge Power Station, Knottingley WF11 8SQ", "WF11", 53.7150, -1.2780),
			located(3, record.Battery, "Kirkhaw Lane, Knottingley WF11 8RD", "WF11", 53.7100, -1.2600),
			located(4, record.DSR, "Somewhere offshore", "", 54.5, 1.5),  // no postcode near, no outcode
			located(5, record.Wind, "Offshore, WF10", "WF10", 54.6, 1.6), // no postcode near: its text's outcode
			{ID: 6, Location: "Castleford WF10 1AA", LocationText: "Castleford WF10 1AA", Outcode: "WF10", Category: record.CHP},
			{ID: 7, LocationText: "N/A"},
		},
		Postcodes: []record.PostcodePoint{
			pp("WF10 1AA", 53.7250, -1.3550),
			pp("WF10 1AB", 53.7260, -1.3560),
			pp("WF10 5ZZ", 53.7300, -1.3300),
			pp("WF11 8RD", 53.7105, -1.2605),
			pp("WF11 8SQ", 53.7140, -1.2790),
		},
	}
}

func TestGenerateSmall(t *testing.T) {
	ds := smallDataset()
	dir, _, s := bake(t, ds, Options{})

	if s.PostcodeShards != 2 || s.Postcodes != 5 || s.Sectors != 3 || s.LargestShard != "WF10" {
		t.Errorf("summary %+v", s)
	}
	// Shards, read back from disk.
	for _, pc := range ds.Postcodes {
		oc, in, _ := splitPostcode(pc.Postcode)
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(s.PostcodeShardsPath), oc+".json"))
		if err != nil {
			t.Fatal(err)
		}
		sh := decode[PostcodeShard](t, oc, b)
		if got := sh.Postcodes[in]; got != [2]float64{pc.Lat, pc.Lng} {
			t.Errorf("%s: %v, want %v", pc.Postcode, got, [2]float64{pc.Lat, pc.Lng})
		}
	}
	oc := decode[map[string]Centroid](t, "outcode centroids", asset(t, dir, OutcodeCentroidsName))
	if c := oc["WF11"]; c.Postcodes != 2 || math.Abs(c.Lat-53.71225) > 1e-9 || math.Abs(c.Lng+1.26975) > 1e-9 {
		t.Errorf("WF11 centroid %+v", c)
	}
	sc := decode[map[string]Centroid](t, "sector centroids", asset(t, dir, SectorCentroidsName))
	if len(sc) != 3 || sc["WF10 1"].Postcodes != 2 || sc["WF10 5"].Postcodes != 1 {
		t.Errorf("sector centroids %+v", sc)
	}

	// Parquet: every row, in postcode order, declared sorted by postcode.
	pq := asset(t, dir, PostcodesParquetName)
	rows, err := parquet.Read[postcodeRow](bytes.NewReader(pq), int64(len(pq)))
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(bytes.NewReader(pq), int64(len(pq)))
	if err != nil {
		t.Fatal(err)
	}
	for i, rg := range pf.RowGroups() {
		sc := rg.SortingColumns()
		if len(sc) != 1 || strings.Join(sc[0].Path(), ".") != "postcode" || sc[0].Descending() {
			t.Errorf("row group %d: sorting columns %v, want postcode ascending", i, sc)
		}
	}
	if len(rows) != 5 || rows[0] != (postcodeRow{"WF10 1AA", "WF10", "WF10 1", 53.7250, -1.3550}) || rows[4].Postcode != "WF11 8SQ" {
		t.Errorf("parquet rows %+v", rows)
	}

	// Outcode -> components.
	ocs := decode[map[string][]int64](t, "outcode components", asset(t, dir, OutcodeComponentsName))
	want := map[string][]int64{"WF10": {5, 6}, "WF11": {1, 2, 3}}
	if !reflect.DeepEqual(ocs, want) {
		t.Errorf("outcode components %v, want %v", ocs, want)
	}
	if s.ByNearestPostcode != 3 || s.ByLocationOutcode != 2 || s.WithoutOutcode != 2 {
		t.Errorf("filed by nearest %d, by text %d, without %d; want 3, 2, 2", s.ByNearestPostcode, s.ByLocationOutcode, s.WithoutOutcode)
	}

	// Groups: counts add up to the located components.
	all := decode[featureCollection](t, "all", asset(t, dir, GroupsDir+"/all.geojson"))
	checkGroupCounts(t, ds.Components, all)
	if len(all.Features) != 4 || s.GroupsUnlocated != 1 {
		t.Errorf("%d location groups, %d without a position; want 4 and 1 (Castleford)", len(all.Features), s.GroupsUnlocated)
	}
}

// checkGroupCounts checks the groups file against the app's rule, restated:
// one group per verbatim location text that IsGroupText accepts and that has a
// located component; count = every component with that text; located_count
// (left out when it equals count) the located ones; ids the hash of the text;
// auction indices name auction_names.
func checkGroupCounts(t *testing.T, comps []record.Component, fc featureCollection) {
	t.Helper()
	count, located := map[string]int{}, map[string]int{}
	for _, c := range comps {
		if !IsGroupText(c.LocationText) {
			continue
		}
		count[c.LocationText]++
		if c.Geo.Located {
			located[c.LocationText]++
		}
	}
	want := map[string]int{}
	for text, n := range count {
		if located[text] > 0 {
			want[text] = n
		}
	}
	got := map[string]int{}
	for _, f := range fc.Features {
		p := f.Properties
		got[p.Title] = p.Count
		loc := p.LocatedCount
		if loc == 0 {
			loc = p.Count
		}
		if p.ID != locationID(p.Title) || loc != located[p.Title] {
			t.Errorf("feature %+v: located %d, want %d", f, loc, located[p.Title])
		}
		for _, i := range p.Auctions {
			if i < 0 || i >= len(fc.AuctionNames) {
				t.Errorf("feature %q: auction index %d of %d names", p.Title, i, len(fc.AuctionNames))
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%d groups, want %d (counts by title %v, want %v)", len(got), len(want), got, want)
	}
}

// TestGenerateDeterministic bakes the same data with 1 and 4 workers, from
// shuffled postcodes, and wants byte-identical trees.
func TestGenerateDeterministic(t *testing.T) {
	ds := smallDataset()
	dirA, _, _ := bake(t, ds, Options{Workers: 1})
	shuffled := *ds
	shuffled.Postcodes = append([]record.PostcodePoint(nil), ds.Postcodes...)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled.Postcodes), func(i, j int) {
		shuffled.Postcodes[i], shuffled.Postcodes[j] = shuffled.Postcodes[j], shuffled.Postcodes[i]
	})
	dirB, _, _ := bake(t, &shuffled, Options{Workers: 4})
	a, b := treetest.Hashes(t, dirA), treetest.Hashes(t, dirB)
	if diffs := treetest.Diff(a, b); len(diffs) > 0 {
		t.Errorf("trees differ in %v", diffs)
	}
	if len(a) < 20 {
		t.Errorf("only %d files written", len(a))
	}
}

func TestGenerateErrors(t *testing.T) {
	ds := smallDataset()
	ds.Postcodes = append(ds.Postcodes, record.PostcodePoint{Postcode: "WF11 8S", Lat: 53, Lng: -1})
	w := newTestWriter(t)
	_, err := Generate(ds, w, Options{})
	if err == nil || !strings.Contains(err.Error(), `record 6: field Postcode "WF11 8S"`) {
		t.Errorf("err = %v, want one naming record 6 and its postcode", err)
	}
	ds = smallDataset()
	ds.Components[2].Geo.Lat = math.NaN()
	ds.Components[2].SourceFile, ds.Components[2].SourceRow = "components_3.json", 17
	_, err = Generate(ds, newTestWriter(t), Options{})
	if err == nil || !strings.Contains(err.Error(), "components_3.json record 17 (component id 3): field Geo") {
		t.Errorf("err = %v, want one naming the file, record and field", err)
	}
	if _, err := Generate(nil, w, Options{}); err == nil {
		t.Errorf("nil dataset: no error")
	}
}

// TestGenerateWithoutPostcodes bakes with no postcode table (no --postcodes):
// an empty shard set and table, components filed by the outcode in their text.
func TestGenerateWithoutPostcodes(t *testing.T) {
	ds := smallDataset()
	ds.Postcodes = nil
	dir, _, s := bake(t, ds, Options{})
	if s.PostcodeShards != 0 || s.Postcodes != 0 || s.ByNearestPostcode != 0 || s.ByLocationOutcode != 5 || s.WithoutOutcode != 2 {
		t.Errorf("summary %+v", s)
	}
	ocs := decode[map[string][]int64](t, "outcode components", asset(t, dir, OutcodeComponentsName))
	want := map[string][]int64{"WF10": {5, 6}, "WF11": {1, 2, 3}}
	if !reflect.DeepEqual(ocs, want) {
		t.Errorf("outcode components %v, want %v", ocs, want)
	}
	if c := decode[map[string]Centroid](t, "outcode centroids", asset(t, dir, OutcodeCentroidsName)); len(c) != 0 {
		t.Errorf("outcode centroids %v, want none", c)
	}
}

// TestPostcodeAttribution: real postcode tables carry the OGL attribution in the
// manifest; a synthetic sample's invented postcodes say they are synthetic instead.
// The flag is the postcode inputs' own: synthetic component rows (ds.Synthetic)
// leave real postcodes their attribution.
func TestPostcodeAttribution(t *testing.T) {
	for _, synthetic := range []bool{false, true} {
		ds := smallDataset()
		ds.Synthetic = !synthetic
		ds.PostcodesSynthetic = synthetic
		dir, w, _ := bake(t, ds, Options{})
		mp := filepath.Join(dir, "manifest.json")
		if err := w.Commit(mp, manifest.Manifest{}); err != nil {
			t.Fatal(err)
		}
		m, err := manifest.Load(mp)
		if err != nil {
			t.Fatal(err)
		}
		ss, err := m.ShardSet(PostcodeShardSet)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := ss.Params["attribution"].(string)
		want := "Crown copyright"
		if synthetic {
			want = "SYNTHETIC"
		}
		if !strings.Contains(got, want) || (synthetic && strings.Contains(got, "Crown")) {
			t.Errorf("synthetic=%v: attribution %q, want it to contain %q", synthetic, got, want)
		}
	}
}

// TestPostcodeIndexCells checks the index's grouping against its definition
// on points spread over every quadrant of the globe (cells of both signs, at
// the key's extremes): each cell lists exactly its points, in ascending
// index, and the cells are in ascending key order.
func TestPostcodeIndexCells(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var pts []record.PostcodePoint
	for i := range 5000 {
		lat, lng := rng.Float64()*180-90, rng.Float64()*360-180
		switch i % 50 {
		case 0:
			lat, lng = -90, -180
		case 1:
			lat, lng = 90, 180
		case 2: // a crowded cell
			lat, lng = 51.5+rng.Float64()*0.009, -0.1+rng.Float64()*0.009
		}
		pts = append(pts, record.PostcodePoint{Lat: lat, Lng: lng})
	}
	ix := newPostcodeIndex(&postcodeTable{points: pts})
	want := map[cell][]int32{}
	for i, p := range pts {
		c := cellOf(p.Lat, p.Lng)
		want[c] = append(want[c], int32(i))
	}
	if len(ix.keys) != len(want) {
		t.Fatalf("%d cells, want %d", len(ix.keys), len(want))
	}
	if !slices.IsSorted(ix.keys) {
		t.Error("cell keys not ascending")
	}
	for c, idx := range want {
		if got := ix.cell(c); !slices.Equal(got, idx) {
			t.Errorf("cell %v: points %v, want %v", c, got, idx)
		}
	}
}
