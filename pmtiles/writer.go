package pmtiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"unsafe"
)

// Options describe an archive beyond its tiles.
type Options struct {
	TileType        TileType
	TileCompression Compression // how the tiles given to Add are already compressed
	// MinZoom and MaxZoom are the archive's zoom range; when both are 0 the range
	// of the tiles added is used.
	MinZoom, MaxZoom uint8
	// Bounds is west, south, east, north in degrees; the zero value means the
	// whole Web Mercator world.
	Bounds [4]float64
	// Center is lng, lat, zoom; the zero value means the middle of Bounds at MinZoom.
	Center [3]float64
	// Metadata is marshaled with encoding/json (map keys sorted), e.g. a map with
	// "name", "attribution" and "vector_layers".
	Metadata any
}

// Writer collects tiles and writes them as one archive. Tiles may be added in any
// order; the archive is the same for the same set of tiles.
type Writer struct {
	opts  Options
	tiles []tile
	seen  map[uint64]struct{}

	// maxRoot caps the root directory's compressed size; tests lower it to force
	// leaf directories on small archives.
	maxRoot int
}

type tile struct {
	id   uint64
	data []byte
}

// NewWriter returns a Writer for opts.
func NewWriter(opts Options) *Writer {
	return &Writer{opts: opts, seen: map[uint64]struct{}{}, maxRoot: rootLimit - HeaderLen}
}

// Add adds the tile z/x/y. data is kept, not copied, and must already be
// compressed as Options.TileCompression says. Empty tiles are refused: leave
// them out and clients treat them as absent.
func (w *Writer) Add(z uint8, x, y uint32, data []byte) error {
	if err := checkZxy(z, x, y); err != nil {
		return err
	}
	if len(data) == 0 {
		return fmt.Errorf("pmtiles: tile %d/%d/%d is empty; omit it instead", z, x, y)
	}
	if uint64(len(data)) > math.MaxUint32 {
		return fmt.Errorf("pmtiles: tile %d/%d/%d is %d bytes, over the 4 GiB entry limit", z, x, y, len(data))
	}
	id := ZxyToID(z, x, y)
	if _, dup := w.seen[id]; dup {
		return fmt.Errorf("pmtiles: tile %d/%d/%d added twice", z, x, y)
	}
	w.seen[id] = struct{}{}
	w.tiles = append(w.tiles, tile{id: id, data: data})
	return nil
}

// Finish writes the archive to out and returns its header. It writes each
// distinct tile with its own Write: give it a buffer (a bytes.Buffer, a
// bufio.Writer) rather than a file.
func (w *Writer) Finish(out io.Writer) (Header, error) {
	sort.Slice(w.tiles, func(i, j int) bool { return w.tiles[i].id < w.tiles[j].id })

	// Tile data in id order (a clustered archive); a blob seen before is not
	// stored again but pointed at, and a run of consecutive ids sharing one blob
	// becomes one entry. Blobs are told apart by their bytes (a map keyed by
	// the content itself, which hashes far faster than a digest would), and
	// only their offsets are worked out here: Finish writes them straight from
	// the tiles, without gathering a copy of the tile data.
	type blob struct {
		offset uint64
		length uint32
	}
	blobs := make(map[string]blob, len(w.tiles))
	var stored [][]byte // the distinct blobs, in data order
	var dataLen uint64
	entries := make([]Entry, 0, len(w.tiles))
	minZ, maxZ := uint8(MaxZoom), uint8(0)
	for _, t := range w.tiles {
		z, _, _ := IDToZxy(t.id)
		minZ, maxZ = min(minZ, z), max(maxZ, z)
		// Tile data is never modified once added (Add), so the key can share it.
		key := unsafe.String(unsafe.SliceData(t.data), len(t.data))
		b, ok := blobs[key]
		if !ok {
			b = blob{offset: dataLen, length: uint32(len(t.data))}
			blobs[key] = b
			stored = append(stored, t.data)
			dataLen += uint64(len(t.data))
		}
		if n := len(entries); n > 0 {
			last := &entries[n-1]
			if last.TileID+uint64(last.RunLength) == t.id && last.Offset == b.offset && last.Length == b.length && last.RunLength < math.MaxUint32 {
				last.RunLength++
				continue
			}
		}
		entries = append(entries, Entry{TileID: t.id, Offset: b.offset, Length: b.length, RunLength: 1})
	}
	if len(w.tiles) == 0 {
		minZ = 0
	}

	root, leaves, err := buildDirectories(entries, w.maxRoot)
	if err != nil {
		return Header{}, err
	}
	var meta []byte
	if w.opts.Metadata != nil {
		if meta, err = json.Marshal(w.opts.Metadata); err != nil {
			return Header{}, fmt.Errorf("pmtiles: metadata: %w", err)
		}
	} else {
		meta = []byte("{}")
	}
	meta = GzipBytes(meta)

	h := Header{
		SpecVersion:         3,
		RootOffset:          HeaderLen,
		RootLength:          uint64(len(root)),
		MetadataOffset:      HeaderLen + uint64(len(root)),
		MetadataLength:      uint64(len(meta)),
		AddressedTiles:      uint64(len(w.tiles)),
		TileEntries:         uint64(len(entries)),
		TileContents:        uint64(len(blobs)),
		Clustered:           true,
		InternalCompression: Gzip,
		TileCompression:     w.opts.TileCompression,
		TileType:            w.opts.TileType,
		MinZoom:             minZ,
		MaxZoom:             maxZ,
	}
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.LeafDirectoryLength = uint64(len(leaves))
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength
	h.TileDataLength = dataLen
	if w.opts.MinZoom != 0 || w.opts.MaxZoom != 0 {
		h.MinZoom, h.MaxZoom = w.opts.MinZoom, w.opts.MaxZoom
	}
	if h.MinZoom > h.MaxZoom {
		return Header{}, fmt.Errorf("pmtiles: min zoom %d is above max zoom %d", h.MinZoom, h.MaxZoom)
	}
	b := w.opts.Bounds
	if b == [4]float64{} {
		b = [4]float64{-180, -85.0511287, 180, 85.0511287}
	}
	if b[0] > b[2] || b[1] > b[3] || b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 {
		return Header{}, fmt.Errorf("pmtiles: bounds %v are not west, south, east, north in degrees", b)
	}
	h.MinLonE7, h.MinLatE7, h.MaxLonE7, h.MaxLatE7 = e7(b[0]), e7(b[1]), e7(b[2]), e7(b[3])
	if h.MinLonE7 >= h.MaxLonE7 || h.MinLatE7 >= h.MaxLatE7 {
		// go-pmtiles verify rejects such an archive, and clients may not show it.
		return Header{}, fmt.Errorf("pmtiles: bounds %v have no area at the header's 1e-7 degree resolution; widen them", b)
	}
	c := w.opts.Center
	if c == [3]float64{} {
		c = [3]float64{(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, float64(h.MinZoom)}
	}
	h.CenterLonE7, h.CenterLatE7, h.CenterZoom = e7(c[0]), e7(c[1]), uint8(c[2])

	hb, _ := h.MarshalBinary()
	for _, part := range append([][]byte{hb, root, meta, leaves}, stored...) {
		if _, err := out.Write(part); err != nil {
			return Header{}, err
		}
	}
	return h, nil
}

func e7(deg float64) int32 { return int32(math.Round(deg * 1e7)) }

// buildDirectories returns the root directory and the leaf directories. The
// root holds every entry when that fits in maxRoot compressed bytes; otherwise
// the entries are cut into leaves of equal entry count, growing the leaves until
// the root of pointers to them fits.
func buildDirectories(entries []Entry, maxRoot int) (root, leaves []byte, err error) {
	root, err = EncodeDirectory(entries, Gzip)
	if err != nil || len(root) <= maxRoot {
		return root, nil, err
	}
	leafSize := max(len(entries)/3500, 4096)
	if maxRoot < rootLimit-HeaderLen {
		// Only tests shrink the root; let them reach leaves with few entries.
		leafSize = max(len(entries)/(maxRoot/8+1), 1)
	}
	for {
		var ptrs []Entry
		var lb bytes.Buffer
		for i := 0; i < len(entries); i += leafSize {
			leaf, err := EncodeDirectory(entries[i:min(i+leafSize, len(entries))], Gzip)
			if err != nil {
				return nil, nil, err
			}
			ptrs = append(ptrs, Entry{TileID: entries[i].TileID, Offset: uint64(lb.Len()), Length: uint32(len(leaf))})
			lb.Write(leaf)
		}
		if root, err = EncodeDirectory(ptrs, Gzip); err != nil {
			return nil, nil, err
		}
		if len(root) <= maxRoot {
			return root, lb.Bytes(), nil
		}
		if len(ptrs) == 1 {
			return nil, nil, fmt.Errorf("pmtiles: a root directory of one leaf pointer does not fit in %d bytes", maxRoot)
		}
		leafSize += leafSize/5 + 1
	}
}
