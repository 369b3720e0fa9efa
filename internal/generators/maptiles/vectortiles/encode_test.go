package vectortiles

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// randomValue draws from every value type the encoder handles itself and some
// it leaves to orb.
func randomValue(rng *rand.Rand) (any, bool) {
	n := rng.IntN(12)
	if rng.IntN(150) == 0 {
		n = 12 + rng.IntN(2)
	}
	switch n {
	case 0:
		return fmt.Sprintf("s%d", rng.IntN(20)), true
	case 1:
		return float64(rng.IntN(10)) / 4, true
	case 2:
		return rng.IntN(2000) - 1000, true
	case 3:
		return rng.IntN(2) == 0, true
	case 4:
		return nil, true
	case 5:
		return []string{"a", fmt.Sprint(rng.IntN(3))}, true
	case 6:
		return map[string]any{"k": rng.IntN(3)}, true
	case 7:
		return math.NaN(), true
	case 8:
		return "[\"a\",\"1\"]", true // the same text a slice becomes
	case 9:
		v := float64(rng.IntN(3)) // equal to some ints, but another type
		if rng.IntN(2) == 0 {
			v = -v // -0 equals 0 in orb's value table: one entry, the first met
		}
		return v, true
	case 10:
		return math.MaxInt64 - rng.IntN(2), true
	case 11:
		return "", true
	case 12:
		return int64(rng.IntN(3)), false // orb's job
	default:
		return float32(0.5), false
	}
}

func randomID(rng *rand.Rand) any {
	switch rng.IntN(8) {
	case 0:
		return nil
	case 1:
		return rng.IntN(100000)
	case 2:
		return -5
	case 3:
		return float64(rng.IntN(100))
	case 4:
		return fmt.Sprint(rng.IntN(100))
	case 5:
		return "not a number"
	case 6:
		return uint32(rng.IntN(1 << 20))
	default:
		return int64(-3)
	}
}

// encodeTile encodes the layers of one tile (features already in tile
// coordinates) the way buildZoom does: prepared, then written by the tile
// encoder; false when a feature is not one it writes.
func encodeTile(ls mvt.Layers) ([]byte, bool) {
	tables := make([]*layerTable, len(ls))
	var entries [][]entry
	for li, l := range ls {
		t, sum := newLayerTable(l.Name, len(l.Features)), newSummary()
		t.src = l.Features
		var es []entry
		for i, f := range l.Features {
			t.prepare(i, &sum)
			if !t.feats[i].fast {
				return nil, false
			}
			p := f.Geometry.(orb.Point)
			es = append(es, entry{layer: int32(li), feat: int32(i), x: int32(p[0]), y: int32(p[1]), clip: -1})
		}
		t.done()
		tables[li], entries = t, append(entries, es)
	}
	enc := newTileEncoder(tables)
	enc.beginTile()
	for li, l := range ls {
		enc.appendLayer(l.Name, l.Extent, li, entries[li])
	}
	return enc.tile(), true
}

func TestTileEncoderMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fallbacks, fast := 0, 0
	for tile := 0; tile < 3000; tile++ {
		var ls mvt.Layers
		for l := 0; l < 1+rng.IntN(3); l++ {
			layer := &mvt.Layer{Name: fmt.Sprintf("layer%d", l), Version: 2, Extent: 4096}
			for n := 0; n < 1+rng.IntN(12); n++ {
				f := geojson.NewFeature(orb.Point{float64(rng.IntN(4096+128) - 64), float64(rng.IntN(4096+128) - 64)})
				f.ID = randomID(rng)
				for p := 0; p < rng.IntN(6); p++ {
					v, _ := randomValue(rng)
					f.Properties[fmt.Sprintf("k%d", rng.IntN(8))] = v
				}
				layer.Features = append(layer.Features, f)
			}
			ls = append(ls, layer)
		}
		want, err := mvt.Marshal(ls)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := encodeTile(ls)
		if !ok {
			fallbacks++
			continue
		}
		fast++
		if !bytes.Equal(got, want) {
			t.Fatalf("tile %d: encoder gave\n% x\norb gives\n% x", tile, got, want)
		}
	}
	if fast < 1000 || fallbacks == 0 {
		t.Errorf("%d tiles encoded directly, %d left to orb; the test should exercise both", fast, fallbacks)
	}
	// Non-point geometry is orb's.
	poly := &mvt.Layer{Name: "p", Version: 2, Extent: 4096, Features: []*geojson.Feature{geojson.NewFeature(orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}})}}
	if _, ok := encodeTile(mvt.Layers{poly}); ok {
		t.Error("polygon encoded by the point encoder")
	}
}

func TestBuildMatchesOrbOnlyBuild(t *testing.T) {
	pts := gbPoints(3000, 21)
	layers := []Layer{prefixLayer("a", pts, 13), prefixLayer("b", pts[1000:], 13)}
	fast, _, err := Build(layers, Options{MaxZoom: 13})
	if err != nil {
		t.Fatal(err)
	}
	orbOnly = true
	defer func() { orbOnly = false }()
	slow, _, err := Build(layers, Options{MaxZoom: 13})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fast, slow) {
		t.Error("the archive differs from one encoded entirely by mvt.Marshal")
	}
}
