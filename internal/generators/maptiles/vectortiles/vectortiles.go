// Package vectortiles bakes map layers into Mapbox Vector Tiles (MVT) packed in
// one PMTiles v3 archive, for MapLibre. Each layer's features are projected and
// their properties encoded once (a PointLayer takes point features straight in
// that form); each zoom's features are binned into the tiles they fall in (plus
// a buffer, so markers near a tile edge are drawn whole), encoded byte for byte
// as orb's MVT encoder does (by orb itself for lines and polygons), gzipped and
// written with package pmtiles.
//
// Feature ids must be unique within a layer of a tile (Build rejects a tile
// where they are not); ClusterID and PointID give map layers such ids. The
// archive's bounds are those of its features, widened to MinBoundsSpan where
// they span no area, so that go-pmtiles verify and pmtiles.js accept an archive
// of one point. TileSetEntry describes the archive for MapLibre.
package vectortiles

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"golang.org/x/sync/errgroup"

	"github.com/prebake/prebake/manifest"
	"github.com/prebake/prebake/pmtiles"
)

// Defaults for Options.
const (
	DefaultExtent = 4096
	DefaultBuffer = 64 // extent units: 4 px of a 256 px tile, enough for a marker's radius at 512 px tiles
	// MaxZoom keeps world pixel coordinates (zoom + log2 extent bits) exact in a float64.
	MaxZoom = 24
)

// Layer is one map layer: it becomes one MVT layer, named Name, in every tile
// where it has features.
type Layer struct {
	Name string
	// Features are the layer's features (clusters and points), in WGS84
	// lng/lat, in the order they should be drawn, and Zooms[i] the zooms
	// Features[i] is shown at, from Zooms[i][0] to Zooms[i][1] inclusive
	// (clamped to the archive's). Build does not modify them.
	Features []*geojson.Feature
	Zooms    [][2]int

	points *layerTable // a PointLayer's features, instead of Features
}

// AllZooms is the zoom range of a feature shown at every zoom.
var AllZooms = [2]int{0, MaxZoom}

// Options configure Build.
type Options struct {
	MinZoom, MaxZoom int
	Extent           uint32 // tile extent; a power of two; 0 means DefaultExtent
	// Buffer is how far beyond a tile's edge, in extent units, features are
	// still copied into it; 0 means DefaultBuffer and a negative value none.
	Buffer int

	Name, Description, Attribution string // archive metadata and TileJSON
}

// ZoomStats describes one zoom of the archive.
type ZoomStats struct {
	Zoom     int
	Tiles    int   // non-empty tiles
	Features int   // features encoded, buffer copies included
	Bytes    int64 // gzipped tile bytes before de-duplication
}

// Stats describes a built archive.
type Stats struct {
	Zooms        []ZoomStats            // MinZoom..MaxZoom, in order
	Tiles        int                    // all tiles addressed
	Contents     int                    // distinct tile blobs stored
	Bytes        int64                  // archive size
	Bounds       [4]float64             // west, south, east, north of all features, at least MinBoundsSpan wide and high
	Center       [3]float64             // lng, lat, zoom
	VectorLayers []manifest.VectorLayer // one per layer, in layer order
}

// Build bins and encodes every layer at every zoom and returns the PMTiles archive.
// The bytes depend only on the layers' features and opts, not on GOMAXPROCS.
func Build(layers []Layer, opts Options) ([]byte, Stats, error) {
	opts, err := checkOptions(layers, opts)
	if err != nil {
		return nil, Stats{}, err
	}
	// Each layer's features are projected and their properties encoded once,
	// for every zoom and tile they are drawn in (a PointLayer's already are).
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	tables := make([]*layerTable, len(layers))
	sums := make([]layerSummary, len(layers))
	errs := make([]error, len(layers))
	for i := range layers {
		g.Go(func() error {
			tables[i], sums[i], errs[i] = prepareLayer(layers[i], opts)
			return nil
		})
	}
	g.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, Stats{}, err
		}
	}

	nz := opts.MaxZoom - opts.MinZoom + 1
	results := make([]zoomResult, nz)
	// Deep zooms first: they hold the most tiles, so the workers finish
	// together. Each worker keeps its encoder's scratch space from zoom to zoom.
	encoders := sync.Pool{New: func() any { return newTileEncoder(tables) }}
	for z := opts.MaxZoom; z >= opts.MinZoom; z-- {
		g.Go(func() error {
			enc := encoders.Get().(*tileEncoder)
			results[z-opts.MinZoom] = buildZoom(tables, opts, z, enc)
			encoders.Put(enc)
			return nil
		})
	}
	g.Wait()

	st := Stats{Zooms: make([]ZoomStats, nz)}
	for i, r := range results {
		if r.err != nil {
			return nil, Stats{}, r.err
		}
		zs := ZoomStats{Zoom: opts.MinZoom + i, Tiles: len(r.tiles)}
		for _, t := range r.tiles {
			zs.Features += t.features
			zs.Bytes += int64(len(t.data))
		}
		st.Zooms[i] = zs
	}
	bound := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for li, sum := range sums {
		vl := manifest.VectorLayer{ID: layers[li].Name, Fields: sum.fields, MinZoom: opts.MinZoom, MaxZoom: opts.MaxZoom}
		if sum.shown {
			bound = bound.Union(sum.bound)
			vl.MinZoom, vl.MaxZoom = sum.minZ, sum.maxZ
		}
		st.VectorLayers = append(st.VectorLayers, vl)
	}
	if bound.Min[0] > bound.Max[0] {
		// No features at all: an empty archive over the world.
		bound = orb.Bound{Min: orb.Point{-180, -85.0511287}, Max: orb.Point{180, 85.0511287}}
	}
	bound = widen(bound)
	st.Bounds = [4]float64{bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1]}
	st.Center = [3]float64{(bound.Min[0] + bound.Max[0]) / 2, (bound.Min[1] + bound.Max[1]) / 2, float64(centerZoom(bound, opts))}

	w := pmtiles.NewWriter(archiveOptions(opts, st))
	tileBytes, tiles := int64(0), 0
	for i, r := range results {
		tileBytes, tiles = tileBytes+st.Zooms[i].Bytes, tiles+st.Zooms[i].Tiles
		for _, t := range r.tiles {
			if err := w.Add(uint8(opts.MinZoom+i), t.x, t.y, t.data); err != nil {
				return nil, Stats{}, err
			}
		}
	}
	// Room for the tiles and the directories and metadata besides (a few
	// bytes per tile; the buffer grows if they need more).
	var buf bytes.Buffer
	buf.Grow(int(tileBytes) + 16*tiles + 1<<16)
	h, err := w.Finish(&buf)
	if err != nil {
		return nil, Stats{}, err
	}
	st.Tiles, st.Contents, st.Bytes = int(h.AddressedTiles), int(h.TileContents), int64(buf.Len())
	return buf.Bytes(), st, nil
}

// archiveOptions are the PMTiles header and metadata for opts and what Build found.
func archiveOptions(opts Options, st Stats) pmtiles.Options {
	meta := map[string]any{
		"name":          opts.Name,
		"format":        "pbf",
		"type":          "overlay",
		"vector_layers": st.VectorLayers,
	}
	if opts.Description != "" {
		meta["description"] = opts.Description
	}
	if opts.Attribution != "" {
		meta["attribution"] = opts.Attribution
	}
	return pmtiles.Options{
		TileType:        pmtiles.MVT,
		TileCompression: pmtiles.Gzip,
		MinZoom:         uint8(opts.MinZoom),
		MaxZoom:         uint8(opts.MaxZoom),
		Bounds:          clampBounds(st.Bounds),
		Center:          st.Center,
		Metadata:        meta,
	}
}

// MinBoundsSpan is the least width and height of an archive's bounds, in
// degrees (about 0.1 m). PMTiles stores bounds in 1e-7 degrees, and readers
// reject bounds without area (go-pmtiles verify: "bounds has area <= 0"), which
// one component, or components along one parallel or meridian, would give.
const MinBoundsSpan = 1e-6

// widen grows each side of b narrower than MinBoundsSpan to that span around its
// middle, kept within the world.
func widen(b orb.Bound) orb.Bound {
	for axis, lim := range [2]float64{180, 90} {
		if b.Max[axis]-b.Min[axis] >= MinBoundsSpan {
			continue
		}
		mid := (b.Min[axis] + b.Max[axis]) / 2
		lo := min(max(mid-MinBoundsSpan/2, -lim), lim-MinBoundsSpan)
		b.Min[axis], b.Max[axis] = lo, lo+MinBoundsSpan
	}
	return b
}

func clampBounds(b [4]float64) [4]float64 {
	return [4]float64{max(b[0], -180), max(b[1], -90), min(b[2], 180), min(b[3], 90)}
}

// centerZoom is the deepest zoom at which the bounds span at most one tile's
// width and height (they may still straddle a tile edge), within the archive's
// zoom range: a sensible first view.
func centerZoom(b orb.Bound, opts Options) int {
	x0, y0 := toPlanar(b.Min[0], b.Max[1], 0)
	x1, y1 := toPlanar(b.Max[0], b.Min[1], 0)
	span := max(x1-x0, y1-y0)
	z := opts.MinZoom
	for z < opts.MaxZoom && span*float64(uint64(1)<<(z+1)) <= 1 {
		z++
	}
	return z
}

func checkOptions(layers []Layer, opts Options) (Options, error) {
	if opts.Extent == 0 {
		opts.Extent = DefaultExtent
	}
	if opts.Extent&(opts.Extent-1) != 0 {
		return opts, fmt.Errorf("vectortiles: extent %d is not a power of two", opts.Extent)
	}
	if opts.Buffer == 0 {
		opts.Buffer = DefaultBuffer
	} else if opts.Buffer < 0 {
		opts.Buffer = 0
	}
	if opts.MinZoom < 0 || opts.MaxZoom > MaxZoom || opts.MinZoom > opts.MaxZoom {
		return opts, fmt.Errorf("vectortiles: zoom range %d-%d is not within 0-%d", opts.MinZoom, opts.MaxZoom, MaxZoom)
	}
	if opts.MaxZoom+bits.TrailingZeros32(opts.Extent) > 40 {
		return opts, fmt.Errorf("vectortiles: extent %d at zoom %d needs more than 40 bits of pixel coordinates", opts.Extent, opts.MaxZoom)
	}
	if len(layers) == 0 {
		return opts, fmt.Errorf("vectortiles: no layers")
	}
	seen := map[string]bool{}
	for i, l := range layers {
		if l.Name == "" {
			return opts, fmt.Errorf("vectortiles: layer %d needs a name", i)
		}
		if len(l.Zooms) != len(l.Features) {
			return opts, fmt.Errorf("vectortiles: layer %q has %d features and %d zoom ranges", l.Name, len(l.Features), len(l.Zooms))
		}
		if seen[l.Name] {
			return opts, fmt.Errorf("vectortiles: layer %q given twice", l.Name)
		}
		seen[l.Name] = true
	}
	return opts, nil
}

// fieldType is the TileJSON type of a property value: a field seen with two
// types is "Mixed", as tippecanoe reports it.
func fieldType(v any) string {
	switch v.(type) {
	case bool:
		return "Boolean"
	case string:
		return "String"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return "Number"
	}
	// Arrays, objects and null are stored as JSON text.
	return "String"
}
