package maptiles_test

import (
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/generators/maptiles/boundaries"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/browser"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// styleReference is the committed screenshot of the style's GB view;
// PREBAKE_UPDATE_REFERENCE=1 rewrites it (look at it before committing).
var styleReference = filepath.Join("testdata", "browser", "style-reference.png")

// TestStyleRendersInChromium bakes a register of every category plus two DNO
// areas, writes the style (maptiles.WriteStyle) and opens it in MapLibre in
// headless Chromium the way an app page does (new Map({style: the manifest's
// URL of maptiles/style.json})): at zoom 5 over GB the clusters layer and the DNO
// overlay render, the attribution shows the postcode data's OGL statement, and
// the screenshot matches the committed reference within a tolerance (at most
// 0.5% of pixels differ by more than 48 in a channel); at zoom 14 over a dense
// area the points of several categories render in their layers; no errors.
func TestStyleRendersInChromium(t *testing.T) {
	peers := browser.Peers(t)
	r := rand.New(rand.NewPCG(26, 2))
	var comps []record.Component
	for i := range 1500 {
		lng, lat := -5.5+7*r.Float64(), 50.2+8*r.Float64()
		if i%2 == 0 { // dense around Birmingham
			lng, lat = -1.9+0.05*r.NormFloat64(), 52.48+0.03*r.NormFloat64()
		}
		cat := record.Categories[i%len(record.Categories)]
		c := located(int64(i+1), lng, lat, 1, cat, "x")
		c.Geo.Source = record.GeoGridRef
		if i%7 == 0 {
			c.Geo.Source = record.GeoPostcode
		}
		comps = append(comps, c)
	}
	ds := &record.Dataset{Components: comps, PostcodeAttribution: ogl}

	root := t.TempDir()
	srv := pageServer(t, peers, root, "style.html")

	// Two DNO areas in WGS84, the boundaries generator's input.
	dnoPath := filepath.Join(t.TempDir(), "dno.geojson")
	dnoJSON := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"South"},"geometry":{"type":"Polygon","coordinates":[[[-5.5,50],[1.5,50],[1.5,52.6],[-5.5,52.6],[-5.5,50]]]}},
{"type":"Feature","properties":{"name":"North"},"geometry":{"type":"Polygon","coordinates":[[[-5.5,52.6],[1.5,52.6],[1.5,58.5],[-5.5,58.5],[-5.5,52.6]]]}}]}`
	if err := os.WriteFile(dnoPath, []byte(dnoJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "bake")
	w, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := maptiles.Generate(ds, w, maptiles.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	index, err := boundaries.Generate(dnoPath, w, boundaries.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var bands []maptiles.Band
	for _, b := range index {
		bands = append(bands, maptiles.Band{MinZoom: b.MinZoom, MaxZoom: b.MaxZoom, URL: b.URL})
	}
	if _, err := maptiles.WriteStyle(w, sum.Archive, sum.Attribution, bands); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(filepath.Join(out, "manifest.json"), manifest.Manifest{Generator: manifest.Generator{Name: "prebake", Version: "test"}}); err != nil {
		t.Fatal(err)
	}

	views := []struct{ lng, lat, zoom float64 }{{-2, 54.3, 5}, {-1.9, 52.48, 14}}
	var urls []string
	for _, v := range views {
		q := url.Values{"manifest": {"manifest.json"}, "lng": {fmt.Sprint(v.lng)}, "lat": {fmt.Sprint(v.lat)}, "zoom": {fmt.Sprint(v.zoom)}}
		urls = append(urls, srv.URL+"/bake/style.html?"+q.Encode())
	}
	shots := t.TempDir()
	t.Setenv("SCREENSHOT_DIR", shots)
	var runs []struct {
		Result struct {
			Error       string         `json:"error"`
			Layers      map[string]int `json:"layers"`
			MapErrors   []string       `json:"mapErrors"`
			Attribution string         `json:"attribution"`
		} `json:"result"`
		Errors []string `json:"errors"`
	}
	browser.RunJSON(t, &runs, filepath.Join(shareddata.Root(), "internal", "generators", "maptiles", "testdata", "browser", "run_pages.mjs"), urls...)
	if len(runs) != len(views) {
		t.Fatalf("%d pages ran, want %d", len(runs), len(views))
	}
	for i, run := range runs {
		res := run.Result
		if res.Error != "" {
			t.Fatalf("view %d: page failed: %s", i, res.Error)
		}
		for _, e := range append(run.Errors, res.MapErrors...) {
			t.Errorf("view %d: browser reported: %s", i, e)
		}
		t.Logf("view %d: rendered %v", i, res.Layers)
	}
	gb := runs[0].Result
	if gb.Layers["clusters"] == 0 || gb.Layers["dno-0-5"] == 0 {
		t.Errorf("GB at zoom 5: clusters %d, DNO areas %d; want both drawn", gb.Layers["clusters"], gb.Layers["dno-0-5"])
	}
	if !strings.Contains(gb.Attribution, "Contains OS data © Crown copyright and database right") {
		t.Errorf("attribution shown %q, want the OGL statement", gb.Attribution)
	}
	cats := 0
	for id, n := range runs[1].Result.Layers {
		if strings.HasPrefix(id, "points-") && n > 0 {
			cats++
		}
	}
	if cats < 5 {
		t.Errorf("zoom 14: points of %d categories rendered, want at least 5: %v", cats, runs[1].Result.Layers)
	}
	checkScreenshot(t, filepath.Join(shots, "0.png"), styleReference)
}

// checkScreenshot compares a PNG with the reference: at most 0.5% of the
// pixels may differ by more than 48 in some channel (anti-aliasing and the
// software renderer's rounding move edges by a pixel, not colours or shapes).
func checkScreenshot(t *testing.T, got, ref string) {
	t.Helper()
	if os.Getenv("PREBAKE_UPDATE_REFERENCE") == "1" {
		data, err := os.ReadFile(got)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ref, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", ref)
	}
	a, b := readPNG(t, got), readPNG(t, ref)
	if a.Bounds() != b.Bounds() {
		t.Fatalf("screenshot %v, reference %v", a.Bounds(), b.Bounds())
	}
	bad, total := 0, 0
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			total++
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if diff(r1, r2) > 48 || diff(g1, g2) > 48 || diff(b1, b2) > 48 {
				bad++
			}
		}
	}
	if float64(bad) > 0.005*float64(total) {
		keep := filepath.Join(os.TempDir(), "prebake-style-screenshot.png")
		data, _ := os.ReadFile(got)
		os.WriteFile(keep, data, 0o644)
		t.Errorf("%d of %d pixels differ from %s (kept the screenshot as %s)", bad, total, ref, keep)
	}
	t.Logf("%d of %d pixels differ from the reference", bad, total)
}

func diff(a, b uint32) uint32 {
	a, b = a>>8, b>>8
	if a > b {
		return a - b
	}
	return b - a
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
