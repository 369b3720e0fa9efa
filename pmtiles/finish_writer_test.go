package pmtiles

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// cutWriter accepts the first room bytes, then fails (a full disk, a closed pipe).
type cutWriter struct {
	buf   bytes.Buffer
	room  int
	calls int
}

var errCut = errors.New("cut")

func (c *cutWriter) Write(p []byte) (int, error) {
	c.calls++
	if len(p) <= c.room {
		c.room -= len(p)
		return c.buf.Write(p)
	}
	n := c.room
	c.buf.Write(p[:n])
	c.room = 0
	return n, errCut
}

// Finish writes each part and each distinct tile with its own Write: a writer
// failing at any byte must fail Finish with that error and a zero Header, and a
// writer with room for everything must get the same bytes as a bytes.Buffer,
// in 4 + TileContents writes (header, root, metadata, leaves, the blobs).
func TestFinishWriterFailsAtEveryByte(t *testing.T) {
	tiles := append(sampleTiles(), testTile{12, 2001, 1300, []byte("sea")}, testTile{11, 0, 0, []byte("tile 3")})
	for _, maxRoot := range []int{0, 40} {
		opts := Options{TileType: MVT, TileCompression: NoCompression}
		want := writeArchive(t, tiles, opts, maxRoot)
		newWriter := func() *Writer { return tilesWriter(t, tiles, opts, maxRoot) }
		full := &cutWriter{room: len(want)}
		h, err := newWriter().Finish(full)
		if err != nil || !bytes.Equal(full.buf.Bytes(), want) {
			t.Fatalf("maxRoot %d: exact-room writer: err %v, %d bytes equal %v", maxRoot, err, full.buf.Len(), bytes.Equal(full.buf.Bytes(), want))
		}
		if h.TileContents != 52 || full.calls != 4+int(h.TileContents) {
			t.Errorf("maxRoot %d: %d contents in %d writes, want 52 in 56 (the added tiles repeat earlier blobs)", maxRoot, h.TileContents, full.calls)
		}
		for room := 0; room < len(want); room++ {
			cw := &cutWriter{room: room}
			h, err := newWriter().Finish(cw)
			if !errors.Is(err, errCut) || h != (Header{}) {
				t.Fatalf("maxRoot %d: writer failing after %d of %d bytes: err %v, header %+v", maxRoot, room, len(want), err, h)
			}
		}
		// An unbuffered file gets the same bytes.
		f, err := os.Create(filepath.Join(t.TempDir(), "a.pmtiles"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := newWriter().Finish(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		got, _ := os.ReadFile(f.Name())
		if !bytes.Equal(got, want) {
			t.Errorf("maxRoot %d: file archive differs from the buffered one", maxRoot)
		}
		// Finish into a closed file fails.
		if _, err := newWriter().Finish(f); err == nil {
			t.Errorf("maxRoot %d: Finish into a closed file succeeded", maxRoot)
		}
	}
}
