package locations

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"

	"github.com/prebake/prebake/internal/osgb"
	"github.com/prebake/prebake/internal/testkit/dataset"
	"github.com/prebake/prebake/internal/testkit/realbake"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// sourceRow is one row of the Code-Point Open CSV as the test reads it itself.
type sourceRow struct {
	postcode          string
	easting, northing float64
}

// readSourceTable reads postcode,pq,easting,northing,country with encoding/csv,
// independently of postcode.Load.
func readSourceTable(t *testing.T) []sourceRow {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, dataset.RealPostcodeTable))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(gz)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil || strings.Join(header[:4], ",") != "postcode,pq,easting,northing" {
		t.Fatalf("unexpected header %v (%v)", header, err)
	}
	var rows []sourceRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		e, err1 := strconv.ParseFloat(rec[2], 64)
		n, err2 := strconv.ParseFloat(rec[3], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("row %d: bad easting/northing %q %q", len(rows)+2, rec[2], rec[3])
		}
		rows = append(rows, sourceRow{strings.Clone(rec[0]), e, n})
	}
	return rows
}

// sampleSeed is $LOCATIONS_SEED, or a new seed every run.
func sampleSeed(t *testing.T) uint64 {
	if s := os.Getenv("LOCATIONS_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("LOCATIONS_SEED=%q: %v", s, err)
		}
		return v
	}
	return uint64(time.Now().UnixNano())
}

// TestPostcodeShardsRandomSample bakes the full GB table and looks up 10,000
// postcodes drawn at random from the source file in the shards read back from
// disk: each must be in its outcode's shard within 1 m of the source row's
// easting/northing converted by osgb.ToWGS84 (rows without coordinates, quality
// 90, must be absent).
func TestPostcodeShardsRandomSample(t *testing.T) {
	if testing.Short() {
		t.Skip("bakes the full postcode table")
	}
	rows := readSourceTable(t)
	dir, s := realBake(t)
	t.Logf("%d source rows, %d postcodes in %d shards, %.1f MB",
		len(rows), s.Postcodes, s.PostcodeShards, float64(s.ShardBytes)/1e6)

	seed := sampleSeed(t)
	t.Logf("sample seed %d (set LOCATIONS_SEED=%d to repeat this sample)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	shards := map[string]*PostcodeShard{}
	shard := func(oc string) *PostcodeShard {
		if sh, ok := shards[oc]; ok {
			return sh
		}
		var sh *PostcodeShard
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(s.PostcodeShardsPath), oc+".json"))
		if err == nil {
			v := decode[PostcodeShard](t, oc, b)
			sh = &v
		} else if !os.IsNotExist(err) {
			t.Fatal(err)
		}
		shards[oc] = sh
		return sh
	}
	const n = 10000
	var worst float64
	var worstPC string
	checked, absent := 0, 0
	for range n {
		row := rows[rng.IntN(len(rows))]
		compact := strings.ToUpper(strings.ReplaceAll(row.postcode, " ", ""))
		oc, in := compact[:len(compact)-3], compact[len(compact)-3:]
		sh := shard(oc)
		var got [2]float64
		found := false
		if sh != nil {
			got, found = sh.Postcodes[in]
		}
		if row.easting == 0 && row.northing == 0 {
			absent++
			if found {
				t.Errorf("%s has no coordinates in the source but is in shard %s at %v", row.postcode, oc, got)
			}
			continue
		}
		if !found {
			t.Errorf("%s: not in shard %s.json", row.postcode, oc)
			continue
		}
		lat, lng := osgb.ToWGS84(row.easting, row.northing)
		d := geo.Distance(orb.Point{lng, lat}, orb.Point{got[1], got[0]})
		if d > 1 {
			t.Errorf("%s: shard has %v, reference (%.7f, %.7f) is %.2f m away", row.postcode, got, lat, lng, d)
		}
		if d > worst {
			worst, worstPC = d, row.postcode
		}
		checked++
	}
	t.Logf("checked %d postcodes (%d without coordinates, absent as they should be) in %d shards; worst %.3f m (%s)",
		checked, absent, len(shards), worst, worstPC)
	if checked < n*9/10 {
		t.Errorf("only %d of %d sampled postcodes had coordinates", checked, n)
	}
}

// TestCentroidsAgainstShared checks the baked district and sector centroids
// two ways: against the mean WGS84 position of their units, computed here from
// the source rows with osgb.ToWGS84 (our definition, and postcode.Table's), and
// against the centroid tables shipped in ../shared, which have the same unit
// counts but convert the mean easting/northing instead; over a large rural
// district the two definitions differ by tens of metres.
func TestCentroidsAgainstShared(t *testing.T) {
	if testing.Short() {
		t.Skip("bakes the full postcode table")
	}
	rows := readSourceTable(t)
	dir, _ := realBake(t)

	type acc struct {
		lat, lng float64
		n        int
	}
	means := map[string]map[string]*acc{OutcodeCentroidsName: {}, SectorCentroidsName: {}}
	for _, r := range rows {
		if r.easting == 0 && r.northing == 0 {
			continue
		}
		lat, lng := osgb.ToWGS84(r.easting, r.northing)
		compact := strings.ReplaceAll(r.postcode, " ", "")
		oc := compact[:len(compact)-3]
		add := func(name, code string) {
			a := means[name][code]
			if a == nil {
				a = &acc{}
				means[name][code] = a
			}
			a.lat += lat
			a.lng += lng
			a.n++
		}
		add(OutcodeCentroidsName, oc)
		add(SectorCentroidsName, oc+" "+compact[len(compact)-3:len(compact)-2])
	}

	for _, tt := range []struct {
		asset, shared string
	}{
		{OutcodeCentroidsName, "data/postcodes/outcode-centroids.csv"},
		{SectorCentroidsName, "data/postcodes/sector-centroids.csv"},
	} {
		ours := decode[map[string]Centroid](t, tt.asset, asset(t, dir, tt.asset))

		// Our definition, recomputed from the source rows.
		if len(ours) != len(means[tt.asset]) {
			t.Errorf("%s: %d entries, the source rows give %d", tt.asset, len(ours), len(means[tt.asset]))
		}
		var worstMean float64
		for code, a := range means[tt.asset] {
			c, ok := ours[code]
			if !ok {
				t.Errorf("%s: %s missing", tt.asset, code)
				continue
			}
			d := geo.Distance(orb.Point{a.lng / float64(a.n), a.lat / float64(a.n)}, orb.Point{c.Lng, c.Lat})
			worstMean = math.Max(worstMean, d)
			if d > 0.5 || c.Postcodes != a.n {
				t.Errorf("%s: %s at (%v, %v) with %d units; the source's mean is %.2f m away with %d units", tt.asset, code, c.Lat, c.Lng, c.Postcodes, d, a.n)
			}
		}

		// The shared tables: same codes and unit counts, positions close.
		f, err := os.Open(shareddata.Path(t, tt.shared))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		// code,postcodes,easting,northing,lat,lng
		var worst float64
		var worstCode string
		countDiff, over5, over20 := 0, 0, 0
		for _, r := range recs[1:] {
			c, ok := ours[r[0]]
			if !ok {
				t.Errorf("%s: %s (in %s) missing", tt.asset, r[0], tt.shared)
				continue
			}
			lat, _ := strconv.ParseFloat(r[4], 64)
			lng, _ := strconv.ParseFloat(r[5], 64)
			d := geo.Distance(orb.Point{lng, lat}, orb.Point{c.Lng, c.Lat})
			if d > worst {
				worst, worstCode = d, r[0]
			}
			switch {
			case d > 20:
				over20++
			case d > 5:
				over5++
			}
			if strconv.Itoa(c.Postcodes) != r[1] {
				countDiff++
			}
		}
		t.Logf("%s: %d entries, worst %.2f m from the source rows' mean; vs %s (%d entries): %d unit counts differ, %d 5-20 m away, %d over 20 m, worst %.2f m (%s)",
			tt.asset, len(ours), worstMean, tt.shared, len(recs)-1, countDiff, over5, over20, worst, worstCode)
		if len(ours) != len(recs)-1 || countDiff > 0 {
			t.Errorf("%s: %d entries and %d unit counts differ from %s", tt.asset, len(ours), countDiff, tt.shared)
		}
		if worst > 100 {
			t.Errorf("%s: %s is %.2f m from the shared centroid", tt.asset, worstCode, worst)
		}
	}
}

// realBake returns the location files of the test run's shared real-data bake
// (internal/testkit/realbake: the register, this postcode table and the boundaries baked
// once by `prebake build` for every package and pytest), linked into a directory
// of their own, and the part of the Summary the manifest records. The bake runs
// Generate with Options{} over the full postcode table, as these tests did.
func realBake(t *testing.T) (string, Summary) {
	t.Helper()
	b := realbake.Get(t)
	dir, err := b.Link(t.TempDir(), "locations")
	if err != nil {
		t.Fatal(err)
	}
	ps := b.Manifest.ShardSets["postcodes"]
	var sum struct{ Postcodes int }
	if err := json.Unmarshal(b.Summary, &sum); err != nil {
		t.Fatal(err)
	}
	return dir, Summary{Postcodes: sum.Postcodes, PostcodeShards: ps.Files, ShardBytes: ps.Bytes, PostcodeShardsPath: ps.Path}
}
