package cluster

import (
	"math"
	"runtime"
	"slices"
)

// kdTree is kdbush 4.1.0 with Int32 coordinates, as SuperCluster builds it: a
// static KD-tree sorted in place, searched with an explicit stack. Every step,
// including the Floyd–Rivest selection and the order the stack visits halves,
// follows kdbush so that query results come back in the same order.
//
// kdbush keeps ids and coordinates in two arrays; here each slot holds both, so
// that a swap moves one value and a query reads one cache line per point.
type kdTree struct {
	nodeSize int
	pts      []kdPoint // in kdbush's slot order once built

	// Each leaf's points sorted by x (not in kdbush), so that a radius query
	// finds the few points of a leaf near enough in x by binary search instead
	// of testing all of them (see leafWithin): xs[s] is the x of the point in
	// slot left+byX[s] for the leaf [left, right] holding slot s.
	xs  []int32
	byX []uint16

	// Where each item sits (not in kdbush), so that a query around one of the
	// tree's own items can start at its leaf (see near): leafOf[id] is the
	// index in leaves of the leaf holding item id, or -1 for an item that is
	// a median.
	leafOf []int32
	leaves []leafCell
}

// leafCell is a leaf's slots and the box its points are known to lie in: the
// medians above it bound each axis (a left subtree's points are not greater
// than its median on the split axis, a right subtree's not less), and min or
// max is math.MinInt32 or math.MaxInt32 on a side no median bounds.
type leafCell struct {
	left, right int32
	min, max    [2]int32
}

type kdPoint struct {
	xy [2]int32 // x, y on SuperCluster's integer grid
	id uint32   // index of the item in its level
}

// newKDTree sorts pts (in place) into kdbush's order; pts[i].id must be i.
func newKDTree(pts []kdPoint, nodeSize int) *kdTree {
	n := len(pts)
	t := &kdTree{nodeSize: min(max(nodeSize, 2), 65535), pts: pts}
	if n == 0 {
		return t
	}
	t.xs = make([]int32, n)
	t.byX = make([]uint16, n)
	t.leafOf = make([]int32, n)
	t.leaves = make([]leafCell, t.leafCount(n))
	lo, hi := [2]int32{math.MinInt32, math.MinInt32}, [2]int32{math.MaxInt32, math.MaxInt32}
	if n < parallelBuild || n-1 <= t.nodeSize || runtime.GOMAXPROCS(0) < 2 {
		t.build(0, n-1, 0, lo, hi, 0, new([]uint64))
		return t
	}
	// The root's selection comes first; below it the two halves share no
	// slot, item or leaf, so they are built side by side with the same result.
	m := (n - 1) >> 1
	t.selectK(m, 0, n-1, 0)
	t.leafOf[pts[m].id] = -1
	v := pts[m].xy[0]
	done := make(chan struct{})
	go func() {
		t.build(0, m-1, 1, lo, [2]int32{v, hi[1]}, 0, new([]uint64))
		close(done)
	}()
	t.build(m+1, n-1, 1, [2]int32{v, lo[1]}, hi, t.leafCount(m), new([]uint64))
	<-done
	return t
}

// parallelBuild is the fewest points for which newKDTree builds the two
// halves on two goroutines: below it, starting one costs more than it saves.
const parallelBuild = 8192

// leafCount is the number of leaves of a subtree of n points: the shape of
// kdbush's tree depends on the number of points alone.
func (t *kdTree) leafCount(n int) int {
	if n-1 <= t.nodeSize {
		return 1
	}
	left := (n - 1) >> 1
	return t.leafCount(left) + t.leafCount(n-1-left)
}

// build is kdbush's sort of [left, right] (split on axis), which also fills
// xs, byX, leafOf and leaves (numbered from leaf) for the points in it, known
// to lie in the box lo..hi. It returns the number of the next leaf; keys is
// scratch space.
func (t *kdTree) build(left, right, axis int, lo, hi [2]int32, leaf int, keys *[]uint64) int {
	if right-left > t.nodeSize {
		m := (left + right) >> 1
		t.selectK(m, left, right, axis)
		t.leafOf[t.pts[m].id] = -1
		v := t.pts[m].xy[axis]
		loHi, hiLo := hi, lo
		loHi[axis], hiLo[axis] = v, v
		leaf = t.build(left, m-1, 1-axis, lo, loHi, leaf, keys)
		return t.build(m+1, right, 1-axis, hiLo, hi, leaf, keys)
	}
	t.leaves[leaf] = leafCell{left: int32(left), right: int32(right), min: lo, max: hi}
	ks := (*keys)[:0]
	for s := left; s <= right; s++ {
		t.leafOf[t.pts[s].id] = int32(leaf)
		// x with its sign bit flipped sorts as an unsigned number; the offset breaks ties.
		ks = append(ks, uint64(uint32(t.pts[s].xy[0])^1<<31)<<32|uint64(s-left))
	}
	slices.Sort(ks)
	for k, key := range ks {
		t.xs[left+k] = int32(uint32(key>>32) ^ 1<<31)
		t.byX[left+k] = uint16(key)
	}
	*keys = ks
	return leaf + 1
}

// selectK is kdbush's select: it arranges [left, right] so that items before k
// are not greater than item k on axis. The float arithmetic mirrors the JS
// expression by expression (each product rounded on its own, never fused).
func (t *kdTree) selectK(k, left, right, axis int) {
	c := t.pts
	for right > left {
		if right-left > 600 {
			n := float64(right - left + 1)
			m := float64(k - left + 1)
			z := fdlibmLog(n)
			s := 0.5 * fdlibmExp(float64(2*z)/3)
			sign := 1.0
			if m-n/2 < 0 {
				sign = -1
			}
			sd := float64(0.5*math.Sqrt(float64(float64(z*s)*(n-s))/n)) * sign
			newLeft := max(left, int(math.Floor(float64(k)-float64(m*s)/n+sd)))
			newRight := min(right, int(math.Floor(float64(k)+float64((n-m)*s)/n+sd)))
			t.selectK(k, newLeft, newRight, axis)
		}

		v := c[k].xy[axis]
		i := left
		j := right

		t.swap(left, k)
		if c[right].xy[axis] > v {
			t.swap(left, right)
		}
		for i < j {
			t.swap(i, j)
			i++
			j--
			for c[i].xy[axis] < v {
				i++
			}
			for c[j].xy[axis] > v {
				j--
			}
		}
		if c[left].xy[axis] == v {
			t.swap(left, j)
		} else {
			j++
			t.swap(j, right)
		}
		if j <= k {
			left = j + 1
		}
		if k <= j {
			right = j - 1
		}
	}
}

func (t *kdTree) swap(i, j int) {
	t.pts[i], t.pts[j] = t.pts[j], t.pts[i]
}

// rangeQuery appends to out the ids of items with minX <= x <= maxX and
// minY <= y <= maxY, in kdbush's order.
func (t *kdTree) rangeQuery(minX, minY, maxX, maxY float64, out []uint32) []uint32 {
	if len(t.pts) == 0 {
		return out
	}
	c := t.pts
	var stackBuf [96]int
	stack := append(stackBuf[:0], 0, len(t.pts)-1, 0)
	for len(stack) > 0 {
		axis := stack[len(stack)-1]
		right := stack[len(stack)-2]
		left := stack[len(stack)-3]
		stack = stack[:len(stack)-3]

		if right-left <= t.nodeSize {
			for _, p := range c[left : right+1] {
				x, y := float64(p.xy[0]), float64(p.xy[1])
				if x >= minX && x <= maxX && y >= minY && y <= maxY {
					out = append(out, p.id)
				}
			}
			continue
		}
		m := (left + right) >> 1
		x, y := float64(c[m].xy[0]), float64(c[m].xy[1])
		if x >= minX && x <= maxX && y >= minY && y <= maxY {
			out = append(out, c[m].id)
		}
		if (axis == 0 && minX <= x) || (axis != 0 && minY <= y) {
			stack = append(stack, left, m-1, 1-axis)
		}
		if (axis == 0 && maxX >= x) || (axis != 0 && maxY >= y) {
			stack = append(stack, m+1, right, 1-axis)
		}
	}
	return out
}

// within appends to out the ids of items within distance r of (qx, qy), in
// kdbush's order. Distances are computed in float64 as JS does, so that large
// squared distances round the same way.
//
// In a leaf, kdbush tests every point; here only those whose x is within
// floor(r)+1 of qx, found by binary search in the leaf's x order, are tested,
// and the matches are put back in slot order. No point left out could match:
// for |dx| >= r+1, dx*dx rounds to more than r*r (the gap 2r+1 is far above an
// ulp of r*r for any r below 2^50), so the rounded sum does too.
func (t *kdTree) within(qx, qy int32, r float64, out []uint32) []uint32 {
	if len(t.pts) == 0 {
		return out
	}
	c := t.pts
	fx, fy := float64(qx), float64(qy)
	r2 := r * r
	window := r < 1<<31 // otherwise every point is near enough in x
	var xmin, xmax int64
	if window {
		reach := int64(r) + 1
		xmin, xmax = int64(qx)-reach, int64(qx)+reach
	}
	var stackBuf [96]int32 // 32 levels; a deeper tree's stack grows on the heap
	stack := append(stackBuf[:0], 0, int32(len(t.pts)-1), 0)
	for len(stack) > 0 {
		axis := int(stack[len(stack)-1])
		right := int(stack[len(stack)-2])
		left := int(stack[len(stack)-3])
		stack = stack[:len(stack)-3]

		if right-left <= t.nodeSize {
			if !window {
				for _, p := range c[left : right+1] {
					if sqDist(float64(p.xy[0]), float64(p.xy[1]), fx, fy) <= r2 {
						out = append(out, p.id)
					}
				}
				continue
			}
			out = t.leafWithin(left, right, fx, fy, r2, xmin, xmax, out)
			continue
		}
		m := (left + right) >> 1
		x, y := float64(c[m].xy[0]), float64(c[m].xy[1])
		if sqDist(x, y, fx, fy) <= r2 {
			out = append(out, c[m].id)
		}
		if (axis == 0 && fx-r <= x) || (axis != 0 && fy-r <= y) {
			stack = append(stack, int32(left), int32(m-1), int32(1-axis))
		}
		if (axis == 0 && fx+r >= x) || (axis != 0 && fy+r >= y) {
			stack = append(stack, int32(m+1), int32(right), int32(1-axis))
		}
	}
	return out
}

// leafWithin appends to out the ids of the points of leaf [left, right] within
// squared distance r2 of (fx, fy), in slot order, testing only those whose x is
// in xmin..xmax (see within).
func (t *kdTree) leafWithin(left, right int, fx, fy, r2 float64, xmin, xmax int64, out []uint32) []uint32 {
	c := t.pts
	xs := t.xs[left : right+1]
	lo, hi := 0, len(xs)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if int64(xs[h]) < xmin {
			lo = h + 1
		} else {
			hi = h
		}
	}
	start := len(out)
	for k := lo; k < len(xs) && int64(xs[k]) <= xmax; k++ {
		s := left + int(t.byX[left+k])
		if p := &c[s]; sqDist(float64(p.xy[0]), float64(p.xy[1]), fx, fy) <= r2 {
			out = append(out, uint32(s))
		}
	}
	// Back to kdbush's order (slot order within a leaf), slots to ids.
	found := out[start:]
	for a := 1; a < len(found); a++ {
		for b := a; b > 0 && found[b] < found[b-1]; b-- {
			found[b], found[b-1] = found[b-1], found[b]
		}
	}
	for a, s := range found {
		found[a] = c[s].id
	}
	return out
}

// near is within(x, y, r) for item id at (x, y): the same ids in the same
// order. Most queries while clustering are small next to a leaf's box, and then
// every point within r is in the item's own leaf: a point outside it is beyond
// a median above the leaf on that median's axis, so at least floor(r)+2 >= r+1
// away when the box's side is that far from the item (see within for why that
// distance cannot round to r), and the medians above are on the box's sides.
// Those queries scan the leaf alone instead of walking down from the root; the
// rest, and every item that is itself a median, go through within.
func (t *kdTree) near(id uint32, x, y int32, r float64, out []uint32) []uint32 {
	if l := t.leafOf[id]; l >= 0 && r < 1<<31 {
		cell := &t.leaves[l]
		reach := int64(r) + 1
		x, y := int64(x), int64(y)
		if x-int64(cell.min[0]) > reach && int64(cell.max[0])-x > reach &&
			y-int64(cell.min[1]) > reach && int64(cell.max[1])-y > reach {
			return t.leafWithin(int(cell.left), int(cell.right), float64(x), float64(y), r*r, x-reach, x+reach, out)
		}
	}
	return t.within(x, y, r, out)
}

func sqDist(ax, ay, bx, by float64) float64 {
	dx := ax - bx
	dy := ay - by
	return float64(dx*dx) + float64(dy*dy)
}
