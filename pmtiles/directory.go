package pmtiles

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// Entry is one directory entry. In a tile entry RunLength >= 1 tiles with
// consecutive ids share the blob at Offset (relative to the tile data section);
// in a leaf pointer RunLength is 0 and Offset is relative to the leaf section.
type Entry struct {
	TileID    uint64
	Offset    uint64
	Length    uint32
	RunLength uint32
}

// EncodeDirectory serializes entries (sorted by TileID) as the spec's columnar
// varint layout and compresses the result with c.
func EncodeDirectory(entries []Entry, c Compression) ([]byte, error) {
	b := make([]byte, 0, 4+len(entries)*6)
	b = binary.AppendUvarint(b, uint64(len(entries)))
	var last uint64
	for i, e := range entries {
		if i > 0 && e.TileID <= last {
			return nil, fmt.Errorf("pmtiles: directory entries out of order at tile id %d", e.TileID)
		}
		b = binary.AppendUvarint(b, e.TileID-last)
		last = e.TileID
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.RunLength))
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.Length))
	}
	for i, e := range entries {
		// 0 means "right after the previous entry", the common case in a
		// clustered archive; any other offset is stored plus one.
		if i > 0 && e.Offset == entries[i-1].Offset+uint64(entries[i-1].Length) {
			b = binary.AppendUvarint(b, 0)
		} else {
			b = binary.AppendUvarint(b, e.Offset+1)
		}
	}
	return compress(b, c)
}

// DecodeDirectory decompresses and parses a directory written by EncodeDirectory.
func DecodeDirectory(data []byte, c Compression) ([]Entry, error) {
	raw, err := decompress(data, c)
	if err != nil {
		return nil, err
	}
	r := bytes.NewReader(raw)
	next := func(what string) (uint64, error) {
		v, err := binary.ReadUvarint(r)
		if err != nil {
			return 0, fmt.Errorf("pmtiles: directory truncated reading %s: %w", what, err)
		}
		return v, nil
	}
	n, err := next("entry count")
	if err != nil {
		return nil, err
	}
	// Every entry takes at least four bytes, which bounds a corrupt count.
	if n > uint64(len(raw)) {
		return nil, fmt.Errorf("pmtiles: directory claims %d entries in %d bytes", n, len(raw))
	}
	entries := make([]Entry, n)
	var id uint64
	for i := range entries {
		d, err := next("tile id")
		if err != nil {
			return nil, err
		}
		id += d
		entries[i].TileID = id
	}
	for i := range entries {
		v, err := next("run length")
		if err != nil {
			return nil, err
		}
		entries[i].RunLength = uint32(v)
	}
	for i := range entries {
		v, err := next("length")
		if err != nil {
			return nil, err
		}
		entries[i].Length = uint32(v)
	}
	for i := range entries {
		v, err := next("offset")
		if err != nil {
			return nil, err
		}
		if v == 0 && i > 0 {
			entries[i].Offset = entries[i-1].Offset + uint64(entries[i-1].Length)
		} else if v == 0 {
			return nil, errors.New("pmtiles: first directory entry has offset code 0")
		} else {
			entries[i].Offset = v - 1
		}
	}
	return entries, nil
}

// gzipPools holds a pool of writers per gzip level.
var gzipPools sync.Map // level -> *sync.Pool

// GzipBytes compresses b with a fixed header (no name, no time) so the same
// input always gives the same bytes.
func GzipBytes(b []byte) []byte { return GzipBytesLevel(b, gzip.DefaultCompression) }

// GzipBytesLevel is GzipBytes at a gzip level (gzip.BestSpeed .. gzip.BestCompression,
// or gzip.DefaultCompression).
func GzipBytesLevel(b []byte, level int) []byte {
	p, ok := gzipPools.Load(level)
	if !ok {
		p, _ = gzipPools.LoadOrStore(level, &sync.Pool{New: func() any {
			w, _ := gzip.NewWriterLevel(nil, level)
			return w
		}})
	}
	pool := p.(*sync.Pool)
	var buf bytes.Buffer
	buf.Grow(len(b)/2 + 64)
	w := pool.Get().(*gzip.Writer)
	w.Reset(&buf)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = w.Write(b)
	_ = w.Close()
	pool.Put(w)
	return buf.Bytes()
}

func compress(b []byte, c Compression) ([]byte, error) {
	switch c {
	case NoCompression:
		return b, nil
	case Gzip:
		return GzipBytes(b), nil
	}
	return nil, fmt.Errorf("pmtiles: compression %d is not supported for writing", c)
}

const maxInflated = 1 << 28

func decompress(b []byte, c Compression) ([]byte, error) {
	switch c {
	case NoCompression:
		return b, nil
	case Gzip:
		r, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("pmtiles: gzip: %w", err)
		}
		// Directories and metadata are small; a bound keeps a corrupt or
		// hostile archive from inflating without end.
		out, err := io.ReadAll(io.LimitReader(r, maxInflated+1))
		if err != nil {
			return nil, fmt.Errorf("pmtiles: gzip: %w", err)
		}
		if len(out) > maxInflated {
			return nil, fmt.Errorf("pmtiles: gzip: inflates past %d bytes", maxInflated)
		}
		return out, nil
	}
	return nil, fmt.Errorf("pmtiles: compression %d is not supported for reading", c)
}
