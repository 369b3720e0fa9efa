// Package pmtiles reads and writes PMTiles v3 archives
// (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md): a 127-byte
// header, a root directory that fits in the first 16 KiB with the header, JSON
// metadata, optional leaf directories and the tile data, addressed by Hilbert
// tile ids. It is a format library only and knows nothing about what the tiles hold.
package pmtiles

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderLen is the size of a v3 header in bytes.
const HeaderLen = 127

// rootLimit is how many bytes the header and root directory may take together:
// readers fetch this much in their first request.
const rootLimit = 16384

// Compression is how directories, metadata or tiles are compressed.
type Compression uint8

// Compression values from the spec.
const (
	UnknownCompression Compression = 0
	NoCompression      Compression = 1
	Gzip               Compression = 2
	Brotli             Compression = 3
	Zstd               Compression = 4
)

// TileType is the format of the tiles.
type TileType uint8

// Tile types from the spec.
const (
	UnknownTileType TileType = 0
	MVT             TileType = 1
	PNG             TileType = 2
	JPEG            TileType = 3
	WebP            TileType = 4
	AVIF            TileType = 5
)

// Header is the fixed 127-byte start of an archive. Offsets are absolute byte
// positions in the archive; coordinates are degrees times 10^7.
type Header struct {
	SpecVersion         uint8
	RootOffset          uint64
	RootLength          uint64
	MetadataOffset      uint64
	MetadataLength      uint64
	LeafDirectoryOffset uint64
	LeafDirectoryLength uint64
	TileDataOffset      uint64
	TileDataLength      uint64
	AddressedTiles      uint64 // tiles a client can ask for (run lengths summed)
	TileEntries         uint64 // directory entries pointing at tile data
	TileContents        uint64 // distinct tile blobs stored
	Clustered           bool   // tile data is in tile id order
	InternalCompression Compression
	TileCompression     Compression
	TileType            TileType
	MinZoom             uint8
	MaxZoom             uint8
	MinLonE7            int32
	MinLatE7            int32
	MaxLonE7            int32
	MaxLatE7            int32
	CenterZoom          uint8
	CenterLonE7         int32
	CenterLatE7         int32
}

var magic = []byte("PMTiles")

// MarshalBinary encodes h as the 127 bytes that start an archive.
func (h Header) MarshalBinary() ([]byte, error) {
	b := make([]byte, HeaderLen)
	copy(b, magic)
	b[7] = h.SpecVersion
	le := binary.LittleEndian
	le.PutUint64(b[8:], h.RootOffset)
	le.PutUint64(b[16:], h.RootLength)
	le.PutUint64(b[24:], h.MetadataOffset)
	le.PutUint64(b[32:], h.MetadataLength)
	le.PutUint64(b[40:], h.LeafDirectoryOffset)
	le.PutUint64(b[48:], h.LeafDirectoryLength)
	le.PutUint64(b[56:], h.TileDataOffset)
	le.PutUint64(b[64:], h.TileDataLength)
	le.PutUint64(b[72:], h.AddressedTiles)
	le.PutUint64(b[80:], h.TileEntries)
	le.PutUint64(b[88:], h.TileContents)
	if h.Clustered {
		b[96] = 1
	}
	b[97] = byte(h.InternalCompression)
	b[98] = byte(h.TileCompression)
	b[99] = byte(h.TileType)
	b[100] = h.MinZoom
	b[101] = h.MaxZoom
	le.PutUint32(b[102:], uint32(h.MinLonE7))
	le.PutUint32(b[106:], uint32(h.MinLatE7))
	le.PutUint32(b[110:], uint32(h.MaxLonE7))
	le.PutUint32(b[114:], uint32(h.MaxLatE7))
	b[118] = h.CenterZoom
	le.PutUint32(b[119:], uint32(h.CenterLonE7))
	le.PutUint32(b[123:], uint32(h.CenterLatE7))
	return b, nil
}

// UnmarshalBinary decodes a header from the first 127 bytes of b.
func (h *Header) UnmarshalBinary(b []byte) error {
	if len(b) < HeaderLen {
		return fmt.Errorf("pmtiles: header needs %d bytes, have %d", HeaderLen, len(b))
	}
	if string(b[:7]) != string(magic) {
		return errors.New("pmtiles: not a PMTiles archive (bad magic)")
	}
	if b[7] != 3 {
		return fmt.Errorf("pmtiles: spec version %d, only 3 is supported", b[7])
	}
	le := binary.LittleEndian
	*h = Header{
		SpecVersion:         b[7],
		RootOffset:          le.Uint64(b[8:]),
		RootLength:          le.Uint64(b[16:]),
		MetadataOffset:      le.Uint64(b[24:]),
		MetadataLength:      le.Uint64(b[32:]),
		LeafDirectoryOffset: le.Uint64(b[40:]),
		LeafDirectoryLength: le.Uint64(b[48:]),
		TileDataOffset:      le.Uint64(b[56:]),
		TileDataLength:      le.Uint64(b[64:]),
		AddressedTiles:      le.Uint64(b[72:]),
		TileEntries:         le.Uint64(b[80:]),
		TileContents:        le.Uint64(b[88:]),
		Clustered:           b[96] == 1,
		InternalCompression: Compression(b[97]),
		TileCompression:     Compression(b[98]),
		TileType:            TileType(b[99]),
		MinZoom:             b[100],
		MaxZoom:             b[101],
		MinLonE7:            int32(le.Uint32(b[102:])),
		MinLatE7:            int32(le.Uint32(b[106:])),
		MaxLonE7:            int32(le.Uint32(b[110:])),
		MaxLatE7:            int32(le.Uint32(b[114:])),
		CenterZoom:          b[118],
		CenterLonE7:         int32(le.Uint32(b[119:])),
		CenterLatE7:         int32(le.Uint32(b[123:])),
	}
	return nil
}
