package sample_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prebake/prebake/internal/geocode"
	"github.com/prebake/prebake/internal/osgb"
	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/sample"
	"github.com/prebake/prebake/internal/source"
)

// defaultSample writes the default sample once for the tests that only read it.
var defaultSample = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "prebake-sample-")
	if err != nil {
		return "", err
	}
	_, err = sample.Write(dir, sample.Options{})
	return dir, err
})

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// TestWriteDeterministic writes the default sample twice, with GOMAXPROCS 1 and 2,
// and requires byte-identical trees; a different seed must change the content.
func TestWriteDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	prev := runtime.GOMAXPROCS(1)
	fa, err := sample.Write(a, sample.Options{})
	runtime.GOMAXPROCS(2)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := sample.Write(b, sample.Options{Seed: sample.DefaultSeed, Components: sample.DefaultComponents})
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if len(fa) != len(fb) || len(fa) < 30 {
		t.Fatalf("wrote %d and %d files", len(fa), len(fb))
	}
	ta, tb := readDir(t, a), readDir(t, b)
	if len(ta) != len(fa) {
		t.Errorf("Write returned %d paths, the directory has %d files", len(fa), len(ta))
	}
	for name, data := range ta {
		if !bytes.Equal(data, tb[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	if _, err := sample.Write(c, sample.Options{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	tc := readDir(t, c)
	if bytes.Equal(ta[sample.PostcodesFile], tc[sample.PostcodesFile]) || bytes.Equal(ta[sample.CMURowsFile], tc[sample.CMURowsFile]) {
		t.Error("seed 2 wrote the same files as seed 1")
	}
}

// TestWriteRemovesStaleFiles: a smaller sample written over a larger one must not
// leave the larger one's component files behind for a glob to pick up.
func TestWriteRemovesStaleFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := sample.Write(dir, sample.Options{Components: 3000}); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, sample.ComponentsPrefix+"stale.json")
	if err := os.WriteFile(stale, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := sample.Write(dir, sample.Options{Components: 40}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale component file survived: %v", err)
	}
	res, err := source.Read([]string{filepath.Join(dir, "synthetic_*.json")}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Components) != 40 {
		t.Errorf("read %d components after rewriting with 40", len(res.Components))
	}
}

// TestSampleReadsBack reads the default sample with the source package and checks
// its counts and shape.
func TestSampleReadsBack(t *testing.T) {
	dir, err := defaultSample()
	if err != nil {
		t.Fatal(err)
	}
	res, err := source.Read([]string{filepath.Join(dir, "synthetic_*.json")}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Components) != sample.DefaultComponents {
		t.Errorf("%d distinct components, want %d", len(res.Components), sample.DefaultComponents)
	}
	if !res.Synthetic {
		t.Error("the sample did not read as synthetic")
	}
	// Only the deliberate rejects, with the reasons they were written for.
	wantReasons := []string{source.ReasonBadValue, source.ReasonMissingID, source.ReasonBadValue}
	if len(res.Problems) != sample.DeliberateRejects {
		t.Fatalf("%d rejected rows, want the %d deliberate ones: %+v", len(res.Problems), sample.DeliberateRejects, res.Problems)
	}
	for i, p := range res.Problems {
		if p.Reason != wantReasons[i] {
			t.Errorf("deliberate reject %d: %s, want %s", i, p.Reason, wantReasons[i])
		}
	}
	read, dup, files := 0, 0, 0
	for _, s := range res.Sources {
		c := s.Counts
		if c.Read != c.Used+c.Duplicate+c.Rejected {
			t.Errorf("%s: read %d != used %d + duplicate %d + rejected %d", s.Path, c.Read, c.Used, c.Duplicate, c.Rejected)
		}
		if s.Kind == source.KindComponents {
			files++
			read += c.Read
			dup += c.Duplicate
		}
	}
	if files < 30 {
		t.Errorf("%d component files, want the register split by key (30+)", files)
	}
	if dup < read/20 {
		t.Errorf("%d duplicates in %d rows: de-duplication is not exercised", dup, read)
	}

	cats := map[record.Category]int{}
	years := map[int]int{}
	companies := map[string]int{}
	noGrid, derated, noLoc, badGrid := 0, 0, 0, 0
	gridRE := regexp.MustCompile(`^[HJNOST][A-HJ-Z]( ?\d{3} ?\d{3}| \d{5} \d{5})$`)
	for _, c := range res.Components {
		cats[c.Category]++
		years[c.DeliveryYear]++
		companies[c.Company]++
		if !strings.HasSuffix(c.Company, "(synthetic)") {
			t.Fatalf("company %q is not marked synthetic", c.Company)
		}
		if c.GridRef == "" {
			noGrid++
		} else {
			_, perr := osgb.ParseGridRef(c.GridRef)
			if gridRE.MatchString(c.GridRef) != (perr == nil) {
				t.Fatalf("grid reference %q: well formed %v, but parse error %v", c.GridRef, gridRE.MatchString(c.GridRef), perr)
			}
			if perr != nil {
				badGrid++
			}
		}
		if c.DeratedMW != nil {
			derated++
		}
		if c.Location == "" {
			noLoc++
		}
		if want := sample.AuctionName(c.DeliveryYear, c.AuctionType); c.AuctionName != want {
			t.Fatalf("component %d: auction %q for year %d type %s, want %q", c.ID, c.AuctionName, c.DeliveryYear, c.AuctionType, want)
		}
	}
	if cats[record.DSR] != sample.DefaultDSR {
		t.Errorf("%d DSR components, want %d", cats[record.DSR], sample.DefaultDSR)
	}
	for _, cat := range []record.Category{record.Battery, record.Gas, record.CHP, record.Wind, record.Solar, record.Hydro, record.Nuclear, record.Biomass, record.Coal, record.Interconnector, record.Unknown} {
		if cats[cat] == 0 {
			t.Errorf("no %s components", cat)
		}
	}
	for y := 2016; y <= 2028; y++ {
		if years[y] == 0 {
			t.Errorf("no components for delivery year %d", y)
		}
	}
	if len(years) != 13 {
		t.Errorf("delivery years %v, want 2016-2028", years)
	}
	if len(companies) < 200 {
		t.Errorf("%d companies, want a few hundred", len(companies))
	}
	n := float64(len(res.Components))
	within := func(name string, got, lo, hi float64) {
		if got < lo || got > hi {
			t.Errorf("%s = %.3f, want %.2f-%.2f", name, got, lo, hi)
		}
	}
	within("share without a grid reference", float64(noGrid)/n, 0.17, 0.25)
	within("share with a de-rated capacity", float64(derated)/n, 0.11, 0.17)
	within("share without a location", float64(noLoc)/n, 0.01, 0.06)
	within("share with a deliberately bad grid reference", float64(badGrid)/n, 0.001, 0.01)

	if len(res.CMUs) < 1000 {
		t.Errorf("%d CMU rows, want a subset of CMUs of a few thousand", len(res.CMUs))
	}
	contacts := 0
	for _, c := range res.CMUs {
		if c.Contacts["Secondary Trading Contact - Email"] == "contact@example.invalid" && c.Contacts["Secondary Trading Contact - Telephone"] != "" {
			contacts++
		}
	}
	if contacts != len(res.CMUs) {
		t.Errorf("%d of %d CMU rows carry the fake contacts", contacts, len(res.CMUs))
	}
	source.JoinCMUs(res.Components, res.CMUs)
	joined := 0
	for _, c := range res.Components {
		if c.ParentCompany != "" {
			joined++
		}
	}
	if joined < len(res.Components)/20 {
		t.Errorf("only %d components joined to a parent company", joined)
	}
}

// TestSampleDSRScales checks the DSR share at other sizes.
func TestSampleDSRScales(t *testing.T) {
	cases := []struct{ n, dsr int }{{64000, 28270}, {1000, 442}, {32000, 14135}, {10, 4}, {1, 0}}
	for _, tc := range cases {
		if got := sample.DSRCount(tc.n); got != tc.dsr {
			t.Errorf("DSRCount(%d) = %d, want %d", tc.n, got, tc.dsr)
		}
	}
	dir := t.TempDir()
	if _, err := sample.Write(dir, sample.Options{Components: 1000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	res, err := source.Read([]string{filepath.Join(dir, "synthetic_*.json")}, "")
	if err != nil {
		t.Fatal(err)
	}
	dsr := 0
	for _, c := range res.Components {
		if c.Category == record.DSR {
			dsr++
		}
	}
	if len(res.Components) != 1000 || dsr != 442 {
		t.Errorf("%d components, %d DSR; want 1000 and 442", len(res.Components), dsr)
	}
}

// TestSamplePostcodesAndGridRefsAgree checks that every postcode in the sample is in
// its postcode table, inside Great Britain, and at the same place as the site's
// grid reference (both come from one easting/northing).
func TestSamplePostcodesAndGridRefsAgree(t *testing.T) {
	dir, err := defaultSample()
	if err != nil {
		t.Fatal(err)
	}
	postcodesAndGridRefsAgree(t, dir)
}

// TestLargeSampleSharesPostcodes: past 2,000 postcodes in an outcode (of the 4,000
// inward codes there are) new sites share existing postcodes instead of drawing
// until a free one turns up, which never ended at 1M components. 160k components
// fill Birmingham's B1; the shared sites still agree with their grid references.
func TestLargeSampleSharesPostcodes(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 160k-component sample")
	}
	dir := t.TempDir()
	if _, err := sample.Write(dir, sample.Options{Components: 160000}); err != nil {
		t.Fatal(err)
	}
	perOutcode := postcodesAndGridRefsAgree(t, dir)
	most := 0
	for _, n := range perOutcode {
		most = max(most, n)
	}
	if most != 2000 {
		t.Errorf("the busiest outcode has %d postcodes, want exactly the cap of 2000", most)
	}
}

// postcodesAndGridRefsAgree checks the sample in dir and returns how many
// postcodes each outcode has in its postcode table.
func postcodesAndGridRefsAgree(t *testing.T, dir string) map[string]int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, sample.PostcodesFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "postcode,lat,lng,synthetic" {
		t.Fatalf("header %v", rows[0])
	}
	table := map[string][2]float64{}
	perOutcode := map[string]int{}
	pcRE := regexp.MustCompile(`^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$`)
	for _, r := range rows[1:] {
		if !pcRE.MatchString(r[0]) {
			t.Errorf("postcode %q is not in the normalized form", r[0])
		}
		lat, _ := strconv.ParseFloat(r[1], 64)
		lng, _ := strconv.ParseFloat(r[2], 64)
		if !geocode.InGB(lat, lng) {
			t.Errorf("postcode %s at %f,%f is outside GB", r[0], lat, lng)
		}
		table[r[0]] = [2]float64{lat, lng}
		perOutcode[strings.Fields(r[0])[0]]++
	}
	res, err := source.Read([]string{filepath.Join(dir, sample.ComponentsPrefix+"*.json")}, "")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, c := range res.Components {
		pc, _ := postcode.Extract(c.Location)
		if pc == "" {
			continue
		}
		at, ok := table[pc]
		if !ok {
			t.Fatalf("component %d: postcode %s (from %q) is not in %s", c.ID, pc, c.Location, sample.PostcodesFile)
		}
		g, err := osgb.ParseGridRef(c.GridRef)
		if c.GridRef == "" || err != nil {
			continue
		}
		lat, lng := osgb.ToWGS84(g.Easting, g.Northing)
		// A 100 m square's centre is at most 71 m from the point inside it.
		if d := metres(lat, lng, at[0], at[1]); d > 75 {
			t.Fatalf("component %d: grid ref %s is %.0f m from postcode %s", c.ID, c.GridRef, d, pc)
		}
		checked++
	}
	if checked < 40000 {
		t.Errorf("checked only %d components with both a grid reference and a postcode", checked)
	}
	return perOutcode
}

// TestSampleGeocodes runs the real geocoder over the sample with its own postcode
// table: everything with a usable grid reference or postcode must land in GB.
func TestSampleGeocodes(t *testing.T) {
	dir, err := defaultSample()
	if err != nil {
		t.Fatal(err)
	}
	res, err := source.Read([]string{filepath.Join(dir, "synthetic_*.json")}, "")
	if err != nil {
		t.Fatal(err)
	}
	table, _, err := postcode.Load([]string{filepath.Join(dir, sample.PostcodesFile)})
	if err != nil {
		t.Fatal(err)
	}
	geocode.Apply(res.Components, table)
	located := 0
	unlocated := map[string]int{}
	for _, c := range res.Components {
		if c.Geo.Located {
			located++
		} else {
			unlocated[c.Geo.Unlocated]++
		}
	}
	for reason := range unlocated {
		if reason != record.UnlocatedNoLocation && reason != record.UnlocatedBadGridRef {
			t.Errorf("%d components unlocated for %s: the sample should only lack locations on purpose", unlocated[reason], reason)
		}
	}
	if share := float64(located) / float64(len(res.Components)); share < 0.95 {
		t.Errorf("located %.1f%% of the sample, want at least 95%%", 100*share)
	}
	t.Logf("located %d of %d; unlocated %v", located, len(res.Components), unlocated)
}

// metres is the haversine distance.
func metres(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lng2-lng1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

func BenchmarkWriteDefault(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if _, err := sample.Write(dir, sample.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dir, err := defaultSample(); err == nil && strings.Contains(dir, "prebake-sample-") {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}
