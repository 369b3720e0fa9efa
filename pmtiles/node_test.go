package pmtiles

import (
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// nodeResult is what testdata/read_archive.mjs prints.
type nodeResult struct {
	Header struct {
		SpecVersion         int     `json:"specVersion"`
		RootDirectoryOffset int     `json:"rootDirectoryOffset"`
		NumAddressedTiles   int     `json:"numAddressedTiles"`
		NumTileEntries      int     `json:"numTileEntries"`
		NumTileContents     int     `json:"numTileContents"`
		Clustered           bool    `json:"clustered"`
		TileType            int     `json:"tileType"`
		TileCompression     int     `json:"tileCompression"`
		MinZoom             int     `json:"minZoom"`
		MaxZoom             int     `json:"maxZoom"`
		MinLon              float64 `json:"minLon"`
		MaxLat              float64 `json:"maxLat"`
		CenterZoom          int     `json:"centerZoom"`
	} `json:"header"`
	Metadata map[string]any `json:"metadata"`
	Tiles    []*string      `json:"tiles"`
	IDs      []struct {
		ID   uint64    `json:"id"`
		Back [3]uint32 `json:"back"`
	} `json:"ids"`
}

// runNodeReader reads archive with the pmtiles npm package, asking for tiles
// and for the package's tile ids of ids.
func runNodeReader(t *testing.T, archive []byte, tiles, ids [][3]uint32) nodeResult {
	t.Helper()
	peers := shareddata.Peers(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "test.pmtiles")
	if err := os.WriteFile(path, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(map[string]any{"tiles": tiles, "ids": ids})
	reqPath := filepath.Join(dir, "request.json")
	if err := os.WriteFile(reqPath, req, 0o644); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "read_archive.mjs"))
	var res nodeResult
	shareddata.NodeJSON(t, &res, script, peers, path, reqPath)
	return res
}

func TestNodePMTilesReadsArchive(t *testing.T) {
	tiles := sampleTiles()
	var want [][3]uint32
	for _, tt := range tiles {
		want = append(want, [3]uint32{uint32(tt.z), tt.x, tt.y})
	}
	gz := make([]testTile, len(tiles))
	for i, tt := range tiles {
		gz[i] = testTile{tt.z, tt.x, tt.y, GzipBytes(tt.data)}
	}
	absent := [][3]uint32{{1, 0, 0}, {3, 0, 0}, {10, 499, 300}, {12, 2000, 1301}, {13, 0, 0}}
	rng := rand.New(rand.NewPCG(3, 4))
	var ids [][3]uint32
	for z := uint32(0); z <= 26; z++ {
		for i := 0; i < 20; i++ {
			ids = append(ids, [3]uint32{z, uint32(rng.Uint64N(1 << z)), uint32(rng.Uint64N(1 << z))})
		}
	}
	meta := map[string]any{"name": "node test", "vector_layers": []any{map[string]any{"id": "DSR", "fields": map[string]any{}, "minzoom": 0, "maxzoom": 12}}}
	for _, tc := range []struct {
		name    string
		maxRoot int
	}{{"root only", 0}, {"leaf directories", 40}} {
		t.Run(tc.name, func(t *testing.T) {
			archive := writeArchive(t, gz, Options{TileType: MVT, TileCompression: Gzip, Bounds: [4]float64{-8.2, 49.9, 1.9, 60.9}, Metadata: meta}, tc.maxRoot)
			res := runNodeReader(t, archive, append(append([][3]uint32{}, want...), absent...), ids)
			h := res.Header
			if h.SpecVersion != 3 || h.RootDirectoryOffset != 127 || h.NumAddressedTiles != 68 || h.NumTileEntries != 53 || h.NumTileContents != 52 ||
				!h.Clustered || h.TileType != int(MVT) || h.TileCompression != int(Gzip) || h.MinZoom != 0 || h.MaxZoom != 12 ||
				h.MinLon != -8.2 || h.MaxLat != 60.9 || h.CenterZoom != 0 {
				t.Errorf("header as node reads it: %+v", h)
			}
			if res.Metadata["name"] != "node test" || len(res.Metadata["vector_layers"].([]any)) != 1 {
				t.Errorf("metadata as node reads it: %v", res.Metadata)
			}
			for i, tt := range tiles {
				// getZxy undoes the tile compression the header names.
				if res.Tiles[i] == nil || *res.Tiles[i] != hex.EncodeToString(tt.data) {
					t.Errorf("tile %d/%d/%d: node read %v, want %q", tt.z, tt.x, tt.y, res.Tiles[i], tt.data)
				}
			}
			for i, a := range absent {
				if got := res.Tiles[len(tiles)+i]; got != nil {
					t.Errorf("absent tile %v: node read %s", a, *got)
				}
			}
			for i, k := range ids {
				if got, wantID := res.IDs[i].ID, ZxyToID(uint8(k[0]), k[1], k[2]); got != wantID || res.IDs[i].Back != k {
					t.Errorf("tile %v: node id %d (back %v), Go id %d", k, got, res.IDs[i].Back, wantID)
				}
			}
		})
	}
}
