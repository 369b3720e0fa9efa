package serve

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	rec := httptest.NewRecorder()
	serveEmbedded(rec, httptest.NewRequest("GET", "/_prebake/prebake-client.mjs", nil), "prebake-client.mjs")
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), want) {
		t.Fatalf("GET prebake-client.mjs: %d, %d bytes; want 200 and the %d-byte bundle", rec.Code, rec.Body.Len(), len(want))
	}
	if ct, cc := rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"); ct != "text/javascript; charset=utf-8" || cc != "no-cache" {
		t.Errorf("Content-Type %q, Cache-Control %q", ct, cc)
	}
}
