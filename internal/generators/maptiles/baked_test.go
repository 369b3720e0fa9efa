package maptiles_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/cluster"
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
		Components    int     `json:"components"`
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
			n.file = ts.Path + "/" + strings.NewReplacer("{z}", itoa(level), "{x}", itoa(x), "{y}", itoa(y)).Replace("{z}/{x}/{y}.json")
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
		fs, err := decodeFile(data, ts.Layout)
		if err != nil {
			t.Fatalf("%s: %v", n.file, err)
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

// decodeFile reads a file of scheme prebake-cluster-tree/3 into the GeoJSON
// features it stands for (stated again here from the package documentation,
// File format, independently of the generator's code).
func decodeFile(data []byte, layout map[string]any) ([]bakedFeature, error) {
	var f struct {
		Strings  []string
		Clusters map[string][]json.RawMessage
		Points   map[string][]json.RawMessage
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	num := func(r json.RawMessage) float64 {
		var v float64
		json.Unmarshal(r, &v)
		return v
	}
	var cats []string
	if c, ok := layout["categories"].([]any); ok {
		for _, x := range c {
			cats = append(cats, x.(string))
		}
	}
	var out []bakedFeature
	for i := range f.Clusters["id"] {
		c := func(k string) float64 { return num(f.Clusters[k][i]) }
		var b bakedFeature
		b.ID = int64(c("id"))
		x, y := int32(c("x")), int32(c("y"))
		b.Geometry.Coordinates = [2]float64{cluster.XLng(float64(x)/(1<<30) + 0.5), cluster.YLat(float64(y)/(1<<30) + 0.5)}
		p := &b.Properties
		p.Cluster, p.ClusterID, p.PointCount, p.ExpansionZoom, p.MW = true, int(b.ID), int(c("count")), int(c("expansion_zoom")), c("mw")
		p.MinZoom, p.MaxZoom = int(c("minzoom")), int(c("maxzoom"))
		p.Components = int(c("components"))
		b.Raw = map[string]any{"cluster": true, "cluster_id": float64(p.ClusterID), "point_count": float64(p.PointCount), "components": float64(p.Components),
			"expansion_zoom": float64(p.ExpansionZoom), "mw": p.MW, "minzoom": float64(p.MinZoom), "maxzoom": float64(p.MaxZoom)}
		if col, ok := f.Clusters["categories"]; ok {
			var pairs []int
			json.Unmarshal(col[i], &pairs)
			for k := 0; k+1 < len(pairs); k += 2 {
				b.Raw[cats[pairs[k]]] = float64(pairs[k+1])
			}
		}
		out = append(out, b)
	}
	top := int(layout["points_zoom"].(float64))
	for i := range f.Points["ids"] {
		var b bakedFeature
		p := &b.Properties
		json.Unmarshal(f.Points["ids"][i], &p.IDs)
		b.ID = p.IDs[0]
		b.Geometry.Coordinates = [2]float64{num(f.Points["lng"][i]), num(f.Points["lat"][i])}
		p.Count, p.MW, p.MinZoom, p.MaxZoom = len(p.IDs), num(f.Points["mw"][i]), int(num(f.Points["minzoom"][i])), top
		b.Raw = map[string]any{"id": float64(b.ID), "count": float64(p.Count), "mw": p.MW, "minzoom": float64(p.MinZoom), "maxzoom": float64(top)}
		for _, k := range []string{"cmu_id", "title", "technology", "display_technology", "company", "description", "delivery_year", "auction_name", "detailUrl"} {
			var v any
			switch s := int(num(f.Points[k][i])); {
			case s >= 0:
				v = f.Strings[s]
			case s == -2 && k == "detailUrl": // the location page of the title
				v = "/location/by-name/" + pyQuote(b.Raw["title"].(string)) + "/"
			}
			b.Raw[k] = v
		}
		p.Technology, _ = b.Raw["technology"].(string)
		p.Description, _ = b.Raw["description"].(string)
		p.DetailURL, _ = b.Raw["detailUrl"].(string)
		p.Title, _ = b.Raw["title"].(string)
		out = append(out, b)
	}
	return out, nil
}

// pyQuote is Python's urllib.parse.quote(s, safe=""), stated again: every UTF-8
// byte other than an ASCII letter, digit or "_.-~" as %XX.
func pyQuote(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
