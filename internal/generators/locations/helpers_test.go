package locations

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

func mw(v float64) *float64 { return &v }

// located is a component geocoded at (lat, lng).
func located(id int64, cat record.Category, loc, outcode string, lat, lng float64) record.Component {
	return record.Component{
		ID: id, ComponentID: "C" + itoa(id), CMUID: "CMU" + itoa(id%7), Company: "Co " + itoa(id%3),
		Category: cat, TechClass: string(cat), DeliveryYear: 2020 + int(id%8), Location: loc, LocationText: loc, Outcode: outcode,
		Description: "component " + itoa(id),
		Geo:         record.Geocode{Lat: lat, Lng: lng, Located: true, Source: record.GeoGridRef, Precision: record.Precision100m},
	}
}

func itoa(i int64) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// bake runs Generate into a fresh directory and returns the directory, the
// writer and the summary.
func bake(t testing.TB, ds *record.Dataset, opts Options) (string, *writer.Writer, Summary) {
	t.Helper()
	dir := t.TempDir()
	w, err := writer.New(writer.Options{OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Generate(ds, w, opts)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return dir, w, s
}

// asset reads the file the writer stored for logical name (name.<hash>.ext).
func asset(t testing.TB, dir, name string) []byte {
	t.Helper()
	ext := filepath.Ext(name)
	pattern := filepath.Join(dir, filepath.FromSlash(name[:len(name)-len(ext)])) + ".*" + ext
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) != 1 {
		t.Fatalf("asset %s: want one file matching %s, got %v (%v)", name, pattern, m, err)
	}
	b, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode[T any](t testing.TB, name string, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func newTestWriter(t testing.TB) *writer.Writer {
	t.Helper()
	w, err := writer.New(writer.Options{OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return w
}
