package maptiles_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/manifest"
)

// bakedFeature is a feature as a client reads it from a file.
type bakedFeature struct {
	ID       int64 `json:"id"`
	Geometry struct {
		Coordinates [2]float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		Cluster       bool    `json:"cluster"`
		ClusterID     int     `json:"cluster_id"`
		PointCount    int     `json:"point_count"`
		ExpansionZoom int     `json:"expansion_zoom"`
		MW            float64 `json:"mw"`
		Count         int     `json:"count"`
		IDs           []int64 `json:"ids"`
		MinZoom       int     `json:"minzoom"`
		MaxZoom       int     `json:"maxzoom"`
		Technology    string  `json:"technology"`
		Description   string  `json:"description"`
		DetailURL     string  `json:"detailUrl"`
		Title         string  `json:"title"`
	} `json:"properties"`
	Raw map[string]any `json:"-"`
}

type bakedNode struct {
	level, x, y, from, to int
	file                  string // path relative to the output directory; "" when the node only routes
}

// bakedLayer is one layer as a client sees it: the index and the files.
type bakedLayer struct {
	ts    manifest.TileSet
	nodes []bakedNode
	files map[string][]bakedFeature
}

func loadManifest(t testing.TB, path string) *manifest.Manifest {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m manifest.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// readLayer decodes a layer's index (inline or asset) and reads every file.
func readLayer(t testing.TB, outDir string, ts manifest.TileSet) *bakedLayer {
	t.Helper()
	var codes []int
	if raw, ok := ts.Layout["index"]; ok {
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &codes); err != nil {
			t.Fatal(err)
		}
	} else {
		p, _ := ts.Layout["index_path"].(string)
		data, err := os.ReadFile(filepath.Join(outDir, p))
		if err != nil {
			t.Fatalf("index asset: %v", err)
		}
		if err := json.Unmarshal(data, &codes); err != nil {
			t.Fatal(err)
		}
	}
	minZoom := int(ts.Layout["min_zoom"].(float64))
	l := &bakedLayer{ts: ts, files: map[string][]bakedFeature{}}
	i := 0
	var walk func(level, x, y, from int)
	walk = func(level, x, y, from int) {
		if i >= len(codes) {
			t.Fatalf("index ends early at node %d", i)
		}
		code := codes[i]
		i++
		n := bakedNode{level: level, x: x, y: y, from: from, to: from + code>>4 - 1}
		next := from
		if code>>4 > 0 {
			next = n.to + 1
			n.file = ts.Path + "/" + strings.NewReplacer("{z}", itoa(level), "{x}", itoa(x), "{y}", itoa(y)).Replace("{z}/{x}/{y}.geojson")
		}
		l.nodes = append(l.nodes, n)
		for q := range 4 {
			if code&(1<<q) != 0 {
				walk(level+1, 2*x+q%2, 2*y+q/2, next)
			}
		}
	}
	if len(codes) > 0 {
		walk(0, 0, 0, minZoom)
	}
	if i != len(codes) {
		t.Fatalf("index has %d codes, tree used %d", len(codes), i)
	}
	for _, n := range l.nodes {
		if n.file == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(outDir, n.file))
		if err != nil {
			t.Fatalf("node %d/%d/%d: %v", n.level, n.x, n.y, err)
		}
		var fc struct {
			Type     string            `json:"type"`
			Features []json.RawMessage `json:"features"`
		}
		if err := json.Unmarshal(data, &fc); err != nil || fc.Type != "FeatureCollection" {
			t.Fatalf("%s: not a FeatureCollection: %v", n.file, err)
		}
		fs := make([]bakedFeature, len(fc.Features))
		for k, raw := range fc.Features {
			if err := json.Unmarshal(raw, &fs[k]); err != nil {
				t.Fatalf("%s: %v", n.file, err)
			}
			var all struct {
				Properties map[string]any `json:"properties"`
			}
			json.Unmarshal(raw, &all)
			fs[k].Raw = all.Properties
		}
		l.files[n.file] = fs
	}
	return l
}

// at returns the features a client shows at zoom z over the whole world: those of
// the files whose band holds z, shown at z.
func (l *bakedLayer) at(z int) []bakedFeature {
	var out []bakedFeature
	for _, n := range l.nodes {
		if n.file == "" || z < n.from || z > n.to {
			continue
		}
		for _, f := range l.files[n.file] {
			if f.Properties.MinZoom <= z && z <= f.Properties.MaxZoom {
				out = append(out, f)
			}
		}
	}
	return out
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
