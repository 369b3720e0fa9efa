package cluster

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Options are SuperCluster's options. Zero values are not defaults: start from
// DefaultOptions.
type Options struct {
	MinZoom   int     // lowest zoom clusters are built for
	MaxZoom   int     // highest zoom clusters are built for; MaxZoom+1 holds the raw points
	MinPoints int     // fewest points that form a cluster
	Radius    float64 // cluster radius in pixels
	Extent    float64 // tile extent the radius is relative to
	NodeSize  int     // KD-tree leaf size
}

// DefaultOptions are the app map's settings: SuperCluster's defaults with a 60 px
// radius (SuperCluster's own default is 40).
func DefaultOptions() Options {
	return Options{MinZoom: 0, MaxZoom: 16, MinPoints: 2, Radius: 60, Extent: 512, NodeSize: 64}
}

// Aggregate is SuperCluster's map/reduce pair over a value type A: Map gives the
// value of input point i, Reduce folds a child's value into a cluster's. A cluster
// starts from a copy of its origin's value, so A must be safe to copy by
// assignment (numbers, arrays, structs of them; not maps or slices).
type Aggregate[A any] struct {
	Map    func(point int) A
	Reduce func(acc *A, child A)
}

// item is one entry of SuperCluster's flat per-zoom data array.
type item struct {
	x, y   int32
	zoom   int32 // zoom at which the item was last processed
	id     int32 // input index for points, cluster id for clusters
	parent int32 // cluster id this item was merged into, or -1
	num    int32 // point count
	prop   int32 // index into Index.aggs, or -1
	// children is, for the origin of a cluster (the item whose index and zoom
	// its id encodes), the number of items that merged into it, itself included:
	// what getChildren returns for that id.
	children int32
}

type level struct {
	tree  *kdTree
	items []item
}

// Index holds the cluster hierarchy for every zoom from MinZoom to MaxZoom+1.
type Index[A any] struct {
	opts   Options
	agg    *Aggregate[A]
	points []orb.Point // input, lng/lat
	coords []float64   // projected input, x0, y0, x1, y1, ...
	levels []*level    // indexed by zoom; nil below MinZoom
	aggs   []A         // cluster aggregates
}

// Feature is one cluster or point as SuperCluster's getClusters returns it.
type Feature[A any] struct {
	Cluster bool
	// ID is the cluster id for a cluster (SuperCluster's cluster_id) and the
	// input index for a point.
	ID    int
	Count int       // point_count; 1 for a point
	Point orb.Point // lng, lat as SuperCluster reports it (projected and back for points)
	// X, Y are SuperCluster's integer grid coordinates: trunc((m - 0.5) * 2^30)
	// for a Mercator coordinate m in [0, 1]. Queries compare these.
	X, Y int32
	Agg  A // the cluster's aggregate; zero for points and without an Aggregate
}

// NoPoint stands for an input feature without geometry: it keeps its index (which
// SuperCluster's cluster ids are offset by) but is not clustered.
var NoPoint = orb.Point{math.NaN(), math.NaN()}

// Load indexes points (lng, lat, in input order) with opts; agg may be nil. Any
// point with both coordinates NaN (such as NoPoint) is a feature without geometry.
//
// With more than one CPU (GOMAXPROCS), Load uses a second goroutine for the
// big levels (8,192 points and more for a KD-tree's halves, 2,048 for a zoom's
// radius queries); the index is the same either way, and no goroutine
// outlives the call. With an Aggregate it allocates room for one value of A
// per point up front: no more clusters can form.
func Load[A any](points []orb.Point, opts Options, agg *Aggregate[A]) (*Index[A], error) {
	if opts.MaxZoom > 30 {
		opts.MaxZoom = 30
	}
	if opts.MinZoom > opts.MaxZoom {
		opts.MinZoom = opts.MaxZoom
	}
	switch {
	case opts.MinZoom < 0:
		return nil, fmt.Errorf("cluster: min zoom %d is negative", opts.MinZoom)
	case !(opts.Radius > 0) || math.IsInf(opts.Radius, 0):
		return nil, fmt.Errorf("cluster: radius %v must be a positive number", opts.Radius)
	case !(opts.Extent > 0) || math.IsInf(opts.Extent, 0):
		return nil, fmt.Errorf("cluster: extent %v must be a positive number", opts.Extent)
	case opts.NodeSize <= 0:
		return nil, fmt.Errorf("cluster: node size %d must be positive", opts.NodeSize)
	case agg != nil && (agg.Map == nil || agg.Reduce == nil):
		return nil, errors.New("cluster: an Aggregate needs both Map and Reduce")
	case len(points) >= 1<<26:
		return nil, fmt.Errorf("cluster: %d points are more than cluster ids can encode", len(points))
	}
	ix := &Index[A]{opts: opts, agg: agg, points: points, coords: make([]float64, 2*len(points)), levels: make([]*level, opts.MaxZoom+2)}

	notProcessed := int32(opts.MaxZoom + 1)
	items := make([]item, 0, len(points))
	for i, p := range points {
		lng, lat := p[0], p[1]
		if math.IsNaN(lng) && math.IsNaN(lat) {
			continue // keeps its index, as SuperCluster keeps the slot of a feature without geometry
		}
		if math.IsNaN(lng) || math.IsInf(lng, 0) || math.IsNaN(lat) || math.IsInf(lat, 0) {
			return nil, fmt.Errorf("cluster: point %d has coordinates (%v, %v); want finite numbers", i, lng, lat)
		}
		px, py := LngX(lng), LatY(lat)
		ix.coords[2*i], ix.coords[2*i+1] = px, py
		items = append(items, item{x: encode(px), y: encode(py), zoom: notProcessed, id: int32(i), parent: -1, num: 1, prop: -1})
	}
	prev := ix.newLevel(items)
	ix.levels[opts.MaxZoom+1] = prev

	var work scratch
	for z := opts.MaxZoom; z >= opts.MinZoom; z-- {
		out := ix.clusterZoom(prev, z, &work)
		if len(out) == len(prev.items) {
			// No clusters formed: SuperCluster reuses the previous tree (same
			// coordinates, same order), and so do we.
			ix.levels[z] = prev
			continue
		}
		prev = ix.newLevel(out)
		ix.levels[z] = prev
	}
	return ix, nil
}

func (ix *Index[A]) newLevel(items []item) *level {
	pts := make([]kdPoint, len(items))
	for i, it := range items {
		pts[i] = kdPoint{xy: [2]int32{it.x, it.y}, id: uint32(i)}
	}
	return &level{tree: newKDTree(pts, ix.opts.NodeSize), items: items}
}

// scratch is clusterZoom's working memory, kept from one zoom to the next.
type scratch struct {
	neighbors []uint32
	ahead     lookaheadBuffers
}

// clusterZoom is SuperCluster's _cluster: it merges prev's items into clusters for
// zoom z and returns the items of zoom z. It marks prev's items with the zoom they
// were processed at and the cluster they joined.
func (ix *Index[A]) clusterZoom(prev *level, zoom int, work *scratch) []item {
	o := ix.opts
	r := o.Radius / (o.Extent * float64(int64(1)<<zoom)) * scale
	data := prev.items
	out := make([]item, 0, len(data))
	z := int32(zoom)
	if ix.agg != nil {
		// Each cluster takes the place of two or more items, so from a level
		// of m items at most m-1 clusters form at this zoom and all lower ones
		// together: the first level allocates every aggregate there will be,
		// and the rest find room (Grow does nothing then).
		ix.aggs = slices.Grow(ix.aggs, max(len(data)-1, 0))
	}
	var ahead *lookahead
	if len(data) >= lookaheadMin {
		ahead = startLookahead(prev, r, len(data)*lookaheadSplit/100, len(data), &work.ahead)
		defer ahead.close()
	}
	neighbors := work.neighbors

	for i := range data {
		if data[i].zoom <= z {
			continue
		}
		data[i].zoom = z

		x, y := data[i].x, data[i].y
		// Only the neighbours not yet processed at this zoom count, and they
		// are all that the rest of the step looks at.
		if found, ok := ahead.answer(i); ok {
			neighbors = append(neighbors[:0], found...)
		} else {
			neighbors = prev.tree.near(uint32(i), x, y, r, neighbors[:0])
		}
		unprocessed := neighbors[:0]
		for _, n := range neighbors {
			if data[n].zoom > z {
				unprocessed = append(unprocessed, n)
			}
		}
		neighbors = unprocessed

		numOrigin := data[i].num
		num := numOrigin
		for _, n := range neighbors {
			num += data[n].num
		}

		if num > numOrigin && int(num) >= o.MinPoints {
			wx := float64(x) * float64(numOrigin)
			wy := float64(y) * float64(numOrigin)
			propIndex := int32(-1)
			// Encode the origin index and zoom in the id, offset past the point ids.
			id := int32((int64(i) << 5) + int64(zoom+1) + int64(len(ix.points)))

			for _, n := range neighbors {
				nb := &data[n]
				nb.zoom = z
				wx += float64(nb.x) * float64(nb.num)
				wy += float64(nb.y) * float64(nb.num)
				nb.parent = id
				if ix.agg != nil {
					if propIndex < 0 {
						propIndex = int32(len(ix.aggs))
						ix.aggs = append(ix.aggs, ix.mapValue(&data[i]))
					}
					ix.agg.Reduce(&ix.aggs[propIndex], ix.mapValue(nb))
				}
			}
			data[i].parent = id
			data[i].children = int32(len(neighbors)) + 1
			out = append(out, item{
				x: int32(wx / float64(num)), y: int32(wy / float64(num)),
				zoom: int32(o.MaxZoom + 1), id: id, parent: -1, num: num, prop: propIndex,
			})
			continue
		}

		out = append(out, data[i])
		if num > 1 {
			for _, n := range neighbors {
				data[n].zoom = z
				out = append(out, data[n])
			}
		}
	}
	work.neighbors = neighbors
	return out
}

// mapValue is SuperCluster's _map: a cluster's aggregate or Map of a point (copied,
// since A is a value).
func (ix *Index[A]) mapValue(it *item) A {
	if it.num > 1 {
		return ix.aggs[it.prop]
	}
	return ix.agg.Map(int(it.id))
}

// NumPoints is the number of input points.
func (ix *Index[A]) NumPoints() int { return len(ix.points) }

// Options returns the options the index was built with (after clamping).
func (ix *Index[A]) Options() Options { return ix.opts }

// LimitZoom is SuperCluster's _limitZoom: the zoom whose clusters are shown at z.
func (ix *Index[A]) LimitZoom(z int) int {
	return max(ix.opts.MinZoom, min(z, ix.opts.MaxZoom+1))
}

func (ix *Index[A]) feature(it *item) Feature[A] {
	f := Feature[A]{ID: int(it.id), Count: int(it.num), X: it.x, Y: it.y}
	if it.num > 1 {
		f.Cluster = true
		f.Point = orb.Point{XLng(decode(it.x)), YLat(decode(it.y))}
		if it.prop >= 0 {
			f.Agg = ix.aggs[it.prop]
		}
		return f
	}
	f.Point = orb.Point{XLng(ix.coords[2*it.id]), YLat(ix.coords[2*it.id+1])}
	return f
}

// Clusters is SuperCluster's getClusters: the clusters and points at zoom within
// bbox (west, south, east, north in degrees, given as Min and Max of b; west may
// exceed east for a box across the antimeridian), in SuperCluster's order.
func (ix *Index[A]) Clusters(b orb.Bound, zoom int) []Feature[A] {
	minLng := math.Mod(math.Mod(b.Min[0]+180, 360)+360, 360) - 180
	minLat := math.Max(-90, math.Min(90, b.Min[1]))
	maxLng := 180.0
	if b.Max[0] != 180 {
		maxLng = math.Mod(math.Mod(b.Max[0]+180, 360)+360, 360) - 180
	}
	maxLat := math.Max(-90, math.Min(90, b.Max[1]))

	if b.Max[0]-b.Min[0] >= 360 {
		minLng, maxLng = -180, 180
	} else if minLng > maxLng {
		east := ix.Clusters(orb.Bound{Min: orb.Point{minLng, minLat}, Max: orb.Point{180, maxLat}}, zoom)
		west := ix.Clusters(orb.Bound{Min: orb.Point{-180, minLat}, Max: orb.Point{maxLng, maxLat}}, zoom)
		return append(east, west...)
	}

	lv := ix.levels[ix.LimitZoom(zoom)]
	ids := lv.tree.rangeQuery(encodeF(LngX(minLng)), encodeF(LatY(maxLat)), encodeF(LngX(maxLng)), encodeF(LatY(minLat)), nil)
	out := make([]Feature[A], len(ids))
	for i, id := range ids {
		out[i] = ix.feature(&lv.items[id])
	}
	return out
}

// All returns every cluster and point at zoom (clamped as Clusters does), in the
// order SuperCluster stores them, which does not depend on any query.
func (ix *Index[A]) All(zoom int) []Feature[A] {
	lv := ix.levels[ix.LimitZoom(zoom)]
	out := make([]Feature[A], len(lv.items))
	for i := range lv.items {
		out[i] = ix.feature(&lv.items[i])
	}
	return out
}

// ErrNoCluster is returned for an id that names no cluster.
var ErrNoCluster = errors.New("cluster: no cluster with the specified id")

func (ix *Index[A]) originZoom(clusterID int) int {
	return (clusterID - len(ix.points)) % 32
}

func (ix *Index[A]) originID(clusterID int) int {
	return (clusterID - len(ix.points)) >> 5
}

// Children is SuperCluster's getChildren: the clusters and points that merged
// into clusterID one zoom up.
func (ix *Index[A]) Children(clusterID int) ([]Feature[A], error) {
	oz := ix.originZoom(clusterID)
	oid := ix.originID(clusterID)
	if clusterID < len(ix.points) || oz < 0 || oz >= len(ix.levels) || ix.levels[oz] == nil {
		return nil, fmt.Errorf("%w: %d", ErrNoCluster, clusterID)
	}
	lv := ix.levels[oz]
	if oid < 0 || oid >= len(lv.items) {
		return nil, fmt.Errorf("%w: %d", ErrNoCluster, clusterID)
	}
	r := ix.opts.Radius / (ix.opts.Extent * math.Pow(2, float64(oz-1)))
	origin := lv.items[oid]
	ids := lv.tree.within(origin.x, origin.y, r*scale, nil)
	var children []Feature[A]
	for _, id := range ids {
		if lv.items[id].parent == int32(clusterID) {
			children = append(children, ix.feature(&lv.items[id]))
		}
	}
	if len(children) == 0 {
		return nil, fmt.Errorf("%w: %d", ErrNoCluster, clusterID)
	}
	return children, nil
}

// Leaves is SuperCluster's getLeaves: up to limit points of clusterID after
// skipping offset, in SuperCluster's order. limit 0 means 10, as in SuperCluster;
// pass math.MaxInt for all.
func (ix *Index[A]) Leaves(clusterID, limit, offset int) ([]Feature[A], error) {
	if limit == 0 {
		limit = 10
	}
	var leaves []Feature[A]
	_, err := ix.appendLeaves(&leaves, clusterID, limit, offset, 0)
	return leaves, err
}

func (ix *Index[A]) appendLeaves(result *[]Feature[A], clusterID, limit, offset, skipped int) (int, error) {
	children, err := ix.Children(clusterID)
	if err != nil {
		return skipped, err
	}
	for _, c := range children {
		switch {
		case c.Cluster && skipped+c.Count <= offset:
			skipped += c.Count
		case c.Cluster:
			if skipped, err = ix.appendLeaves(result, c.ID, limit, offset, skipped); err != nil {
				return skipped, err
			}
		case skipped < offset:
			skipped++
		default:
			*result = append(*result, c)
		}
		if len(*result) == limit {
			return skipped, nil
		}
	}
	return skipped, nil
}

// ExpansionZoom is SuperCluster's getClusterExpansionZoom: the zoom at which
// clusterID splits into more than one child. It is safe for concurrent use.
func (ix *Index[A]) ExpansionZoom(clusterID int) (int, error) {
	z := ix.originZoom(clusterID) - 1
	for z <= ix.opts.MaxZoom {
		origin := ix.origin(clusterID)
		if origin == nil {
			return 0, fmt.Errorf("%w: %d", ErrNoCluster, clusterID)
		}
		z++
		if origin.children != 1 {
			break
		}
		// Never reached while a cluster forms from at least two items (its origin
		// and a neighbour), but kept so that the loop is SuperCluster's.
		ch, err := ix.Children(clusterID)
		if err != nil {
			return 0, err
		}
		clusterID = ch[0].ID
	}
	return z, nil
}

// origin is the item whose index and zoom clusterID encodes, the one the
// cluster formed around, or nil when clusterID names no cluster. Its children
// count is what getChildren(clusterID) returns: the items of the origin's level
// whose parent is the cluster, all within the radius of the origin since they
// were found by the query that formed the cluster.
func (ix *Index[A]) origin(clusterID int) *item {
	if clusterID < len(ix.points) {
		return nil
	}
	oz, oid := ix.originZoom(clusterID), ix.originID(clusterID)
	if oz >= len(ix.levels) || ix.levels[oz] == nil || oid >= len(ix.levels[oz].items) {
		return nil
	}
	it := &ix.levels[oz].items[oid]
	if it.parent != int32(clusterID) {
		return nil
	}
	return it
}

// Len is the number of clusters and points at zoom (clamped as Clusters does).
func (ix *Index[A]) Len(zoom int) int { return len(ix.levels[ix.LimitZoom(zoom)].items) }

// IDAt is the id of the i-th cluster or point at zoom, in storage order (as All),
// and whether it is a cluster; it skips computing the position.
func (ix *Index[A]) IDAt(zoom, i int) (id int, isCluster bool) {
	it := &ix.levels[ix.LimitZoom(zoom)].items[i]
	return int(it.id), it.num > 1
}

// At is the i-th cluster or point at zoom, in storage order (as All).
func (ix *Index[A]) At(zoom, i int) Feature[A] {
	return ix.feature(&ix.levels[ix.LimitZoom(zoom)].items[i])
}

// TileFeature is one feature of a tile as SuperCluster's getTile returns it.
type TileFeature[A any] struct {
	Feature[A]
	TX, TY int // position in tile coordinates, 0..Extent inside the tile
}

// Tile is SuperCluster's getTile: the features of tile z/x/y, including those
// within the radius-sized buffer around it, in SuperCluster's order.
func (ix *Index[A]) Tile(z, x, y int) []TileFeature[A] {
	lv := ix.levels[ix.LimitZoom(z)]
	z2 := math.Pow(2, float64(z))
	p := ix.opts.Radius / ix.opts.Extent
	top := encodeF((float64(y) - p) / z2)
	bottom := encodeF((float64(y) + 1 + p) / z2)
	var out []TileFeature[A]
	add := func(ids []uint32, x float64) {
		for _, id := range ids {
			it := &lv.items[id]
			f := ix.feature(it)
			var px, py float64
			if f.Cluster {
				px, py = decode(it.x), decode(it.y)
			} else {
				px, py = ix.coords[2*it.id], ix.coords[2*it.id+1]
			}
			out = append(out, TileFeature[A]{
				Feature: f,
				TX:      int(jsRound(ix.opts.Extent * (px*z2 - x))),
				TY:      int(jsRound(ix.opts.Extent * (py*z2 - float64(y)))),
			})
		}
	}
	add(lv.tree.rangeQuery(encodeF((float64(x)-p)/z2), top, encodeF((float64(x)+1+p)/z2), bottom, nil), float64(x))
	if x == 0 {
		add(lv.tree.rangeQuery(encodeF(1-p/z2), top, encodeF(1), bottom, nil), z2)
	}
	if float64(x) == z2-1 {
		add(lv.tree.rangeQuery(encodeF(0), top, encodeF(p/z2), bottom, nil), -1)
	}
	return out
}

// jsRound is JavaScript's Math.round: halves round toward +Inf.
func jsRound(v float64) float64 {
	r := math.Floor(v)
	if v-r >= 0.5 {
		r++
	}
	return r
}
