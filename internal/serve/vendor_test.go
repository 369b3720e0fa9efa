package serve

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/js"
)

// TestVendoredLibraries checks that the map libraries embedded in the binary are
// byte for byte the npm packages scripts/setup-serve.sh pins (re-vendor with
// scripts/vendor-preview.sh), and that the embedded prebake-map.mjs is the repo's.
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
	repo, err := os.ReadFile(filepath.Join(shareddata.Root(), "js", "prebake-map.mjs"))
	if err != nil || !bytes.Equal(embeddedFiles["prebake-map.mjs"].data, repo) || !bytes.Equal(js.PrebakeMap, repo) {
		t.Error("the embedded prebake-map.mjs is not js/prebake-map.mjs")
	}
	rules, err := os.ReadFile(filepath.Join(shareddata.Root(), "js", "src", "rules.mjs"))
	if err != nil || !bytes.Equal(embeddedFiles["src/rules.mjs"].data, rules) || !bytes.Equal(js.Rules, rules) {
		t.Error("the embedded src/rules.mjs is not js/src/rules.mjs")
	}
}
