package vectortiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
	"github.com/prebake/prebake/pmtiles"
)

// gbPoints returns n deterministic points over Great Britain, half of them in
// a few city blobs so that tiles hold many features, as the register does.
func gbPoints(n int, seed uint64) []*geojson.Feature {
	rng := rand.New(rand.NewPCG(seed, 7))
	cities := []orb.Point{{-0.12, 51.5}, {-2.24, 53.48}, {-1.9, 52.48}, {-4.25, 55.86}, {-3.18, 51.48}}
	fs := make([]*geojson.Feature, n)
	for i := range fs {
		var p orb.Point
		if i%2 == 0 {
			c := cities[rng.IntN(len(cities))]
			p = orb.Point{c[0] + rng.NormFloat64()*0.15, c[1] + rng.NormFloat64()*0.1}
		} else {
			p = orb.Point{-5.7 + rng.Float64()*7.4, 50.0 + rng.Float64()*8.6}
		}
		f := geojson.NewFeature(p)
		f.ID = i
		f.Properties = geojson.Properties{
			"id":    fmt.Sprintf("C-%05d", i),
			"title": fmt.Sprintf("Site %d", i),
			"mw":    math.Round(rng.Float64()*5000) / 100,
			"count": 1 + i%3,
			"dsr":   i%4 == 0,
		}
		if i%3 == 2 {
			f.Properties["ids"] = []string{fmt.Sprintf("C-%05d", i), fmt.Sprintf("C-%05d-b", i)}
		}
		fs[i] = f
	}
	return fs
}

// prefixLayer shows at zoom z the first (z+1)/(maxZ+1) of the points, standing
// in for clusters that split as the map zooms in.
func prefixLayer(name string, pts []*geojson.Feature, maxZ int) Layer {
	l := Layer{Name: name, Features: pts, Zooms: make([][2]int, len(pts))}
	for i := range pts {
		z := 0
		for i >= len(pts)*(z+1)/(maxZ+1) {
			z++
		}
		l.Zooms[i] = [2]int{z, MaxZoom}
	}
	return l
}

// everyZoom is a layer of fs, each shown at every zoom.
func everyZoom(name string, fs ...*geojson.Feature) Layer {
	l := Layer{Name: name, Features: fs, Zooms: make([][2]int, len(fs))}
	for i := range l.Zooms {
		l.Zooms[i] = AllZooms
	}
	return l
}

// decoded is one feature read back from an archive.
type decoded struct {
	layer string
	id    uint64
	x, y  float64 // tile coordinates of a point
	props map[string]any
	geom  orb.Geometry // in tile coordinates
}

// readAll decodes every tile of archive with the Go reader and orb's decoder.
func readAll(t testing.TB, archive []byte) (pmtiles.Header, map[maptile.Tile][]decoded) {
	t.Helper()
	r, err := pmtiles.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := r.Entries()
	if err != nil {
		t.Fatal(err)
	}
	out := map[maptile.Tile][]decoded{}
	for _, e := range entries {
		for id := e.TileID; id < e.TileID+uint64(e.RunLength); id++ {
			z, x, y := pmtiles.IDToZxy(id)
			data, ok, err := r.Tile(z, x, y)
			if err != nil || !ok {
				t.Fatalf("tile %d/%d/%d: %v %v", z, x, y, ok, err)
			}
			layers, err := mvt.UnmarshalGzipped(data)
			if err != nil {
				t.Fatalf("tile %d/%d/%d: %v", z, x, y, err)
			}
			tile := maptile.New(x, y, maptile.Zoom(z))
			for _, l := range layers {
				if l.Extent != DefaultExtent || l.Version != 2 {
					t.Errorf("tile %v layer %s: extent %d version %d", tile, l.Name, l.Extent, l.Version)
				}
				for _, f := range l.Features {
					d := decoded{layer: l.Name, x: math.NaN(), y: math.NaN(), props: f.Properties, geom: f.Geometry}
					if p, ok := f.Geometry.(orb.Point); ok {
						d.x, d.y = p[0], p[1]
					}
					if id, ok := f.ID.(float64); ok {
						d.id = uint64(id)
					}
					out[tile] = append(out[tile], d)
				}
			}
		}
	}
	return r.Header(), out
}

func TestBuildPlacesPointsInTilesWithBuffer(t *testing.T) {
	// At zoom 10 tile 511/340 spans lng -0.3515625..0 and, in extent units,
	// 4096 across; a point 0.0001° west of 0 sits 1.2 units from the east edge.
	cases := []struct {
		name   string
		pt     orb.Point
		buffer int
		tiles  []maptile.Tile // at zoom 10
	}{
		{"middle of a tile", orb.Point{-0.17, 51.52}, 0, []maptile.Tile{maptile.At(orb.Point{-0.17, 51.52}, 10)}},
		{"east edge, copied east", orb.Point{-0.0001, 51.52}, 0, []maptile.Tile{{X: 511, Y: 340, Z: 10}, {X: 512, Y: 340, Z: 10}}},
		{"east edge, no buffer", orb.Point{-0.0001, 51.52}, -1, []maptile.Tile{{X: 511, Y: 340, Z: 10}}},
		{"corner, four tiles", orb.Point{0.0001, maptile.New(512, 340, 10).Bound().Min[1] + 0.0001}, 0, []maptile.Tile{{X: 511, Y: 340, Z: 10}, {X: 512, Y: 340, Z: 10}, {X: 511, Y: 341, Z: 10}, {X: 512, Y: 341, Z: 10}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := geojson.NewFeature(tc.pt)
			f.ID = 7
			f.Properties = geojson.Properties{"name": "x"}
			layer := everyZoom("pts", f)
			archive, st, err := Build([]Layer{layer}, Options{MinZoom: 10, MaxZoom: 10, Buffer: tc.buffer})
			if err != nil {
				t.Fatal(err)
			}
			if f.Geometry.(orb.Point) != tc.pt {
				t.Fatal("Build changed the caller's feature")
			}
			_, got := readAll(t, archive)
			var tiles []maptile.Tile
			for tile, fs := range got {
				tiles = append(tiles, tile)
				if len(fs) != 1 || fs[0].id != 7 || fs[0].layer != "pts" || fs[0].props["name"] != "x" {
					t.Errorf("tile %v: %+v", tile, fs)
				}
			}
			sortTiles(tiles)
			sortTiles(tc.tiles)
			if fmt.Sprint(tiles) != fmt.Sprint(tc.tiles) {
				t.Errorf("tiles %v, want %v", tiles, tc.tiles)
			}
			if st.Tiles != len(tc.tiles) || st.Zooms[0].Tiles != len(tc.tiles) || st.Zooms[0].Features != len(tc.tiles) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func sortTiles(ts []maptile.Tile) {
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].X != ts[j].X {
			return ts[i].X < ts[j].X
		}
		return ts[i].Y < ts[j].Y
	})
}

func TestBuildAccountsForEveryFeature(t *testing.T) {
	// Every feature lies inside exactly one tile (its coordinates in 0..extent)
	// at every zoom, where orb's own ProjectToTile puts it; the rest are buffer
	// copies in neighbouring tiles.
	const maxZ = 14
	pts := gbPoints(3000, 1)
	other := gbPoints(500, 2)
	layers := []Layer{prefixLayer("DSR", pts, maxZ), prefixLayer("Battery", other, maxZ)}
	archive, st, err := Build(layers, Options{MinZoom: 0, MaxZoom: maxZ, Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	h, got := readAll(t, archive)
	if h.MinZoom != 0 || h.MaxZoom != maxZ || h.TileType != pmtiles.MVT || h.TileCompression != pmtiles.Gzip {
		t.Errorf("header %+v", h)
	}
	all := orb.MultiPoint{}
	for _, f := range append(append([]*geojson.Feature{}, pts...), other...) {
		all = append(all, f.Geometry.(orb.Point))
	}
	wb := all.Bound()
	e7 := func(v float64) int32 { return int32(math.Round(v * 1e7)) }
	if h.MinLonE7 != e7(wb.Min[0]) || h.MinLatE7 != e7(wb.Min[1]) || h.MaxLonE7 != e7(wb.Max[0]) || h.MaxLatE7 != e7(wb.Max[1]) {
		t.Errorf("header bounds %d %d %d %d, points span %v", h.MinLonE7, h.MinLatE7, h.MaxLonE7, h.MaxLatE7, wb)
	}
	if st.Center[2] != 4 {
		t.Errorf("center %v: GB spans about 1/25 of the Mercator world's height, one tile at zoom 4", st.Center)
	}
	tilesPerZoom := make([]int, maxZ+1)
	featsPerZoom := make([]int, maxZ+1)
	inside := map[string]map[int][]uint64{"DSR": {}, "Battery": {}}
	for tile, fs := range got {
		z := int(tile.Z)
		tilesPerZoom[z]++
		featsPerZoom[z] += len(fs)
		for _, f := range fs {
			if f.x < 0 || f.y < 0 || f.x >= DefaultExtent || f.y >= DefaultExtent {
				if f.x < -DefaultBuffer || f.y < -DefaultBuffer || f.x > DefaultExtent+DefaultBuffer || f.y > DefaultExtent+DefaultBuffer {
					t.Errorf("tile %v: feature %d at %v,%v is beyond the buffer", tile, f.id, f.x, f.y)
				}
				continue
			}
			inside[f.layer][z] = append(inside[f.layer][z], f.id)
			src := pts
			if f.layer == "Battery" {
				src = other
			}
			want := &mvt.Layer{Extent: DefaultExtent, Features: []*geojson.Feature{geojson.NewFeature(src[f.id].Geometry)}}
			want.ProjectToTile(tile)
			if p := want.Features[0].Geometry.(orb.Point); p != (orb.Point{f.x, f.y}) {
				t.Errorf("tile %v: feature %d at %v,%v; mvt.ProjectToTile puts it at %v", tile, f.id, f.x, f.y, p)
			}
		}
	}
	for z := 0; z <= maxZ; z++ {
		if st.Zooms[z].Zoom != z || st.Zooms[z].Tiles != tilesPerZoom[z] || st.Zooms[z].Features != featsPerZoom[z] {
			t.Errorf("zoom %d: stats %+v, archive has %d tiles, %d features", z, st.Zooms[z], tilesPerZoom[z], featsPerZoom[z])
		}
		for name, src := range map[string][]*geojson.Feature{"DSR": pts, "Battery": other} {
			ids := inside[name][z]
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			n := len(src) * (z + 1) / (maxZ + 1)
			if len(ids) != n {
				t.Errorf("zoom %d layer %s: %d features inside tiles, want %d", z, name, len(ids), n)
				continue
			}
			for i, id := range ids {
				if id != uint64(i) {
					t.Errorf("zoom %d layer %s: ids inside tiles are not 0..%d once each (at %d: %d)", z, name, n-1, i, id)
					break
				}
			}
		}
	}
	if tilesPerZoom[0] != 1 || tilesPerZoom[maxZ] < 1000 {
		t.Errorf("tiles per zoom %v", tilesPerZoom)
	}
	// Properties survive, arrays as JSON text.
	for _, fs := range got {
		for _, f := range fs {
			if f.layer != "DSR" {
				continue
			}
			src := pts[f.id].Properties
			if f.props["id"] != src["id"] || f.props["mw"] != src["mw"] || f.props["dsr"] != src["dsr"] || f.props["count"] != float64(src["count"].(int)) {
				t.Fatalf("feature %d: properties %v, want %v", f.id, f.props, src)
			}
			if ids, ok := src["ids"]; ok && f.props["ids"] != fmt.Sprintf("[%q,%q]", ids.([]string)[0], ids.([]string)[1]) {
				t.Fatalf("feature %d: ids %v", f.id, f.props["ids"])
			}
		}
	}
	wantLayers := []manifest.VectorLayer{
		{ID: "DSR", Fields: map[string]string{"count": "Number", "dsr": "Boolean", "id": "String", "ids": "String", "mw": "Number", "title": "String"}, MinZoom: 0, MaxZoom: maxZ},
		{ID: "Battery", Fields: map[string]string{"count": "Number", "dsr": "Boolean", "id": "String", "ids": "String", "mw": "Number", "title": "String"}, MinZoom: 0, MaxZoom: maxZ},
	}
	if fmt.Sprint(st.VectorLayers) != fmt.Sprint(wantLayers) {
		t.Errorf("vector layers %v, want %v", st.VectorLayers, wantLayers)
	}
	if st.Bytes != int64(len(archive)) || st.Contents > st.Tiles {
		t.Errorf("stats %+v for %d bytes", st, len(archive))
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	pts := gbPoints(2000, 3)
	layers := []Layer{prefixLayer("a", pts, 12), prefixLayer("b", pts[:700], 12)}
	var first []byte
	for _, procs := range []int{1, 4, 2, 8} {
		old := runtime.GOMAXPROCS(procs)
		archive, _, err := Build(layers, Options{MaxZoom: 12})
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = archive
		} else if !bytes.Equal(first, archive) {
			t.Fatalf("GOMAXPROCS=%d gave a different archive", procs)
		}
	}
}

func TestBuildLayersOnlyWhereTheyHaveFeatures(t *testing.T) {
	east := geojson.NewFeature(orb.Point{1.5, 52.6})
	west := geojson.NewFeature(orb.Point{-4.1, 50.4})
	layers := []Layer{
		everyZoom("east", east),
		{Name: "west", Features: []*geojson.Feature{west}, Zooms: [][2]int{{3, MaxZoom}}},
	}
	archive, st, err := Build(layers, Options{MinZoom: 2, MaxZoom: 6})
	if err != nil {
		t.Fatal(err)
	}
	_, got := readAll(t, archive)
	for tile, fs := range got {
		for _, f := range fs {
			if f.layer == "west" && tile.Z < 3 {
				t.Errorf("west layer at zoom %d", tile.Z)
			}
		}
	}
	if st.VectorLayers[0].MinZoom != 2 || st.VectorLayers[1].MinZoom != 3 || st.VectorLayers[1].MaxZoom != 6 {
		t.Errorf("vector layers %+v", st.VectorLayers)
	}
	if st.Zooms[0].Zoom != 2 || st.Zooms[0].Tiles != 1 || st.Zooms[4].Tiles != 2 {
		t.Errorf("zooms %+v", st.Zooms)
	}
}

func TestBuildRejectsBadInput(t *testing.T) {
	pt := func(lng, lat float64) *geojson.Feature { return geojson.NewFeature(orb.Point{lng, lat}) }
	ok := everyZoom("ok", pt(0, 51))
	cases := []struct {
		name   string
		layers []Layer
		opts   Options
		want   string
	}{
		{"no layers", nil, Options{}, "no layers"},
		{"zoom range", []Layer{ok}, Options{MinZoom: 5, MaxZoom: 4}, "zoom range 5-4"},
		{"too deep", []Layer{ok}, Options{MaxZoom: 30}, "zoom range 0-30"},
		{"extent", []Layer{ok}, Options{Extent: 1000}, "not a power of two"},
		{"unnamed", []Layer{{Features: ok.Features, Zooms: ok.Zooms}}, Options{}, "needs a name"},
		{"zoom ranges", []Layer{{Name: "short", Features: ok.Features}}, Options{}, `layer "short" has 1 features and 0 zoom ranges`},
		{"twice", []Layer{ok, ok}, Options{}, `"ok" given twice`},
		{"easting/northing", []Layer{everyZoom("osgb", pt(0, 51), pt(530000, 180000))}, Options{}, `layer "osgb" feature 1 (id <nil>): coordinates`},
		{"nil geometry", []Layer{everyZoom("nil", &geojson.Feature{})}, Options{}, `layer "nil" feature 0: no geometry`},
		{"nil feature", []Layer{ok, everyZoom("nils", pt(1, 51), nil)}, Options{}, `layer "nils" feature 1: no geometry`},
	}
	for _, tc := range cases {
		_, _, err := Build(tc.layers, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func BenchmarkBuild28kPointsZ0to16(b *testing.B) {
	pts := gbPoints(28000, 9)
	layers := []Layer{everyZoom("DSR", pts...)}
	b.ReportAllocs()
	for b.Loop() {
		_, st, err := Build(layers, Options{MaxZoom: 16})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Tiles), "tiles")
		b.ReportMetric(float64(st.Bytes), "bytes")
	}
}

func TestTileSetEntry(t *testing.T) {
	pts := gbPoints(200, 5)
	opts := Options{MinZoom: 3, MaxZoom: 9, Name: "map", Attribution: "NESO"}
	archive, st, err := Build([]Layer{prefixLayer("all", pts, 9)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	asset := manifest.Asset{Path: "maptiles/map.0123456789abcdef.pmtiles", URL: "https://cdn.example/b/maptiles/map.0123456789abcdef.pmtiles", Size: int64(len(archive)), Integrity: "sha384-x"}
	ts := TileSetEntry(asset, st, opts)
	tj := ts.TileJSON
	if ts.Format != "pmtiles" || ts.Files != 1 || ts.Bytes != int64(len(archive)) || ts.Path != asset.Path {
		t.Errorf("tile set %+v", ts)
	}
	if len(tj.Tiles) != 1 || tj.Tiles[0] != "pmtiles://https://cdn.example/b/maptiles/map.0123456789abcdef.pmtiles/{z}/{x}/{y}" {
		t.Errorf("tiles %v", tj.Tiles)
	}
	if src, _ := ts.Layout["source"].(map[string]any); src["type"] != "vector" || src["url"] != "pmtiles://https://cdn.example/b/maptiles/map.0123456789abcdef.pmtiles" {
		t.Errorf("layout source %v", ts.Layout["source"])
	}
	if tj.TileJSON != "3.0.0" || tj.MinZoom != 3 || tj.MaxZoom != 9 || tj.Attribution != "NESO" || len(tj.Bounds) != 4 || len(tj.Center) != 3 {
		t.Errorf("tilejson %+v", tj)
	}
	if len(tj.VectorLayers) != 1 || tj.VectorLayers[0].ID != "all" || tj.VectorLayers[0].Fields["title"] != "String" {
		t.Errorf("vector layers %+v", tj.VectorLayers)
	}
	files := 0
	for z := 3; z <= 9; z++ {
		zs, ok := ts.PerZoom[fmt.Sprint(z)]
		if !ok || zs.Files == 0 || zs.Bytes == 0 {
			t.Errorf("zoom %d: %+v", z, zs)
		}
		files += zs.Files
	}
	if files != st.Tiles || ts.Layout["url"] != asset.URL {
		t.Errorf("per zoom files %d, archive tiles %d; layout %v", files, st.Tiles, ts.Layout)
	}
}

func TestBuildClipsPolygonsToTiles(t *testing.T) {
	sq := orb.Polygon{{{-2, 52}, {-1, 52}, {-1, 53}, {-2, 53}, {-2, 52}}}
	f := geojson.NewFeature(sq)
	f.Properties = geojson.Properties{"name": "square"}
	archive, st, err := Build([]Layer{everyZoom("areas", f)}, Options{MinZoom: 6, MaxZoom: 8})
	if err != nil {
		t.Fatal(err)
	}
	_, got := readAll(t, archive)
	perZoom := map[maptile.Zoom]int{}
	for tile, fs := range got {
		perZoom[tile.Z]++
		if len(fs) != 1 || fs[0].props["name"] != "square" {
			t.Fatalf("tile %v: %+v", tile, fs)
		}
		p, ok := fs[0].geom.(orb.Polygon)
		if !ok || len(p) != 1 {
			t.Fatalf("tile %v: geometry %T", tile, fs[0].geom)
		}
		b := p.Bound()
		if b.Min[0] < -DefaultBuffer || b.Min[1] < -DefaultBuffer || b.Max[0] > DefaultExtent+DefaultBuffer || b.Max[1] > DefaultExtent+DefaultBuffer {
			t.Errorf("tile %v: polygon %v not clipped to the buffered tile", tile, b)
		}
	}
	// The square covers lng -2..-1, lat 52..53: tile columns and rows from
	// maptile.At of its corners, at each zoom.
	for z := maptile.Zoom(6); z <= 8; z++ {
		nw, se := maptile.At(orb.Point{-2, 53}, z), maptile.At(orb.Point{-1, 52}, z)
		want := int((se.X - nw.X + 1) * (se.Y - nw.Y + 1))
		if perZoom[z] != want || st.Zooms[z-6].Tiles != want {
			t.Errorf("zoom %d: %d tiles (stats %d), want %d", z, perZoom[z], st.Zooms[z-6].Tiles, want)
		}
	}
}

func TestArchiveThroughWriter(t *testing.T) {
	// The flow the map generator follows: Build, WriteAsset, TileSetEntry, RegisterTileSet.
	pts := gbPoints(300, 8)
	opts := Options{MaxZoom: 10, Name: "prebake map"}
	data, st, err := Build([]Layer{prefixLayer("all", pts, 10)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := writer.New(writer.Options{OutDir: dir, BaseURL: "https://cdn.example/bake/"})
	if err != nil {
		t.Fatal(err)
	}
	asset, err := w.WriteAsset(AssetName, data, writer.Meta{ContentType: ContentType})
	if err != nil {
		t.Fatal(err)
	}
	ts := TileSetEntry(asset, st, opts)
	if err := w.RegisterTileSet("vector", ts); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(asset.Path, "maptiles/map.") || !strings.HasSuffix(asset.Path, ".pmtiles") {
		t.Errorf("asset path %s", asset.Path)
	}
	if want := "pmtiles://https://cdn.example/bake/" + asset.Path + "/{z}/{x}/{y}"; ts.TileJSON.Tiles[0] != want {
		t.Errorf("tiles %v, want %s", ts.TileJSON.Tiles, want)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(asset.Path)))
	if err != nil || !bytes.Equal(onDisk, data) {
		t.Fatalf("archive on disk: %v", err)
	}
	r, err := pmtiles.NewReader(bytes.NewReader(onDisk), int64(len(onDisk)))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Name         string                 `json:"name"`
		VectorLayers []manifest.VectorLayer `json:"vector_layers"`
	}
	raw, err := r.Metadata()
	if err != nil || json.Unmarshal(raw, &meta) != nil {
		t.Fatalf("metadata %s: %v", raw, err)
	}
	if meta.Name != "prebake map" || fmt.Sprint(meta.VectorLayers) != fmt.Sprint(ts.TileJSON.VectorLayers) {
		t.Errorf("archive metadata %+v, tile set layers %+v", meta, ts.TileJSON.VectorLayers)
	}
}
