package boundaries

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"

	"github.com/prebake/prebake/internal/testkit/realbake"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/internal/writer"
)

// gbBound holds all of Great Britain with its islands, Scilly to Shetland and St Kilda.
var gbBound = orb.Bound{Min: orb.Point{-8.8, 49.8}, Max: orb.Point{2.0, 61.0}}

var real struct {
	once   sync.Once
	orig   *geojson.FeatureCollection
	crs    CRS
	levels []Level
	err    error
}

// realDNO loads and simplifies the app's DNO file once for all tests.
func realDNO(t *testing.T) (string, *geojson.FeatureCollection, []Level) {
	t.Helper()
	path := shareddata.Path(t, "data/geo/gb_dno_boundaries.geojson")
	real.once.Do(func() {
		real.orig, real.crs, real.err = Load(path)
		if real.err == nil {
			// Simplify must not change its input: the tests compare with it.
			orig, _, _ := Load(path)
			real.levels, real.err = Simplify(orig, Options{})
		}
	})
	if real.err != nil {
		t.Fatal(real.err)
	}
	if real.crs != OSGB {
		t.Fatalf("crs %s, the file names EPSG:27700", real.crs)
	}
	return path, real.orig, real.levels
}

func BenchmarkBakeDNO(b *testing.B) {
	path := shareddata.Path(b, "data/geo/gb_dno_boundaries.geojson")
	for b.Loop() {
		if _, err := Bake(path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBakeRealDNOAreas(t *testing.T) {
	_, orig, levels := realDNO(t)
	if len(orig.Features) != 14 || len(levels) != len(DefaultBands) {
		t.Fatalf("%d features, %d levels", len(orig.Features), len(levels))
	}
	origArea := make([]float64, 14)
	for i, f := range orig.Features {
		origArea[i] = geo.Area(f.Geometry)
		if !gbBound.Contains(f.Geometry.Bound().Min) || !gbBound.Contains(f.Geometry.Bound().Max) {
			t.Errorf("input feature %d re-projected to %v, outside GB", i, f.Geometry.Bound())
		}
	}
	var sizes []int
	for li, lv := range levels {
		data, err := lv.Collection.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(data))
		t.Logf("zoom %d-%d: %d bytes, %d positions, tolerance %.1f m, %d decimals", lv.MinZoom, lv.MaxZoom, len(data), lv.Vertices, lv.Tolerance, lv.Decimals)
		if len(lv.Collection.Features) != 14 {
			t.Fatalf("band %d-%d has %d areas, want 14", lv.MinZoom, lv.MaxZoom, len(lv.Collection.Features))
		}
		// The worst area change allowed: a few % at the finest band, more as
		// the tolerance grows to kilometres and islands drop out.
		maxChange := []float64{0.10, 0.03, 0.01, 0.005}[li]
		for i, f := range lv.Collection.Features {
			if !reflect.DeepEqual(map[string]any(f.Properties), map[string]any(orig.Features[i].Properties)) {
				t.Errorf("band %d-%d area %d: properties %v, want %v", lv.MinZoom, lv.MaxZoom, i, f.Properties, orig.Features[i].Properties)
			}
			checkRings(t, f, lv)
			if change := math.Abs(geo.Area(f.Geometry)/origArea[i] - 1); change > maxChange {
				t.Errorf("band %d-%d %v: area changed by %.2f%%, more than %.1f%%", lv.MinZoom, lv.MaxZoom, f.Properties["Area"], change*100, maxChange*100)
			}
		}
	}
	for i := 1; i < len(sizes); i++ {
		if sizes[i-1] >= sizes[i] {
			t.Errorf("band %v is %d bytes, not smaller than the finer band's %d", levels[i-1].Band, sizes[i-1], sizes[i])
		}
	}
	if sizes[0] > 50_000 {
		t.Errorf("country-scale band is %d bytes; the map should not download more than a few tens of KB", sizes[0])
	}
}

// checkRings asserts every ring is closed, non-degenerate, wound per RFC 7946,
// rounded to the band's precision and inside GB.
func checkRings(t *testing.T, f *geojson.Feature, lv Level) {
	t.Helper()
	var mp orb.MultiPolygon
	switch g := f.Geometry.(type) {
	case orb.MultiPolygon:
		mp = g
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	}
	if len(mp) == 0 {
		t.Errorf("band %v %v: no polygons", lv.Band, f.Properties["Area"])
	}
	scale := math.Pow(10, float64(lv.Decimals))
	for _, p := range mp {
		for ri, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("band %v %v: ring of %d positions, closed %v", lv.Band, f.Properties["Area"], len(r), r[0] == r[len(r)-1])
			}
			if (r.Orientation() == orb.CCW) != (ri == 0) {
				t.Errorf("band %v %v: ring %d wound %v", lv.Band, f.Properties["Area"], ri, r.Orientation())
			}
			for _, pt := range r {
				if !gbBound.Contains(pt) {
					t.Fatalf("band %v %v: vertex %v outside GB", lv.Band, f.Properties["Area"], pt)
				}
				for _, c := range pt {
					if math.Abs(c*scale-math.Round(c*scale)) > 1e-6 {
						t.Fatalf("band %v: coordinate %v has more than %d decimals", lv.Band, c, lv.Decimals)
					}
				}
			}
		}
	}
}

// edges returns the undirected edges of every ring of f.
func edges(f *geojson.Feature) map[[2]orb.Point]float64 {
	out := map[[2]orb.Point]float64{}
	var mp orb.MultiPolygon
	switch g := f.Geometry.(type) {
	case orb.MultiPolygon:
		mp = g
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	}
	for _, p := range mp {
		for _, r := range p {
			for i := 1; i < len(r); i++ {
				a, b := r[i-1], r[i]
				if b[0] < a[0] || (b[0] == a[0] && b[1] < a[1]) {
					a, b = b, a
				}
				out[[2]orb.Point{a, b}] = geo.Distance(a, b)
			}
		}
	}
	return out
}

func sharedLength(a, b map[[2]orb.Point]float64) float64 {
	var l float64
	for e, d := range a {
		if _, ok := b[e]; ok {
			l += d
		}
	}
	return l
}

func TestSharedBordersStayShared(t *testing.T) {
	// Neighbouring areas are simplified border by border, so after
	// simplification they still share the same edges: no slivers or gaps.
	_, orig, levels := realDNO(t)
	oe := make([]map[[2]orb.Point]float64, len(orig.Features))
	for i, f := range orig.Features {
		oe[i] = edges(f)
	}
	for _, lv := range levels {
		le := make([]map[[2]orb.Point]float64, len(lv.Collection.Features))
		for i, f := range lv.Collection.Features {
			le[i] = edges(f)
		}
		pairs := 0
		for i := range oe {
			for j := i + 1; j < len(oe); j++ {
				before := sharedLength(oe[i], oe[j])
				if before < 1000 { // metres; pairs that merely touch
					continue
				}
				pairs++
				after := sharedLength(le[i], le[j])
				// Simplified borders are a little shorter; unshared ones would be ~0.
				if after < 0.6*before {
					t.Errorf("band %v: %v / %v shared %.0f m of border, now %.0f m", lv.Band, orig.Features[i].Properties["Area"], orig.Features[j].Properties["Area"], before, after)
				}
			}
		}
		if pairs < 15 {
			t.Errorf("only %d neighbouring pairs found", pairs)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	path := shareddata.Path(t, "data/geo/gb_dno_boundaries.geojson")
	var first map[string][]byte
	for run := 0; run < 2; run++ {
		dir := t.TempDir()
		if run == 0 {
			// The first run is the test run's shared real bake (internal/testkit/realbake):
			// prebake build ran Generate(path, w, Options{}) in another process.
			var err error
			if dir, err = realbake.Get(t).Link(dir, "maptiles/boundaries"); err != nil {
				t.Fatal(err)
			}
		} else if w, err := writer.New(writer.Options{OutDir: dir}); err != nil {
			t.Fatal(err)
		} else if _, err := Generate(path, w, Options{}); err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		for _, b := range DefaultBands {
			stem := strings.TrimSuffix((Options{}).AssetName(b), ".geojson")
			matches, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(stem)+".*.geojson"))
			if len(matches) != 1 {
				t.Fatalf("band %v: files %v", b, matches)
			}
			rel, _ := filepath.Rel(dir, matches[0])
			files[rel], _ = os.ReadFile(matches[0])
			if _, err := geojson.UnmarshalFeatureCollection(files[rel]); err != nil {
				t.Errorf("%s: %v", rel, err)
			}
		}
		matches, _ := filepath.Glob(filepath.Join(dir, "maptiles", "boundaries", "dno.*.json"))
		if len(matches) != 1 {
			t.Fatalf("index files %v", matches)
		}
		var index struct{ Bands []IndexEntry }
		raw, _ := os.ReadFile(matches[0])
		if err := json.Unmarshal(raw, &index); err != nil || len(index.Bands) != len(DefaultBands) {
			t.Fatalf("index %s: %v", raw, err)
		}
		for i, b := range index.Bands {
			if b.MinZoom != DefaultBands[i].MinZoom || b.Asset != (Options{}).AssetName(DefaultBands[i]) || b.Size != int64(len(files[filepath.FromSlash(b.URL)])) {
				t.Errorf("index band %d: %+v", i, b)
			}
		}
		if first == nil {
			first = files
			continue
		}
		if len(files) != len(first) {
			t.Fatalf("runs wrote %d and %d files", len(first), len(files))
		}
		for name, data := range files {
			if !bytes.Equal(first[name], data) {
				t.Errorf("%s differs between runs (or its content hash does)", name)
			}
		}
	}
	var names []string
	for n := range first {
		names = append(names, n)
	}
	sort.Strings(names)
	if !strings.HasPrefix(names[0], filepath.FromSlash("maptiles/boundaries/dno-z0-5.")) {
		t.Errorf("asset files %v", names)
	}
}

// crossings counts pairs of ring segments, over all areas of a band, that cross
// each other at a point inside both (a sweep along x; independent of the
// simplifier's own grid check).
func crossings(fc *geojson.FeatureCollection) int {
	type seg struct{ a, b orb.Point }
	var segs []seg
	for _, f := range fc.Features {
		var mp orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.MultiPolygon:
			mp = g
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		}
		for _, p := range mp {
			for _, r := range p {
				for i := 1; i < len(r); i++ {
					a, b := r[i-1], r[i]
					if b[0] < a[0] {
						a, b = b, a
					}
					segs = append(segs, seg{a, b})
				}
			}
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].a[0] < segs[j].a[0] })
	side := func(p, q, r orb.Point) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	n := 0
	var active []seg
	for _, s := range segs {
		kept := active[:0]
		for _, u := range active {
			if u.b[0] >= s.a[0] {
				kept = append(kept, u)
			}
		}
		active = kept
		for _, u := range active {
			d1, d2 := side(u.a, u.b, s.a), side(u.a, u.b, s.b)
			d3, d4 := side(s.a, s.b, u.a), side(s.a, s.b, u.b)
			if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
				n++
			}
		}
		active = append(active, s)
	}
	return n
}

func TestSimplifiedRingsDoNotCross(t *testing.T) {
	_, orig, levels := realDNO(t)
	if n := crossings(orig); n != 0 {
		t.Logf("the input itself has %d crossings", n)
	}
	for _, lv := range levels {
		if n := crossings(lv.Collection); n != 0 {
			t.Errorf("band %v: %d segment crossings between or within rings", lv.Band, n)
		}
	}
}
