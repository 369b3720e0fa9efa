package pmtiles

import (
	"bytes"
	"testing"
)

// FuzzReader feeds corrupted archives to the reader: it must return errors,
// never panic or allocate without bound.
func FuzzReader(f *testing.F) {
	good := writeArchive(f, sampleTiles(), Options{TileType: MVT, TileCompression: NoCompression}, 40)
	f.Add(good)
	f.Add(good[:200])
	flipped := bytes.Clone(good)
	flipped[20] ^= 0xff // root length
	f.Add(flipped)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		_, _ = r.Metadata()
		_, _ = r.Entries()
		for _, k := range [][3]uint32{{0, 0, 0}, {2, 1, 1}, {10, 503, 303}} {
			_, _, _ = r.Tile(uint8(k[0]), k[1], k[2])
		}
	})
}

func FuzzDecodeDirectory(f *testing.F) {
	d, _ := EncodeDirectory([]Entry{{1, 0, 10, 1}, {2, 10, 5, 1}, {9, 0, 10, 3}}, NoCompression)
	f.Add(d)
	f.Add([]byte{200, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := DecodeDirectory(data, NoCompression)
		if err != nil {
			return
		}
		// What decodes re-encodes to a directory that decodes the same.
		back, err := EncodeDirectory(entries, NoCompression)
		if err != nil {
			return // ids out of order: the writer refuses what the reader tolerates
		}
		again, err := DecodeDirectory(back, NoCompression)
		if err != nil || len(again) != len(entries) {
			t.Fatalf("re-encoded directory: %v, %d entries of %d", err, len(again), len(entries))
		}
	})
}
