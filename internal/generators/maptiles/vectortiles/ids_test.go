package vectortiles

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// TestFeatureIDsUniquePerLayer checks the MVT rule that a feature id is unique
// within a layer of a tile (issue 15: a cluster and a point both had id 20):
// Build rejects a layer that repeats one, other layers may reuse it, and
// ClusterID and PointID never coincide.
func TestFeatureIDsUniquePerLayer(t *testing.T) {
	feat := func(id any, lng float64) *geojson.Feature {
		f := geojson.NewFeature(orb.Point{lng, 52})
		f.ID = id
		return f
	}
	layer := everyZoom
	_, _, err := Build([]Layer{layer("DSR", feat(20, -1), feat(20, -1.01))}, Options{MaxZoom: 3})
	if err == nil || !strings.Contains(err.Error(), `layer "DSR": two features with id 20`) {
		t.Errorf("a repeated id in one layer: error %v", err)
	}
	// Far apart, in different tiles from zoom 1 on, but together at zoom 0.
	if _, _, err := Build([]Layer{layer("DSR", feat(20, -100), feat(20, 100))}, Options{MaxZoom: 3}); err == nil {
		t.Error("a repeated id in the zoom 0 tile was accepted")
	}
	if _, _, err := Build([]Layer{layer("DSR", feat(20, -1)), layer("all", feat(20, -1))}, Options{MaxZoom: 3}); err != nil {
		t.Errorf("the same id in two layers: %v", err)
	}
	if _, _, err := Build([]Layer{layer("DSR", feat(ClusterID(20), -1), feat(PointID(20), -1))}, Options{MaxZoom: 3}); err != nil {
		t.Errorf("cluster 20 and component 20: %v", err)
	}
	for n := range 1000 {
		if ClusterID(n) == PointID(int64(n)) || ClusterID(n)%2 != 1 || PointID(int64(n))%2 != 0 || ClusterID(n)>>1 != uint64(n) || PointID(int64(n))>>1 != uint64(n) {
			t.Fatalf("ids of %d: cluster %d, point %d", n, ClusterID(n), PointID(int64(n)))
		}
	}
}

// TestDuplicateIDInLargeTileLayer repeats the check on tile layers of many
// features (checked through a set rather than pairwise): the id reported is
// that of the first feature an earlier one shares it with.
func TestDuplicateIDInLargeTileLayer(t *testing.T) {
	for _, n := range []int{5, 16, 17, 40} {
		var fs []*geojson.Feature
		for i := range n {
			f := geojson.NewFeature(orb.Point{-1 + float64(i)*1e-6, 52})
			f.ID = 100 + i
			fs = append(fs, f)
		}
		if _, _, err := Build([]Layer{everyZoom("DSR", fs...)}, Options{MaxZoom: 3}); err != nil {
			t.Fatalf("%d distinct ids: %v", n, err)
		}
		fs[n-1].ID, fs[n-2].ID = 101, 102 // feature n-2 repeats 102 first
		_, _, err := Build([]Layer{everyZoom("DSR", fs...)}, Options{MaxZoom: 3})
		if want := "two features with id 102"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%d features: error %v, want %q", n, err, want)
		}
	}
}
