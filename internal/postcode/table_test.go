package postcode

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prebake/prebake/internal/osgb"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/manifest"
)

func writeFile(t *testing.T, dir, name, content string, gz bool) string {
	t.Helper()
	p := filepath.Join(dir, name)
	data := []byte(content)
	if gz {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(data)
		w.Close()
		data = b.Bytes()
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func metres(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371008.8
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lng2-lng1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

func TestLoadFormats(t *testing.T) {
	lsLat, lsLng := osgb.ToWGS84(430000, 432000)
	cases := []struct {
		name, file, content string
		gz                  bool
		format              string
		counts              manifest.SourceCounts
		lookups             map[string][2]float64 // postcode -> lat,lng (approx 1e-9)
		missing             []string
		examples            []string // Rejection.String() substrings
	}{
		{
			name: "codepoint with header", file: "cp.csv",
			content: "postcode,pq,easting,northing,country\n" +
				"LS10 1AB,10,430000,432000,E92000001\n" +
				"BD98 1GA,90,0,0,E92000001\n" +
				"bad,10,1,2,E92000001\n" +
				"LS10 1AD,10,4x30000,432000,E92000001\n" +
				"LS10 1AE,10,430000\n" +
				"LS10 1AB,10,430001,432001,E92000001\n",
			format: FormatCodePoint,
			counts: manifest.SourceCounts{Read: 6, Used: 1, Duplicate: 1, Rejected: 4,
				RejectedBy: map[string]int{RejectNoCoordinates: 1, RejectInvalidPostcode: 1, RejectBadCoordinate: 1, RejectShortRow: 1}},
			lookups:  map[string][2]float64{"ls101ab": {lsLat, lsLng}},
			missing:  []string{"BD98 1GA", "LS10 1AD"},
			examples: []string{"cp.csv:3: field pq \"90\": no_coordinates", "cp.csv:4: field postcode \"bad\": invalid_postcode", "cp.csv:5: field easting \"4x30000\": bad_coordinate", "cp.csv:6: field row"},
		},
		{
			name: "codepoint headerless gzip, quoted, CRLF", file: "ls.csv.gz", gz: true,
			content: "\"LS101AB\",10,430000,432000,\"E92000001\",\"E19000001\",\"E18000003\",\"E99999999\",\"E08000035\",\"E05001420\"\r\n" +
				"\"LS1 1AA\",10,430100,433400,\"E92000001\",\"\",\"\",\"\",\"\",\"\"\r\n" +
				"\r\n" +
				"\"LS1 1AB\",10,999999999,433400,\"E92000001\"\r\n",
			format:   FormatCodePointHeadless,
			counts:   manifest.SourceCounts{Read: 3, Used: 2, Rejected: 1, RejectedBy: map[string]int{RejectBadCoordinate: 1}},
			lookups:  map[string][2]float64{"LS10 1AB": {lsLat, lsLng}},
			examples: []string{"ls.csv.gz:4: field EA \"999999999\": bad_coordinate"},
		},
		{
			name: "onspd", file: "onspd.csv",
			content: "pcd7,pcd8,pcds,dointr,doterm,oseast1m,osnrth1m,lat,long\n" +
				"AB1 0AA,AB1  0AA,AB1 0AA,198001,199606,385386,0801193,57.101474,-2.242851\n" +
				"AB1 0AB,AB1  0AB,AB1 0AB,198001,199606,,,99.999999,0.000000\n" +
				"AB1 0AD,AB1  0AD,AB1 0AD,198001,199606,385386,0801193,57.1,-200\n",
			format: FormatONSPD,
			counts: manifest.SourceCounts{Read: 3, Used: 1, Rejected: 2,
				RejectedBy: map[string]int{RejectNoCoordinates: 1, RejectBadCoordinate: 1}},
			lookups:  map[string][2]float64{"AB1 0AA": {57.101474, -2.242851}},
			missing:  []string{"AB1 0AB"},
			examples: []string{"onspd.csv:3: field lat \"99.999999\": no_coordinates", "onspd.csv:4: field long \"-200\": bad_coordinate"},
		},
		{
			name: "plain lat lng, BOM", file: "plain.csv",
			content: "\ufeffPostcode,Latitude,Longitude\nSW1A 1AA,51.501009,-0.141588\nsw1a2aa,51.503541,-0.12767\n",
			format:  FormatLatLng,
			counts:  manifest.SourceCounts{Read: 2, Used: 2},
			lookups: map[string][2]float64{"SW1A 1AA": {51.501009, -0.141588}, "SW1A 2AA": {51.503541, -0.12767}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeFile(t, dir, tc.file, tc.content, tc.gz)
			tab, srcs, err := Load([]string{p})
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(p)
			sum := sha256.Sum256(raw)
			want := manifest.Source{Path: p, SHA256: hex.EncodeToString(sum[:]), Format: tc.format, Kind: "postcodes", Counts: tc.counts}
			if !reflect.DeepEqual(srcs, []manifest.Source{want}) {
				t.Errorf("sources = %+v\nwant %+v", srcs, want)
			}
			c := srcs[0].Counts
			if c.Read != c.Used+c.Duplicate+c.Rejected {
				t.Errorf("counts do not add up: %+v", c)
			}
			for pc, ll := range tc.lookups {
				lat, lng, ok := tab.Lookup(pc)
				if !ok || math.Abs(lat-ll[0]) > 1e-9 || math.Abs(lng-ll[1]) > 1e-9 {
					t.Errorf("Lookup(%q) = %v, %v, %v; want %v", pc, lat, lng, ok, ll)
				}
			}
			for _, pc := range tc.missing {
				if _, _, ok := tab.Lookup(pc); ok {
					t.Errorf("Lookup(%q) found a rejected postcode", pc)
				}
			}
			var got []string
			for _, r := range tab.Rejections() {
				got = append(got, r.String())
			}
			if len(got) != len(tc.examples) {
				t.Errorf("rejections %q, want %d like %q", got, len(tc.examples), tc.examples)
			}
			for i := range min(len(got), len(tc.examples)) {
				if !strings.Contains(got[i], tc.examples[i]) {
					t.Errorf("rejection %d = %q, want it to contain %q", i, got[i], tc.examples[i])
				}
			}
		})
	}
}

func TestLoadDuplicatesAndCentroids(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.csv", "postcode,lat,lng\nWF11 8AA,53.0,-1.0\nWF11 8AB,53.2,-1.2\nWF11 9AA,53.4,-1.4\nWF1 1AA,52.0,-1.0\n", false)
	b := writeFile(t, dir, "b.csv", "postcode,lat,lng\nWF11 8AA,60.0,0.0\nWF11 8AD,53.1,-1.1\n", false)
	tab, srcs, err := Load([]string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if srcs[0].Counts.Used != 4 || srcs[1].Counts.Used != 1 || srcs[1].Counts.Duplicate != 1 {
		t.Errorf("counts %+v %+v", srcs[0].Counts, srcs[1].Counts)
	}
	if lat, _, _ := tab.Lookup("WF11 8AA"); lat != 53.0 {
		t.Errorf("first file should win: lat %v", lat)
	}
	if tab.Len() != 5 {
		t.Errorf("Len = %d", tab.Len())
	}
	centroids := []struct {
		fn       func(string) (float64, float64, bool)
		code     string
		lat, lng float64
		ok       bool
	}{
		{tab.SectorCentroid, "WF11 8", (53.0 + 53.2 + 53.1) / 3, (-1.0 - 1.2 - 1.1) / 3, true},
		{tab.SectorCentroid, "wf119", 53.4, -1.4, true},
		{tab.SectorCentroid, "WF1 1", 52.0, -1.0, true},
		{tab.SectorCentroid, "WF11 7", 0, 0, false},
		{tab.OutcodeCentroid, "WF11", (53.0 + 53.2 + 53.1 + 53.4) / 4, (-1.0 - 1.2 - 1.1 - 1.4) / 4, true},
		{tab.OutcodeCentroid, "WF1", 52.0, -1.0, true},
		{tab.OutcodeCentroid, "WF2", 0, 0, false},
	}
	for _, c := range centroids {
		lat, lng, ok := c.fn(c.code)
		if ok != c.ok || math.Abs(lat-c.lat) > 1e-12 || math.Abs(lng-c.lng) > 1e-12 {
			t.Errorf("centroid %q = %v, %v, %v; want %v, %v, %v", c.code, lat, lng, ok, c.lat, c.lng, c.ok)
		}
	}
	var pcs []string
	for _, p := range tab.Points() {
		pcs = append(pcs, p.Postcode)
	}
	want := []string{"WF1 1AA", "WF11 8AA", "WF11 8AB", "WF11 8AD", "WF11 9AA"}
	if !reflect.DeepEqual(pcs, want) {
		t.Errorf("Points = %q, want %q", pcs, want)
	}
	if got := tab.Outcodes(); !reflect.DeepEqual(got, []string{"WF1", "WF11"}) {
		t.Errorf("Outcodes = %q", got)
	}
	var nilTable *Table
	if _, _, ok := nilTable.Lookup("WF11 8AA"); ok {
		t.Error("nil table lookup succeeded")
	}
	if _, _, ok := nilTable.OutcodeCentroid("WF11"); ok || nilTable.Len() != 0 || nilTable.Points() != nil || nilTable.SectorCount("WF11 8") != 0 {
		t.Error("nil table is not empty")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content string
		gz            bool
		want          string
	}{
		{"unknown.csv", "id,name\n1,x\n", false, "unknown.csv:1: unrecognised postcode table header"},
		{"nolat.csv", "pcds,oseast1m\nAB1 0AA,1\n", false, "nolat.csv:1: ONS Postcode Directory header has pcds but no lat/long"},
		{"nocoord.csv", "postcode,pq,country\nAB1 0AA,10,S\n", false, "nocoord.csv:1: header \"postcode,pq,country\" has a postcode column"},
		{"empty.csv", "", false, "empty.csv:1: empty postcode table"},
		{"broken.gz", "", true, "broken.gz: gzip"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.name, tc.content, tc.gz)
			if tc.name == "broken.gz" {
				// A gzip header with a truncated body.
				os.WriteFile(p, []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3}, 0o644)
			}
			_, _, err := Load([]string{p})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error %v, want %q", err, tc.want)
			}
		})
	}
	if _, _, err := Load([]string{filepath.Join(dir, "absent.csv")}); err == nil || !strings.Contains(err.Error(), "absent.csv") {
		t.Errorf("missing file error %v", err)
	}
}

var (
	realOnce  sync.Once
	realTable *Table
	realSrcs  []manifest.Source
	realErr   error
)

func loadReal(t testing.TB) (*Table, []manifest.Source) {
	t.Helper()
	p := shareddata.Path(t, "data/postcodes/postcodes-en.csv.gz")
	realOnce.Do(func() { realTable, realSrcs, realErr = Load([]string{p}) })
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realTable, realSrcs
}

func TestLoadRealCodePoint(t *testing.T) {
	tab, srcs := loadReal(t)
	c := srcs[0].Counts
	t.Logf("%s: %+v", srcs[0].Format, c)
	// 1,684,769 rows per shared/README.md; 84 are quality-90 rows without coordinates.
	if c.Read != 1684769 || c.Used != 1684769-84 || c.Rejected != 84 || c.RejectedBy[RejectNoCoordinates] != 84 || c.Duplicate != 0 {
		t.Errorf("counts %+v", c)
	}
	if srcs[0].Format != FormatCodePoint || tab.Len() != c.Used {
		t.Errorf("format %s, Len %d", srcs[0].Format, tab.Len())
	}
	pts := tab.Points()
	if !sort.SliceIsSorted(pts, func(i, j int) bool { return pts[i].Postcode < pts[j].Postcode }) {
		t.Error("Points not sorted by postcode")
	}
	// First and last rows of the file.
	for pc, en := range map[string][2]float64{"AB10 1AA": {394251, 806376}, "ZE3 9JZ": {438662, 1112122}} {
		lat, lng, ok := tab.Lookup(pc)
		wlat, wlng := osgb.ToWGS84(en[0], en[1])
		if !ok || lat != wlat || lng != wlng {
			t.Errorf("Lookup(%q) = %v %v %v, want %v %v", pc, lat, lng, ok, wlat, wlng)
		}
	}
}

// TestRealONSPDAgainstCodePoint checks Code-Point eastings converted by osgb
// against ONSPD's own published lat/long for the same postcodes: an independent
// check of the whole chain (ONS derive lat/long with OSTN-based software).
func TestRealONSPDAgainstCodePoint(t *testing.T) {
	tab, _ := loadReal(t)
	ons, srcs, err := Load([]string{shareddata.Path(t, "data/postcodes/onspd-sample.csv")})
	if err != nil {
		t.Fatal(err)
	}
	c := srcs[0].Counts
	t.Logf("%s: %+v", srcs[0].Format, c)
	if srcs[0].Format != FormatONSPD || c.Read != 8048 || c.Read != c.Used+c.Duplicate+c.Rejected || c.RejectedBy[RejectNoCoordinates] == 0 {
		t.Errorf("ONSPD counts %+v", c)
	}
	var ds []float64
	for _, p := range ons.Points() {
		lat, lng, ok := tab.Lookup(p.Postcode)
		if !ok {
			continue // terminated before 2014 or newer than the Code-Point release
		}
		ds = append(ds, metres(lat, lng, p.Lat, p.Lng))
	}
	if len(ds) < 1000 {
		t.Fatalf("only %d ONSPD postcodes also in Code-Point", len(ds))
	}
	sort.Float64s(ds)
	med, p75, p95 := ds[len(ds)/2], ds[len(ds)*75/100], ds[len(ds)*95/100]
	t.Logf("ONSPD vs Code-Point+osgb: %d postcodes, median %.1f m, p75 %.1f m, p95 %.1f m, max %.1f m", len(ds), med, p75, p95, ds[len(ds)-1])
	// ONSPD positions come from a later Code-Point release (many postcodes were
	// re-surveyed or moved since 2014, hence the long tail) converted with OSTN15;
	// the Helmert transformation is good to ~1-2 m around Aberdeen. Most postcodes
	// did not move, so the bulk must agree to metres.
	if med > 2 || p75 > 5 {
		t.Errorf("median %.1f m / p75 %.1f m too far from ONSPD", med, p75)
	}
}

func readCentroids(t *testing.T, rel string) map[string][3]float64 {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][3]float64{}
	for _, r := range rows[1:] {
		n, _ := strconv.Atoi(r[1])
		lat, _ := strconv.ParseFloat(r[4], 64)
		lng, _ := strconv.ParseFloat(r[5], 64)
		m[r[0]] = [3]float64{float64(n), lat, lng}
	}
	return m
}

func TestRealCentroids(t *testing.T) {
	tab, _ := loadReal(t)
	for _, tc := range []struct {
		file  string
		codes []string
		fn    func(string) (float64, float64, bool)
		count func(string) int
	}{
		{"data/postcodes/outcode-centroids.csv", tab.Outcodes(), tab.OutcodeCentroid, tab.OutcodeCount},
		{"data/postcodes/sector-centroids.csv", tab.Sectors(), tab.SectorCentroid, tab.SectorCount},
	} {
		want := readCentroids(t, tc.file)
		if len(tc.codes) != len(want) {
			t.Errorf("%s: %d codes, table has %d", tc.file, len(want), len(tc.codes))
		}
		var ds []float64
		for code, w := range want {
			lat, lng, ok := tc.fn(code)
			if !ok {
				t.Errorf("%s: %q missing", tc.file, code)
				continue
			}
			if n := tc.count(code); n != int(w[0]) {
				t.Errorf("%s: %q averages %d units, file says %d", tc.file, code, n, int(w[0]))
			}
			ds = append(ds, metres(lat, lng, w[1], w[2]))
		}
		sort.Float64s(ds)
		med, p99, worst := ds[len(ds)/2], ds[len(ds)*99/100], ds[len(ds)-1]
		t.Logf("%s: %d centroids, median %.2f m, p99 %.2f m, max %.2f m from the file", tc.file, len(ds), med, p99, worst)
		// The file averages eastings/northings (rounded to 1 m) and converts the
		// mean; the table averages the units' lat/lng. Those differ only by the
		// projection's curvature across a district: centimetres in towns, tens of
		// metres across the largest Highland districts (IV27 is ~50 km wide).
		if med > 1 || p99 > 20 || worst > 100 {
			t.Errorf("%s: centroids too far from the file: median %.2f m, p99 %.2f m, max %.2f m", tc.file, med, p99, worst)
		}
	}
	// The files' own lat/lng must be their easting/northing through osgb.ToWGS84
	// (they were derived with the same Helmert transformation).
	f, err := os.Open(shareddata.Path(t, "data/postcodes/outcode-centroids.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var worst float64
	for _, r := range rows[1:] {
		e, _ := strconv.ParseFloat(r[2], 64)
		n, _ := strconv.ParseFloat(r[3], 64)
		lat, _ := strconv.ParseFloat(r[4], 64)
		lng, _ := strconv.ParseFloat(r[5], 64)
		glat, glng := osgb.ToWGS84(e, n)
		worst = math.Max(worst, metres(glat, glng, lat, lng))
	}
	t.Logf("outcode-centroids.csv easting/northing -> osgb.ToWGS84 vs its lat/lng: max %.3f m", worst)
	if worst > 1 {
		t.Errorf("outcode-centroids.csv lat/lng differ from ToWGS84(easting, northing) by up to %.3f m", worst)
	}
}

func BenchmarkLoadCodePoint(b *testing.B) {
	p := shareddata.Path(b, "data/postcodes/postcodes-en.csv.gz")
	for b.Loop() {
		if _, _, err := Load([]string{p}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	tab, _ := loadReal(b)
	pcs := []string{"AB10 1AA", "ls101ab", "WF11 8AB", "ZE3 9JZ", "SW1A 1AA", "EC1A 1BB"}
	for i := 0; b.Loop(); i++ {
		tab.Lookup(pcs[i%len(pcs)])
	}
}

// TestLoadDeterministic loads the real file (hundreds of parallel chunks) with
// one CPU and compares it with the shared load.
func TestLoadDeterministic(t *testing.T) {
	tab, srcs := loadReal(t)
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	one, srcs1, err := Load([]string{shareddata.Path(t, "data/postcodes/postcodes-en.csv.gz")})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(srcs, srcs1) || !reflect.DeepEqual(tab.Rejections(), one.Rejections()) {
		t.Error("sources or rejections differ with GOMAXPROCS=1")
	}
	if !reflect.DeepEqual(tab.Points(), one.Points()) {
		t.Error("points differ with GOMAXPROCS=1")
	}
	for _, oc := range []string{"AB10", "LS10", "ZE3", "EC1A"} {
		a1, b1, _ := tab.OutcodeCentroid(oc)
		a2, b2, _ := one.OutcodeCentroid(oc)
		if a1 != a2 || b1 != b2 {
			t.Errorf("centroid %s differs with GOMAXPROCS=1", oc)
		}
	}
}
