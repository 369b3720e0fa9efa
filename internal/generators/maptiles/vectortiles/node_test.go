package vectortiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/pmtiles"
)

type nodeFeature struct {
	ID     *uint64        `json:"id"`
	Type   int            `json:"type"`
	Points [][2]float64   `json:"points"`
	Props  map[string]any `json:"props"`
}

type nodeLayer struct {
	Name     string        `json:"name"`
	Version  int           `json:"version"`
	Extent   int           `json:"extent"`
	Features []nodeFeature `json:"features"`
}

type nodeOutput struct {
	Header struct {
		TileType        int     `json:"tileType"`
		TileCompression int     `json:"tileCompression"`
		MinZoom         int     `json:"minZoom"`
		MaxZoom         int     `json:"maxZoom"`
		MinLon          float64 `json:"minLon"`
		MaxLat          float64 `json:"maxLat"`
		CenterZoom      int     `json:"centerZoom"`
	} `json:"header"`
	Metadata struct {
		Name         string `json:"name"`
		VectorLayers []struct {
			ID      string            `json:"id"`
			Fields  map[string]string `json:"fields"`
			MinZoom int               `json:"minzoom"`
			MaxZoom int               `json:"maxzoom"`
		} `json:"vector_layers"`
	} `json:"metadata"`
	Tiles [][]nodeLayer `json:"tiles"`
}

// TestNodeDecodesVectorTiles reads a built archive the way MapLibre's pmtiles
// protocol does (the pmtiles npm package), decodes every tile's MVT in Node and
// checks that each zoom's features are all there, once inside a tile each,
// where Go put them and with their properties.
func TestNodeDecodesVectorTiles(t *testing.T) {
	peers := shareddata.Peers(t)
	const maxZ = 12
	pts := gbPoints(1200, 11)
	bats := gbPoints(300, 12)
	src := map[string][]*geojson.Feature{"DSR": pts, "Battery": bats}
	layers := []Layer{prefixLayer("DSR", pts, maxZ), prefixLayer("Battery", bats, maxZ)}
	archive, st, err := Build(layers, Options{MaxZoom: maxZ, Name: "node"})
	if err != nil {
		t.Fatal(err)
	}

	// Ask for every tile the archive holds and a few it must not hold.
	r, err := pmtiles.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := r.Entries()
	if err != nil {
		t.Fatal(err)
	}
	var want [][3]uint32
	for _, e := range entries {
		for id := e.TileID; id < e.TileID+uint64(e.RunLength); id++ {
			z, x, y := pmtiles.IDToZxy(id)
			want = append(want, [3]uint32{uint32(z), x, y})
		}
	}
	absent := [][3]uint32{{5, 0, 0}, {12, 0, 0}, {8, 200, 10}}
	dir := t.TempDir()
	archivePath := filepath.Join(dir, "map.pmtiles")
	tilesPath := filepath.Join(dir, "tiles.json")
	req, _ := json.Marshal(append(append([][3]uint32{}, want...), absent...))
	if err := os.WriteFile(archivePath, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tilesPath, req, 0o644); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "decode_tiles.mjs"))
	var res nodeOutput
	shareddata.NodeJSON(t, &res, script, peers, archivePath, tilesPath)

	h := res.Header
	if h.TileType != int(pmtiles.MVT) || h.TileCompression != int(pmtiles.Gzip) || h.MinZoom != 0 || h.MaxZoom != maxZ || h.CenterZoom != int(st.Center[2]) {
		t.Errorf("header as node reads it: %+v", h)
	}
	if res.Metadata.Name != "node" || len(res.Metadata.VectorLayers) != 2 || res.Metadata.VectorLayers[0].ID != "DSR" ||
		res.Metadata.VectorLayers[1].Fields["mw"] != "Number" || res.Metadata.VectorLayers[0].MaxZoom != maxZ {
		t.Errorf("metadata as node reads it: %+v", res.Metadata)
	}
	if len(res.Tiles) != len(want)+len(absent) {
		t.Fatalf("node returned %d tiles, asked for %d", len(res.Tiles), len(want)+len(absent))
	}
	for i, a := range absent {
		if res.Tiles[len(want)+i] != nil {
			t.Errorf("absent tile %v decoded by node", a)
		}
	}

	featsPerZoom := make([]int, maxZ+1)
	inside := map[string][][]uint64{"DSR": make([][]uint64, maxZ+1), "Battery": make([][]uint64, maxZ+1)}
	for i, k := range want {
		z := int(k[0])
		tile := maptile.New(k[1], k[2], maptile.Zoom(z))
		if res.Tiles[i] == nil {
			t.Fatalf("tile %v: node found nothing", k)
		}
		for _, l := range res.Tiles[i] {
			if l.Version != 2 || l.Extent != DefaultExtent || len(l.Features) == 0 {
				t.Errorf("tile %v layer %s: version %d extent %d, %d features", k, l.Name, l.Version, l.Extent, len(l.Features))
			}
			featsPerZoom[z] += len(l.Features)
			for _, f := range l.Features {
				if f.ID == nil || f.Type != 1 || len(f.Points) != 1 {
					t.Fatalf("tile %v layer %s: feature %+v", k, l.Name, f)
				}
				p := f.Points[0]
				if p[0] < 0 || p[1] < 0 || p[0] >= DefaultExtent || p[1] >= DefaultExtent {
					continue
				}
				inside[l.Name][z] = append(inside[l.Name][z], *f.ID)
				orig := src[l.Name][*f.ID]
				proj := &mvt.Layer{Extent: DefaultExtent, Features: []*geojson.Feature{geojson.NewFeature(orig.Geometry)}}
				proj.ProjectToTile(tile)
				if got := proj.Features[0].Geometry.(orb.Point); got != (orb.Point{p[0], p[1]}) {
					t.Errorf("tile %v: feature %d decoded at %v, projected at %v", k, *f.ID, p, got)
				}
				for _, key := range []string{"id", "title", "mw", "dsr"} {
					if f.Props[key] != orig.Properties[key] {
						t.Errorf("tile %v feature %d: %s = %v, want %v", k, *f.ID, key, f.Props[key], orig.Properties[key])
					}
				}
				if f.Props["count"] != float64(orig.Properties["count"].(int)) {
					t.Errorf("tile %v feature %d: count = %v", k, *f.ID, f.Props["count"])
				}
			}
		}
	}
	for z := 0; z <= maxZ; z++ {
		if featsPerZoom[z] != st.Zooms[z].Features {
			t.Errorf("zoom %d: node decoded %d features, Build encoded %d", z, featsPerZoom[z], st.Zooms[z].Features)
		}
		for name, fs := range src {
			ids := inside[name][z]
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			n := len(fs) * (z + 1) / (maxZ + 1)
			if fmt.Sprint(ids) != fmt.Sprint(seq(n)) {
				t.Errorf("zoom %d layer %s: node found %d features inside tiles, want ids 0..%d once each", z, name, len(ids), n-1)
			}
		}
	}
}

func seq(n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = uint64(i)
	}
	return s
}
