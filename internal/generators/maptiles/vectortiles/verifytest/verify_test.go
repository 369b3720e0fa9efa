package verifytest

import (
	"bytes"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gopmtiles "github.com/protomaps/go-pmtiles/pmtiles"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/generators/maptiles/vectortiles"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/realbake"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// verify runs go-pmtiles' Verify (what `pmtiles verify FILE` runs) on the
// archive at path, and also reads its header with go-pmtiles.
func verify(t *testing.T, path string) gopmtiles.HeaderV3 {
	t.Helper()
	var logs bytes.Buffer
	if err := gopmtiles.Verify(log.New(&logs, "", 0), path); err != nil {
		t.Fatalf("go-pmtiles verify %s: %v\n%s", filepath.Base(path), err, logs.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, gopmtiles.HeaderV3LenBytes)
	if _, err := io.ReadFull(f, b); err != nil {
		t.Fatal(err)
	}
	h, err := gopmtiles.DeserializeHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func points(ps ...orb.Point) vectortiles.Layer {
	l := vectortiles.Layer{Name: "test", Features: make([]*geojson.Feature, len(ps)), Zooms: make([][2]int, len(ps))}
	for i, p := range ps {
		l.Features[i] = geojson.NewFeature(p)
		l.Features[i].ID = i
		l.Features[i].Properties = geojson.Properties{"n": i}
		l.Zooms[i] = vectortiles.AllZooms
	}
	return l
}

// TestVerifyBounds builds archives whose features span no area (issue 15: one
// component, or all on one latitude, gave bounds go-pmtiles rejects) and others,
// and checks each with go-pmtiles: accepted, bounds with area that hold every
// feature.
func TestVerifyBounds(t *testing.T) {
	tests := []struct {
		name string
		pts  []orb.Point
	}{
		{"one point", []orb.Point{{-1.5491, 53.8008}}},
		{"one latitude", []orb.Point{{-3, 52.5}, {-1, 52.5}, {0.5, 52.5}}},
		{"one meridian", []orb.Point{{-2, 50.1}, {-2, 58.6}}},
		{"the same point twice", []orb.Point{{0, 0}, {0, 0}}},
		{"on the antimeridian", []orb.Point{{180, 10}}},
		{"at the world's west edge", []orb.Point{{-180, -60}}},
		{"at the Mercator limit", []orb.Point{{10, 85.0511287798066}}},
		{"a spread", []orb.Point{{-5.7, 50}, {1.7, 58.6}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, st, err := vectortiles.Build([]vectortiles.Layer{points(tt.pts...)}, vectortiles.Options{MinZoom: 0, MaxZoom: 6})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "a.pmtiles")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			h := verify(t, path)
			if !(h.MinLonE7 < h.MaxLonE7 && h.MinLatE7 < h.MaxLatE7) {
				t.Errorf("header bounds %d,%d,%d,%d have no area", h.MinLonE7, h.MinLatE7, h.MaxLonE7, h.MaxLatE7)
			}
			b := st.Bounds
			if !(b[0] < b[2] && b[1] < b[3]) {
				t.Errorf("TileJSON bounds %v have no area", b)
			}
			for _, p := range tt.pts {
				if p[0] < b[0] || p[0] > b[2] || p[1] < b[1] || p[1] > b[3] {
					t.Errorf("bounds %v leave out %v", b, p)
				}
			}
		})
	}
}

// TestVerifyBakedArchives bakes map layers through maptiles.Generate and the
// real writer, with one component and with a min zoom above 0, and checks the
// archive the manifest names with go-pmtiles.
func TestVerifyBakedArchives(t *testing.T) {
	comp := func(id int64, lng, lat float64) record.Component {
		mw := 1.0
		return record.Component{ID: id, ComponentID: "C", CMUID: "CMU", Category: record.DSR, TechClass: "DSR",
			Company: "Co", Location: "x", LocationText: "x", DeratedMW: &mw, DeliveryYear: 2025,
			AuctionName: "2025-26 (T-4) Four Year Ahead Capacity Auction", // an active location: in the default view
			Geo:         record.Geocode{Lng: lng, Lat: lat, Located: true}, SourceFile: "t.json", SourceRow: int(id)}
	}
	tests := []struct {
		name    string
		comps   []record.Component
		minZoom int
	}{
		{"one component", []record.Component{comp(1, -1.5491, 53.8008)}, 0},
		{"one latitude, min zoom 5", []record.Component{comp(1, -3, 52.5), comp(2, -1, 52.5), comp(3, 0.5, 52.5)}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			w, err := writer.New(writer.Options{OutDir: out})
			if err != nil {
				t.Fatal(err)
			}
			opts := maptiles.DefaultOptions()
			opts.MinZoom = tt.minZoom
			if _, err := maptiles.Generate(&record.Dataset{Components: tt.comps}, w, opts); err != nil {
				t.Fatal(err)
			}
			mp := filepath.Join(out, "manifest.json")
			if err := w.Commit(mp, manifest.Manifest{Generator: manifest.Generator{Name: "prebake", Version: "test"}}); err != nil {
				t.Fatal(err)
			}
			m, err := manifest.Load(mp)
			if err != nil {
				t.Fatal(err)
			}
			ts, ok := m.TileSets[vectortiles.AssetName]
			if !ok {
				t.Fatalf("no tile set %s", vectortiles.AssetName)
			}
			h := verify(t, filepath.Join(out, filepath.FromSlash(ts.Path)))
			// Below the min zoom the archive shows the min zoom's clusters (issue 15).
			if h.MinZoom != 0 || ts.TileJSON.MinZoom != 0 {
				t.Errorf("archive min zoom %d, TileJSON %d; want 0 whatever --min-zoom", h.MinZoom, ts.TileJSON.MinZoom)
			}
			if !strings.HasPrefix(ts.TileJSON.Tiles[0], "pmtiles://") {
				t.Errorf("tiles %v", ts.TileJSON.Tiles)
			}
		})
	}
}

// TestVerifyRealArchive checks the shared real-data bake's archive
// (internal/testkit/realbake) with go-pmtiles verify.
func TestVerifyRealArchive(t *testing.T) {
	b := realbake.Get(t)
	ts, ok := b.Manifest.TileSets[vectortiles.AssetName]
	if !ok {
		t.Fatalf("the real bake has no %s", vectortiles.AssetName)
	}
	h := verify(t, filepath.Join(b.Out, filepath.FromSlash(ts.Path)))
	if h.MaxZoom != uint8(ts.TileJSON.MaxZoom) || h.AddressedTilesCount == 0 {
		t.Errorf("header max zoom %d, %d tiles; TileJSON max zoom %d", h.MaxZoom, h.AddressedTilesCount, ts.TileJSON.MaxZoom)
	}
}
