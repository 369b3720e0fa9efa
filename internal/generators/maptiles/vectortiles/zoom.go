package vectortiles

import (
	"fmt"
	"math"
	"math/bits"
	"sort"

	"github.com/klauspost/compress/gzip"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/prebake/prebake/pmtiles"
)

// orbOnly makes every tile go through mvt.Marshal; tests set it to compare.
var orbOnly bool

// zoomResult is one zoom's encoded tiles and what was learnt on the way.
type zoomResult struct {
	tiles    []encodedTile // sorted by x, y
	count    int           // input features
	bound    orb.Bound     // of the input features, when count > 0
	fields   []map[string]string
	layerHas []bool
	err      error
}

type encodedTile struct {
	x, y     uint32
	features int
	data     []byte // gzipped MVT
}

// bucket is one tile's features, per layer, in input order.
type bucket struct {
	x, y   uint32
	layers [][]*geojson.Feature
}

func buildZoom(layers []Layer, opts Options, z int) zoomResult {
	r := zoomResult{fields: make([]map[string]string, len(layers)), layerHas: make([]bool, len(layers))}
	shift := uint(bits.TrailingZeros32(opts.Extent))
	level := uint32(z) + uint32(shift)
	extent := int64(opts.Extent)
	buf := int64(opts.Buffer)
	last := int64(1)<<z - 1
	buckets := map[uint64]*bucket{}
	var slab featureSlab
	get := func(x, y int64) *bucket {
		k := uint64(x)<<32 | uint64(y)
		b := buckets[k]
		if b == nil {
			b = &bucket{x: uint32(x), y: uint32(y), layers: make([][]*geojson.Feature, len(layers))}
			buckets[k] = b
		}
		return b
	}
	for li, l := range layers {
		fields := map[string]string{}
		r.fields[li] = fields
		for fi, f := range l.Features(z) {
			if f == nil || f.Geometry == nil {
				r.err = fmt.Errorf("vectortiles: layer %q zoom %d feature %d: no geometry", l.Name, z, fi)
				return r
			}
			gb := f.Geometry.Bound()
			if !(gb.Min[0] >= -180 && gb.Max[0] <= 180 && gb.Min[1] >= -90 && gb.Max[1] <= 90) {
				r.err = fmt.Errorf("vectortiles: layer %q zoom %d feature %d (id %v): coordinates %v are not WGS84 lng/lat", l.Name, z, fi, f.ID, gb)
				return r
			}
			for k, v := range f.Properties {
				if t, ok := fields[k]; ok && t != fieldType(v) {
					fields[k] = "Mixed"
				} else {
					fields[k] = fieldType(v)
				}
			}
			if r.count == 0 {
				r.bound = gb
			} else {
				r.bound = r.bound.Union(gb)
			}
			r.count++
			r.layerHas[li] = true

			if p, ok := f.Geometry.(orb.Point); ok {
				// World pixel coordinates at zoom z in extent units, floored as
				// mvt's ProjectToTile does; the tile is the pixel's high bits.
				fx, fy := toPlanar(p[0], p[1], level)
				px, py := int64(math.Floor(fx)), int64(math.Floor(fy))
				for tx := max((px-buf)>>shift, 0); tx <= min((px+buf)>>shift, last); tx++ {
					for ty := max((py-buf)>>shift, 0); ty <= min((py+buf)>>shift, last); ty++ {
						b := get(tx, ty)
						c := slab.next()
						*c = geojson.Feature{
							Type:       "Feature",
							ID:         f.ID,
							Geometry:   orb.Point{float64(px - tx*extent), float64(py - ty*extent)},
							Properties: f.Properties,
						}
						b.layers[li] = append(b.layers[li], c)
					}
				}
				continue
			}
			// Lines and polygons: every tile their bound touches, projected and
			// clipped by orb's mvt package; tiles they miss after clipping drop out.
			minX, minY := toPlanar(gb.Min[0], gb.Max[1], level)
			maxX, maxY := toPlanar(gb.Max[0], gb.Min[1], level)
			for tx := max((int64(math.Floor(minX))-buf)>>shift, 0); tx <= min((int64(math.Floor(maxX))+buf)>>shift, last); tx++ {
				for ty := max((int64(math.Floor(minY))-buf)>>shift, 0); ty <= min((int64(math.Floor(maxY))+buf)>>shift, last); ty++ {
					ml := &mvt.Layer{Extent: opts.Extent, Features: []*geojson.Feature{{
						Type: "Feature", ID: f.ID, Geometry: orb.Clone(f.Geometry), Properties: f.Properties,
					}}}
					ml.ProjectToTile(maptile.New(uint32(tx), uint32(ty), maptile.Zoom(z)))
					ml.Clip(orb.Bound{Min: orb.Point{float64(-buf), float64(-buf)}, Max: orb.Point{float64(extent + buf), float64(extent + buf)}})
					if len(ml.Features) == 1 && !empty(ml.Features[0].Geometry) {
						b := get(tx, ty)
						b.layers[li] = append(b.layers[li], ml.Features[0])
					}
				}
			}
		}
	}

	keys := make([]uint64, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	r.tiles = make([]encodedTile, 0, len(keys))
	enc := newPointEncoder()
	seen := map[uint64]bool{}
	for _, k := range keys {
		b := buckets[k]
		var ml mvt.Layers
		n := 0
		for li, fs := range b.layers {
			if id, ok := duplicateID(fs, seen); ok {
				r.err = fmt.Errorf("vectortiles: tile %d/%d/%d layer %q: two features with id %d (MVT ids must be unique within a layer)", z, b.x, b.y, layers[li].Name, id)
				return r
			}
			if len(fs) > 0 {
				ml = append(ml, &mvt.Layer{Name: layers[li].Name, Version: 2, Extent: opts.Extent, Features: fs})
				n += len(fs)
			}
		}
		if n == 0 {
			continue
		}
		data, ok := []byte(nil), false
		if !orbOnly {
			data, ok = enc.encode(ml)
		}
		if !ok {
			var err error
			if data, err = mvt.Marshal(ml); err != nil {
				r.err = fmt.Errorf("vectortiles: tile %d/%d/%d: %w", z, b.x, b.y, err)
				return r
			}
		}
		r.tiles = append(r.tiles, encodedTile{x: b.x, y: b.y, features: n, data: pmtiles.GzipBytesLevel(data, TileGzipLevel)})
	}
	return r
}

// toPlanar is Web Mercator world coordinates with 2^level units across, the
// formula of orb's internal mercator package that mvt's ProjectToTile uses.
func toPlanar(lng, lat float64, level uint32) (x, y float64) {
	maxtiles := float64(uint64(1) << level)
	x = (lng/360.0 + 0.5) * maxtiles
	siny := math.Sin(lat * math.Pi / 180.0)
	switch {
	case siny > 0.9999:
		y = 0
	case siny < -0.9999:
		y = maxtiles - 1
	default:
		y = (0.5 + 0.5*math.Log((1.0+siny)/(1.0-siny))/(-2*math.Pi)) * maxtiles
	}
	return x, y
}

// duplicateID returns an id that two of fs carry (the MVT spec: a feature id
// SHOULD be unique among the features of its layer, and MapLibre's feature
// state relies on it). seen is scratch space.
func duplicateID(fs []*geojson.Feature, seen map[uint64]bool) (uint64, bool) {
	clear(seen)
	for _, f := range fs {
		if id, ok := featureID(f.ID); ok {
			if seen[id] {
				return id, true
			}
			seen[id] = true
		}
	}
	return 0, false
}

func empty(g orb.Geometry) bool {
	if g == nil {
		return true
	}
	switch g := g.(type) {
	case orb.MultiPoint:
		return len(g) == 0
	case orb.LineString:
		return len(g) == 0
	case orb.MultiLineString:
		return len(g) == 0
	case orb.Ring:
		return len(g) == 0
	case orb.Polygon:
		return len(g) == 0
	case orb.MultiPolygon:
		return len(g) == 0
	case orb.Collection:
		return len(g) == 0
	}
	return false
}

// featureSlab hands out features from chunks, saving an allocation per copy.
type featureSlab struct{ chunk []geojson.Feature }

func (s *featureSlab) next() *geojson.Feature {
	if len(s.chunk) == 0 {
		s.chunk = make([]geojson.Feature, 1024)
	}
	f := &s.chunk[0]
	s.chunk = s.chunk[1:]
	return f
}

// TileGzipLevel is the gzip level of the archive's tiles: BestSpeed. Against
// the default level it makes the archive a few percent larger and spends well
// under half the CPU, and compressing tiles is a large part of building the
// archive.
const TileGzipLevel = gzip.BestSpeed
