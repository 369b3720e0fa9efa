package vectortiles

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// TestPreparedPlanarIsToPlanar checks that a point projected once and scaled
// to each level lands exactly where toPlanar puts it at that level, so
// binning from prepared points places every feature where orb's projection
// does: near the poles (toPlanar's clamps), at the antimeridian, at 0.
func TestPreparedPlanarIsToPlanar(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pts := []orb.Point{{0, 0}, {-180, -90}, {180, 90}, {-0.0001, 51.5}, {1e-9, -1e-9}, {179.9999999, 85.0511287}, {-179.9999999, -85.0511287},
		{10, 89.3}, {10, -89.3}, {10, 89.19}, {10, -89.19}, {math.Copysign(0, -1), math.Copysign(0, -1)}}
	for range 2000 {
		pts = append(pts, orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90})
	}
	l := Layer{Name: "p", Zooms: make([][2]int, len(pts))}
	for i, p := range pts {
		l.Features = append(l.Features, geojson.NewFeature(p))
		l.Zooms[i] = AllZooms
	}
	tab, _, err := prepareLayer(l, Options{MaxZoom: MaxZoom})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pts {
		for level := uint32(0); level <= MaxZoom+16; level++ {
			x, y := tab.feats[i].planar(level)
			wx, wy := toPlanar(p[0], p[1], level)
			if math.Float64bits(x) != math.Float64bits(wx) || math.Float64bits(y) != math.Float64bits(wy) {
				t.Fatalf("%v at level %d: prepared %v, %v; toPlanar %v, %v", p, level, x, y, wx, wy)
			}
		}
	}
}

// TestPointLayerMatchesGeoJSONLayer builds the same points once as geojson
// features and once with a PointLayer (properties added in map order, so in
// no particular order) and checks that the archives and their stats are the
// same, also when the archive goes through orb's encoder alone, including
// values the tile tables treat specially (-0, NaN) and a field of two types.
func TestPointLayerMatchesGeoJSONLayer(t *testing.T) {
	pts := gbPoints(3000, 31)
	for i, f := range pts {
		switch i % 97 {
		case 0:
			f.Properties["mw"] = math.Copysign(0, -1)
		case 1:
			f.Properties["mw"] = math.NaN()
		case 2:
			f.Properties["count"] = "many"
		}
	}
	gj := prefixLayer("a", pts, 12)
	pl := NewPointLayer("a", len(pts))
	for i, f := range pts {
		p := f.Geometry.(orb.Point)
		pl.Point(p[0], p[1], uint64(f.ID.(int)), gj.Zooms[i][0], gj.Zooms[i][1])
		for k, v := range f.Properties {
			switch v := v.(type) {
			case string:
				pl.String(k, v)
			case float64:
				pl.Float(k, v)
			case int:
				pl.Int(k, v)
			case bool:
				pl.Bool(k, v)
			default:
				data, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				pl.String(k, string(data))
			}
		}
	}
	other := prefixLayer("b", pts[1000:], 12)
	opts := Options{MinZoom: 1, MaxZoom: 12}
	want, wantSt, err := Build([]Layer{gj, other}, opts)
	if err != nil {
		t.Fatal(err)
	}
	layers := []Layer{pl.Layer(), other}
	got, gotSt, err := Build(layers, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) || !reflect.DeepEqual(gotSt, wantSt) {
		t.Errorf("a PointLayer's archive differs from the geojson layer's: %d bytes, %+v; want %d bytes, %+v", len(got), gotSt.VectorLayers, len(want), wantSt.VectorLayers)
	}
	if wantSt.VectorLayers[0].Fields["count"] != "Mixed" || wantSt.VectorLayers[0].Fields["ids"] != "String" {
		t.Errorf("fields %v", wantSt.VectorLayers[0].Fields)
	}
	orbOnly = true
	defer func() { orbOnly = false }()
	if slow, _, err := Build(layers, opts); err != nil || !bytes.Equal(slow, want) {
		t.Errorf("a PointLayer's archive through orb alone differs (%v)", err)
	}
}

func TestPointLayerRejectsBadPositions(t *testing.T) {
	pl := NewPointLayer("osgb", 2)
	pl.Point(-1, 52, 4, 0, MaxZoom)
	pl.Point(530000, 180000, 6, 0, MaxZoom)
	pl.Int("n", 1)
	_, _, err := Build([]Layer{pl.Layer()}, Options{MaxZoom: 3})
	if want := `layer "osgb" feature 1 (id 6): coordinates`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}
