package postcode

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
)

// A loaded Table is kept between bakes in this binary form, so that a bake
// whose postcode files have not changed reads it back in a fraction of the
// CSV parse (the parse of Code-Point Open dominates a register-only rebake).
// The form is private to this package and version: a file of another version
// or with a wrong checksum is refused, and the caller parses the CSV instead.
//
//	magic "prebake-postcode-table/1\n"
//	uint64 units, then units x uint64 keys, float64 lat, float64 lng
//	uint64 sectors, then per sector: string name, float64 lat, lng, uint64 n (names sorted)
//	the same for outcodes
//	uint64 rejections, then per rejection: string file, uint64 line, string field, value, reason
//	SHA-256 of everything before it
//
// Little-endian throughout; a string is a uint64 length and its bytes.
const binaryMagic = "prebake-postcode-table/1\n"

// WriteBinary writes t in the form ReadBinary reads, and returns the checksum
// that ends it.
func (t *Table) WriteBinary(w io.Writer) ([]byte, error) {
	h := sha256.New()
	bw := &binWriter{w: io.MultiWriter(w, h)}
	bw.bytes([]byte(binaryMagic))
	bw.u64(uint64(len(t.keys)))
	chunks(bw, t.keys)
	chunks(bw, t.lat)
	chunks(bw, t.lng)
	for _, m := range []map[string]centroid{t.sectors, t.outcodes} {
		bw.u64(uint64(len(m)))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			c := m[k]
			bw.str(k)
			bw.data([]float64{c.lat, c.lng})
			bw.u64(uint64(c.n))
		}
	}
	bw.u64(uint64(len(t.rejected)))
	for _, r := range t.rejected {
		bw.str(r.File)
		bw.u64(uint64(r.Line))
		bw.str(r.Field)
		bw.str(r.Value)
		bw.str(r.Reason)
	}
	if bw.err != nil {
		return nil, bw.err
	}
	sum := h.Sum(nil)
	_, err := w.Write(sum)
	return sum, err
}

// ReadBinary reads a Table that WriteBinary wrote. It fails on a file of
// another version, a truncated one, or one whose checksum does not match.
func ReadBinary(data []byte) (*Table, error) {
	if len(data) < len(binaryMagic)+sha256.Size || !bytes.HasPrefix(data, []byte(binaryMagic)) {
		return nil, errors.New("not a prebake postcode table of this version")
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, errors.New("postcode table checksum mismatch")
	}
	r := &binReader{b: body[len(binaryMagic):]}
	t := &Table{}
	n := r.count(24)
	t.keys = make([]uint64, n)
	t.lat = make([]float64, n)
	t.lng = make([]float64, n)
	r.uint64s(t.keys)
	r.float64s(t.lat)
	r.float64s(t.lng)
	for _, m := range []*map[string]centroid{&t.sectors, &t.outcodes} {
		k := r.count(32)
		*m = make(map[string]centroid, k)
		for range k {
			name := r.str()
			ll := make([]float64, 2)
			r.data(ll)
			(*m)[name] = centroid{lat: ll[0], lng: ll[1], n: int(r.u64())}
		}
	}
	for range r.count(40) {
		t.rejected = append(t.rejected, Rejection{File: r.str(), Line: int(r.u64()), Field: r.str(), Value: r.str(), Reason: r.str()})
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return nil, fmt.Errorf("postcode table: %w", r.err)
	}
	return t, nil
}

type binWriter struct {
	w   io.Writer
	err error
}

func (b *binWriter) bytes(p []byte) {
	if b.err == nil {
		_, b.err = b.w.Write(p)
	}
}

func (b *binWriter) u64(v uint64) { b.bytes(binary.LittleEndian.AppendUint64(nil, v)) }

func (b *binWriter) str(s string) { b.u64(uint64(len(s))); b.bytes([]byte(s)) }

// data writes a slice of fixed-size numbers (encoding/binary's fast path).
func (b *binWriter) data(v any) {
	if b.err == nil {
		b.err = binary.Write(b.w, binary.LittleEndian, v)
	}
}

// chunks writes a long slice a piece at a time: binary.Write copies what it
// writes into a buffer of its own, and the whole table at once would add its
// size to the bake's peak memory.
func chunks[T uint64 | float64](b *binWriter, v []T) {
	const n = 1 << 14
	for i := 0; i < len(v); i += n {
		b.data(v[i:min(i+n, len(v))])
	}
}

type binReader struct {
	b   []byte
	err error
}

func (r *binReader) take(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *binReader) u64() uint64 {
	p := r.take(8)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(p)
}

// count reads a count of items of at least min bytes each, refusing one the
// remaining bytes cannot hold (so a corrupt count cannot allocate wildly).
func (r *binReader) count(min uint64) int {
	n := r.u64()
	if r.err == nil && n > uint64(len(r.b))/min {
		r.err = fmt.Errorf("count %d larger than the file", n)
		return 0
	}
	return int(n)
}

// uint64s and float64s fill v from the bytes in place: binary.Read would
// copy the tens of megabytes of a whole table through a buffer of its own.
func (r *binReader) uint64s(v []uint64) {
	p := r.take(uint64(len(v)) * 8)
	for i := range v {
		if p == nil {
			return
		}
		v[i] = binary.LittleEndian.Uint64(p[8*i:])
	}
}

func (r *binReader) float64s(v []float64) {
	p := r.take(uint64(len(v)) * 8)
	for i := range v {
		if p == nil {
			return
		}
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(p[8*i:]))
	}
}

func (r *binReader) str() string { return string(r.take(r.u64())) }

func (r *binReader) data(v any) {
	n := binary.Size(v)
	p := r.take(uint64(n))
	if p != nil {
		r.err = binary.Read(bytes.NewReader(p), binary.LittleEndian, v)
	}
}
