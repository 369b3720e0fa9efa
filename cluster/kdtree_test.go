package cluster

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// pointSets are point layouts that stress the KD-tree's leaf boxes: ties on
// an axis, many points at one position, boxes much smaller than the radii, and
// coordinates at the ends of int32.
func pointSets() map[string][][2]int32 {
	r := rand.New(rand.NewPCG(7, 9))
	sets := map[string][][2]int32{}
	add := func(name string, n int, f func(i int) [2]int32) {
		for i := range n {
			sets[name] = append(sets[name], f(i))
		}
	}
	add("uniform over the grid", 3000, func(int) [2]int32 {
		return [2]int32{int32(r.IntN(1<<30) - 1<<29), int32(r.IntN(1<<30) - 1<<29)}
	})
	centres := [][2]float64{{-3e6, 2e6}, {5e5, -7e5}, {8e6, 8e6}}
	add("tight blobs", 3000, func(int) [2]int32 {
		c := centres[r.IntN(len(centres))]
		return [2]int32{int32(c[0] + 2000*r.NormFloat64()), int32(c[1] + 2000*r.NormFloat64())}
	})
	add("200 shared positions", 3000, func(i int) [2]int32 {
		p := rand.New(rand.NewPCG(uint64(i%200), 3)) // position i%200, the same every time
		return [2]int32{int32(p.IntN(40000)), int32(p.IntN(40000))}
	})
	add("one x", 1000, func(int) [2]int32 { return [2]int32{12345, int32(r.IntN(20000))} })
	add("one y, few x", 1000, func(int) [2]int32 { return [2]int32{int32(r.IntN(5) * 700), -9} })
	add("int32 extremes", 1000, func(int) [2]int32 {
		return [2]int32{int32(r.IntN(4000)) + math.MinInt32, math.MaxInt32 - int32(r.IntN(4000))}
	})
	return sets
}

func buildTree(xy [][2]int32, nodeSize int) *kdTree {
	pts := make([]kdPoint, len(xy))
	for i, p := range xy {
		pts[i] = kdPoint{xy: p, id: uint32(i)}
	}
	return newKDTree(pts, nodeSize)
}

// TestLeafBoxes checks what near relies on: every point of a leaf lies in the
// leaf's box, and every item is either in exactly one leaf or is a median.
func TestLeafBoxes(t *testing.T) {
	for name, xy := range pointSets() {
		for _, nodeSize := range []int{2, 16, 64} {
			tree := buildTree(xy, nodeSize)
			inLeaf := 0
			for l, cell := range tree.leaves {
				for s := cell.left; s <= cell.right; s++ {
					p := tree.pts[s]
					if tree.leafOf[p.id] != int32(l) {
						t.Fatalf("%s, node size %d: item %d in leaf %d has leafOf %d", name, nodeSize, p.id, l, tree.leafOf[p.id])
					}
					for a := range 2 {
						if p.xy[a] < cell.min[a] || p.xy[a] > cell.max[a] {
							t.Fatalf("%s, node size %d: item %d at %v is outside leaf %d's box %v..%v", name, nodeSize, p.id, p.xy, l, cell.min, cell.max)
						}
					}
					inLeaf++
				}
			}
			medians := 0
			for _, l := range tree.leafOf {
				if l < 0 {
					medians++
				}
			}
			if inLeaf+medians != len(xy) {
				t.Errorf("%s, node size %d: %d items in leaves and %d medians, want %d in all", name, nodeSize, inLeaf, medians, len(xy))
			}
		}
	}
}

// TestNearMatchesWithin checks near against within (kdbush's query, which the
// supercluster parity tests pin down) for every item, and both against a
// brute-force count, over radii from below one grid unit to beyond the grid.
func TestNearMatchesWithin(t *testing.T) {
	radii := []float64{0.3, 1, 1.5, 7, 60, 1919.5, 1920, 30720, 1e6, 1 << 31, 3e9}
	for name, xy := range pointSets() {
		for _, nodeSize := range []int{2, 16, 64} {
			tree := buildTree(xy, nodeSize)
			for _, r := range radii {
				step := 1
				if r >= 1e6 {
					step = 37 // every query finds most points: a sample is enough
				}
				leafPath := 0
				for id := 0; id < len(xy); id += step {
					x, y := xy[id][0], xy[id][1]
					got := tree.near(uint32(id), x, y, r, nil)
					want := tree.within(x, y, r, nil)
					if !slices.Equal(got, want) {
						t.Fatalf("%s, node size %d, r %v, item %d: near %v, within %v", name, nodeSize, r, id, got, want)
					}
					if id%7 == 0 {
						n := 0
						for _, q := range xy {
							if sqDist(float64(q[0]), float64(q[1]), float64(x), float64(y)) <= r*r {
								n++
							}
						}
						if len(want) != n {
							t.Fatalf("%s, node size %d, r %v, item %d: within found %d points, brute force %d", name, nodeSize, r, id, len(want), n)
						}
					}
					if leafPath0(tree, id, x, y, r) {
						leafPath++
					}
				}
				// Where the boxes are much bigger than the radius, most
				// queries must take the leaf path, or near saves nothing.
				if (name == "uniform over the grid" || name == "tight blobs") && r <= 60 && nodeSize >= 16 && leafPath < len(xy)/2 {
					t.Errorf("%s, node size %d, r %v: %d of %d queries took the leaf path", name, nodeSize, r, leafPath, len(xy))
				}
			}
		}
	}
}

// leafPath0 is near's test for answering from item id's leaf alone.
func leafPath0(tree *kdTree, id int, x, y int32, r float64) bool {
	l := tree.leafOf[id]
	if l < 0 || r >= 1<<31 {
		return false
	}
	cell, reach := tree.leaves[l], int64(r)+1
	return int64(x)-int64(cell.min[0]) > reach && int64(cell.max[0])-int64(x) > reach &&
		int64(y)-int64(cell.min[1]) > reach && int64(cell.max[1])-int64(y) > reach
}

// TestBuildSameOnAnyGOMAXPROCS checks that building the halves on two
// goroutines leaves every point in the slot the sequential kdbush sort gives
// it, with the same leaves.
func TestBuildSameOnAnyGOMAXPROCS(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	build := func(src []kdPoint, nodeSize, procs int) *kdTree {
		prev := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(prev)
		return newKDTree(slices.Clone(src), nodeSize)
	}
	for _, n := range []int{parallelBuild - 1, parallelBuild, 3*parallelBuild + 7} {
		src := make([]kdPoint, n)
		for i := range src {
			src[i] = kdPoint{xy: [2]int32{int32(r.IntN(50000)), int32(r.IntN(500))}, id: uint32(i)}
		}
		// Node sizes up to the whole tree: a tree of one leaf has no root
		// median to split at.
		for _, nodeSize := range []int{2, 64, n - 2, n - 1, n, 65535} {
			one, two := build(src, nodeSize, 1), build(src, nodeSize, 2)
			if !slices.Equal(one.pts, two.pts) || !slices.Equal(one.xs, two.xs) || !slices.Equal(one.byX, two.byX) ||
				!slices.Equal(one.leafOf, two.leafOf) || !slices.Equal(one.leaves, two.leaves) {
				t.Errorf("%d points, node size %d: the tree built on two goroutines differs from the one built on one", n, nodeSize)
			}
			if len(one.leaves) != one.leafCount(n) || one.leaves[len(one.leaves)-1].right != int32(n-1) {
				t.Errorf("%d points, node size %d: %d leaves, the last ending at slot %d", n, nodeSize, len(one.leaves), one.leaves[len(one.leaves)-1].right)
			}
		}
	}
}
