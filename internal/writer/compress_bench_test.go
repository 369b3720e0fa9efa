package writer

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/manifest"
)

// benchInputs are realistic outputs: the app's big JSON files and the DNO
// GeoJSON as large assets, and small GeoJSON tiles built from real register rows.
func benchInputs(b *testing.B) map[string][][]byte {
	in := map[string][][]byte{}
	for _, rel := range []string{"data/app/search_index.json", "data/geo/gb_dno_boundaries.geojson"} {
		data, err := os.ReadFile(shareddata.Path(b, rel))
		if err != nil {
			b.Fatal(err)
		}
		in["large"] = append(in["large"], data)
	}
	in["tiles"] = registerTiles(b)
	return in
}

// registerTiles cuts the real components of one register file into small
// FeatureCollections shaped like prebake's map tiles (1 to 40 points each).
func registerTiles(b *testing.B) [][]byte {
	data, err := os.ReadFile(shareddata.Path(b, "data/register/components_D.json"))
	if err != nil {
		b.Fatal(err)
	}
	var reg map[string][]map[string]any
	if err := json.Unmarshal(data, &reg); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 0, len(reg))
	for id := range reg {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	type feature struct {
		Type       string         `json:"type"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	var tiles [][]byte
	var fs []feature
	for i, id := range ids {
		for j, c := range reg[id] {
			fs = append(fs, feature{"Feature",
				map[string]any{"type": "Point", "coordinates": []float64{-2 + float64(i%97)*0.0173, 52 + float64(j%89)*0.0119}},
				map[string]any{"id": c["_id"], "cmu_id": id, "title": c["Location and Post Code"], "technology": c["Generating Technology Class"],
					"company": c["Company Name"], "delivery_year": c["Delivery Year"], "auction_name": c["Auction Name"]}})
		}
		if len(fs) >= 1+i%40 {
			t, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
			tiles = append(tiles, t)
			fs = nil
		}
	}
	return tiles
}

// BenchmarkCompress measures size and speed of each codec at a range of levels.
// The "ratio" metric is compressed/original bytes over all inputs of the kind.
// Run: go test ./internal/writer -run '^$' -bench Compress -benchtime 2x
func BenchmarkCompress(b *testing.B) {
	inputs := benchInputs(b)
	levels := map[string][]int{"br": {5, 6, 7, 9}, "gzip": {6, 7, 9}}
	for _, kind := range []string{"large", "tiles"} {
		for _, c := range Codecs {
			for _, lvl := range levels[c.Name] {
				b.Run(fmt.Sprintf("%s/%s/%d", kind, c.Name, lvl), func(b *testing.B) {
					var in, out int64
					for _, d := range inputs[kind] {
						in += int64(len(d))
					}
					b.SetBytes(in)
					for b.Loop() {
						out = 0
						for _, d := range inputs[kind] {
							z, err := compressLevel(c.Name, d, lvl)
							if err != nil {
								b.Fatal(err)
							}
							out += int64(len(z))
						}
					}
					b.ReportMetric(float64(out)/float64(in), "ratio")
				})
			}
		}
	}
}

// BenchmarkFileSet writes a tile set of real-register GeoJSON tiles end to end:
// hashing, the three variants of every tile, staging and the rename. "rebuild"
// finishes the same set again, which finds it in place and writes nothing.
// Run: go test ./internal/writer -run '^$' -bench FileSet -benchtime 3x
func BenchmarkFileSet(b *testing.B) {
	tiles := registerTiles(b)
	var total int64
	for _, t := range tiles {
		total += int64(len(t))
	}
	b.Logf("%d tiles, %d bytes", len(tiles), total)
	finish := func(b *testing.B, w *Writer) {
		set := w.NewFileSet("maptiles/DSR")
		for i, t := range tiles {
			if err := set.Add(fmt.Sprintf("%d/%d/%d.geojson", i%17, i/17, i%5), t); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := set.FinishTileSet("DSR", manifestTileJSON(), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("first", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			w, err := New(Options{OutDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			finish(b, w)
		}
	})
	b.Run("rebuild", func(b *testing.B) {
		out := b.TempDir()
		w, _ := New(Options{OutDir: out})
		finish(b, w)
		b.SetBytes(total)
		for b.Loop() {
			w, err := New(Options{OutDir: out})
			if err != nil {
				b.Fatal(err)
			}
			finish(b, w)
		}
	})
}

func manifestTileJSON() manifest.TileJSON {
	return manifest.TileJSON{Tiles: []string{"{z}/{x}/{y}.geojson"}}
}

// BenchmarkBrotliBig compares, on every .json/.geojson file of 1 MiB or more
// below $PREBAKE_BROTLI_CORPUS (a bake's output directory, e.g. of the 1M
// sample), the classic encoder at quality 7 ("classic7") with what Compress
// uses from BrotliBigSize ("matchfinder"): docs/manifest.md's table of the
// big-input encoder. One sub-benchmark per file and encoder; "ratio" is
// compressed/original bytes.
// Run: PREBAKE_BROTLI_CORPUS=out go test ./internal/writer -run '^$' -bench BrotliBig -benchtime 1x
func BenchmarkBrotliBig(b *testing.B) {
	dir := os.Getenv("PREBAKE_BROTLI_CORPUS")
	if dir == "" {
		b.Skip("PREBAKE_BROTLI_CORPUS is not set (a bake's output directory)")
	}
	var paths []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".geojson")) {
			if fi, err := d.Info(); err == nil && fi.Size() >= BrotliBigSize {
				paths = append(paths, p)
			}
		}
		return nil
	})
	sort.Strings(paths)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		for _, enc := range []struct {
			name string
			fn   func([]byte) ([]byte, error)
		}{
			{"classic7", func(d []byte) ([]byte, error) { return compressLevel("br", d, 7) }},
			{"matchfinder", brotliBig},
		} {
			b.Run(filepath.Base(p)+"/"+enc.name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				var out int
				for b.Loop() {
					z, err := enc.fn(data)
					if err != nil {
						b.Fatal(err)
					}
					out = len(z)
				}
				b.ReportMetric(float64(out)/float64(len(data)), "ratio")
			})
		}
	}
}
