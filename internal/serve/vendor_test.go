package serve

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/prebake/prebake/internal/jsclient"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// TestVendoredLibraries checks that the map libraries embedded in the binary are
// byte for byte the npm packages scripts/setup-serve.sh pins (re-vendor with
// scripts/vendor-preview.sh).
func TestVendoredLibraries(t *testing.T) {
	nm := filepath.Join(shareddata.Peers(t), "node_modules")
	for vendored, pkg := range map[string]string{
		"vendor/maplibre-gl.js":          "maplibre-gl/dist/maplibre-gl.js",
		"vendor/maplibre-gl.css":         "maplibre-gl/dist/maplibre-gl.css",
		"vendor/maplibre-gl.LICENSE.txt": "maplibre-gl/LICENSE.txt",
		"vendor/pmtiles.js":              "pmtiles/dist/pmtiles.js",
	} {
		want, err := os.ReadFile(filepath.Join(nm, pkg))
		if err != nil {
			t.Fatalf("%v (run scripts/setup-serve.sh)", err)
		}
		if got := embeddedFiles[vendored].data; !bytes.Equal(got, want) {
			t.Errorf("%s (%d bytes) differs from npm's %s (%d bytes): run scripts/vendor-preview.sh", vendored, len(got), pkg, len(want))
		}
	}
	setup, err := os.ReadFile(filepath.Join(shareddata.Root(), "scripts", "setup-serve.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(embeddedFiles["vendor/VERSIONS"].data)), "\n") {
		f := strings.Fields(line) // name version licence
		pin := strings.ToUpper(strings.ReplaceAll(f[0], "-", "_")) + "=" + f[1]
		if !strings.Contains(string(setup), pin) {
			t.Errorf("vendored %s %s, but scripts/setup-serve.sh does not pin %s", f[0], f[1], pin)
		}
	}
}

// TestServesItsClient checks /_prebake/prebake-client.mjs, the client the
// preview loads when the bake's manifest names none: the bundle a bake by this
// binary writes, as JavaScript, revalidated.
func TestServesItsClient(t *testing.T) {
	want, err := jsclient.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	getEmbeddedJS(t, "prebake-client.mjs", want)
}

// getEmbeddedJS checks that GET /_prebake/<name> answers want, as JavaScript,
// revalidated.
func getEmbeddedJS(t *testing.T, name string, want []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	serveEmbedded(rec, httptest.NewRequest("GET", "/_prebake/"+name, nil), name)
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), want) {
		t.Fatalf("GET %s: %d, %d bytes; want 200 and %d bytes", name, rec.Code, rec.Body.Len(), len(want))
	}
	if ct, cc := rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"); ct != "text/javascript; charset=utf-8" || cc != "no-cache" {
		t.Errorf("GET %s: Content-Type %q, Cache-Control %q", name, ct, cc)
	}
}

// TestServesRules checks /_prebake/rules.mjs, the app's rules the preview
// imports (its popups' URLs and titles): js/src/rules.mjs byte for byte, as
// JavaScript, revalidated.
func TestServesRules(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(shareddata.Root(), "js", "src", "rules.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	getEmbeddedJS(t, "rules.mjs", want)
}

// TestGBOutline checks the GB outline the preview draws as its base
// (preview/gb-outline.geojson): it is what scripts/gb-outline.mjs makes from
// the world-atlas package scripts/setup-serve.sh pins (Natural Earth 1:50m),
// byte for byte, says so, and is Great Britain: it holds London, Cardiff,
// Edinburgh, Shetland and Lewis, and not Belfast, Dublin or Douglas.
func TestGBOutline(t *testing.T) {
	got := embeddedFiles["gb-outline.geojson"].data
	var fc struct {
		Features []struct {
			Properties map[string]string `json:"properties"`
			Geometry   json.RawMessage   `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(got, &fc); err != nil || len(fc.Features) != 1 {
		t.Fatalf("gb-outline.geojson: %v, %d features", err, len(fc.Features))
	}
	if src := fc.Features[0].Properties["source"]; !strings.Contains(src, "Natural Earth") || !strings.Contains(src, "world-atlas") {
		t.Errorf("gb-outline.geojson does not state its provenance: %q", src)
	}
	g, err := geojson.UnmarshalGeometry(fc.Features[0].Geometry)
	if err != nil {
		t.Fatal(err)
	}
	mp, ok := g.Geometry().(orb.MultiPolygon)
	if !ok {
		t.Fatalf("geometry %T, want a MultiPolygon", g.Geometry())
	}
	for name, p := range map[string]orb.Point{
		"London": {-0.1276, 51.5072}, "Cardiff": {-3.1791, 51.4816}, "Edinburgh": {-3.1883, 55.9533},
		"Shetland (Voe)": {-1.2700, 60.3500}, "Stornoway": {-6.3880, 58.2090},
	} {
		if !planar.MultiPolygonContains(mp, p) {
			t.Errorf("the outline leaves out %s %v", name, p)
		}
	}
	for name, p := range map[string]orb.Point{"Belfast": {-5.9301, 54.5973}, "Dublin": {-6.2603, 53.3498}, "Douglas": {-4.4821, 54.1523}} {
		if planar.MultiPolygonContains(mp, p) {
			t.Errorf("the outline holds %s %v, which is not in Great Britain", name, p)
		}
	}

	peers := shareddata.Peers(t)
	cmd := exec.Command("node", filepath.Join(shareddata.Root(), "scripts", "gb-outline.mjs"))
	cmd.Env = append(os.Environ(), "PREBAKE_PEERS="+peers)
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/gb-outline.mjs: %v (run scripts/setup-serve.sh)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("preview/gb-outline.geojson (%d bytes) differs from what scripts/gb-outline.mjs makes (%d bytes): run node scripts/gb-outline.mjs internal/serve/preview/gb-outline.geojson", len(got), len(want))
	}
}
