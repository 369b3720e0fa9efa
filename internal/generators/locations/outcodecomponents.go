package locations

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// cellDeg is the side of the nearest-postcode index's cells in degrees
// (about 1.1 km north-south, 0.6-0.7 km east-west in Great Britain).
const cellDeg = 0.01

type cell struct{ i, j int32 }

func cellOf(lat, lng float64) cell {
	return cell{int32(math.Floor(lat / cellDeg)), int32(math.Floor(lng / cellDeg))}
}

// key packs a cell into 31 bits (latitude cells -9000..9000 in the high 15,
// longitude cells -18000..18000 in the low 16), so that the points sort by
// cell on one integer.
func (c cell) key() uint32 { return uint32(c.i+9000)<<16 | uint32(c.j+18000) }

// postcodeIndex finds the nearest unit postcode to a position: the points
// grouped by grid cell, cells sorted by key.
type postcodeIndex struct {
	t     *postcodeTable
	keys  []uint32 // distinct cell keys, ascending
	start []int32  // points of keys[k] are idx[start[k]:start[k+1]]
	idx   []int32  // point indices by cell, ascending within a cell
}

// newPostcodeIndex sorts the points by cell with a two-pass radix sort on the
// key's 16-bit halves (stable, so a cell's points keep their ascending
// index): linear in the points, where a comparison sort of the 1.7 M
// Code-Point points was most of the register's locations stage on a rebake.
func newPostcodeIndex(t *postcodeTable) *postcodeIndex {
	n := len(t.points)
	keyOf := make([]uint32, n)
	for i := range t.points {
		keyOf[i] = cellOf(t.points[i].Lat, t.points[i].Lng).key()
	}
	counts := make([]int32, 1<<16)
	pass := func(dst, src []int32, digit func(uint32) uint32) {
		clear(counts)
		for _, i := range src {
			counts[digit(keyOf[i])]++
		}
		var sum int32
		for d, c := range counts {
			counts[d] = sum
			sum += c
		}
		for _, i := range src {
			d := digit(keyOf[i])
			dst[counts[d]] = i
			counts[d]++
		}
	}
	src, idx := make([]int32, n), make([]int32, n)
	for i := range src {
		src[i] = int32(i)
	}
	pass(idx, src, func(k uint32) uint32 { return k & 0xffff })
	pass(src, idx, func(k uint32) uint32 { return k >> 16 })
	ix := &postcodeIndex{t: t, idx: src}
	for pos, i := range src {
		k := keyOf[i]
		if len(ix.keys) == 0 || ix.keys[len(ix.keys)-1] != k {
			ix.keys = append(ix.keys, k)
			ix.start = append(ix.start, int32(pos))
		}
	}
	ix.start = append(ix.start, int32(n))
	return ix
}

// cell returns the indices of the points in c.
func (ix *postcodeIndex) cell(c cell) []int32 {
	if c.i < -9000 || c.i > 9000 || c.j < -18000 || c.j > 18000 {
		return nil
	}
	k, ok := slices.BinarySearch(ix.keys, c.key())
	if !ok {
		return nil
	}
	return ix.idx[ix.start[k]:ix.start[k+1]]
}

// nearest returns the index of the postcode nearest to (lat, lng) within
// maxMetres, the lowest index among equally near ones. It searches rings of
// cells outwards and stops once no unsearched cell can hold a nearer point.
func (ix *postcodeIndex) nearest(lat, lng, maxMetres float64) (int, bool) {
	if len(ix.t.points) == 0 {
		return 0, false
	}
	// The narrowest a cell can be near lat, a little short of the truth: safe.
	minCell := cellDeg * 110000 * math.Cos((math.Abs(lat)+1)*math.Pi/180)
	// Equirectangular distance on the sphere with the pair's mean latitude:
	// within centimetres of the haversine distance at these ranges, and cheap.
	// Compared squared and in degrees (the same order as metres; no square
	// root per candidate).
	const mPerDeg = 6371008.8 * math.Pi / 180
	dist2 := func(p *record.PostcodePoint) float64 {
		dy := p.Lat - lat
		dx := (p.Lng - lng) * math.Cos((p.Lat+lat)*math.Pi/360)
		return dx*dx + dy*dy
	}
	c0 := cellOf(lat, lng)
	best, bestD2 := -1, math.Inf(1)
	visit := func(c cell) {
		for _, i := range ix.cell(c) {
			p := &ix.t.points[i]
			// dist2 is at least dy*dy (adding dx*dx >= 0 cannot round
			// below it), so a point this far north or south cannot win,
			// and its cosine is not computed.
			if dy := p.Lat - lat; dy*dy > bestD2 {
				continue
			}
			d := dist2(p)
			if d < bestD2 || d == bestD2 && int(i) < best {
				best, bestD2 = int(i), d
			}
		}
	}
	for r := int32(0); ; r++ {
		if r == 0 {
			visit(c0)
		} else {
			for k := -r; k <= r; k++ {
				visit(cell{c0.i - r, c0.j + k})
				visit(cell{c0.i + r, c0.j + k})
				if k != -r && k != r {
					visit(cell{c0.i + k, c0.j - r})
					visit(cell{c0.i + k, c0.j + r})
				}
			}
		}
		// Every unsearched point lies at least r cells away.
		reach := float64(r) * minCell
		if best >= 0 && math.Sqrt(bestD2)*mPerDeg <= reach || reach > maxMetres {
			break
		}
	}
	if best < 0 {
		return 0, false
	}
	p := &ix.t.points[best]
	if geo.Distance(orb.Point{lng, lat}, orb.Point{p.Lng, p.Lat}) > maxMetres {
		return 0, false
	}
	return best, true
}

// outcodeComponents files every component under one outcode: a located
// component under the outcode of its nearest unit postcode within
// opts.NearestPostcodeMetres (so that grid-referenced sites with no postcode in
// their text are found too), else under the outcode written in its location.
func outcodeComponents(comps []record.Component, t *postcodeTable, opts Options, s *Summary) map[string][]int64 {
	out := map[string][]int64{}
	var ix *postcodeIndex
	if len(t.points) > 0 {
		ix = newPostcodeIndex(t)
	}
	// A site's components (one per auction year, often several) share its
	// position: each distinct position is searched once, which nearly halves
	// the search on a large register.
	type found struct {
		k  int
		ok bool
	}
	seen := map[[2]float64]found{}
	for i := range comps {
		c := &comps[i]
		oc := ""
		if c.Geo.Located && ix != nil {
			at := [2]float64{c.Geo.Lat, c.Geo.Lng}
			f, done := seen[at]
			if !done {
				f.k, f.ok = ix.nearest(c.Geo.Lat, c.Geo.Lng, opts.NearestPostcodeMetres)
				seen[at] = f
			}
			if k, ok := f.k, f.ok; ok {
				oc, _, _ = splitPostcode(t.points[k].Postcode)
				s.ByNearestPostcode++
			}
		}
		if oc == "" {
			if oc = strings.ToUpper(strings.TrimSpace(c.Outcode)); oc != "" {
				s.ByLocationOutcode++
			}
		}
		if oc == "" {
			s.WithoutOutcode++
			continue
		}
		out[oc] = append(out[oc], c.ID)
		s.OutcodeComponents++
	}
	for _, ids := range out {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	}
	s.OutcodesWithComps = len(out)
	return out
}

func writeOutcodeComponents(comps []record.Component, t *postcodeTable, w *writer.Writer, opts Options, s *Summary) error {
	m := outcodeComponents(comps, t, opts, s)
	b := []byte{'{'}
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPyString(b, k)
		b = append(b, ':', '[')
		for j, id := range m[k] {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, id, 10)
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	if _, err := w.WriteAsset(OutcodeComponentsName, b, writer.Meta{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("locations: writing %s: %w", OutcodeComponentsName, err)
	}
	return nil
}
