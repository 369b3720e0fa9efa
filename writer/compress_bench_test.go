package writer

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/prebake/prebake/internal/shareddata"
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
// Run: go test ./writer -run '^$' -bench Compress -benchtime 2x
func BenchmarkCompress(b *testing.B) {
	inputs := benchInputs(b)
	levels := map[string][]int{"br": {5, 6, 7, 9}, "gzip": {6, 7, 9}, "zstd": {2, 3, 4}}
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
