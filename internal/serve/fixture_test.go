package serve

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/prebake/prebake/internal/bake"
	"github.com/prebake/prebake/internal/sample"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/manifest"
)

// The shared fixture: two small bakes of the synthetic sample into one output
// directory, so the writer's history holds a previous bake. The second (the
// live one) carries the DNO boundaries from ../shared when present.
var fx struct {
	once       sync.Once
	err        error
	dir        string
	out        string
	manifest   string
	report     string
	boundaries bool
	prevID     string
	m          *manifest.Manifest
}

// Sizes of the fixture bakes: small enough to bake in seconds, large enough to
// have clusters several levels deep.
const (
	prevComponents = 1200
	liveComponents = 2000
)

// badPostcodes is a second, synthetic postcode table the live bake reads: its
// rows are all rejected (postcodeRejects of them: a malformed postcode and a
// latitude that is no number), so that the report has rejected rows of
// another kind than components.
const badPostcodes = "postcode,lat,lng,synthetic\nNOT A CODE,51.5,-0.1,true\nZZ1 1ZZ,north,-1.2,true\n"

const postcodeRejects = 2

func TestMain(m *testing.M) {
	code := m.Run()
	if fx.dir != "" {
		os.RemoveAll(fx.dir)
	}
	os.Exit(code)
}

func fixture(t testing.TB) {
	t.Helper()
	fx.once.Do(func() { fx.err = bakeFixture() })
	if fx.err != nil {
		t.Fatal(fx.err)
	}
}

func bakeFixture() error {
	dir, err := os.MkdirTemp("", "prebake-serve-test-")
	if err != nil {
		return err
	}
	fx.dir = dir
	fx.out = filepath.Join(dir, "output")
	fx.manifest = filepath.Join(dir, "manifest.json")
	fx.report = filepath.Join(dir, "prebake-report.jsonl")
	boundaries := filepath.Join(shareddata.Dir(), "data", "geo", "gb_dno_boundaries.geojson")
	if _, err := os.Stat(boundaries); err == nil {
		fx.boundaries = true
	} else {
		boundaries = ""
	}
	old, hadEpoch := os.LookupEnv("SOURCE_DATE_EPOCH")
	defer func() {
		if hadEpoch {
			os.Setenv("SOURCE_DATE_EPOCH", old)
		} else {
			os.Unsetenv("SOURCE_DATE_EPOCH")
		}
	}()
	for i, b := range []struct {
		seed       int64
		components int
		epoch      string
		boundaries string
	}{
		{2, prevComponents, "1767225600", ""},
		{1, liveComponents, "1767312000", boundaries},
	} {
		src := filepath.Join(dir, fmt.Sprintf("sample%d", i))
		if _, err := sample.Write(src, sample.Options{Seed: b.seed, Components: b.components}); err != nil {
			return err
		}
		os.Setenv("SOURCE_DATE_EPOCH", b.epoch)
		postcodes := []string{filepath.Join(src, sample.PostcodesFile)}
		if i == 1 {
			bad := filepath.Join(dir, "bad_postcodes.csv")
			if err := os.WriteFile(bad, []byte(badPostcodes), 0o644); err != nil {
				return err
			}
			postcodes = append(postcodes, bad)
		}
		s, err := bake.Run(bake.Config{
			Sources:      []string{filepath.Join(src, "synthetic_*.json")},
			Postcodes:    postcodes,
			Boundaries:   b.boundaries,
			OutDir:       fx.out,
			ManifestPath: fx.manifest,
			ReportPath:   fx.report,
			Generator:    manifest.Generator{Name: "prebake", Version: "test"},
		})
		if err != nil {
			return fmt.Errorf("fixture bake %d: %w", i, err)
		}
		if i == 0 {
			fx.prevID = s.BuildID
		}
	}
	fx.m, err = manifest.Load(fx.manifest)
	return err
}

// newTestServer serves the fixture through httptest.
func newTestServer(t testing.TB) (*Server, *httptest.Server) { return newTestServerB(t) }

func newTestServerB(t testing.TB) (*Server, *httptest.Server) {
	t.Helper()
	fixture(t)
	s, err := New(Options{OutDir: fx.out, ManifestPath: fx.manifest, ReportPath: fx.report})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); s.Close() })
	return s, ts
}
