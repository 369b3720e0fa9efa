package boundaries

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb/geojson"
)

// ogrValidity checks every feature of fc with GEOS, through GDAL's ogrinfo
// (Debian gdal-bin) and its SQLite dialect's ST_IsValid (OGC simple features
// validity: no self-intersection, no spike, no ring touching itself, holes
// inside their shell). It returns "name: reason" for each invalid feature.
// Without ogrinfo the test is skipped, and in CI (CI=true) failed.
func ogrValidity(t *testing.T, fc *geojson.FeatureCollection) []string {
	t.Helper()
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		msg := "ogrinfo (gdal-bin) is missing: run scripts/setup-debian.sh"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// Number the features so that the answer names them whatever their properties.
	out := geojson.NewFeatureCollection()
	for i, f := range fc.Features {
		g := geojson.NewFeature(f.Geometry)
		g.Properties = geojson.Properties{"n": i}
		out.Append(g)
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "layer.geojson")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ogrinfo", "-q", "-ro", "-dialect", "SQLite", "-sql",
		"SELECT n, ST_IsValid(geometry) AS v, ST_IsValidReason(geometry) AS reason FROM layer", path)
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, res)
	}
	var bad []string
	seen := 0
	var n string
	for _, line := range strings.Split(string(res), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "n (Integer) = "):
			n = strings.TrimPrefix(line, "n (Integer) = ")
			seen++
		case strings.HasPrefix(line, "reason (String) = ") && !strings.HasSuffix(line, "= Valid Geometry"):
			var i int
			fmt.Sscan(n, &i)
			bad = append(bad, fmt.Sprintf("%s: %s", label(fc.Features[i]), strings.TrimPrefix(line, "reason (String) = ")))
		}
	}
	if seen != len(fc.Features) {
		t.Fatalf("ogrinfo reported %d features of %d:\n%s", seen, len(fc.Features), res)
	}
	return bad
}

// TestSimplifiedAreasAreValid checks every band of the real DNO areas with
// GEOS (issue 15: spikes and self-touching rings after rounding, East Midlands
// and North Scotland at z0-5, East England at z6-8), and the input itself.
func TestSimplifiedAreasAreValid(t *testing.T) {
	_, orig, levels := realDNO(t)
	if bad := ogrValidity(t, orig); len(bad) > 0 {
		t.Logf("the input has %d invalid areas (repaired by the bake): %v", len(bad), bad)
	}
	for _, lv := range levels {
		t.Run(fmt.Sprintf("z%d-%d", lv.MinZoom, lv.MaxZoom), func(t *testing.T) {
			for _, b := range ogrValidity(t, lv.Collection) {
				t.Errorf("invalid: %s", b)
			}
		})
	}
}
