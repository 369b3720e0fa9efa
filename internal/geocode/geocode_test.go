package geocode

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/prebake/prebake/internal/osgb"
	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

func TestInGB(t *testing.T) {
	cases := []struct {
		name     string
		lat, lng float64
		want     bool
	}{
		{"St Mary's, Scilly", 49.92, -6.30, true},
		{"Lizard Point", 49.96, -5.20, true},
		{"Land's End", 50.07, -5.71, true},
		{"St Kilda", 57.81, -8.58, true},
		{"Muckle Flugga", 60.86, -0.89, true},
		{"Lowestoft Ness", 52.48, 1.76, true},
		{"Dover", 51.13, 1.31, true},
		{"Dungeness", 50.91, 0.98, true},
		{"Selsey Bill", 50.72, -0.79, true},
		{"Portland Bill", 50.51, -2.46, true},
		{"Mull of Kintyre", 55.31, -5.80, true},
		{"Sanda Island", 55.28, -5.58, true},
		{"Mull of Oa, Islay", 55.59, -6.33, true},
		{"Corsewall Point", 55.01, -5.16, true},
		{"Mull of Galloway", 54.63, -4.86, true},
		{"St David's Head", 51.90, -5.31, true},
		{"The Smalls", 51.72, -5.67, true},
		{"Holyhead", 53.31, -4.63, true},
		{"Leeds", 53.80, -1.55, true},
		{"North Rona", 59.12, -5.82, true},
		{"Sula Sgeir", 59.10, -6.16, true},
		{"Sule Skerry", 59.08, -4.41, true},
		{"Foula", 60.13, -2.07, true},
		{"Fair Isle", 59.53, -1.63, true},
		// UK offshore wind east of 1.8 E (published positions, rounded).
		{"Hornsea One", 53.885, 1.791, true},
		{"Hornsea Two", 53.94, 1.69, true},
		{"Dogger Bank A", 54.78, 1.92, true},
		{"Dogger Bank C", 55.0, 2.45, true},
		{"Sofia", 54.97, 2.47, true},
		{"Greater Gabbard", 51.88, 1.94, true},
		{"Galloper", 51.91, 2.03, true},
		// Open sea far from any UK land or offshore wind zone.
		{"central North Sea, 250 km east of Aberdeen", 57.0, 1.7, false},
		{"Atlantic, 250 km north-west of Lewis", 60.7, -8.5, false},
		{"Norwegian sector", 59.0, 2.5, false},
		{"Dutch sector", 53.5, 4.0, false},
		{"Rathlin Island", 55.29, -6.20, false},
		{"Belfast", 54.60, -5.93, false},
		{"Larne", 54.85, -5.82, false},
		{"Portavogie, Ards", 54.46, -5.44, false},
		{"Dublin", 53.35, -6.26, false},
		{"Malin Head", 55.38, -7.37, false},
		{"Mizen Head", 51.45, -9.82, false},
		{"Douglas, Isle of Man", 54.15, -4.48, false},
		{"Point of Ayre, Isle of Man", 54.42, -4.37, false},
		{"Alderney", 49.71, -2.20, false},
		{"Guernsey", 49.45, -2.54, false},
		{"Jersey", 49.21, -2.13, false},
		{"Calais", 50.95, 1.86, false},
		{"Cap Gris Nez", 50.87, 1.58, false},
		{"Boulogne", 50.73, 1.61, false},
		{"Dieppe", 49.92, 1.08, false},
		{"Le Tréport", 50.06, 1.37, false},
		{"Faroe", 62.0, -6.8, false},
		{"Rockall", 57.60, -13.69, false},
		{"Null Island", 0, 0, false},
	}
	for _, tc := range cases {
		if got := InGB(tc.lat, tc.lng); got != tc.want {
			t.Errorf("InGB(%s %v, %v) = %v, want %v", tc.name, tc.lat, tc.lng, got, tc.want)
		}
	}
}

// smallTable is a postcode/lat/lng table of real positions (from Code-Point Open
// via osgb) plus one Northern Ireland postcode.
func smallTable(t *testing.T) *postcode.Table {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pc.csv")
	lines := []string{"postcode,lat,lng"}
	add := func(pc string, e, n float64) {
		lat, lng := osgb.ToWGS84(e, n)
		lines = append(lines, fmt.Sprintf("%s,%.7f,%.7f", pc, lat, lng))
	}
	add("PL7 4NW", 252262, 56548)   // Marshall Road, Plympton: grid SX 522 565
	add("PL7 4NX", 252400, 56700)   // same sector
	add("LS10 1AB", 430500, 432100) // Leeds
	add("LS10 1AD", 430700, 432300)
	add("LS10 2AA", 431000, 430000)
	add("PR2 5LE", 356800, 434400) // Grimsargh, Preston
	lines = append(lines, "BT1 1AA,54.5973,-5.9301")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, _, err := postcode.Load([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestLocate(t *testing.T) {
	tab := smallTable(t)
	sx522565Lat, sx522565Lng := osgb.ToWGS84(252250, 56550)
	pl7Lat, pl7Lng, _ := tab.Lookup("PL7 4NW")
	pr2Lat, pr2Lng, _ := tab.Lookup("PR2 5LE")
	ls10Lat, ls10Lng, _ := tab.OutcodeCentroid("LS10")
	ls101Lat, ls101Lng, _ := tab.SectorCentroid("LS10 1")
	cases := []struct {
		name           string
		location, grid string
		noTable        bool
		pc, oc, gr     string
		want           record.Geocode
		issue          string // Geo.GridRefIssue
	}{
		{name: "grid and matching postcode: grid wins",
			location: "Marshall Road, Plympton, Plymouth, PL7 4NW", grid: "SX 522 565",
			pc: "PL7 4NW", oc: "PL7", gr: "SX 522 565",
			want: record.Geocode{Lat: sx522565Lat, Lng: sx522565Lng, Located: true, Source: record.GeoGridRef, Precision: record.Precision100m}},
		{name: "grid normalized, no table",
			location: "somewhere", grid: " sx522565 ", noTable: true, gr: "SX 522 565",
			want: record.Geocode{Lat: sx522565Lat, Lng: sx522565Lng, Located: true, Source: record.GeoGridRef, Precision: record.Precision100m}},
		{name: "grid 300 km from the unit postcode: postcode wins",
			location: "Grimsargh \nPreston\nLancashire\nPR2 5LE\n", grid: "SU 781 539",
			pc: "PR2 5LE", oc: "PR2", gr: "SU 781 539",
			want:  record.Geocode{Lat: pr2Lat, Lng: pr2Lng, Located: true, Source: record.GeoPostcode, Precision: record.PrecisionUnit},
			issue: record.GridRefContradicted},
		{name: "offshore: grid wins however far",
			location: "Offshore wind farm; substation at Grimsargh, PR2 5LE", grid: "SU 781 539",
			pc: "PR2 5LE", oc: "PR2", gr: "SU 781 539",
			want: func() record.Geocode {
				lat, lng := osgb.ToWGS84(478150, 153950)
				return record.Geocode{Lat: lat, Lng: lng, Located: true, Source: record.GeoGridRef, Precision: record.Precision100m}
			}()},
		{name: "10 km square loses to a unit postcode",
			location: "Plympton PL7 4NW", grid: "SX 5 5",
			pc: "PL7 4NW", oc: "PL7", gr: "SX 5 5",
			want: record.Geocode{Lat: pl7Lat, Lng: pl7Lng, Located: true, Source: record.GeoPostcode, Precision: record.PrecisionUnit}},
		{name: "10 km square alone",
			location: "Plympton", grid: "SX55", gr: "SX 5 5",
			want: func() record.Geocode {
				lat, lng := osgb.ToWGS84(255000, 55000)
				return record.Geocode{Lat: lat, Lng: lng, Located: true, Source: record.GeoGridRef, Precision: record.Precision10km}
			}()},
		{name: "1 m grid reference",
			location: "", grid: "SX 52250 56550", gr: "SX 52250 56550",
			want: func() record.Geocode {
				lat, lng := osgb.ToWGS84(252250.5, 56550.5)
				return record.Geocode{Lat: lat, Lng: lng, Located: true, Source: record.GeoGridRef, Precision: record.Precision1m}
			}()},
		{name: "unit postcode",
			location: "Land to the south of Marshall Rd, Plymouth, PL74NW.", pc: "PL7 4NW", oc: "PL7",
			want: record.Geocode{Lat: pl7Lat, Lng: pl7Lng, Located: true, Source: record.GeoPostcode, Precision: record.PrecisionUnit}},
		{name: "unknown unit, known sector",
			location: "Leeds LS10 1ZZ", pc: "LS10 1ZZ", oc: "LS10",
			want: record.Geocode{Lat: ls101Lat, Lng: ls101Lng, Located: true, Source: record.GeoPostcode, Precision: record.PrecisionSector}},
		{name: "unknown unit and sector, known district",
			location: "Leeds LS10 9ZZ", pc: "LS10 9ZZ", oc: "LS10",
			want: record.Geocode{Lat: ls10Lat, Lng: ls10Lng, Located: true, Source: record.GeoPostcode, Precision: record.PrecisionOutcode}},
		{name: "outcode alone",
			location: "STREET LANE LEEDS LS10", oc: "LS10",
			want: record.Geocode{Lat: ls10Lat, Lng: ls10Lng, Located: true, Source: record.GeoPostcode, Precision: record.PrecisionOutcode}},
		{name: "unknown postcode",
			location: "Wakefield WF11 8AB", pc: "WF11 8AB", oc: "WF11",
			want: record.Geocode{Unlocated: record.UnlocatedUnknownPostcode}},
		{name: "no table",
			location: "Plympton PL7 4NW", noTable: true, pc: "PL7 4NW", oc: "PL7",
			want: record.Geocode{Unlocated: record.UnlocatedNoPostcodeTable}},
		{name: "bad grid, nothing else",
			location: "N/A", grid: "SE 47a 250", gr: "SE 47a 250",
			want: record.Geocode{Unlocated: record.UnlocatedBadGridRef}, issue: record.GridRefUnparseable},
		{name: "placeholder grid is no grid",
			location: "Component has yet to be procured/allocated", grid: "XX 111 111", gr: "XX 111 111",
			want: record.Geocode{Unlocated: record.UnlocatedNoLocation}},
		{name: "bad grid, good postcode",
			location: "Plympton PL7 4NW", grid: "EN 321 691", pc: "PL7 4NW", oc: "PL7", gr: "EN 321 691",
			want:  record.Geocode{Lat: pl7Lat, Lng: pl7Lng, Located: true, Source: record.GeoPostcode, Precision: record.PrecisionUnit},
			issue: record.GridRefUnparseable},
		{name: "bad grid, unknown postcode",
			location: "WF11 8AB", grid: "SE 47 250", pc: "WF11 8AB", oc: "WF11", gr: "SE 47 250",
			want: record.Geocode{Unlocated: record.UnlocatedUnknownPostcode}, issue: record.GridRefUnparseable},
		{name: "grid with no-break spaces: read, and listed for correction",
			location: "Marshall Road, Plympton, Plymouth, PL7 4NW", grid: "SX\u00a0522\u00a0565",
			pc: "PL7 4NW", oc: "PL7", gr: "SX 522 565",
			want:  record.Geocode{Lat: sx522565Lat, Lng: sx522565Lng, Located: true, Source: record.GeoGridRef, Precision: record.Precision100m},
			issue: record.GridRefRepaired},
		{name: "grid with a stray non-space character",
			location: "Plympton PL7 4NW", grid: "SX 522\u00b7565", pc: "PL7 4NW", oc: "PL7", gr: "SX 522\u00b7565",
			want:  record.Geocode{Lat: pl7Lat, Lng: pl7Lng, Located: true, Source: record.GeoPostcode, Precision: record.PrecisionUnit},
			issue: record.GridRefUnparseable},
		{name: "no location",
			location: "To be Determined",
			want:     record.Geocode{Unlocated: record.UnlocatedNoLocation}},
		{name: "empty",
			want: record.Geocode{Unlocated: record.UnlocatedNoLocation}},
		{name: "Northern Ireland postcode in the table",
			location: "Belfast BT1 1AA", pc: "BT1 1AA", oc: "BT1",
			want: record.Geocode{Unlocated: record.UnlocatedOutsideGB}},
		{name: "Northern Ireland postcode, no table",
			location: "Belfast BT1 1AA", noTable: true, pc: "BT1 1AA", oc: "BT1",
			want: record.Geocode{Unlocated: record.UnlocatedOutsideGB}},
		{name: "grid reference on the Isle of Man",
			location: "Douglas", grid: "SC 38 76", gr: "SC 38 76",
			want: record.Geocode{Unlocated: record.UnlocatedOutsideGB}, issue: record.GridRefOutsideGB},
		{name: "grid reference in the Isle of Man, GB postcode",
			location: "Plympton PL7 4NW", grid: "SC 38 76", pc: "PL7 4NW", oc: "PL7", gr: "SC 38 76",
			want:  record.Geocode{Lat: pl7Lat, Lng: pl7Lng, Located: true, Source: record.GeoPostcode, Precision: record.PrecisionUnit},
			issue: record.GridRefOutsideGB},
		{name: "grid reference in France (Boulogne)",
			grid: "TR 57 00", gr: "TR 57 00",
			want: record.Geocode{Unlocated: record.UnlocatedOutsideGB}, issue: record.GridRefOutsideGB},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := record.Component{Location: tc.location, GridRef: tc.grid}
			tb := tab
			if tc.noTable {
				tb = nil
			}
			Locate(&c, tb)
			if c.Postcode != tc.pc || c.Outcode != tc.oc || c.GridRef != tc.gr {
				t.Errorf("postcode %q outcode %q grid %q; want %q %q %q", c.Postcode, c.Outcode, c.GridRef, tc.pc, tc.oc, tc.gr)
			}
			if c.Geo.GridRefIssue != tc.issue || (tc.issue == "") != (c.Geo.GridRefDetail == "") {
				t.Errorf("grid issue %q (%q), want %q", c.Geo.GridRefIssue, c.Geo.GridRefDetail, tc.issue)
			}
			got := c.Geo
			got.GridRefIssue, got.GridRefDetail = "", ""
			if got != tc.want {
				t.Errorf("Geo = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// registerComponents reads the real register with plain encoding/json (the
// source package's reader is separate work), one Component per distinct _id.
func registerComponents(t testing.TB) []record.Component {
	t.Helper()
	dir := shareddata.Path(t, "data/register")
	files, err := filepath.Glob(filepath.Join(dir, "components_*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no components_*.json in %s", dir)
	}
	byID := map[int64]record.Component{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string][]map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, rows := range doc {
			for _, r := range rows {
				id, ok := r["_id"].(float64)
				if !ok {
					t.Fatalf("%s: row without numeric _id", f)
				}
				loc, _ := r["Location and Post Code"].(string)
				grid, _ := r["OS Grid Reference"].(string)
				byID[int64(id)] = record.Component{ID: int64(id), Location: strings.TrimSpace(loc), GridRef: strings.TrimSpace(grid)}
			}
		}
	}
	comps := make([]record.Component, 0, len(byID))
	for _, c := range byID {
		comps = append(comps, c)
	}
	sort.Slice(comps, func(i, j int) bool { return comps[i].ID < comps[j].ID })
	return comps
}

var (
	codePointOnce sync.Once
	codePoint     *postcode.Table
	codePointErr  error
)

func realTable(t testing.TB) *postcode.Table {
	t.Helper()
	p := shareddata.Path(t, "data/postcodes/postcodes-en.csv.gz")
	codePointOnce.Do(func() { codePoint, _, codePointErr = postcode.Load([]string{p}) })
	if codePointErr != nil {
		t.Fatal(codePointErr)
	}
	return codePoint
}

func TestApplyRealRegister(t *testing.T) {
	comps := registerComponents(t)
	tab := realTable(t)
	if len(comps) != 18879 {
		t.Errorf("%d distinct components, shared/README.md says 18,879", len(comps))
	}
	Apply(comps, tab)

	counts := map[string]int{}
	eligible, located := 0, 0
	for _, c := range comps {
		if c.Geo.GridRefIssue != "" {
			counts["grid reference not used/"+c.Geo.GridRefIssue]++
		}
		if c.Geo.Located {
			counts[c.Geo.Source+"/"+c.Geo.Precision]++
			if !InGB(c.Geo.Lat, c.Geo.Lng) {
				t.Errorf("component %d located outside GB: %+v", c.ID, c.Geo)
			}
			if c.Geo.Unlocated != "" {
				t.Errorf("component %d located with a reason: %+v", c.ID, c.Geo)
			}
		} else {
			counts["unlocated/"+c.Geo.Unlocated]++
			if c.Geo.Unlocated == "" {
				t.Errorf("component %d neither located nor given a reason", c.ID)
			}
		}
		_, gridErr := osgb.ParseGridRef(c.GridRef)
		_, _, known := tab.Lookup(c.Postcode)
		if gridErr == nil || (c.Postcode != "" && known) {
			eligible++
			if c.Geo.Located {
				located++
			}
			if gridErr == nil {
				if g, _ := osgb.ParseGridRef(c.GridRef); g.String() != c.GridRef {
					t.Errorf("component %d grid reference %q not normalized", c.ID, c.GridRef)
				}
			}
		}
		if c.Postcode != "" && postcode.Outcode(c.Postcode) != c.Outcode {
			t.Errorf("component %d postcode %q outcode %q", c.ID, c.Postcode, c.Outcode)
		}
	}
	// Independent check of Extract and of the grid parser: where a component has
	// both a grid reference and a postcode found in the table, the two should
	// mostly name the same place.
	var gaps []float64
	overridden := 0
	for _, c := range comps {
		g, err := osgb.ParseGridRef(c.GridRef)
		lat, lng, ok := tab.Lookup(c.Postcode)
		if err != nil || !ok {
			continue
		}
		glat, glng := osgb.ToWGS84(g.Easting, g.Northing)
		gaps = append(gaps, metres(glat, glng, lat, lng))
		if c.Geo.Source == record.GeoPostcode {
			overridden++
		}
	}
	sort.Float64s(gaps)
	med, p95 := gaps[len(gaps)/2], gaps[len(gaps)*95/100]
	t.Logf("grid reference vs unit postcode on %d components: median %.0f m, p95 %.0f m; %d grid references overridden by the postcode (> %d km apart)",
		len(gaps), med, p95, overridden, MaxDisagreementKm)
	if med > 500 || p95 > 5000 {
		t.Errorf("grid references and postcodes disagree too much: median %.0f m, p95 %.0f m", med, p95)
	}

	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-34s %6d", k, counts[k])
	}
	share := float64(located) / float64(eligible)
	t.Logf("located %d of %d components with a valid grid reference or a known full postcode (%.2f%%); %d of %d overall",
		located, eligible, 100*share, len(comps)-countUnlocated(comps), len(comps))
	if share < 0.99 {
		t.Errorf("only %.2f%% of components with a valid grid reference or known postcode located", 100*share)
	}
	// The policy must actually use both sources and the fallbacks.
	for _, k := range []string{"os_grid_ref/100m", "postcode/postcode_unit", "postcode/postcode_district", "unlocated/no_location"} {
		if counts[k] == 0 {
			t.Errorf("no components geocoded as %s", k)
		}
	}
}

func countUnlocated(comps []record.Component) int {
	n := 0
	for _, c := range comps {
		if !c.Geo.Located {
			n++
		}
	}
	return n
}

func TestApplyDeterministic(t *testing.T) {
	comps := registerComponents(t)
	tab := realTable(t)
	a := append([]record.Component(nil), comps...)
	b := append([]record.Component(nil), comps...)
	prev := runtime.GOMAXPROCS(1)
	Apply(a, tab)
	runtime.GOMAXPROCS(4)
	Apply(b, tab)
	runtime.GOMAXPROCS(prev)
	if !reflect.DeepEqual(a, b) {
		t.Error("Apply results differ between GOMAXPROCS 1 and 4")
	}
	// Applying twice gives the same result (GridRef is already normalized).
	Apply(b, tab)
	if !reflect.DeepEqual(a, b) {
		t.Error("Apply is not idempotent")
	}
}

// TestApplyEqualsLocate: Apply, which reads each distinct location text once
// per goroutine and shares its postcode mentions between the rows that repeat
// it, gives every component of the real register exactly what Locate gives it
// alone; and the register does repeat texts, so the sharing is exercised.
func TestApplyEqualsLocate(t *testing.T) {
	comps := registerComponents(t)
	tab := realTable(t)
	texts := map[string]bool{}
	for _, c := range comps {
		texts[c.Location] = true
	}
	if len(texts)*2 > len(comps) {
		t.Fatalf("%d distinct location texts in %d components: too few repeats to test sharing", len(texts), len(comps))
	}
	for _, procs := range []int{1, 2} {
		applied := append([]record.Component(nil), comps...)
		prev := runtime.GOMAXPROCS(procs)
		Apply(applied, tab)
		runtime.GOMAXPROCS(prev)
		for i := range comps {
			alone := comps[i]
			Locate(&alone, tab)
			if !reflect.DeepEqual(applied[i], alone) {
				t.Fatalf("GOMAXPROCS %d: component %d applied %+v, located alone %+v", procs, comps[i].ID, applied[i], alone)
			}
		}
	}
}

func BenchmarkApply(b *testing.B) {
	comps := registerComponents(b)
	tab := realTable(b)
	work := make([]record.Component, len(comps))
	for b.Loop() {
		copy(work, comps)
		Apply(work, tab)
	}
}
