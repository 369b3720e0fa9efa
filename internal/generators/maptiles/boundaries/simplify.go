package boundaries

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/project"
	"github.com/paulmach/orb/simplify"
)

// Band is a range of zoom levels served by one simplified copy. Its geometry
// is simplified for MaxZoom, so it is fine at every zoom of the band; clients
// use the last band for every zoom deeper than its MaxZoom.
type Band struct {
	MinZoom, MaxZoom int
}

// DefaultBands: country, region, county and street scale.
var DefaultBands = []Band{{0, 5}, {6, 8}, {9, 11}, {12, 16}}

// Defaults for Options.
const (
	DefaultTolerancePx = 0.5 // Douglas-Peucker tolerance, screen pixels at the band's MaxZoom
	DefaultMinAreaPx   = 4.0 // rings smaller than this many square pixels are dropped
)

// Level is the layer simplified for one band.
type Level struct {
	Band
	Tolerance  float64 // metres in Web Mercator (screen distance, not ground distance)
	Decimals   int     // decimal places kept in each coordinate
	Vertices   int     // positions in the output
	Collection *geojson.FeatureCollection
}

// Simplify returns fc (WGS84 polygons, as Load returns them) simplified for each
// band. Borders shared by two areas are simplified once, so neighbouring areas
// stay edge to edge with neither gaps nor overlaps; rings that shrink below
// opts.MinAreaPx are dropped, except that every feature keeps its largest polygon.
func Simplify(fc *geojson.FeatureCollection, opts Options) ([]Level, error) {
	opts = opts.withDefaults()
	if err := opts.check(); err != nil {
		return nil, err
	}
	t, err := newTopology(fc)
	if err != nil {
		return nil, err
	}
	levels := make([]Level, len(opts.Bands))
	for i, b := range opts.Bands {
		levels[i] = t.level(b, opts)
	}
	return levels, nil
}

// metresPerPixel is the Web Mercator size of one pixel of a 256-pixel tile at zoom z.
func metresPerPixel(z int) float64 {
	return 2 * math.Pi * 6378137 / (256 * math.Exp2(float64(z)))
}

// decimalsFor is the number of decimal places of a degree that keeps rounding
// within an eighth of a pixel of longitude at zoom z.
func decimalsFor(z int) int {
	pixelDeg := 360 / (256 * math.Exp2(float64(z)))
	return int(math.Ceil(math.Log10(4 / pixelDeg)))
}

// topology is the input cut into arcs: runs of vertices between junctions,
// where the set of rings following a border changes.
type topology struct {
	wgs   []orb.Point // vertex id -> WGS84 position
	merc  []orb.Point // vertex id -> Web Mercator metres
	arcs  [][]int32   // every distinct arc once, in its canonical direction
	feats []featureRings
}

type featureRings struct {
	src   *geojson.Feature
	multi bool
	polys [][]ringArcs // polygon -> ring (0 is the outer) -> arcs
	areas []float64    // polygon outer ring area in Mercator m², for "largest polygon"
}

// ringArcs is a ring as arcs in order; each arc's last vertex is the next's first.
type ringArcs struct {
	arcs []arcRef
	orig []int32 // the whole ring, closing vertex excluded, for fallbacks
}

// arcRef is an arc of topology.arcs, walked backwards when rev is set.
type arcRef struct {
	idx int
	rev bool
}

func newTopology(fc *geojson.FeatureCollection) (*topology, error) {
	t := &topology{}
	ids := map[orb.Point]int32{}
	vertex := func(p orb.Point) int32 {
		if id, ok := ids[p]; ok {
			return id
		}
		id := int32(len(t.wgs))
		ids[p] = id
		t.wgs = append(t.wgs, p)
		t.merc = append(t.merc, project.WGS84.ToMercator(p))
		return id
	}
	// Rings as vertex ids, without the closing repeat or repeated positions.
	var rings [][][][]int32
	for fi, f := range fc.Features {
		var polys orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			polys = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			polys = g
		default:
			return nil, fmt.Errorf("feature %d%s: %T is not polygonal", fi, label(f), f.Geometry)
		}
		var fr [][][]int32
		for _, p := range polys {
			var pr [][]int32
			for _, r := range p {
				var ring []int32
				for _, pt := range r[:len(r)-1] {
					id := vertex(pt)
					if len(ring) == 0 || ring[len(ring)-1] != id {
						ring = append(ring, id)
					}
				}
				for len(ring) > 1 && ring[len(ring)-1] == ring[0] {
					ring = ring[:len(ring)-1]
				}
				pr = append(pr, ring)
			}
			fr = append(fr, pr)
		}
		rings = append(rings, fr)
	}

	// A vertex is a junction when it is seen with two different pairs of
	// neighbours: there two rings that ran together part ways.
	const none = int64(-1)
	firstPair := make([]int64, len(t.wgs))
	for i := range firstPair {
		firstPair[i] = none
	}
	junction := make([]bool, len(t.wgs))
	for _, fr := range rings {
		for _, pr := range fr {
			for _, ring := range pr {
				n := len(ring)
				for i, v := range ring {
					a, b := ring[(i+n-1)%n], ring[(i+1)%n]
					pair := int64(min(a, b))<<32 | int64(max(a, b))
					if firstPair[v] == none {
						firstPair[v] = pair
					} else if firstPair[v] != pair {
						junction[v] = true
					}
				}
			}
		}
	}

	// Each arc is stored once in a canonical direction, so the two areas
	// sharing a border get the very same simplified vertices.
	arcIdx := map[string]int{}
	ref := func(arc []int32) arcRef {
		rev := arc[0] > arc[len(arc)-1] || (arc[0] == arc[len(arc)-1] && len(arc) > 2 && arc[1] > arc[len(arc)-2])
		if rev {
			arc = slices.Clone(arc)
			slices.Reverse(arc)
		}
		k := arcKey(arc)
		i, ok := arcIdx[k]
		if !ok {
			i = len(t.arcs)
			arcIdx[k] = i
			t.arcs = append(t.arcs, arc)
		}
		return arcRef{idx: i, rev: rev}
	}
	for fi, fr := range rings {
		f := fc.Features[fi]
		_, multi := f.Geometry.(orb.MultiPolygon)
		out := featureRings{src: f, multi: multi}
		for _, pr := range fr {
			var pa []ringArcs
			for _, ring := range pr {
				ra := ringArcs{orig: ring}
				for _, arc := range cutArcs(ring, junction) {
					ra.arcs = append(ra.arcs, ref(arc))
				}
				pa = append(pa, ra)
			}
			out.polys = append(out.polys, pa)
			out.areas = append(out.areas, math.Abs(t.area(pr[0])))
		}
		t.feats = append(t.feats, out)
	}
	return t, nil
}

// cutArcs splits a ring at its junctions. A ring without junctions is one
// closed arc starting at its lowest vertex id, so that two rings tracing the
// same loop (an enclave and its hole) start, and simplify, alike.
func cutArcs(ring []int32, junction []bool) [][]int32 {
	n := len(ring)
	start := -1
	for i, v := range ring {
		if junction[v] {
			start = i
			break
		}
	}
	if start < 0 {
		lo := 0
		for i, v := range ring {
			if v < ring[lo] {
				lo = i
			}
		}
		arc := make([]int32, 0, n+1)
		for i := 0; i <= n; i++ {
			arc = append(arc, ring[(lo+i)%n])
		}
		return [][]int32{arc}
	}
	var arcs [][]int32
	arc := []int32{ring[start]}
	for i := 1; i <= n; i++ {
		v := ring[(start+i)%n]
		arc = append(arc, v)
		if junction[v] {
			arcs = append(arcs, arc)
			arc = []int32{v}
		}
	}
	return arcs
}

// area is the signed Mercator area of a ring of vertex ids.
func (t *topology) area(ring []int32) float64 {
	r := make(orb.Ring, 0, len(ring)+1)
	for _, v := range ring {
		r = append(r, t.merc[v])
	}
	if len(ring) > 0 {
		r = append(r, t.merc[ring[0]])
	}
	return planar.Area(r)
}

func (t *topology) level(b Band, opts Options) Level {
	mpp := metresPerPixel(b.MaxZoom)
	lv := Level{Band: b, Tolerance: opts.TolerancePx * mpp, Decimals: decimalsFor(b.MaxZoom)}
	minArea := opts.MinAreaPx * mpp * mpp
	// Rounding to the band's decimals can pinch a ring even where no vertex
	// was dropped (two vertices rounding to one point): then keep a decimal
	// more, for the whole band so that shared borders stay identical.
	simplified, clean := t.simplifyArcs(lv.Tolerance, lv.Decimals)
	for !clean && lv.Decimals < maxDecimals {
		lv.Decimals++
		simplified, clean = t.simplifyArcs(lv.Tolerance, lv.Decimals)
	}
	arcIDs := func(r arcRef) []int32 {
		a := simplified[r.idx]
		if r.rev {
			a = slices.Clone(a)
			slices.Reverse(a)
		}
		return a
	}
	toRingAt := func(ids []int32, decimals int) orb.Ring {
		scale := math.Pow(10, float64(decimals))
		r := make(orb.Ring, 0, len(ids)+1)
		for _, v := range ids {
			p := t.wgs[v]
			p = orb.Point{math.Round(p[0]*scale) / scale, math.Round(p[1]*scale) / scale}
			if len(r) == 0 || r[len(r)-1] != p {
				r = append(r, p)
			}
		}
		for len(r) > 1 && r[len(r)-1] == r[0] {
			r = r[:len(r)-1]
		}
		if len(r) < 3 {
			return nil
		}
		return append(r, r[0])
	}
	toRing := func(ids []int32) orb.Ring { return toRingAt(ids, lv.Decimals) }
	mercArea := func(r orb.Ring) float64 {
		m := make(orb.Ring, len(r))
		for i, p := range r {
			m[i] = project.WGS84.ToMercator(p)
		}
		return math.Abs(planar.Area(m))
	}

	fc := geojson.NewFeatureCollection()
	for _, fr := range t.feats {
		var mp orb.MultiPolygon
		for _, pa := range fr.polys {
			var poly orb.Polygon
			for ri, ra := range pa {
				var ids []int32
				for _, arc := range ra.arcs {
					s := arcIDs(arc)
					if len(ids) > 0 {
						s = s[1:]
					}
					ids = append(ids, s...)
				}
				r := toRing(ids)
				if r == nil || mercArea(r) < minArea {
					if ri == 0 {
						break // the outer ring went: the whole polygon goes
					}
					continue
				}
				poly = append(poly, orient(r, ri == 0))
			}
			if len(poly) > 0 {
				mp = append(mp, poly)
			}
		}
		if len(mp) == 0 {
			// Too small for this band, but an area must not vanish from the
			// map: keep its largest polygon's outer ring, unsimplified, with
			// as many decimals as it takes to stay a ring.
			largest := 0
			for i, a := range fr.areas {
				if a > fr.areas[largest] {
					largest = i
				}
			}
			for d := lv.Decimals; d <= 9 && len(mp) == 0; d++ {
				if r := toRingAt(fr.polys[largest][0].orig, d); r != nil {
					mp = orb.MultiPolygon{{orient(r, true)}}
				}
			}
		}
		var g orb.Geometry = mp
		if !fr.multi && len(mp) == 1 {
			g = mp[0]
		}
		f := geojson.NewFeature(g)
		f.ID = fr.src.ID
		f.Properties = fr.src.Properties.Clone()
		fc.Append(f)
		for _, p := range mp {
			for _, r := range p {
				lv.Vertices += len(r)
			}
		}
	}
	lv.Collection = fc
	return lv
}

// maxRepairs bounds the rounds of re-simplifying arcs that cross others.
const maxRepairs = 10

// maxDecimals is the most decimal places a band keeps (0.1 mm) when rounding
// to fewer would make rings touch themselves or each other.
const maxDecimals = 8

// simplifyArcs simplifies every arc with Douglas-Peucker at tolerance (Mercator
// metres). Simplifying arcs one by one, and rounding to decimals, can break the
// polygons: an arc cuts across a neighbour (a bay's mouth closing over an
// islet), folds back on itself (a spike), or passes twice through one point or
// along another arc (a ring touching itself). Such arcs (badArcs) are
// simplified again at half their tolerance, down to no simplification at all.
// clean reports whether every arc came out right at these decimals.
func (t *topology) simplifyArcs(tolerance float64, decimals int) (out [][]int32, clean bool) {
	tol := make([]float64, len(t.arcs))
	out = make([][]int32, len(t.arcs))
	todo := make([]bool, len(t.arcs))
	for i := range t.arcs {
		tol[i], todo[i] = tolerance, true
	}
	scale := math.Pow(10, float64(decimals))
	for round := 0; ; round++ {
		for i, arc := range t.arcs {
			if todo[i] {
				out[i] = t.douglasPeucker(simplify.DouglasPeucker(tol[i]), arc)
			}
		}
		bad := t.badArcs(out, scale)
		if len(bad) == 0 {
			return out, true
		}
		if round == maxRepairs {
			return out, false
		}
		clear(todo)
		for _, i := range bad {
			if tol[i] > 0 {
				todo[i] = true
				// Below a tenth of the band's tolerance keep every vertex.
				if tol[i] /= 2; tol[i] < tolerance/10 {
					tol[i] = 0
				}
			}
		}
		if !slices.Contains(todo, true) {
			return out, false // unsimplified, and still bad: the rounding's fault
		}
	}
}

// badArcs returns the arcs that, in coordinates rounded by scale, would make a
// ring invalid (OGC simple features: rings simple, touching others at points
// only) or borders part: a segment that crosses another, runs along another or
// has another's vertex inside it, and a point an arc reaches twice (a spike or
// a loop) or that two arcs reach other than at a shared junction.
//
// The points and segments are grouped by sorting and by a counting sort into
// grid cells, in flat slices: the maps of slices this used before were most of
// Simplify's time and up to 27 MB of the bake's peak heap
// (TestBadArcsMatchesMaps compares the two on the real DNO areas).
func (t *topology) badArcs(arcs [][]int32, scale float64) []int {
	type seg struct {
		arc  int
		a, b ipt
	}
	type visit struct {
		p      ipt
		arc    int
		vertex int32
		end    bool // the arc's first or last vertex: a junction
	}
	n := 0
	for _, arc := range arcs {
		n += len(arc)
	}
	segs, visits := make([]seg, 0, n), make([]visit, 0, n)
	bad := make([]bool, len(arcs))
	var bound [4]int64 // min x, min y, max x, max y
	first := true
	for i, arc := range arcs {
		closed := len(arc) > 1 && arc[0] == arc[len(arc)-1]
		var prev ipt
		for j, v := range arc {
			p := roundPt(t.wgs[v], scale)
			if j > 0 && p == prev {
				continue // rounded onto the previous vertex: dropped from the ring
			}
			if first {
				bound, first = [4]int64{p.x, p.y, p.x, p.y}, false
			}
			bound = [4]int64{min(bound[0], p.x), min(bound[1], p.y), max(bound[2], p.x), max(bound[3], p.y)}
			if !(closed && j == len(arc)-1) {
				visits = append(visits, visit{p, i, v, j == 0 || j == len(arc)-1})
			}
			if j > 0 {
				segs = append(segs, seg{i, prev, p})
			}
			prev = p
		}
	}
	// A point reached more than once is fine only as one junction vertex
	// that every visit starts or ends an arc at.
	slices.SortFunc(visits, func(a, b visit) int {
		if a.p.x != b.p.x {
			return cmp.Compare(a.p.x, b.p.x)
		}
		return cmp.Compare(a.p.y, b.p.y)
	})
	for i := 0; i < len(visits); {
		j, ok := i+1, visits[i].end
		for ; j < len(visits) && visits[j].p == visits[i].p; j++ {
			ok = ok && visits[j].end && visits[j].vertex == visits[i].vertex
		}
		if j-i > 1 && !ok {
			for _, v := range visits[i:j] {
				bad[v.arc] = true
			}
		}
		i = j
	}
	if len(segs) >= 2 {
		// A uniform grid with about one segment per cell; each segment is
		// listed in every cell its bounding box touches (cells: nx by ny,
		// cell c's segments ids[start[c]:start[c+1]]).
		cell := max(bound[2]-bound[0], bound[3]-bound[1])/int64(math.Sqrt(float64(len(segs)))) + 1
		nx, ny := (bound[2]-bound[0])/cell+1, (bound[3]-bound[1])/cell+1
		cells := func(s seg, fn func(c int64)) {
			x0, x1 := (min(s.a.x, s.b.x)-bound[0])/cell, (max(s.a.x, s.b.x)-bound[0])/cell
			y0, y1 := (min(s.a.y, s.b.y)-bound[1])/cell, (max(s.a.y, s.b.y)-bound[1])/cell
			for x := x0; x <= x1; x++ {
				for y := y0; y <= y1; y++ {
					fn(x*ny + y)
				}
			}
		}
		start := make([]int32, nx*ny+1)
		for _, s := range segs {
			cells(s, func(c int64) { start[c+1]++ })
		}
		for c := 1; c < len(start); c++ {
			start[c] += start[c-1]
		}
		ids := make([]int32, start[len(start)-1])
		fill := slices.Clone(start[:len(start)-1])
		for i, s := range segs {
			cells(s, func(c int64) { ids[fill[c]] = int32(i); fill[c]++ })
		}
		for c := range nx * ny {
			in := ids[start[c]:start[c+1]]
			for i := 0; i < len(in); i++ {
				for j := i + 1; j < len(in); j++ {
					s, u := segs[in[i]], segs[in[j]]
					if segmentsClash(s.a, s.b, u.a, u.b) {
						bad[s.arc], bad[u.arc] = true, true
					}
				}
			}
		}
	}
	var out []int
	for i, b := range bad {
		if b {
			out = append(out, i)
		}
	}
	return out
}

type ipt struct{ x, y int64 }

func roundPt(p orb.Point, scale float64) ipt {
	return ipt{int64(math.Round(p[0] * scale)), int64(math.Round(p[1] * scale))}
}

// orientation is the sign of the cross product (q-p) x (r-p), computed exactly.
func orientation(p, q, r ipt) int {
	dx1, dy1, dx2, dy2 := q.x-p.x, q.y-p.y, r.x-p.x, r.y-p.y
	if small(dx1) && small(dy1) && small(dx2) && small(dy2) {
		a, b := dx1*dy2, dy1*dx2 // |products| < 2^62: exact in int64
		switch {
		case a > b:
			return 1
		case a < b:
			return -1
		}
		return 0
	}
	a := new(big.Int).Mul(big.NewInt(q.x-p.x), big.NewInt(r.y-p.y))
	b := new(big.Int).Mul(big.NewInt(q.y-p.y), big.NewInt(r.x-p.x))
	return a.Cmp(b)
}

func small(v int64) bool { return v > -1<<31 && v < 1<<31 }

// onSegment reports whether r, collinear with pq, lies within the box of pq.
func onSegment(p, q, r ipt) bool {
	return min(p.x, q.x) <= r.x && r.x <= max(p.x, q.x) && min(p.y, q.y) <= r.y && r.y <= max(p.y, q.y)
}

// segmentsClash reports whether segments ab and cd meet anywhere but at an
// endpoint both share: a proper crossing, a vertex of one inside the other, or
// a collinear overlap. Segments sharing one endpoint and otherwise apart, and
// identical segments (a border two rings share), do not clash.
func segmentsClash(a, b, c, d ipt) bool {
	if (a == c && b == d) || (a == d && b == c) {
		return false
	}
	o1, o2 := orientation(a, b, c), orientation(a, b, d)
	o3, o4 := orientation(c, d, a), orientation(c, d, b)
	if o1*o2 < 0 && o3*o4 < 0 {
		return true // proper crossing
	}
	// An endpoint of one on the other, other than a shared endpoint.
	touch := func(p, q, r ipt, o int) bool { return o == 0 && r != p && r != q && onSegment(p, q, r) }
	if touch(a, b, c, o1) || touch(a, b, d, o2) || touch(c, d, a, o3) || touch(c, d, b, o4) {
		return true
	}
	return false
}

// douglasPeucker simplifies an arc of vertex ids with orb's simplifier in
// Mercator metres; the ends are always kept.
func (t *topology) douglasPeucker(dp *simplify.DouglasPeuckerSimplifier, arc []int32) []int32 {
	if len(arc) <= 2 || dp.Threshold == 0 {
		return arc
	}
	ls := make(orb.LineString, len(arc))
	for i, v := range arc {
		ls[i] = t.merc[v]
	}
	kept := dp.LineString(ls)
	// The simplifier returns a subsequence of the points: walk both to get ids back.
	out := make([]int32, 0, len(kept))
	j := 0
	for _, v := range arc {
		if j < len(kept) && t.merc[v] == kept[j] {
			out = append(out, v)
			j++
		}
	}
	return out
}

func arcKey(arc []int32) string {
	b := make([]byte, 0, 4*len(arc))
	for _, v := range arc {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return string(b)
}

// orient winds a ring as RFC 7946 asks: outer rings counter-clockwise, holes clockwise.
func orient(r orb.Ring, outer bool) orb.Ring {
	if (r.Orientation() == orb.CCW) != outer {
		r = slices.Clone(r)
		slices.Reverse(r)
	}
	return r
}
