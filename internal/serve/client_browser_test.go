package serve

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/jsclient"
	"github.com/prebake/prebake/internal/testkit/browser"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// clientPage imports the bake's client from the URL its manifest names and the
// repository's client from js/src, and exposes window.run(views, searches),
// which makes every call through both (testdata/baked-client-browser.mjs).
const clientPage = `<!doctype html><meta charset="utf-8"><title>the baked client</title><link rel="icon" href="data:,">
<script type="module">
import * as repo from '/_repo/js/src/index.mjs';
try {
    const manifest = await (await fetch('/manifest.json')).json();
    const asset = name => '/' + manifest.assets[name].url;
    const baked = await import(asset('js/prebake-client.mjs'));
    const layers = Object.keys(manifest.tilesets).filter(n => (manifest.tilesets[n].layout || {}).scheme === repo.CLUSTER_TREE_SCHEME).sort();
    const groups = (await (await fetch(asset('locations/groups/all.geojson'))).json()).features;
    const companyList = await (await fetch(asset('locations/company_list.json'))).json();
    window.run = async (views, searches) => {
        const out = [];
        for (const name of layers) {
            const a = baked.openLayer(manifest.tilesets[name], {baseURL: '/'});
            const b = repo.openLayer(manifest.tilesets[name], {baseURL: '/'});
            for (const [filters, bbox, zoom] of views) {
                out.push([[name, filters, bbox, zoom], await a.getClusters(bbox, zoom, filters), await b.getClusters(bbox, zoom, filters)]);
            }
        }
        for (const p of searches) out.push([p, baked.searchGroups(groups, p, {companyList}), repo.searchGroups(groups, p, {companyList})]);
        return out;
    };
} catch (e) {
    window.failed = String(e && e.stack || e);
}
</script>`

// TestBakedClientInChromium loads the client a bake wrote, from the URL its
// manifest names (served by prebake serve), in headless Chromium, and checks
// that it returns exactly what the repository's client (js/src) returns on the
// same page: getClusters of every clustered layer for the default view, no
// filter and other filters at zooms 2 to 18, and searchGroups over the baked
// location groups.
func TestBakedClientInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	browser.Peers(t)
	s, _ := newTestServer(t)
	a, ok := fx.m.Assets[jsclient.AssetName]
	if !ok {
		t.Fatalf("the bake's manifest names no %s", jsclient.AssetName)
	}
	repoJS := http.StripPrefix("/_repo/js/", http.FileServer(http.Dir(filepath.Join(shareddata.Root(), "js"))))
	mux := http.NewServeMux()
	mux.Handle("/", s)
	mux.HandleFunc("/_repo/js/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".mjs") {
			w.Header().Set("Content-Type", "text/javascript") // a module script needs a JavaScript type
		}
		repoJS.ServeHTTP(w, r)
	})
	mux.HandleFunc("/client-check.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(clientPage))
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()

	var r struct {
		ClientURL    string `json:"clientURL"`
		ClientStatus int    `json:"clientStatus"`
		ClientType   string `json:"clientType"`
		Calls        int    `json:"calls"`
		Features     int    `json:"features"`
		Differing    int    `json:"differing"`
		Differ       []any  `json:"differ"`
		Errors       []string
	}
	browser.RunJSON(t, &r, filepath.Join(shareddata.Root(), "internal", "serve", "testdata", "baked-client-browser.mjs"), ts.URL+"/client-check.html")
	if len(r.Errors) > 0 {
		t.Errorf("page errors: %q", r.Errors)
	}
	if r.ClientURL != "/"+a.Path || r.ClientStatus != 200 || !strings.HasPrefix(r.ClientType, "text/javascript") ||
		!regexp.MustCompile(`^js/prebake-client\.[0-9a-f]{16}\.mjs$`).MatchString(a.Path) {
		t.Errorf("the page loaded the client from %q (HTTP %d, %q); the manifest names %q", r.ClientURL, r.ClientStatus, r.ClientType, a.Path)
	}
	// 25 views per clustered layer (the fixture has more than one) and 5 searches.
	if r.Calls < 2*25+5 || r.Features < 1000 {
		t.Errorf("%d calls returning %d features: too few to compare", r.Calls, r.Features)
	}
	if r.Differing > 0 {
		t.Errorf("the baked client and js/src differ on %d of %d calls, first: %v", r.Differing, r.Calls, r.Differ)
	}
}
