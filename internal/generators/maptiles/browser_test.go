package maptiles_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/browser"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// pageResult is what testdata/browser/map.html leaves in window.result.
type pageResult struct {
	Error    string `json:"error"`
	Zoom     float64
	Rendered []struct {
		ID          uint64 `json:"id"`
		Cluster     bool   `json:"cluster"`
		ClusterID   int    `json:"clusterID"`
		ComponentID int    `json:"componentID"`
	} `json:"rendered"`
	Inner       []string `json:"inner"`
	Outer       []string `json:"outer"`
	MapErrors   []string `json:"mapErrors"`
	RangeStatus int      `json:"rangeStatus"`
}

type pageRun struct {
	URL    string     `json:"url"`
	Result pageResult `json:"result"`
	Errors []string   `json:"errors"`
}

// pageServer serves, on localhost until the test ends, the browser peers'
// packages under /lib/, js/ under /js/, testdata/browser/<page> at any
// path ending in /<page>, and everything else from root (http.FileServer
// answers Range requests, as a CDN does for PMTiles).
func pageServer(t *testing.T, peers, root, page string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.Handle("/lib/", http.StripPrefix("/lib/", http.FileServer(http.Dir(filepath.Join(peers, "node_modules")))))
	mux.Handle("/js/", http.StripPrefix("/js/", http.FileServer(http.Dir(filepath.Join(shareddata.Root(), "js")))))
	file := filepath.Join(shareddata.Root(), "internal", "generators", "maptiles", "testdata", "browser", page)
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		if strings.HasSuffix(req.URL.Path, "/"+page) {
			http.ServeFile(w, req, file)
			return
		}
		http.FileServer(http.Dir(root)).ServeHTTP(w, req)
	})
	return srv
}

// bakeInto bakes ds with opts into dir, the manifest's URLs under baseURL.
func bakeInto(t *testing.T, dir, baseURL string, ds *record.Dataset, opts maptiles.Options) {
	t.Helper()
	w, err := writer.New(writer.Options{OutDir: dir, BaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := maptiles.Generate(ds, w, opts); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(filepath.Join(dir, "manifest.json"), manifest.Manifest{Generator: manifest.Generator{Name: "prebake", Version: "test"}}); err != nil {
		t.Fatal(err)
	}
}

// TestMapLibreRendersArchive bakes map layers, serves them on localhost and
// opens them in MapLibre GL JS with the pmtiles protocol in headless Chromium
// (issue 15): the manifest's tile set, as layout.source and as a source built
// from its TileJSON, must render the features the JS client (js/src) returns for
// the same view, with MVT ids unique and in the documented scheme; a one
// component archive (bounds without area before) and zooms below --min-zoom
// must render too, with no error in the console.
func TestMapLibreRendersArchive(t *testing.T) {
	peers := browser.Peers(t)
	r := rand.New(rand.NewPCG(15, 2))
	var comps []record.Component
	for i := range 3000 {
		lng, lat := -5.5+7*r.Float64(), 50.2+8*r.Float64()
		if i%2 == 0 { // dense around Birmingham
			lng, lat = -1.9+0.3*r.NormFloat64(), 52.48+0.2*r.NormFloat64()
		}
		comps = append(comps, located(int64(i+1), lng, lat, 1, record.DSR, "x"))
	}
	root := t.TempDir()
	srv := pageServer(t, peers, root, "map.html")

	// a: absolute URLs (--base-url), the app's settings; b: --min-zoom 5;
	// c: one component, relative URLs.
	bakeInto(t, filepath.Join(root, "a"), srv.URL+"/a", &record.Dataset{Components: comps}, maptiles.DefaultOptions())
	minZ5 := maptiles.DefaultOptions()
	minZ5.MinZoom = 5
	bakeInto(t, filepath.Join(root, "b"), srv.URL+"/b", &record.Dataset{Components: comps}, minZ5)
	one := []record.Component{located(7, -1.5491, 53.8008, 1, record.DSR, "Leeds")}
	bakeInto(t, filepath.Join(root, "c"), "", &record.Dataset{Components: one}, maptiles.DefaultOptions())

	type view struct {
		name, dir, source string
		lng, lat, zoom    float64
		minRendered       int
	}
	var views []view
	for _, src := range []string{"layout", "tilejson"} {
		views = append(views,
			view{"GB at zoom 5, " + src, "a", src, -2, 54, 5, 10},
			view{"Birmingham at zoom 9, " + src, "a", src, -1.9, 52.48, 9, 30},
			view{"raw points at zoom 17, " + src, "a", src, comps[0].Geo.Lng, comps[0].Geo.Lat, 17, 1},
		)
	}
	views = append(views,
		view{"zoom 3 below --min-zoom 5", "b", "layout", -2, 54, 3, 3},
		view{"zoom 5 at --min-zoom 5", "b", "layout", -2, 54, 5, 10},
		view{"one component (relative URLs)", "c", "layout", -1.5491, 53.8008, 10, 1},
		view{"one component from the TileJSON", "c", "tilejson", -1.5491, 53.8008, 4, 1},
	)
	var urls []string
	for _, v := range views {
		q := url.Values{"manifest": {"manifest.json"}, "layer": {"DSR"}, "source": {v.source},
			"lng": {fmt.Sprint(v.lng)}, "lat": {fmt.Sprint(v.lat)}, "zoom": {fmt.Sprint(v.zoom)}}
		urls = append(urls, srv.URL+"/"+v.dir+"/map.html?"+q.Encode())
	}
	var runs []pageRun
	browser.RunJSON(t, &runs, filepath.Join(shareddata.Root(), "internal", "generators", "maptiles", "testdata", "browser", "run_pages.mjs"), urls...)
	if len(runs) != len(views) {
		t.Fatalf("%d pages ran, want %d", len(runs), len(views))
	}
	for i, v := range views {
		t.Run(v.name, func(t *testing.T) {
			res := runs[i].Result
			if res.Error != "" {
				t.Fatalf("page failed: %s", res.Error)
			}
			for _, e := range append(runs[i].Errors, res.MapErrors...) {
				t.Errorf("browser reported: %s", e)
			}
			if res.RangeStatus != http.StatusPartialContent {
				t.Errorf("a range request for the archive got HTTP %d, want 206", res.RangeStatus)
			}
			if len(res.Rendered) < v.minRendered {
				t.Errorf("MapLibre rendered %d features, want at least %d", len(res.Rendered), v.minRendered)
			}
			rendered := map[string]bool{}
			for _, f := range res.Rendered {
				key, want := fmt.Sprintf("p%d", f.ComponentID), uint64(2*f.ComponentID)
				if f.Cluster {
					key, want = fmt.Sprintf("c%d", f.ClusterID), uint64(2*f.ClusterID+1)
				}
				if f.ID != want {
					t.Errorf("%s has feature id %d in MapLibre, want %d", key, f.ID, want)
				}
				rendered[key] = true
			}
			outer := map[string]bool{}
			for _, k := range res.Outer {
				outer[k] = true
			}
			for k := range rendered {
				if !outer[k] {
					t.Errorf("MapLibre rendered %s, which getClusters does not return around the view", k)
				}
			}
			for _, k := range res.Inner {
				if !rendered[k] {
					t.Errorf("getClusters returns %s inside the view; MapLibre did not render it", k)
				}
			}
			t.Logf("zoom %v: %d features rendered, %d expected inside", res.Zoom, len(res.Rendered), len(res.Inner))
		})
	}
}
