package pmtiles

import (
	"math/rand/v2"
	"testing"
)

func TestZxyToID(t *testing.T) {
	// Values from the PMTiles v3 spec and its reference implementations.
	cases := []struct {
		z    uint8
		x, y uint32
		id   uint64
	}{
		{0, 0, 0, 0},
		{1, 0, 0, 1},
		{1, 0, 1, 2},
		{1, 1, 1, 3},
		{1, 1, 0, 4},
		{2, 0, 0, 5},
		{2, 1, 3, 11},
		{3, 0, 0, 21},
		{3, 3, 0, 26},
		{4, 0, 0, 85},
		{12, 3423, 1763, 19078479},
		{20, 0, 0, 366503875925},
	}
	for _, tc := range cases {
		if got := ZxyToID(tc.z, tc.x, tc.y); got != tc.id {
			t.Errorf("ZxyToID(%d, %d, %d) = %d, want %d", tc.z, tc.x, tc.y, got, tc.id)
		}
		z, x, y := IDToZxy(tc.id)
		if z != tc.z || x != tc.x || y != tc.y {
			t.Errorf("IDToZxy(%d) = %d/%d/%d, want %d/%d/%d", tc.id, z, x, y, tc.z, tc.x, tc.y)
		}
	}
}

func TestZxyToIDIsABijection(t *testing.T) {
	// Through zoom 7 every tile id from 0 up is used exactly once, and
	// consecutive ids are neighbouring tiles (the Hilbert curve never jumps).
	const maxZ = 7
	n := (uint64(1)<<(2*(maxZ+1)) - 1) / 3
	seen := make([]bool, n)
	for z := uint8(0); z <= maxZ; z++ {
		for x := uint32(0); x < 1<<z; x++ {
			for y := uint32(0); y < 1<<z; y++ {
				id := ZxyToID(z, x, y)
				if id >= n || seen[id] {
					t.Fatalf("%d/%d/%d: id %d out of range or reused", z, x, y, id)
				}
				seen[id] = true
			}
		}
	}
	for z := uint8(1); z <= maxZ; z++ {
		first := (uint64(1)<<(2*uint64(z)) - 1) / 3
		for id := first + 1; id < first+uint64(1)<<(2*uint64(z)); id++ {
			_, x0, y0 := IDToZxy(id - 1)
			_, x1, y1 := IDToZxy(id)
			if d := absDiff(x0, x1) + absDiff(y0, y1); d != 1 {
				t.Fatalf("zoom %d: ids %d and %d are %d tiles apart", z, id-1, id, d)
			}
		}
	}
}

func TestIDToZxyRoundTripDeepZooms(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, z := range []uint8{8, 12, 16, 20, 26, 30, 31} {
		for i := 0; i < 2000; i++ {
			x, y := uint32(rng.Uint64N(1<<z)), uint32(rng.Uint64N(1<<z))
			gz, gx, gy := IDToZxy(ZxyToID(z, x, y))
			if gz != z || gx != x || gy != y {
				t.Fatalf("round trip of %d/%d/%d gave %d/%d/%d", z, x, y, gz, gx, gy)
			}
		}
		last := uint32(1)<<z - 1
		if gz, _, _ := IDToZxy(ZxyToID(z, last, 0)); gz != z {
			t.Errorf("zoom %d: last tile decoded at zoom %d", z, gz)
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
