package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/generators/cmu"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/internal/writer"
)

// appArea is the /map/ page's area (../shared/docs/app-integration.md,
// "Coordinates"), where the preview opens.
var appArea = struct{ north, south, east, west float64 }{58.7, 50.0, 1.8, -8.2}

// browserRun is what internal/serve/testdata/preview-browser.mjs prints.
type browserRun struct {
	Views []struct {
		Label   string            `json:"label"`
		Layer   string            `json:"layer"`
		Zoom    float64           `json:"zoom"`
		BBox    []float64         `json:"bbox"`
		Filters map[string]string `json:"filters"`
		Markers []struct {
			ID     int64  `json:"id"`
			Kind   string `json:"kind"`
			Count  int    `json:"count"`
			Inside bool   `json:"inside"`
		} `json:"markers"`
		Expected []struct {
			ID            int64  `json:"id"`
			Kind          string `json:"kind"`
			Count         int    `json:"count"`
			ExpansionZoom *int   `json:"expansion_zoom"`
		} `json:"expected"`
		Clicked *struct {
			ID            int64 `json:"id"`
			ExpansionZoom int   `json:"expansion_zoom"`
		} `json:"clicked"`
		Area [][2]float64 `json:"area"` // the map's bounds, [[west, south], [east, north]]
	} `json:"views"`
	Popup *struct {
		IDs     []int64         `json:"ids"`
		Title   *string         `json:"title"`
		Clicked int64           `json:"clicked"`
		Detail  json.RawMessage `json:"detail"` // the page's rebuilt popup data
	} `json:"popup"`
	Overlays struct {
		PMTiles int `json:"pmtiles"`
		DNO     int `json:"dno"`
		Land    int `json:"land"`
		Changes int `json:"changes"` // changes-points drawn in view
		// ChangeKinds counts the changes overlay's features by kind.
		ChangeKinds map[string]int `json:"changeKinds"`
	} `json:"overlays"`
	Report struct {
		Charts       int        `json:"charts"`
		Bars         int        `json:"bars"`
		RejectedRows int        `json:"rejectedRows"`
		BuildID      string     `json:"buildID"`
		Previous     string     `json:"previous"`
		Changes      [][]string `json:"changes"` // the rows of #changes-counts
		Movers       int        `json:"movers"`
	} `json:"report"`
	NoBoundaries *struct {
		Land        int    `json:"land"`
		DNODisabled bool   `json:"dnoDisabled"`
		Notes       string `json:"notes"`
		Markers     int    `json:"markers"`
	} `json:"noBoundaries"`
	Foreign     []string `json:"foreign"`
	Errors      []string `json:"errors"`
	Failed      []string `json:"failed"`
	Screenshots []string `json:"screenshots"`
}

// TestPreviewInChromium loads the preview in headless Chromium, clicks clusters
// down to a point and the point, and checks that the markers on screen are
// exactly getClusters for each view, that clicking a cluster zooms to its
// expansion zoom, that a view filtered to one company in the filter panel is
// exactly getClusters(bbox, zoom, filters) and keeps fewer components, that the popup shows the baked component_details entry, that
// the DNO overlay, the GB outline and the PMTiles archive draw, that nothing is
// fetched from another origin, and that the report page has its charts.
// Screenshots go to test-output/serve/.
func TestPreviewInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	shareddata.Path(t, "data/geo/gb_dno_boundaries.geojson") // the base outline and the DNO overlay
	shareddata.Tool(t, "/usr/bin/chromium")                  // Debian chromium (scripts/setup-debian.sh)
	peers := shareddata.Peers(t)
	if _, err := os.Stat(filepath.Join(peers, "node_modules", "playwright-core")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("playwright-core is not installed (scripts/setup-serve.sh)")
		}
		t.Skip("playwright-core is not installed (run scripts/setup-serve.sh)")
	}
	_, ts := newTestServer(t)
	if !fx.boundaries {
		t.Fatal("the fixture was baked without boundaries")
	}
	// The previous bake, made without --boundaries, served from its history copy.
	entries, err := os.ReadDir(writer.HistoryDir(fx.out))
	if err != nil {
		t.Fatal(err)
	}
	var prevManifest string
	for _, e := range entries {
		if strings.Contains(e.Name(), fx.prevID) {
			prevManifest = filepath.Join(writer.HistoryDir(fx.out), e.Name())
		}
	}
	prevSrv, err := New(Options{OutDir: fx.out, ManifestPath: prevManifest})
	if err != nil {
		t.Fatal(err)
	}
	prevTS := httptest.NewServer(prevSrv)
	t.Cleanup(func() { prevTS.Close(); prevSrv.Close() })

	shots := filepath.Join(shareddata.Root(), "test-output", "serve")
	os.RemoveAll(shots)
	var run browserRun
	shareddata.NodeJSON(t, &run, filepath.Join(shareddata.Root(), "internal", "serve", "testdata", "preview-browser.mjs"), ts.URL, shots, prevTS.URL)

	// The page opens on the app's opening view: the /map/ page's area and its
	// default filters, which the baked tile set serves.
	if f := run.Views[0].Filters; !reflect.DeepEqual(f, map[string]string{"cm_period": "future"}) {
		t.Errorf("the first view has filters %v, want the /map/ page's opening filters {cm_period: future}", f)
	}
	if a := run.Views[0].Area; len(a) != 2 || a[0][0] > appArea.west || a[0][1] > appArea.south || a[1][0] < appArea.east || a[1][1] < appArea.north ||
		a[1][1]-a[0][1] > 2*(appArea.north-appArea.south) {
		t.Errorf("the first view's bounds %v do not fit the /map/ page's area %+v", a, appArea)
	}
	if nb := run.NoBoundaries; nb == nil || nb.Land <= 0 || !nb.DNODisabled || !strings.Contains(nb.Notes, "no DNO boundaries") || nb.Markers == 0 {
		t.Errorf("a bake without --boundaries: %+v, want the GB outline drawn, the DNO overlay disabled and said so, markers", nb)
	}

	if len(run.Views) < 3 {
		t.Fatalf("%d views observed, want the first, at least one after a cluster click, and the overlays", len(run.Views))
	}
	type feat struct {
		id    int64
		kind  string
		count int
	}
	for i, v := range run.Views {
		var onScreen, want []feat
		for _, m := range v.Markers {
			onScreen = append(onScreen, feat{m.ID, m.Kind, m.Count})
			if !m.Inside {
				t.Errorf("view %q: marker %d is outside the map", v.Label, m.ID)
			}
		}
		for _, e := range v.Expected {
			want = append(want, feat{e.ID, e.Kind, e.Count})
		}
		cmp := func(a, b feat) int { return int(a.id - b.id) }
		slices.SortFunc(onScreen, cmp)
		slices.SortFunc(want, cmp)
		if len(want) == 0 || !slices.Equal(onScreen, want) {
			t.Errorf("view %q (zoom %.3f, bbox %v): %d markers on screen, getClusters gives %d\non screen %v\ngetClusters %v",
				v.Label, v.Zoom, v.BBox, len(onScreen), len(want), onScreen, want)
		}
		if c := v.Clicked; c != nil {
			if wantZoom := math.Min(float64(c.ExpansionZoom), 18); math.Abs(v.Zoom-wantZoom) > 1e-6 {
				t.Errorf("clicking cluster %d went to zoom %v, want its expansion zoom %v", c.ID, v.Zoom, wantZoom)
			}
			if v.Zoom <= run.Views[i-1].Zoom {
				t.Errorf("clicking cluster %d did not zoom in (%v -> %v)", c.ID, run.Views[i-1].Zoom, v.Zoom)
			}
		}
	}
	// The filtered view: the last, at the same bbox and zoom as the unfiltered overlays view.
	total := func(i int) (n int) {
		for _, e := range run.Views[i].Expected {
			n += e.Count
		}
		return n
	}
	if last := len(run.Views) - 1; run.Views[last].Filters["company"] == "" {
		t.Errorf("the last view %q has filters %v, want a company", run.Views[last].Label, run.Views[last].Filters)
	} else if !reflect.DeepEqual(run.Views[last-1].Filters, map[string]string{"cm_period": "future"}) {
		t.Errorf("view %q has filters %v before any filter was set, want the opening view's", run.Views[last-1].Label, run.Views[last-1].Filters)
	} else if f, all := total(last), total(last-1); f == 0 || f >= all {
		t.Errorf("filtered to %q: %d components in view, unfiltered %d; want fewer, not none", run.Views[last].Filters["company"], f, all)
	}
	if run.Views[1].Clicked == nil {
		t.Error("no cluster was clicked")
	}

	// The popup is the app's body for the clicked point as cmu.RebuildDetail
	// makes it from the two shard sets, read here over HTTP.
	if run.Popup == nil || len(run.Popup.IDs) == 0 || run.Popup.Title == nil {
		t.Fatalf("no popup with a title after clicking a point: %+v", run.Popup)
	}
	id := run.Popup.IDs[0]
	fetch := func(set, key string, v any) {
		ss := fx.m.ShardSets[set]
		res, body := get(t, "GET", ts.URL+"/"+strings.ReplaceAll(ss.URL, "{"+ss.Key+"}", key))
		if res.StatusCode != 200 || json.Unmarshal(body, v) != nil {
			t.Fatalf("%s %s: %d", set, key, res.StatusCode)
		}
	}
	var refs map[string][2]int
	fetch("cmu/component_details", fmt.Sprint(id%int64(fx.m.ShardSets["cmu/component_details"].Params["n"].(float64))), &refs)
	at := refs[fmt.Sprint(id)]
	var file cmu.PopupFile
	fetch("cmu/components_at_location", fmt.Sprint(at[0]), &file)
	want, err := cmu.RebuildDetail(&file, at[1], id)
	if err != nil {
		t.Fatalf("popup of %d: %v", id, err)
	}
	if got := *run.Popup.Title; got != want.Data.Title || got == "" {
		t.Errorf("popup of %d (clicked %d) titled %q, the shards say %q", id, run.Popup.Clicked, got, want.Data.Title)
	}
	var got cmu.AppDetailData
	if err := json.Unmarshal(run.Popup.Detail, &got); err != nil || !reflect.DeepEqual(got, want.Data) {
		t.Errorf("popup of %d: the page rebuilt %s, want %+v (%v)", id, run.Popup.Detail, want.Data, err)
	}

	if run.Overlays.PMTiles <= 0 || run.Overlays.DNO <= 0 || run.Overlays.Land <= 0 {
		t.Errorf("overlays drew %+v features, want some of each", run.Overlays)
	}
	// The changes overlay: the bake's changelog drawn, one feature per
	// located component added, removed or moved, one line per move.
	log := fixtureChangelog(t)
	wantKinds := map[string]int{}
	for _, e := range log.Components.Added {
		if e.Position != nil {
			wantKinds["added"]++
		}
	}
	for _, e := range log.Components.Removed {
		if e.Position != nil {
			wantKinds["removed"]++
		}
	}
	for _, m := range log.Components.Moved {
		if m.New != nil {
			wantKinds["moved"]++
		}
		if m.Old != nil && m.New != nil {
			wantKinds["move"]++
		}
	}
	if run.Overlays.Changes <= 0 || !maps.Equal(run.Overlays.ChangeKinds, wantKinds) {
		t.Errorf("changes overlay: %d points drawn, features by kind %v, want some drawn and %v", run.Overlays.Changes, run.Overlays.ChangeKinds, wantKinds)
	}
	s := log.Summary
	wantRow := []string{"components", fmt.Sprint(s.OldComponents), fmt.Sprint(s.NewComponents), fmt.Sprint(s.Added), fmt.Sprint(s.Removed),
		fmt.Sprint(s.Changed), fmt.Sprint(s.Moved), fmt.Sprintf("%d (%.2f%%)", s.Touched, 100*s.TouchedFraction)}
	if r := run.Report; len(r.Changes) != 3 || !slices.Equal(r.Changes[1], wantRow) || r.Movers != min(MaxMovers, len(log.Components.Moved)) {
		t.Errorf("report page changes %v (movers %d), want the row %v and %d movers", r.Changes, r.Movers, wantRow, min(MaxMovers, len(log.Components.Moved)))
	}
	if len(run.Foreign) > 0 {
		t.Errorf("the preview fetched from other origins: %v", run.Foreign)
	}
	if len(run.Errors) > 0 {
		t.Errorf("page errors: %v", run.Errors)
	}
	for _, f := range run.Failed {
		// MapLibre and the PMTiles client cancel requests for tiles that left the view.
		if !strings.Contains(f, "ERR_ABORTED") {
			t.Errorf("failed request: %s", f)
		}
	}
	if r := run.Report; r.Charts < 7 || r.Bars == 0 || r.RejectedRows != 3 || r.BuildID != fx.m.BuildID || !strings.Contains(r.Previous, fx.prevID) {
		t.Errorf("report page: %+v", r)
	}
	if len(run.Screenshots) != 7 {
		t.Errorf("%d screenshots, want 7", len(run.Screenshots))
	}
	for _, p := range run.Screenshots {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 10000 || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("screenshot %s: %d bytes, %v", p, len(b), err)
		}
	}
}
