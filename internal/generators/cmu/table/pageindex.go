package table

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// PageIndexTruncate is the longest string bound kept in the page index (the
// column index's per-page min and max), in bytes. Longer values are shortened
// as parquet-java's BinaryTruncator does: on a UTF-8 character boundary, the
// min to a prefix, the max to a prefix whose last character is incremented, so
// both still bound every value of the page and stay valid UTF-8.
const PageIndexTruncate = 16

// parquet-go (v0.32) writes statistics two ways the Parquet format forbids
// (parquet.thrift, ColumnIndex and the note on floating point ColumnOrder):
//
//   - it cuts string bounds in the page index at a byte count, inside a UTF-8
//     character when one straddles it ("aaaaaaaaaaaaaaa\xc3" for a value
//     starting "aaaaaaaaaaaaaaaé"): an invalid string, which a reader using the
//     page index may compare as text and so skip pages that hold matching rows;
//   - it keeps the sign of a zero as the first value had it, where the format
//     requires a zero min to be written as -0.0 and a zero max as +0.0, so
//     that a reader never skips a page holding the other zero.
//
// The library offers no hook for either, so fixStatistics rewrites the file's
// tail: it asks the writer for untruncated page bounds (ColumnIndexSizeLimit),
// then re-encodes each column index with correct bounds, and the footer with
// the new offsets and fixed chunk statistics. Pages and their headers are left
// as written (the writer writes no page-header statistics, which the page index
// supersedes). The page index and footer are the last bytes of the file:
// [pages][column indexes][offset indexes][footer][length]["PAR1"].
func fixStatistics(data []byte) ([]byte, error) {
	n := len(data)
	if n < 12 || string(data[n-4:]) != "PAR1" {
		return nil, fmt.Errorf("parquet: no footer")
	}
	flen := int(binary.LittleEndian.Uint32(data[n-8 : n-4]))
	if flen > n-12 {
		return nil, fmt.Errorf("parquet: footer length %d beyond the file", flen)
	}
	proto := new(thrift.CompactProtocol)
	var meta format.FileMetaData
	if err := thrift.Unmarshal(proto, data[n-8-flen:n-8], &meta); err != nil {
		return nil, fmt.Errorf("parquet: footer: %w", err)
	}
	start := int64(n - 8 - flen)
	for _, rg := range meta.RowGroups {
		for _, c := range rg.Columns {
			if c.ColumnIndexLength > 0 {
				start = min(start, c.ColumnIndexOffset)
			}
			if c.OffsetIndexLength > 0 {
				start = min(start, c.OffsetIndexOffset)
			}
		}
	}
	out := append(make([]byte, 0, n+256), data[:start]...)
	// Column indexes first, then offset indexes, in row group and column order,
	// as the writer laid them out.
	for i := range meta.RowGroups {
		cols := meta.RowGroups[i].Columns
		for j := range cols {
			c := &cols[j]
			fixChunkStatistics(&c.MetaData.Statistics, c.MetaData.Type)
			if c.ColumnIndexLength == 0 {
				continue
			}
			var ci format.ColumnIndex
			if err := thrift.Unmarshal(proto, data[c.ColumnIndexOffset:c.ColumnIndexOffset+int64(c.ColumnIndexLength)], &ci); err != nil {
				return nil, fmt.Errorf("parquet: column index of %v: %w", c.MetaData.PathInSchema, err)
			}
			fixColumnIndex(&ci, c.MetaData.Type)
			b, err := thrift.Marshal(proto, &ci)
			if err != nil {
				return nil, err
			}
			c.ColumnIndexOffset, c.ColumnIndexLength = int64(len(out)), int32(len(b))
			out = append(out, b...)
		}
	}
	for i := range meta.RowGroups {
		cols := meta.RowGroups[i].Columns
		for j := range cols {
			c := &cols[j]
			if c.OffsetIndexLength == 0 {
				continue
			}
			b := data[c.OffsetIndexOffset : c.OffsetIndexOffset+int64(c.OffsetIndexLength)]
			c.OffsetIndexOffset = int64(len(out))
			out = append(out, b...)
		}
	}
	footer, err := thrift.Marshal(proto, &meta)
	if err != nil {
		return nil, err
	}
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...), nil
}

var (
	negZero = binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.Copysign(0, -1)))
	posZero = binary.LittleEndian.AppendUint64(nil, 0)
)

// signedZeros returns a double's min and max bounds (8 bytes little-endian)
// with a zero min as -0.0 and a zero max as +0.0.
func signedZeros(lo, hi []byte) ([]byte, []byte) {
	isZero := func(b []byte) bool {
		return len(b) == 8 && math.Float64frombits(binary.LittleEndian.Uint64(b)) == 0
	}
	if isZero(lo) {
		lo = negZero
	}
	if isZero(hi) {
		hi = posZero
	}
	return lo, hi
}

func fixChunkStatistics(s *format.Statistics, typ format.Type) {
	if typ != format.Double {
		return
	}
	if s.MinValue != nil || s.MaxValue != nil {
		s.MinValue, s.MaxValue = signedZeros(s.MinValue, s.MaxValue)
	}
	if s.Min != nil || s.Max != nil {
		s.Min, s.Max = signedZeros(s.Min, s.Max)
	}
}

func fixColumnIndex(ci *format.ColumnIndex, typ format.Type) {
	for p := range ci.MinValues {
		if p < len(ci.NullPages) && ci.NullPages[p] {
			continue
		}
		switch typ {
		case format.Double:
			ci.MinValues[p], ci.MaxValues[p] = signedZeros(ci.MinValues[p], ci.MaxValues[p])
		case format.ByteArray:
			ci.MinValues[p] = truncateMin(ci.MinValues[p], PageIndexTruncate)
			ci.MaxValues[p] = truncateMax(ci.MaxValues[p], PageIndexTruncate)
		}
	}
	if typ == format.ByteArray || typ == format.Double {
		ci.BoundaryOrder = boundaryOrder(ci, typ)
	}
}

// truncateMin shortens a lower bound to at most limit bytes, ending on a UTF-8
// character boundary: a prefix sorts before the value.
func truncateMin(v []byte, limit int) []byte {
	if len(v) <= limit || !utf8.Valid(v) {
		return v // short, or not text: exact
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return bytes.Clone(v[:cut])
}

// truncateMax shortens an upper bound to at most limit bytes: the longest
// prefix ending on a character boundary whose last character can be
// incremented (to the next Unicode scalar value, skipping surrogates), with
// that character incremented, so that it sorts after every value with the
// prefix. When no character can be (all U+10FFFF), the value stays whole.
func truncateMax(v []byte, limit int) []byte {
	if len(v) <= limit || !utf8.Valid(v) {
		return v
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	prefix := v[:cut]
	for len(prefix) > 0 {
		r, size := utf8.DecodeLastRune(prefix)
		next := r + 1
		if next == 0xD800 {
			next = 0xE000 // surrogates are no characters
		}
		if next <= utf8.MaxRune {
			out := append(bytes.Clone(prefix[:len(prefix)-size]), string(next)...)
			if len(out) <= limit {
				return out
			}
		}
		prefix = prefix[:len(prefix)-size]
	}
	return v
}

// boundaryOrder recomputes whether the pages' bounds are ascending or
// descending after the fixes (truncation can make neighbours equal, never
// reorder them, but the order is checked rather than assumed).
func boundaryOrder(ci *format.ColumnIndex, typ format.Type) format.BoundaryOrder {
	cmp := func(a, b []byte) int {
		if typ == format.Double {
			x := math.Float64frombits(binary.LittleEndian.Uint64(a))
			y := math.Float64frombits(binary.LittleEndian.Uint64(b))
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
		return bytes.Compare(a, b)
	}
	asc, desc := true, true
	prev := -1
	for p := range ci.MinValues {
		if p < len(ci.NullPages) && ci.NullPages[p] {
			continue
		}
		if prev >= 0 {
			lo, hi := cmp(ci.MinValues[prev], ci.MinValues[p]), cmp(ci.MaxValues[prev], ci.MaxValues[p])
			asc = asc && lo <= 0 && hi <= 0
			desc = desc && lo >= 0 && hi >= 0
		}
		prev = p
	}
	switch {
	case asc:
		return format.Ascending
	case desc:
		return format.Descending
	}
	return format.Unordered
}
