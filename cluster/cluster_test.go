package cluster_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/prebake/prebake/cluster"
	"github.com/prebake/prebake/internal/testkit/clustertest"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// randomQueries are bboxes of many sizes, some across the antimeridian or wider
// than the world, at every zoom.
func randomQueries(n int, seed uint64) []clustertest.Query {
	r := rand.New(rand.NewPCG(seed, 1))
	qs := []clustertest.Query{
		{BBox: [4]float64{-180, -90, 180, 90}, Zoom: 3},
		{BBox: [4]float64{170, -60, -170, 60}, Zoom: 2},  // across the antimeridian
		{BBox: [4]float64{-200, -80, 200, 80}, Zoom: 1},  // wider than the world
		{BBox: [4]float64{-8.2, 50, 1.8, 58.7}, Zoom: 5}, // the app's GB view
		{BBox: [4]float64{-1, 51, -0.5, 51.5}, Zoom: 18}, // beyond max zoom
		{BBox: [4]float64{-190, -10, -170, 10}, Zoom: 4}, // west edge wraps
		{BBox: [4]float64{175, -30, 180, 30}, Zoom: 6},   // ends at 180
		{BBox: [4]float64{-3.5, 53, -2, 54}, Zoom: 11},
	}
	for range n {
		z := r.IntN(19)
		w := 360 / math.Pow(2, float64(z)) * (0.5 + 3*r.Float64())
		h := w * (0.3 + r.Float64())
		lng := -9 + 12*r.Float64()
		lat := 49 + 11*r.Float64()
		if r.IntN(4) == 0 {
			lng, lat = -180+360*r.Float64(), -80+160*r.Float64()
		}
		qs = append(qs, clustertest.Query{BBox: [4]float64{lng - w/2, lat - h/2, lng + w/2, lat + h/2}, Zoom: z})
	}
	return qs
}

type mwSum struct{ mw float64 }

func mwAggregate(mw []float64) *cluster.Aggregate[mwSum] {
	return &cluster.Aggregate[mwSum]{
		Map:    func(i int) mwSum { return mwSum{mw[i]} },
		Reduce: func(acc *mwSum, c mwSum) { acc.mw += c.mw },
	}
}

func TestMatchesSupercluster(t *testing.T) {
	places := clustertest.LoadPoints(t, shareddata.Path(t, "peers/fixtures/places.json"))
	synthetic := clustertest.GenPoints(t, 28000)
	appOpts := cluster.DefaultOptions()
	scDefaults := appOpts
	scDefaults.Radius = 40 // supercluster's own default
	minPoints5 := appOpts
	minPoints5.MinPoints = 5
	narrow := appOpts
	narrow.MinZoom, narrow.MaxZoom, narrow.NodeSize = 3, 12, 16
	// A radius that is not a whole number of grid units at any zoom, and one
	// wider than the grid at the low zooms (kdTree.within's two leaf paths).
	oddRadius := appOpts
	oddRadius.Radius, oddRadius.Extent = 37.3, 300
	hugeRadius := appOpts
	hugeRadius.Radius, hugeRadius.Extent, hugeRadius.MaxZoom = 3000, 1, 8
	// The register's sites share postcodes, so many points share a position:
	// KD-tree medians tie and leaf boxes shrink to lines.
	shared := make([]orb.Point, len(synthetic))
	for i, p := range synthetic {
		shared[i] = p
		if i%5 < 3 && i >= 50 {
			shared[i] = synthetic[(i*7919)%(i/2)]
		}
	}

	tests := []struct {
		name   string
		points []orb.Point
		opts   cluster.Options
		reduce bool
	}{
		{"places, supercluster defaults", places, scDefaults, false},
		{"places, app options, mw reduce", places, appOpts, true},
		{"places, min points 5", places, minPoints5, true},
		{"places, zooms 3-12, node size 16", places, narrow, false},
		{"places, radius 37.3, extent 300", places, oddRadius, true},
		{"places, radius 3000, extent 1", places, hugeRadius, true},
		{"28k synthetic GB points, app options", synthetic, appOpts, true},
		{"28k synthetic GB points, min points 5", synthetic, minPoints5, false},
		{"28k synthetic GB points, 3 in 5 on shared positions", shared, appOpts, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mw []float64
			var agg *cluster.Aggregate[mwSum]
			var mwOf func(mwSum) float64
			if tt.reduce {
				mw = make([]float64, len(tt.points))
				for i := range mw {
					mw[i] = float64(i%97) * 0.37 // irregular, so summation order shows
				}
				agg = mwAggregate(mw)
				mwOf = func(a mwSum) float64 { return a.mw }
			}
			queries := randomQueries(300, uint64(len(tt.points)))
			want := clustertest.Run(t, tt.points, mw, tt.opts, queries)
			ix, err := cluster.Load(tt.points, tt.opts, agg)
			if err != nil {
				t.Fatal(err)
			}
			clustertest.Compare(t, ix, want, queries, mwOf)
		})
	}
}

// TestTileMatchesFixture checks getTile against SuperCluster's own expected output.
func TestTileMatchesFixture(t *testing.T) {
	places := clustertest.LoadPoints(t, shareddata.Path(t, "peers/fixtures/places.json"))
	tests := []struct {
		fixture   string
		minPoints int
	}{
		{"peers/fixtures/places-z0-0-0.json", 2},
		{"peers/fixtures/places-z0-0-0-min5.json", 5},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			data, err := os.ReadFile(shareddata.Path(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			var want struct {
				Features []struct {
					Geometry [][2]int       `json:"geometry"`
					Tags     map[string]any `json:"tags"`
				} `json:"features"`
			}
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			opts := cluster.DefaultOptions()
			opts.Radius, opts.MinPoints = 40, tt.minPoints
			ix, err := cluster.Load[struct{}](places, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := ix.Tile(0, 0, 0)
			if len(got) != len(want.Features) {
				t.Fatalf("tile 0/0/0 has %d features, fixture %d", len(got), len(want.Features))
			}
			for i, w := range want.Features {
				g := got[i]
				if g.TX != w.Geometry[0][0] || g.TY != w.Geometry[0][1] {
					t.Errorf("feature %d at %d,%d, fixture %v", i, g.TX, g.TY, w.Geometry[0])
				}
				if c, _ := w.Tags["cluster"].(bool); c != g.Cluster {
					t.Errorf("feature %d cluster=%v, fixture %v", i, g.Cluster, w.Tags)
					continue
				}
				if g.Cluster && (w.Tags["cluster_id"].(float64) != float64(g.ID) || w.Tags["point_count"].(float64) != float64(g.Count)) {
					t.Errorf("feature %d id=%d count=%d, fixture %v", i, g.ID, g.Count, w.Tags)
				}
				if !g.Cluster && w.Tags["name"] == nil {
					t.Errorf("feature %d: fixture point without a name: %v", i, w.Tags)
				}
			}
		})
	}
}

// TestLoadWithoutPoints checks inputs with nothing to cluster: none at all,
// only features without geometry, and one point, each with an aggregate.
func TestLoadWithoutPoints(t *testing.T) {
	sum := &cluster.Aggregate[int]{Map: func(int) int { return 1 }, Reduce: func(a *int, c int) { *a += c }}
	for _, pts := range [][]orb.Point{nil, {cluster.NoPoint, cluster.NoPoint}, {{-1.5, 52}}} {
		ix, err := cluster.Load(pts, cluster.DefaultOptions(), sum)
		if err != nil {
			t.Fatalf("%v: %v", pts, err)
		}
		want := 0
		if len(pts) == 1 {
			want = 1
		}
		for z := 0; z <= 17; z++ {
			if got := ix.Len(z); got != want {
				t.Errorf("%v, zoom %d: %d items, want %d", pts, z, got, want)
			}
		}
	}
}

func TestLoadRejectsBadInput(t *testing.T) {
	ok := []orb.Point{{0, 0}, {1, 1}}
	tests := []struct {
		name   string
		points []orb.Point
		mutate func(*cluster.Options)
	}{
		{"NaN longitude", []orb.Point{{0, 0}, {math.NaN(), 1}}, nil},
		{"infinite latitude", []orb.Point{{0, math.Inf(1)}}, nil},
		{"zero radius", ok, func(o *cluster.Options) { o.Radius = 0 }},
		{"NaN extent", ok, func(o *cluster.Options) { o.Extent = math.NaN() }},
		{"negative min zoom", ok, func(o *cluster.Options) { o.MinZoom = -1 }},
		{"zero node size", ok, func(o *cluster.Options) { o.NodeSize = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := cluster.DefaultOptions()
			if tt.mutate != nil {
				tt.mutate(&o)
			}
			if _, err := cluster.Load[struct{}](tt.points, o, nil); err == nil {
				t.Errorf("Load accepted %v with %+v", tt.points, o)
			}
		})
	}
	if _, err := cluster.Load(ok, cluster.DefaultOptions(), &cluster.Aggregate[int]{Map: func(int) int { return 1 }}); err == nil {
		t.Error("Load accepted an Aggregate without Reduce")
	}
}

func TestChildrenOfUnknownCluster(t *testing.T) {
	ix, err := cluster.Load[struct{}]([]orb.Point{{0, 0}, {0, 0.0001}, {50, 50}}, cluster.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int{-5, 0, 2, 3, 1 << 20} {
		if _, err := ix.Children(id); !errors.Is(err, cluster.ErrNoCluster) {
			t.Errorf("Children(%d) error = %v, want ErrNoCluster", id, err)
		}
	}
	// The two close points form one cluster at zoom 0 that expands at its origin zoom.
	fs := ix.All(0)
	if len(fs) != 2 || !fs[0].Cluster || fs[0].Count != 2 || fs[1].Cluster {
		t.Fatalf("zoom 0 = %+v, want a cluster of 2 and a point", fs)
	}
	leaves, err := ix.Leaves(fs[0].ID, math.MaxInt, 0)
	if err != nil || len(leaves) != 2 || leaves[0].ID+leaves[1].ID != 1 {
		t.Errorf("Leaves = %+v, %v; want points 0 and 1", leaves, err)
	}
}

// TestProjectionRoundTrip checks the Mercator helpers invert each other and the
// grid truncates toward zero like an Int32Array store.
func TestProjectionRoundTrip(t *testing.T) {
	tests := []struct{ lng, lat float64 }{{0, 0}, {-180, -85}, {180, 85}, {-1.5, 52.3}, {1.75, 58.7}, {-8.2, 50}}
	for _, tt := range tests {
		if got := cluster.XLng(cluster.LngX(tt.lng)); math.Abs(got-tt.lng) > 1e-12 {
			t.Errorf("XLng(LngX(%v)) = %v", tt.lng, got)
		}
		if got := cluster.YLat(cluster.LatY(tt.lat)); math.Abs(got-tt.lat) > 1e-9 {
			t.Errorf("YLat(LatY(%v)) = %v", tt.lat, got)
		}
	}
	if got := cluster.GridX(-1e-7); got != 0 {
		t.Errorf("GridX(-1e-7) = %d, want 0 (truncation toward zero)", got)
	}
	if got := cluster.GridX(180); got != 1<<29 {
		t.Errorf("GridX(180) = %d, want 2^29", got)
	}
	if cluster.LatY(90) != 0 || cluster.LatY(-90) != 1 {
		t.Errorf("LatY does not clamp the poles: %v %v", cluster.LatY(90), cluster.LatY(-90))
	}
}

// edgePoints are n points laid out as kind, about 1 in 50 of them (except for
// "one spot") features without geometry.
func edgePoints(kind string, n int, seed uint64) []orb.Point {
	r := rand.New(rand.NewPCG(seed, 77))
	pts := make([]orb.Point, n)
	for i := range pts {
		switch kind {
		case "world":
			pts[i] = orb.Point{-180 + 360*r.Float64(), -85.06 + 170.12*r.Float64()}
		case "GB":
			pts[i] = orb.Point{-3 + 2*r.NormFloat64(), 53 + 1.5*r.NormFloat64()}
		case "one spot":
			pts[i] = orb.Point{-1.5, 52.1}
		case "five spots":
			pts[i] = orb.Point{-1.5 + float64(r.IntN(5))*0.001, 52.1}
		case "east-west line":
			pts[i] = orb.Point{-2 + 0.0001*float64(r.IntN(3000)), 51.5}
		case "north-south line":
			pts[i] = orb.Point{0.5, 40 + 0.0001*float64(r.IntN(3000))}
		case "edges of the map":
			lngs := []float64{-180, 180, 179.99999, -179.99999, 0}
			lats := []float64{85.05112878, -85.05112878, 89.9, -90, 90, 0}
			pts[i] = orb.Point{lngs[r.IntN(len(lngs))], lats[r.IntN(len(lats))]}
			if r.IntN(3) == 0 {
				pts[i] = orb.Point{lngs[r.IntN(len(lngs))] + r.NormFloat64()*0.01, lats[r.IntN(len(lats))] - r.Float64()*0.5}
			}
		case "3 in 5 shared":
			if i > 0 && i%5 < 3 {
				pts[i] = pts[r.IntN(i)]
			} else {
				pts[i] = orb.Point{-3 + 2*r.NormFloat64(), 53 + 1.5*r.NormFloat64()}
			}
		}
		if kind != "one spot" && r.IntN(50) == 0 {
			pts[i] = cluster.NoPoint
		}
	}
	return pts
}

// TestMatchesSuperclusterEdges compares with the npm package where the KD-tree
// and the clustering's shortcuts meet their edges: level sizes either side of
// the lookahead's (2,048) and the two-goroutine build's (8,192) thresholds,
// trees of one leaf, ties on an axis, the edges of the Web Mercator map, and
// radii far below and above a grid unit. (Written by a breaker helper.)
func TestMatchesSuperclusterEdges(t *testing.T) {
	d := cluster.DefaultOptions()
	with := func(f func(*cluster.Options)) cluster.Options { o := d; f(&o); return o }
	cases := []struct {
		kind string
		n    int
		opts cluster.Options
	}{
		{"edges of the map", 3000, d},
		{"edges of the map", 3000, with(func(o *cluster.Options) { o.NodeSize, o.Radius, o.Extent = 2, 37.3, 300 })},
		{"one spot", 2048, d},
		{"one spot", 8192, with(func(o *cluster.Options) { o.MinPoints = 5 })},
		{"five spots", 9000, with(func(o *cluster.Options) { o.NodeSize = 3 })},
		{"east-west line", 8193, d},
		{"north-south line", 5000, with(func(o *cluster.Options) { o.MinPoints, o.NodeSize = 3, 7 })},
		{"3 in 5 shared", 20000, with(func(o *cluster.Options) { o.Radius, o.Extent = 0.7, 4096 })},
		{"world", 50000, with(func(o *cluster.Options) { o.MinZoom, o.MaxZoom = 2, 24 })},
		{"GB", 2, d},
		{"3 in 5 shared", 2049, with(func(o *cluster.Options) { o.MinZoom, o.MaxZoom = 16, 16 })},
		{"GB", 8192, with(func(o *cluster.Options) { o.NodeSize, o.MaxZoom = 4000, 30 })},
		{"GB", 9000, with(func(o *cluster.Options) { o.NodeSize = 10000 })},
		{"world", 9000, with(func(o *cluster.Options) { o.Radius, o.Extent, o.MaxZoom, o.NodeSize = 5000, 2, 6, 5 })},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d %s %+v", tc.n, tc.kind, tc.opts), func(t *testing.T) {
			pts := edgePoints(tc.kind, tc.n, uint64(tc.n)+5)
			mw := make([]float64, len(pts))
			for i := range mw {
				mw[i] = float64(i%97) * 0.37
			}
			queries := randomQueries(60, uint64(tc.n))
			want := clustertest.Run(t, pts, mw, tc.opts, queries)
			ix, err := cluster.Load(pts, tc.opts, mwAggregate(mw))
			if err != nil {
				t.Fatal(err)
			}
			clustertest.Compare(t, ix, want, queries, func(a mwSum) float64 { return a.mw })
		})
	}
}
