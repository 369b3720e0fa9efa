package pmtiles

import "fmt"

// MaxZoom is the deepest zoom whose tile ids fit in a uint64 with room to spare;
// the spec's JavaScript reader stops at 26 (2^53), so archives meant for browsers
// should stay at or below that.
const MaxZoom = 31

// ZxyToID returns the PMTiles v3 tile id of z/x/y: the number of tiles on all
// shallower zooms plus the tile's position along the Hilbert curve of zoom z.
func ZxyToID(z uint8, x, y uint32) uint64 {
	acc := (uint64(1)<<(2*uint64(z)) - 1) / 3
	for a := int(z) - 1; a >= 0; a-- {
		s := uint32(1) << uint(a)
		rx := x & s
		ry := y & s
		// (3*rx)^ry picks the quadrant's index 0..3 scaled by s; scaled again by s
		// it becomes the number of cells in the quadrants before it.
		acc += uint64((3*rx)^ry) << uint(a)
		x, y = rotate(s, x, y, rx, ry)
	}
	return acc
}

// IDToZxy inverts ZxyToID.
func IDToZxy(id uint64) (z uint8, x, y uint32) {
	var acc uint64
	for z = 0; z < MaxZoom; z++ {
		n := uint64(1) << (2 * uint64(z))
		if id < acc+n {
			break
		}
		acc += n
	}
	t := id - acc
	for a := uint8(0); a < z; a++ {
		s := uint32(1) << a
		rx := s & uint32(t>>1)
		ry := s & uint32(t^uint64(rx))
		x, y = rotate(s, x, y, rx, ry)
		x += rx
		y += ry
		t >>= 1
	}
	return z, x, y
}

// rotate flips a quadrant so the curve's sub-squares connect end to end.
func rotate(n, x, y, rx, ry uint32) (uint32, uint32) {
	if ry == 0 {
		if rx != 0 {
			return n - 1 - y, n - 1 - x
		}
		return y, x
	}
	return x, y
}

// checkZxy reports a tile address that no zoom level holds.
func checkZxy(z uint8, x, y uint32) error {
	if z > MaxZoom {
		return fmt.Errorf("pmtiles: zoom %d is above the maximum %d", z, MaxZoom)
	}
	if uint64(x) >= uint64(1)<<z || uint64(y) >= uint64(1)<<z {
		return fmt.Errorf("pmtiles: tile %d/%d/%d is outside zoom %d", z, x, y, z)
	}
	return nil
}
