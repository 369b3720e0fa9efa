// Package clustertest runs the supercluster npm package under Node on the same
// points as a cluster.Index and compares the two, for tests in any package that
// clusters points (the port itself and the map tile generator).
package clustertest

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/prebake/prebake/cluster"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// Query is one getClusters call: a bbox (west, south, east, north) and a zoom.
type Query struct {
	BBox [4]float64
	Zoom int
}

// Result is what supercluster returned.
type Result struct {
	// Zooms holds, per zoom from MinZoom to MaxZoom+1, getClusters over the whole
	// world: [cluster 0|1, id, count, lng, lat, expansion zoom (-1 for points), mw].
	Zooms    [][][7]float64   `json:"zooms"`
	Queries  [][]int          `json:"queries"`  // ids of each Query's result, in order
	Children map[string][]int `json:"children"` // sampled cluster id -> getChildren ids
	Leaves   map[string][]int `json:"leaves"`   // sampled cluster id -> getLeaves(id, 7, 3) ids
}

// Script is the Node script that runs supercluster.
func Script() string {
	return filepath.Join(shareddata.Root(), "js", "test", "supercluster-dump.mjs")
}

// Run indexes points (with properties.mw = mw[i] when mw is not nil, summed into
// clusters by a reduce) with the supercluster npm package and returns its answers.
// It skips (or in CI fails) t when the peer tools are missing.
func Run(t testing.TB, points []orb.Point, mw []float64, opts cluster.Options, queries []Query) Result {
	t.Helper()
	shareddata.Peers(t) // skip before doing any work when the peer tools are missing
	dir := t.TempDir()
	in := filepath.Join(dir, "points.geojson")
	buf := []byte(`{"type":"FeatureCollection","features":[`)
	for i, p := range points {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"type":"Feature","properties":{"mw":`...)
		m := 0.0
		if mw != nil {
			m = mw[i]
		}
		buf = strconv.AppendFloat(buf, m, 'g', -1, 64)
		if math.IsNaN(p[0]) && math.IsNaN(p[1]) { // cluster.NoPoint
			buf = append(buf, `},"geometry":null}`...)
			continue
		}
		buf = append(buf, `},"geometry":{"type":"Point","coordinates":[`...)
		buf = strconv.AppendFloat(buf, p[0], 'g', -1, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, p[1], 'g', -1, 64)
		buf = append(buf, "]}}"...)
	}
	buf = append(buf, "]}"...)
	if err := os.WriteFile(in, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	bboxes := make([][5]float64, len(queries))
	for i, q := range queries {
		bboxes[i] = [5]float64{q.BBox[0], q.BBox[1], q.BBox[2], q.BBox[3], float64(q.Zoom)}
	}
	o, _ := json.Marshal(map[string]any{
		"radius": opts.Radius, "extent": opts.Extent, "minZoom": opts.MinZoom, "maxZoom": opts.MaxZoom,
		"minPoints": opts.MinPoints, "nodeSize": opts.NodeSize, "reduce": mw != nil, "bboxes": bboxes,
		"sampleEvery": 37,
	})
	optPath := filepath.Join(dir, "options.json")
	if err := os.WriteFile(optPath, o, 0o644); err != nil {
		t.Fatal(err)
	}
	var r Result
	shareddata.NodeJSON(t, &r, Script(), in, optPath)
	return r
}

// Compare checks ix against r: at every zoom the same clusters and points in the
// same order (ids, counts, positions bit for bit, expansion zooms, mw
// sums within 1e-6 when mwOf is not nil), the same query results, children and
// leaves. It reports at most a few differences per zoom.
func Compare[A any](t testing.TB, ix *cluster.Index[A], r Result, queries []Query, mwOf func(A) float64) {
	t.Helper()
	o := ix.Options()
	if got, want := len(r.Zooms), o.MaxZoom+2-o.MinZoom; got != want {
		t.Fatalf("supercluster gave %d zooms, want %d", got, want)
	}
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	for zi, want := range r.Zooms {
		z := o.MinZoom + zi
		got := ix.Clusters(world, z)
		if len(got) != len(want) {
			t.Errorf("zoom %d: %d features, supercluster has %d", z, len(got), len(want))
			continue
		}
		bad := 0
		for i, w := range want {
			g := got[i]
			ez := -1
			if g.Cluster {
				var err error
				if ez, err = ix.ExpansionZoom(g.ID); err != nil {
					t.Errorf("zoom %d: ExpansionZoom(%d): %v", z, g.ID, err)
				}
			}
			mw := 0.0
			if g.Cluster && mwOf != nil {
				mw = mwOf(g.Agg)
			}
			if (w[0] == 1) != g.Cluster || int(w[1]) != g.ID || int(w[2]) != g.Count ||
				w[3] != g.Point[0] || w[4] != g.Point[1] ||
				int(w[5]) != ez || math.Abs(w[6]-mw) > 1e-6 {
				if bad++; bad <= 5 {
					t.Errorf("zoom %d feature %d: got cluster=%v id=%d count=%d at %v expansion=%d mw=%v; supercluster %v",
						z, i, g.Cluster, g.ID, g.Count, g.Point, ez, mw, w)
				}
			}
		}
		if bad > 5 {
			t.Errorf("zoom %d: %d features differ", z, bad)
		}
	}
	for i, q := range queries {
		got := ix.Clusters(orb.Bound{Min: orb.Point{q.BBox[0], q.BBox[1]}, Max: orb.Point{q.BBox[2], q.BBox[3]}}, q.Zoom)
		ids := make([]int, len(got))
		for j, f := range got {
			ids[j] = f.ID
		}
		if !equalInts(ids, r.Queries[i]) {
			t.Errorf("getClusters(%v, %d): ids %v, supercluster %v", q.BBox, q.Zoom, head(ids), head(r.Queries[i]))
		}
	}
	for key, want := range r.Children {
		id, _ := strconv.Atoi(key)
		ch, err := ix.Children(id)
		if err != nil {
			t.Errorf("Children(%d): %v", id, err)
			continue
		}
		ids := make([]int, len(ch))
		for j, f := range ch {
			ids[j] = f.ID
		}
		if !equalInts(ids, want) {
			t.Errorf("Children(%d) = %v, supercluster %v", id, ids, want)
		}
	}
	for key, want := range r.Leaves {
		id, _ := strconv.Atoi(key)
		lv, err := ix.Leaves(id, 7, 3)
		if err != nil {
			t.Errorf("Leaves(%d): %v", id, err)
			continue
		}
		ids := make([]int, len(lv))
		for j, f := range lv {
			ids[j] = f.ID
		}
		if !equalInts(ids, want) {
			t.Errorf("Leaves(%d, 7, 3) = %v, supercluster %v", id, ids, want)
		}
	}
	if len(r.Children) == 0 && ix.NumPoints() > 1 {
		t.Errorf("supercluster sampled no clusters' children")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func head(a []int) []int {
	if len(a) > 12 {
		return a[:12]
	}
	return a
}

// GenPoints runs the shared synthetic point generator (city blobs over GB).
func GenPoints(t testing.TB, n int) []orb.Point {
	t.Helper()
	script := shareddata.Path(t, "peers/gen_points.mjs")
	shareddata.Peers(t)
	out := filepath.Join(t.TempDir(), "points.geojson")
	cmd := exec.Command("node", script, strconv.Itoa(n), out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen_points: %v\n%s", err, b)
	}
	return LoadPoints(t, out)
}

// LoadPoints reads a GeoJSON FeatureCollection of points; a feature without
// geometry becomes cluster.NoPoint, as SuperCluster keeps its index.
func LoadPoints(t testing.TB, path string) []orb.Point {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	pts := make([]orb.Point, 0, len(fc.Features))
	for _, f := range fc.Features {
		if f.Geometry == nil {
			pts = append(pts, cluster.NoPoint) // SuperCluster keeps such a feature's index
			continue
		}
		pts = append(pts, f.Geometry.(orb.Point))
	}
	return pts
}
