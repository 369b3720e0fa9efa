package vectortiles

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/klauspost/compress/gzip"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/prebake/prebake/pmtiles"
)

// orbOnly makes every tile go through mvt.Marshal; tests set it to compare.
var orbOnly bool

// zoomResult is one zoom's encoded tiles.
type zoomResult struct {
	tiles []encodedTile // sorted by x, y
	err   error
}

type encodedTile struct {
	x, y     uint32
	features int
	data     []byte // gzipped MVT
}

// entry is one feature drawn in one tile: feature feat of layer layer, a
// point at x, y in the tile's extent units, or (clip >= 0) a line or polygon
// clipped to the tile, clipped[clip] of its zoom.
type entry struct {
	tile  uint64 // tileKey
	layer int32
	feat  int32
	x, y  int32
	clip  int32
}

func tileKey(x, y int64) uint64 { return uint64(x)<<32 | uint64(y) }

// zoomBuilder bins and encodes one zoom's tiles.
type zoomBuilder struct {
	tables  []*layerTable
	opts    Options
	z       int
	entries []entry
	clipped []*geojson.Feature
}

// buildZoom bins the features of tables shown at zoom z into the tiles they
// are drawn in and encodes and gzips each tile (enc: this goroutine's encoder).
func buildZoom(tables []*layerTable, opts Options, z int, enc *tileEncoder) zoomResult {
	b := &zoomBuilder{tables: tables, opts: opts, z: z}
	for li, t := range tables {
		for i := range t.feats {
			if p := &t.feats[i]; int(p.lo) <= z && z <= int(p.hi) {
				b.bin(li, i)
			}
		}
	}
	var r zoomResult
	tiles := groupByTile(b.entries)
	r.tiles = make([]encodedTile, 0, len(tiles))
	for _, fs := range tiles {
		data, err := b.encode(fs, enc)
		if err != nil {
			r.err = err
			return r
		}
		k := fs[0].tile
		r.tiles = append(r.tiles, encodedTile{x: uint32(k >> 32), y: uint32(k), features: len(fs), data: pmtiles.GzipBytesLevel(data, TileGzipLevel)})
	}
	return r
}

// bin adds feature i of layer li to every tile it is drawn in at the zoom:
// the tile it falls in and those whose buffer it falls in.
func (b *zoomBuilder) bin(li, i int) {
	shift := uint(bits.TrailingZeros32(b.opts.Extent))
	level := uint32(b.z) + uint32(shift)
	extent := int64(b.opts.Extent)
	buf := int64(b.opts.Buffer)
	last := int64(1)<<b.z - 1
	p := &b.tables[li].feats[i]
	if p.point {
		// World pixel coordinates at zoom z in extent units, floored as mvt's
		// ProjectToTile does; the tile is the pixel's high bits.
		fx, fy := p.planar(level)
		px, py := int64(math.Floor(fx)), int64(math.Floor(fy))
		for tx := max((px-buf)>>shift, 0); tx <= min((px+buf)>>shift, last); tx++ {
			for ty := max((py-buf)>>shift, 0); ty <= min((py+buf)>>shift, last); ty++ {
				b.entries = append(b.entries, entry{tile: tileKey(tx, ty), layer: int32(li), feat: int32(i),
					x: int32(px - tx*extent), y: int32(py - ty*extent), clip: -1})
			}
		}
		return
	}
	// Lines and polygons: every tile their bound touches, projected and
	// clipped by orb's mvt package; tiles they miss after clipping drop out.
	f := b.tables[li].src[i]
	gb := f.Geometry.Bound()
	minX, minY := toPlanar(gb.Min[0], gb.Max[1], level)
	maxX, maxY := toPlanar(gb.Max[0], gb.Min[1], level)
	for tx := max((int64(math.Floor(minX))-buf)>>shift, 0); tx <= min((int64(math.Floor(maxX))+buf)>>shift, last); tx++ {
		for ty := max((int64(math.Floor(minY))-buf)>>shift, 0); ty <= min((int64(math.Floor(maxY))+buf)>>shift, last); ty++ {
			ml := &mvt.Layer{Extent: b.opts.Extent, Features: []*geojson.Feature{{
				Type: "Feature", ID: f.ID, Geometry: orb.Clone(f.Geometry), Properties: f.Properties,
			}}}
			ml.ProjectToTile(maptile.New(uint32(tx), uint32(ty), maptile.Zoom(b.z)))
			ml.Clip(orb.Bound{Min: orb.Point{float64(-buf), float64(-buf)}, Max: orb.Point{float64(extent + buf), float64(extent + buf)}})
			if len(ml.Features) == 1 && !empty(ml.Features[0].Geometry) {
				b.entries = append(b.entries, entry{tile: tileKey(tx, ty), layer: int32(li), feat: int32(i), clip: int32(len(b.clipped))})
				b.clipped = append(b.clipped, ml.Features[0])
			}
		}
	}
}

// groupByTile orders entries by tile key, keeping their order within a tile
// (layer by layer, each layer's in input order), and returns each tile's
// entries. A counting sort: one pass numbers the tiles, one places the
// entries.
func groupByTile(entries []entry) [][]entry {
	num := map[uint64]int32{}
	var keys []uint64
	tileOf := make([]int32, len(entries))
	var count []int32
	for i, en := range entries {
		n, ok := num[en.tile]
		if !ok {
			n = int32(len(keys))
			num[en.tile] = n
			keys = append(keys, en.tile)
			count = append(count, 0)
		}
		tileOf[i] = n
		count[n]++
	}
	// Tiles in key order; each tile's entries start where the previous one's end.
	order := make([]int32, len(keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(keys[a], keys[b]) })
	start := make([]int32, len(keys))
	pos := int32(0)
	for _, n := range order {
		start[n] = pos
		pos += count[n]
	}
	sorted := make([]entry, len(entries))
	next := slices.Clone(start)
	for i, en := range entries {
		sorted[next[tileOf[i]]] = en
		next[tileOf[i]]++
	}
	tiles := make([][]entry, len(order))
	for i, n := range order {
		tiles[i] = sorted[start[n] : start[n]+count[n]]
	}
	return tiles
}

// layerRun splits fs (one tile's entries) into the first layer's entries and the rest.
func layerRun(fs []entry) (run, rest []entry) {
	if len(fs) == 0 {
		return nil, nil
	}
	n := 1
	for n < len(fs) && fs[n].layer == fs[0].layer {
		n++
	}
	return fs[:n], fs[n:]
}

// encode returns the MVT bytes of one tile's entries: written by enc when
// every feature is a fast one, else by orb. It fails when two features of a
// layer share an id.
func (b *zoomBuilder) encode(fs []entry, enc *tileEncoder) ([]byte, error) {
	fast := !orbOnly
	for run, rest := layerRun(fs); len(run) > 0; run, rest = layerRun(rest) {
		li := int(run[0].layer)
		if id, dup := enc.duplicateID(li, run); dup {
			k := run[0].tile
			return nil, fmt.Errorf("vectortiles: tile %d/%d/%d layer %q: two features with id %d (MVT ids must be unique within a layer)", b.z, k>>32, uint32(k), b.tables[li].name, id)
		}
		for _, en := range run {
			fast = fast && en.clip < 0 && b.tables[li].feats[en.feat].fast
		}
	}
	if fast {
		enc.beginTile()
		for run, rest := layerRun(fs); len(run) > 0; run, rest = layerRun(rest) {
			li := int(run[0].layer)
			enc.appendLayer(b.tables[li].name, b.opts.Extent, li, run)
			if len(rest) == 0 {
				break
			}
		}
		return enc.tile(), nil
	}
	data, err := mvt.Marshal(b.orbLayers(fs))
	if err != nil {
		k := fs[0].tile
		return nil, fmt.Errorf("vectortiles: tile %d/%d/%d: %w", b.z, k>>32, uint32(k), err)
	}
	return data, nil
}

// orbLayers is one tile's entries as orb's layers, features in tile coordinates.
func (b *zoomBuilder) orbLayers(fs []entry) mvt.Layers {
	var ml mvt.Layers
	for run, rest := layerRun(fs); len(run) > 0; run, rest = layerRun(rest) {
		li := int(run[0].layer)
		l := &mvt.Layer{Name: b.tables[li].name, Version: 2, Extent: b.opts.Extent, Features: make([]*geojson.Feature, len(run))}
		for k, en := range run {
			if en.clip >= 0 {
				l.Features[k] = b.clipped[en.clip]
				continue
			}
			id, props := b.tables[li].idAndProperties(int(en.feat))
			l.Features[k] = &geojson.Feature{Type: "Feature", ID: id, Geometry: orb.Point{float64(en.x), float64(en.y)}, Properties: props}
		}
		ml = append(ml, l)
	}
	return ml
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

// TileGzipLevel is the gzip level of the archive's tiles: BestSpeed. Against
// the default level it makes the archive a few percent larger and spends well
// under half the CPU, and compressing tiles is a large part of building the
// archive.
const TileGzipLevel = gzip.BestSpeed
