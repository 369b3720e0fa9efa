package cluster

import "math"

// kdTree is kdbush 4.1.0 with Int32 coordinates, as SuperCluster builds it: a
// static KD-tree sorted in place, searched with an explicit stack. Every step,
// including the Floyd–Rivest selection and the order the stack visits halves,
// follows kdbush so that query results come back in the same order.
type kdTree struct {
	nodeSize int
	ids      []uint32
	coords   []int32 // x0, y0, x1, y1, ...
}

func newKDTree(coords []int32, nodeSize int) *kdTree {
	n := len(coords) / 2
	t := &kdTree{nodeSize: min(max(nodeSize, 2), 65535), ids: make([]uint32, n), coords: coords}
	for i := range t.ids {
		t.ids[i] = uint32(i)
	}
	if n > 0 {
		t.sort(0, n-1, 0)
	}
	return t
}

func (t *kdTree) sort(left, right, axis int) {
	if right-left <= t.nodeSize {
		return
	}
	m := (left + right) >> 1
	t.selectK(m, left, right, axis)
	t.sort(left, m-1, 1-axis)
	t.sort(m+1, right, 1-axis)
}

// selectK is kdbush's select: it arranges [left, right] so that items before k
// are not greater than item k on axis. The float arithmetic mirrors the JS
// expression by expression (each product rounded on its own, never fused).
func (t *kdTree) selectK(k, left, right, axis int) {
	c := t.coords
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

		v := c[2*k+axis]
		i := left
		j := right

		t.swap(left, k)
		if c[2*right+axis] > v {
			t.swap(left, right)
		}
		for i < j {
			t.swap(i, j)
			i++
			j--
			for c[2*i+axis] < v {
				i++
			}
			for c[2*j+axis] > v {
				j--
			}
		}
		if c[2*left+axis] == v {
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
	t.ids[i], t.ids[j] = t.ids[j], t.ids[i]
	c := t.coords
	c[2*i], c[2*j] = c[2*j], c[2*i]
	c[2*i+1], c[2*j+1] = c[2*j+1], c[2*i+1]
}

// rangeQuery appends to out the ids of items with minX <= x <= maxX and
// minY <= y <= maxY, in kdbush's order.
func (t *kdTree) rangeQuery(minX, minY, maxX, maxY float64, out []uint32) []uint32 {
	if len(t.ids) == 0 {
		return out
	}
	c := t.coords
	var stackBuf [96]int
	stack := append(stackBuf[:0], 0, len(t.ids)-1, 0)
	for len(stack) > 0 {
		axis := stack[len(stack)-1]
		right := stack[len(stack)-2]
		left := stack[len(stack)-3]
		stack = stack[:len(stack)-3]

		if right-left <= t.nodeSize {
			for i := left; i <= right; i++ {
				x, y := float64(c[2*i]), float64(c[2*i+1])
				if x >= minX && x <= maxX && y >= minY && y <= maxY {
					out = append(out, t.ids[i])
				}
			}
			continue
		}
		m := (left + right) >> 1
		x, y := float64(c[2*m]), float64(c[2*m+1])
		if x >= minX && x <= maxX && y >= minY && y <= maxY {
			out = append(out, t.ids[m])
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
func (t *kdTree) within(qx, qy, r float64, out []uint32) []uint32 {
	if len(t.ids) == 0 {
		return out
	}
	c := t.coords
	r2 := r * r
	var stackBuf [96]int
	stack := append(stackBuf[:0], 0, len(t.ids)-1, 0)
	for len(stack) > 0 {
		axis := stack[len(stack)-1]
		right := stack[len(stack)-2]
		left := stack[len(stack)-3]
		stack = stack[:len(stack)-3]

		if right-left <= t.nodeSize {
			for i := left; i <= right; i++ {
				if sqDist(float64(c[2*i]), float64(c[2*i+1]), qx, qy) <= r2 {
					out = append(out, t.ids[i])
				}
			}
			continue
		}
		m := (left + right) >> 1
		x, y := float64(c[2*m]), float64(c[2*m+1])
		if sqDist(x, y, qx, qy) <= r2 {
			out = append(out, t.ids[m])
		}
		if (axis == 0 && qx-r <= x) || (axis != 0 && qy-r <= y) {
			stack = append(stack, left, m-1, 1-axis)
		}
		if (axis == 0 && qx+r >= x) || (axis != 0 && qy+r >= y) {
			stack = append(stack, m+1, right, 1-axis)
		}
	}
	return out
}

func sqDist(ax, ay, bx, by float64) float64 {
	dx := ax - bx
	dy := ay - by
	return float64(dx*dx) + float64(dy*dy)
}
