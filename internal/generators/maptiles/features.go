package maptiles

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"github.com/paulmach/orb"
	"github.com/prebake/prebake/cluster"
	"github.com/prebake/prebake/internal/record"
)

// totals is the cluster aggregate: the components the cluster's markers stand
// for, their summed de-rated capacity and, for the all layer, components per
// category (indexed like record.Categories).
type totals struct {
	components int32
	mw         float64
	cats       [16]int32
}

// feature is one distinct cluster or point feature of a layer with the zooms it
// is shown at (the raw-point zoom, MaxZoom+1, stands for every zoom above too).
type feature struct {
	x, y       int32 // SuperCluster's integer grid position (see cluster.Feature)
	minZ, maxZ int
	// vals holds the feature's column values (clusterColumns or pointColumns),
	// as JSON, each followed by a 0 byte.
	vals []byte
	// strs are a point's string columns (pointStrings) as ids into the layer's
	// string table; nil for a cluster.
	strs []int32
	// size bounds the bytes the feature adds to a file besides its strings:
	// its values, their commas and its string indexes.
	size int

	// What the vector tiles are made from.
	cluster   *cluster.Feature[totals] // nil for a point feature
	expansion int                      // cluster expansion zoom
	members   []int                    // a point feature's components (indexes into the layer's input)
}

// Markers returns the markers the app's /api/map-data/ gives for comps (the
// components its filters keep): one per exact lng/lat, as lists of indexes
// into comps. Each list is in the app's `delivery_year DESC` order (ties:
// ascending register id; byNewest), so its first is the marker's
// representative, and the markers are in the order of their representatives
// in that same order: the app's view walks its query's rows in that order and
// keeps the positions in a dict in order of first appearance
// (checker/views.py, map_data_api). SuperCluster's result depends on input
// order, so this order is part of the output's definition.
func Markers(comps []*record.Component) [][]int {
	type pos struct{ lng, lat float64 }
	at := map[pos]int{}
	var out [][]int
	for i, c := range comps {
		k := pos{c.Geo.Lng, c.Geo.Lat}
		g, ok := at[k]
		if !ok {
			g = len(out)
			at[k] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], i)
	}
	for _, m := range out {
		byNewest(comps, m)
	}
	slices.SortStableFunc(out, func(a, b []int) int { return newest(comps[a[0]], comps[b[0]]) })
	return out
}

// layerFeatures clusters the markers of comps (located, in input order; see
// Markers) and returns every distinct feature of every zoom, each serialised
// once.
func layerFeatures(comps []*record.Component, catIndex map[record.Category]int, withCats bool, o Options) ([]feature, *stringTable, error) {
	members := Markers(comps)
	points := make([]orb.Point, len(members))
	for i, m := range members {
		c := comps[m[0]]
		points[i] = orb.Point{c.Geo.Lng, c.Geo.Lat}
	}
	agg := &cluster.Aggregate[totals]{
		Map: func(i int) totals {
			var t totals
			for _, k := range members[i] {
				t.components++
				t.mw += derated(comps[k])
				t.cats[catIndex[comps[k].Category]]++
			}
			return t
		},
		Reduce: func(acc *totals, c totals) {
			acc.components += c.components
			acc.mw += c.mw
			for k := range acc.cats {
				acc.cats[k] += c.cats[k]
			}
		},
	}
	copts := cluster.Options{MinZoom: o.MinZoom, MaxZoom: o.MaxZoom, MinPoints: o.MinPoints,
		Radius: o.Radius, Extent: float64(o.Extent), NodeSize: 64}
	ix, err := cluster.Load(points, copts, agg)
	if err != nil {
		return nil, nil, err
	}
	top := o.MaxZoom + 1

	// Walk the zooms from the raw points down: a cluster keeps its id from the zoom
	// it forms at down to the zoom it merges into another, and a marker from the raw
	// zoom down to the zoom it first joins a cluster, so each has one zoom range.
	type span struct {
		f          cluster.Feature[totals]
		minZ, maxZ int
	}
	var clusters []span
	clusterAt := map[int]int{} // cluster id -> index in clusters
	memberMin := make([]int, len(members))
	for z := top; z >= o.MinZoom; z-- {
		for i, n := 0, ix.Len(z); i < n; i++ {
			id, isCluster := ix.IDAt(z, i)
			if !isCluster {
				memberMin[id] = z
				continue
			}
			if k, ok := clusterAt[id]; ok {
				clusters[k].minZ = z
				continue
			}
			clusterAt[id] = len(clusters)
			clusters = append(clusters, span{f: ix.At(z, i), minZ: z, maxZ: z})
		}
	}

	// Render every feature's column values once, clusters first, in parallel
	// chunks; each chunk writes into its own growing arena (a slice taken before
	// an arena moves keeps pointing at the old array, which stays valid).
	out := make([]feature, len(clusters)+len(members))
	chunks := runtime.GOMAXPROCS(0)
	errs := make([]error, chunks)
	var wg sync.WaitGroup
	for c := range chunks {
		lo, hi := c*len(out)/chunks, (c+1)*len(out)/chunks
		wg.Add(1)
		go func() {
			defer wg.Done()
			arena := make([]byte, 0, 64*(hi-lo))
			var buf []byte
			keep := func(b []byte) []byte {
				start := len(arena)
				arena = append(arena, b...)
				return arena[start:len(arena):len(arena)]
			}
			for i := lo; i < hi; i++ {
				if i < len(clusters) {
					s := &clusters[i]
					ez, err := ix.ExpansionZoom(s.f.ID)
					if err != nil {
						errs[c] = err
						return
					}
					buf = appendClusterValues(buf[:0], s.f, ez, withCats, s.minZ, s.maxZ)
					out[i] = feature{x: s.f.X, y: s.f.Y, minZ: s.minZ, maxZ: s.maxZ, vals: keep(buf), cluster: &s.f, expansion: ez}
					continue
				}
				m := members[i-len(clusters)]
				minZ := memberMin[i-len(clusters)]
				buf = appendPointValues(buf[:0], comps, m, minZ)
				first := comps[m[0]]
				out[i] = feature{x: cluster.GridX(first.Geo.Lng), y: cluster.GridY(first.Geo.Lat),
					minZ: minZ, maxZ: top, vals: keep(buf), members: m}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	// Intern the points' strings in feature order (deterministic ids), then size
	// every feature.
	st := &stringTable{ids: make(map[string]int32, 4*len(members))}
	idxLen := 0
	// One array holds every point's string ids.
	all := make([]int32, 0, len(pointStrings)*len(members))
	for i := len(clusters); i < len(out); i++ {
		f := &out[i]
		start := len(all)
		all = st.appendPointStrings(all, comps[f.members[0]])
		f.strs = all[start:len(all):len(all)]
	}
	idxLen = max(len(strconv.Itoa(len(st.quoted)-1)), len(strconv.Itoa(nullString)))
	for i := range out {
		f := &out[i]
		f.size = len(f.vals) // each value's 0 byte stands for its comma
		if f.strs != nil {
			f.size += len(f.strs) * (idxLen + 1)
		}
	}
	return out, st, nil
}

func derated(c *record.Component) float64 {
	if c.DeratedMW == nil {
		return 0
	}
	return *c.DeratedMW
}

// appendClusterValues appends a cluster's values in clusterColumns order, each
// followed by a 0 byte.
func appendClusterValues(b []byte, f cluster.Feature[totals], expansion int, withCats bool, minZ, maxZ int) []byte {
	b = append(strconv.AppendInt(b, int64(f.ID), 10), 0)
	b = append(strconv.AppendInt(b, int64(f.X), 10), 0)
	b = append(strconv.AppendInt(b, int64(f.Y), 10), 0)
	b = append(strconv.AppendInt(b, int64(f.Count), 10), 0)
	b = append(strconv.AppendInt(b, int64(f.Agg.components), 10), 0)
	b = append(strconv.AppendInt(b, int64(expansion), 10), 0)
	b = append(appendMW(b, f.Agg.mw), 0)
	b = append(strconv.AppendInt(b, int64(minZ), 10), 0)
	b = append(strconv.AppendInt(b, int64(maxZ), 10), 0)
	if withCats {
		b = append(b, '[')
		first := true
		for k := range record.Categories {
			if n := f.Agg.cats[k]; n > 0 {
				if !first {
					b = append(b, ',')
				}
				first = false
				b = strconv.AppendInt(b, int64(k), 10)
				b = append(b, ',')
				b = strconv.AppendInt(b, int64(n), 10)
			}
		}
		b = append(b, ']', 0)
	}
	return b
}

// appendPointValues appends the values (pointColumns order, each followed by a
// 0 byte) of the point feature of the components comps[members] (one or more
// at exactly the same position, ordered by byNewest): ids in that order, the
// position, minzoom and the summed mw of all of them. Its text fields, the
// first one's details as /api/map-data/ returns them, are its strs.
func appendPointValues(b []byte, comps []*record.Component, members []int, minZ int) []byte {
	c := comps[members[0]]
	b = append(b, '[')
	mw := 0.0
	for i, m := range members {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, comps[m].ID, 10)
		mw += derated(comps[m])
	}
	b = append(b, ']', 0)
	b = append(appendFloat(b, c.Geo.Lng), 0)
	b = append(appendFloat(b, c.Geo.Lat), 0)
	b = append(strconv.AppendInt(b, int64(minZ), 10), 0)
	return append(appendMW(b, mw), 0)
}

// rawTechnology is a map point's technology: the register's raw class, or
// "Unknown" when it is null (as the app's popup says).
func rawTechnology(c *record.Component) string {
	if c.TechClass == "" {
		return string(record.Unknown)
	}
	return c.TechClass
}

// byNewest orders the components at one position as the app's
// `ORDER BY delivery_year DESC` does (the year is a string there; an unknown
// year, "", sorts last), ties by ascending register id: the first is the map
// point's representative.
func byNewest(comps []*record.Component, members []int) {
	if len(members) > 1 {
		slices.SortStableFunc(members, func(a, b int) int { return newest(comps[a], comps[b]) })
	}
}

// newest compares a and b in that order (a slices.SortFunc comparison:
// negative when newer(a, b)).
func newest(a, b *record.Component) int {
	if c := cmp.Compare(b.DeliveryYear, a.DeliveryYear); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// newer reports whether a comes before b in the app's `delivery_year DESC`
// order, ties by ascending register id.
func newer(a, b *record.Component) bool {
	if a.DeliveryYear != b.DeliveryYear {
		return a.DeliveryYear > b.DeliveryYear
	}
	return a.ID < b.ID
}

// located returns the components on the map in the documented input order:
// ascending register row id (the Dataset's order, re-sorted to be sure).
func located(ds *record.Dataset, known map[record.Category]int) ([]*record.Component, error) {
	var out []*record.Component
	for i := range ds.Components {
		c := &ds.Components[i]
		if !c.Geo.Located {
			continue
		}
		if _, ok := known[c.Category]; !ok {
			return nil, fmt.Errorf("%s record %d: field Category: %q is not one of record.Categories", c.SourceFile, c.SourceRow, c.Category)
		}
		if !validLngLat(c.Geo.Lng, c.Geo.Lat) {
			return nil, fmt.Errorf("%s record %d: field Geo: located at lng %v, lat %v, which is not a position on Earth", c.SourceFile, c.SourceRow, c.Geo.Lng, c.Geo.Lat)
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b *record.Component) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func validLngLat(lng, lat float64) bool {
	return lng >= -180 && lng <= 180 && lat >= -90 && lat <= 90 // false for NaN too
}
