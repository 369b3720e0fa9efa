package pmtiles

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// Reader reads an archive through an io.ReaderAt (an *os.File or a bytes.Reader).
// It is minimal: enough to verify what the Writer wrote.
type Reader struct {
	r    io.ReaderAt
	size int64
	h    Header
	root []Entry
}

// NewReader reads the header and root directory of the archive of size bytes in r.
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	hb := make([]byte, HeaderLen)
	if _, err := r.ReadAt(hb, 0); err != nil {
		return nil, fmt.Errorf("pmtiles: reading header: %w", err)
	}
	var h Header
	if err := h.UnmarshalBinary(hb); err != nil {
		return nil, err
	}
	rd := &Reader{r: r, size: size, h: h}
	root, err := rd.directory(h.RootOffset, h.RootLength)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: root directory: %w", err)
	}
	rd.root = root
	return rd, nil
}

// Header returns the archive's header.
func (r *Reader) Header() Header { return r.h }

// Metadata returns the decompressed JSON metadata.
func (r *Reader) Metadata() (json.RawMessage, error) {
	b, err := r.section(r.h.MetadataOffset, r.h.MetadataLength)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: metadata: %w", err)
	}
	b, err = decompress(b, r.h.InternalCompression)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: metadata: %w", err)
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("pmtiles: metadata is not valid JSON")
	}
	return b, nil
}

// Tile returns tile z/x/y as stored (still compressed as the header's
// TileCompression says), or ok false when the archive does not hold it.
func (r *Reader) Tile(z uint8, x, y uint32) (data []byte, ok bool, err error) {
	if err := checkZxy(z, x, y); err != nil {
		return nil, false, err
	}
	id := ZxyToID(z, x, y)
	dir := r.root
	for depth := 0; depth < 4; depth++ {
		e, found := findEntry(dir, id)
		if !found {
			return nil, false, nil
		}
		if e.RunLength > 0 {
			b, err := r.section(r.h.TileDataOffset+e.Offset, uint64(e.Length))
			return b, err == nil, err
		}
		if dir, err = r.directory(r.h.LeafDirectoryOffset+e.Offset, uint64(e.Length)); err != nil {
			return nil, false, fmt.Errorf("pmtiles: leaf directory for tile %d/%d/%d: %w", z, x, y, err)
		}
	}
	return nil, false, fmt.Errorf("pmtiles: directories nest deeper than 3 levels")
}

// Entries returns every tile entry of the archive in tile id order, with the
// leaf directories resolved.
func (r *Reader) Entries() ([]Entry, error) {
	var out []Entry
	var walk func(dir []Entry, depth int) error
	walk = func(dir []Entry, depth int) error {
		if depth > 3 {
			return fmt.Errorf("pmtiles: directories nest deeper than 3 levels")
		}
		for _, e := range dir {
			if e.RunLength > 0 {
				out = append(out, e)
				continue
			}
			leaf, err := r.directory(r.h.LeafDirectoryOffset+e.Offset, uint64(e.Length))
			if err != nil {
				return err
			}
			if err := walk(leaf, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(r.root, 0)
}

// findEntry returns the entry covering id: a tile entry whose run includes it,
// or the leaf pointer whose range may hold it.
func findEntry(dir []Entry, id uint64) (Entry, bool) {
	i := sort.Search(len(dir), func(i int) bool { return dir[i].TileID > id }) - 1
	if i < 0 {
		return Entry{}, false
	}
	e := dir[i]
	if e.RunLength == 0 || id < e.TileID+uint64(e.RunLength) {
		return e, true
	}
	return Entry{}, false
}

func (r *Reader) directory(off, n uint64) ([]Entry, error) {
	b, err := r.section(off, n)
	if err != nil {
		return nil, err
	}
	return DecodeDirectory(b, r.h.InternalCompression)
}

// section reads n bytes at off, refusing ranges past the end of the archive
// (a corrupt header must not make the reader allocate without bound).
func (r *Reader) section(off, n uint64) ([]byte, error) {
	if off > uint64(r.size) || n > uint64(r.size)-off {
		return nil, fmt.Errorf("pmtiles: %d bytes at offset %d run past the archive's %d bytes", n, off, r.size)
	}
	b := make([]byte, n)
	_, err := r.r.ReadAt(b, int64(off))
	return b, err
}
