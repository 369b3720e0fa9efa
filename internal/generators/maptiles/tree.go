package maptiles

import (
	"fmt"
	"strconv"
)

// maxLevel is the deepest node level: the integer grid has 2^30 cells a side.
const maxLevel = 30

// node is one tile of the layer's tree. It holds a file with the features
// inside its tile shown at zooms band[0]..band[1] (no file when band[1] < band[0])
// and children one level down for the zooms after its band.
type node struct {
	level, x, y int
	band        [2]int
	file        []byte
	children    [4]*node // (2x, 2y), (2x+1, 2y), (2x, 2y+1), (2x+1, 2y+1)
}

type treeBuilder struct {
	feats    []feature
	top      int // the raw-point zoom, MaxZoom+1: its files serve every zoom above too
	maxBytes int
	skeleton int // fileSkeleton
	enc      *fileEncoder
	nodes    int
	files    int
	largest  int

	// Scratch space for sizing a node's strings: per string id the node that
	// last saw it and the first zoom (from the node's first) it is used at.
	node    int32
	seenBy  []int32
	firstZ  []int32
	touched []int32
}

func newTreeBuilder(feats []feature, strs *stringTable, withCats bool, o Options) *treeBuilder {
	n := len(strs.quoted)
	return &treeBuilder{feats: feats, top: o.MaxZoom + 1, maxBytes: o.MaxFileBytes, skeleton: fileSkeleton(withCats),
		enc: &fileEncoder{feats: feats, strs: strs, withCats: withCats}, seenBy: make([]int32, n), firstZ: make([]int32, n)}
}

// bandLag is how many levels above its first zoom a node may be and still take
// a band that stops short of the raw-point zoom. Limiting it writes fewer
// bytes than taking the longest band anywhere (points are written again less
// often).
const bandLag = 1

// build makes the node for tile level/x/y holding ids (features inside the tile
// shown at some zoom >= from), or nil when ids is empty. It gives the node the
// longest band of zooms from `from` whose file fits in maxBytes; when not even
// one zoom fits, the node only routes to its children, which start at the same
// zoom. The features of zooms after the band go to the children.
func (t *treeBuilder) build(level, x, y, from int, ids []int32) *node {
	if len(ids) == 0 {
		return nil
	}
	t.nodes++
	n := &node{level: level, x: x, y: y, band: [2]int{from, from - 1}}

	// sizes[z-from]: at most the bytes the features first shown here at z (or
	// before from) add to the file, and the strings they are the first to use.
	sizes := make([]int, t.top-from+1)
	t.node++
	t.touched = t.touched[:0]
	for _, id := range ids {
		f := &t.feats[id]
		z := int32(max(f.minZ, from) - from)
		sizes[z] += f.size
		for _, s := range f.strs {
			switch {
			case s < 0:
			case t.seenBy[s] != t.node:
				t.seenBy[s], t.firstZ[s] = t.node, z
				t.touched = append(t.touched, s)
			case z < t.firstZ[s]:
				t.firstZ[s] = z
			}
		}
	}
	for _, s := range t.touched {
		sizes[t.firstZ[s]] += len(t.enc.strs.quoted[s]) + 1
	}
	total := t.skeleton
	end := from - 1
	for z := from; z <= t.top; z++ {
		total += sizes[z-from]
		if total > t.maxBytes {
			break
		}
		end = z
	}
	if end < from && level == maxLevel {
		end = from // the grid cannot split further: accept an oversized file
	}
	if end >= from && end < t.top && level < from-bandLag {
		// Rather than a short band over a large tile, whose points would be
		// written again for the next band, split: the smaller tiles below can
		// take longer bands. Stopping bandLag levels above the display zoom keeps
		// a viewport to a few files.
		end = from - 1
	}

	var rest []int32
	if end >= from {
		n.band[1] = end
		size := t.skeleton
		for z := n.band[0]; z <= end; z++ {
			size += sizes[z-n.band[0]]
		}
		var sel []int32
		for _, id := range ids {
			f := &t.feats[id]
			if f.minZ <= end {
				sel = append(sel, id)
			}
			if f.maxZ > end {
				rest = append(rest, id)
			}
		}
		b := t.enc.encode(sel, size)
		n.file = b
		t.files++
		t.largest = max(t.largest, len(b))
		from = end + 1
	} else {
		rest = ids
	}
	if len(rest) == 0 || from > t.top {
		return n
	}

	// Split the remaining features among the four children.
	var quads [4][]int32
	shift := uint(maxLevel - (level + 1))
	for _, id := range rest {
		f := &t.feats[id]
		cx, cy := cell(f.x, shift, level+1), cell(f.y, shift, level+1)
		q := (cx - 2*x) + 2*(cy-2*y)
		quads[q] = append(quads[q], id)
	}
	for q := range quads {
		n.children[q] = t.build(level+1, 2*x+q%2, 2*y+q/2, from, quads[q])
	}
	return n
}

// cell is the tile index at level of grid coordinate v (the top edge, 2^29,
// belongs to the last tile).
func cell(v int32, shift uint, level int) int {
	c := int((int64(v) + 1<<29) >> shift)
	return min(c, 1<<level-1)
}

// encodeIndex writes the tree in preorder as one integer per node:
// 16*(zooms in the node's band) + a mask of the children present (bit q for
// child q). A client rebuilds the tree from the root tile 0/0/0 and MinZoom.
func encodeIndex(root *node) []int {
	var out []int
	var walk func(n *node)
	walk = func(n *node) {
		mask := 0
		for q, c := range n.children {
			if c != nil {
				mask |= 1 << q
			}
		}
		out = append(out, 16*(n.band[1]-n.band[0]+1)+mask)
		for _, c := range n.children {
			if c != nil {
				walk(c)
			}
		}
	}
	if root != nil {
		walk(root)
	}
	return out
}

// addFiles adds every node's file as "level/x/y.json".
func addFiles(n *node, add func(rel string, data []byte) error) error {
	if n == nil {
		return nil
	}
	if n.file != nil {
		rel := strconv.Itoa(n.level) + "/" + strconv.Itoa(n.x) + "/" + strconv.Itoa(n.y) + ".json"
		if err := add(rel, n.file); err != nil {
			return fmt.Errorf("tile %s: %w", rel, err)
		}
	}
	for _, c := range n.children {
		if err := addFiles(c, add); err != nil {
			return err
		}
	}
	return nil
}
