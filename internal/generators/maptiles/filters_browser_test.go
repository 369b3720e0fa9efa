package maptiles_test

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/browser"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// filtersPage loads the modules and the bake, and exposes the calls the check
// script makes.
const filtersPage = `<!doctype html><meta charset="utf-8"><title>prebake filtered views</title>
<script type="module">
import {openLayer, searchGroups} from '/js/src/index.mjs';
const manifest = await (await fetch('/out/manifest.json')).json();
window.runGroups = async (params, options) => searchGroups((await (await fetch("/groups.geojson")).json()).features, params, options);
window.runViews = async (tileset, views) => {
    const layer = openLayer(manifest.tilesets[tileset], {baseURL: '/out/'});
    const out = [];
    for (const [filters, bbox, zoom] of views) out.push(await layer.getClusters(bbox, zoom, filters));
    return out;
};
</script>`

// TestFilteredViewsInChromium loads the client (js/src/index.mjs: openLayer,
// searchGroups) in headless Chromium from a page on localhost and checks filtered views of a
// synthetic bake's all layer against supercluster, and a location-group search
// against the same call in Node.
func TestFilteredViewsInChromium(t *testing.T) {
	peers := browser.Peers(t)
	ds := &record.Dataset{Components: syntheticFilterComponents(t, 3000)}
	active := activeTexts(ds.Components)
	out, _, _ := bake(t, ds, maptiles.Options{Layers: []string{maptiles.AllLayer}, SkipVectorTiles: true})
	groups := writeGroupFeatures(t, ds, active)

	mux := http.NewServeMux()
	js := http.StripPrefix("/js/", http.FileServer(http.Dir(filepath.Join(shareddata.Root(), "js"))))
	mux.Handle("/js/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".mjs") {
			w.Header().Set("Content-Type", "text/javascript") // a module script needs a JavaScript type
		}
		js.ServeHTTP(w, r)
	}))
	mux.Handle("/out/", http.StripPrefix("/out/", http.FileServer(http.Dir(out))))
	mux.HandleFunc("/groups.geojson", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, groups) })
	mux.HandleFunc("/page.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(filtersPage))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()

	points := writeFilterPoints(t, layerComponents(ds, ""), active)
	chromiumArgs, _ := json.Marshal(browser.Args)
	cmd := exec.Command("node", filepath.Join(shareddata.Root(), "js", "test", "browser-filters-check.mjs"),
		"http://"+ln.Addr().String()+"/page.html", filepath.Join(out, "manifest.json"), "maptiles/default/all", points, groups)
	cmd.Env = append(os.Environ(), "PREBAKE_PEERS="+shareddata.Peers(t), "PREBAKE_BROWSER_PEERS="+peers,
		"CHROMIUM="+browser.Chromium, "CHROMIUM_ARGS="+string(chromiumArgs))
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser check: %v", err)
	}
	var r struct {
		Views, Features, Mismatches int
		First                       json.RawMessage
		Errors                      []string
		UserAgent                   string
		Groups                      struct {
			Features int
			Equal    bool
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("browser check printed %.300q: %v", b, err)
	}
	if len(r.Errors) > 0 {
		t.Errorf("page errors: %v", r.Errors)
	}
	if r.Views < 6 || r.Features == 0 || r.Mismatches > 0 {
		t.Errorf("%d of %d views in Chromium differ from supercluster (%d features); first: %s", r.Mismatches, r.Views, r.Features, r.First)
	}
	if !r.Groups.Equal || r.Groups.Features == 0 {
		t.Errorf("location-group search in Chromium: %d features, equal to Node: %v", r.Groups.Features, r.Groups.Equal)
	}
	t.Logf("%s: %d views, %d features equal to supercluster; group search %d features", r.UserAgent, r.Views, r.Features, r.Groups.Features)
}

// writeGroupFeatures writes location groups of the synthetic components in the
// shape of locations/groups/all.geojson (enough for a search in the browser).
func writeGroupFeatures(t *testing.T, ds *record.Dataset, active map[string]bool) string {
	t.Helper()
	type group struct {
		first        *record.Component
		technologies map[string]int
		companies    map[string]int
		n            int
	}
	byText := map[string]*group{}
	var order []string
	for i := range ds.Components {
		c := &ds.Components[i]
		g := byText[c.LocationText]
		if g == nil {
			g = &group{first: c, technologies: map[string]int{}, companies: map[string]int{}}
			byText[c.LocationText] = g
			order = append(order, c.LocationText)
		}
		g.n++
		g.technologies[c.TechClass]++
		g.companies[c.Company]++
	}
	var feats []map[string]any
	for i, text := range order {
		g := byText[text]
		feats = append(feats, map[string]any{"type": "Feature", "id": strconv.Itoa(i),
			"geometry": map[string]any{"type": "Point", "coordinates": []float64{g.first.Geo.Lng, g.first.Geo.Lat}},
			"properties": map[string]any{"id": strconv.Itoa(100000 + i), "title": text, "tech": string(g.first.Category),
				"company": g.first.Company, "count": g.n, "active": active[text], "mw": float64(i % 17),
				"technologies": g.technologies, "companies": g.companies, "descriptions": []string{g.first.Description},
				"cmu_ids": []string{g.first.CMUID}}})
	}
	data, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "groups.geojson")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestV8AtanExp: the client's inverse projection uses its own V8 atan and exp
// (so every engine gets Node's coordinates); they must equal Node's bit for bit.
func TestV8AtanExp(t *testing.T) {
	var r struct {
		Checked, Differ int
		First           json.RawMessage
	}
	shareddata.NodeJSON(t, &r, filepath.Join(shareddata.Root(), "js", "test", "v8-atan-exp-check.mjs"))
	if r.Checked < 800000 || r.Differ > 0 {
		t.Fatalf("%d of %d values differ from Node's Math.atan/Math.exp; first: %s", r.Differ, r.Checked, r.First)
	}
}
