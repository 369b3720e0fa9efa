package vectortiles

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// pointEncoder writes tiles of point features with the value types clusters
// and markers use (string, float64, int, bool, and anything else as JSON text)
// straight to protobuf bytes. Its output is byte for byte what mvt.Marshal
// gives for the same layers (TestPointEncoderMatchesOrb checks this on every
// tile of a large build) at a fraction of the cost: orb builds a protobuf
// object per feature and hashes every value as an interface. Tiles it cannot
// encode are left to mvt.Marshal.
type pointEncoder struct {
	keys    []string
	keyIdx  map[string]uint32
	values  []byte // encoded Value messages, each with its field tag and length
	nvalues uint32
	strIdx  map[string]uint32
	f64Idx  map[float64]uint32
	intIdx  map[int]uint32
	boolIdx [2]int64
	sorted  []string
	tags    []uint32
	feat    []byte
	layer   []byte
	out     []byte
}

func newPointEncoder() *pointEncoder {
	return &pointEncoder{
		keyIdx: map[string]uint32{},
		strIdx: map[string]uint32{},
		f64Idx: map[float64]uint32{},
		intIdx: map[int]uint32{},
	}
}

// encode returns the tile's MVT bytes, or ok false when a feature is not a
// point or holds a value type this encoder does not reproduce exactly.
func (e *pointEncoder) encode(ls mvt.Layers) (data []byte, ok bool) {
	e.out = e.out[:0]
	for _, l := range ls {
		if !e.encodeLayer(l) {
			return nil, false
		}
		e.out = appendBytesField(e.out, 3, e.layer)
	}
	return slices.Clone(e.out), true
}

func (e *pointEncoder) encodeLayer(l *mvt.Layer) bool {
	e.keys = e.keys[:0]
	clear(e.keyIdx)
	e.values = e.values[:0]
	e.nvalues = 0
	clear(e.strIdx)
	clear(e.f64Idx)
	clear(e.intIdx)
	e.boolIdx = [2]int64{-1, -1}

	e.layer = e.layer[:0]
	e.layer = appendBytesField(e.layer, 1, []byte(l.Name))
	for _, f := range l.Features {
		p, isPoint := f.Geometry.(orb.Point)
		if !isPoint {
			return false
		}
		e.feat = e.feat[:0]
		if id, ok := featureID(f.ID); ok {
			e.feat = appendVarintField(e.feat, 1, id)
		}
		if !e.appendTags(f.Properties) {
			return false
		}
		if len(e.tags) > 0 {
			e.feat = appendPacked(e.feat, 2, e.tags)
		}
		e.feat = appendVarintField(e.feat, 3, 1) // POINT
		x, y := int32(p[0]), int32(p[1])
		e.feat = appendPacked(e.feat, 4, []uint32{1<<3 | 1, uint32((x << 1) ^ (x >> 31)), uint32((y << 1) ^ (y >> 31))})
		e.layer = appendBytesField(e.layer, 2, e.feat)
	}
	for _, k := range e.keys {
		e.layer = appendBytesField(e.layer, 3, []byte(k))
	}
	e.layer = append(e.layer, e.values...)
	e.layer = appendVarintField(e.layer, 5, uint64(l.Extent))
	e.layer = appendVarintField(e.layer, 15, uint64(l.Version))
	return true
}

// appendTags sets e.tags to the key/value index pairs of props in key order,
// as orb's encoder numbers them.
func (e *pointEncoder) appendTags(props geojson.Properties) bool {
	e.tags = e.tags[:0]
	e.sorted = e.sorted[:0]
	for k := range props {
		e.sorted = append(e.sorted, k)
	}
	slices.Sort(e.sorted)
	for _, k := range e.sorted {
		ki, ok := e.keyIdx[k]
		if !ok {
			ki = uint32(len(e.keys))
			e.keys = append(e.keys, k)
			e.keyIdx[k] = ki
		}
		vi, ok := e.value(props[k])
		if !ok {
			return false
		}
		e.tags = append(e.tags, ki, vi)
	}
	return true
}

func (e *pointEncoder) value(v any) (uint32, bool) {
	switch t := v.(type) {
	case string:
		return e.str(t), true
	case float64:
		if i, ok := e.f64Idx[t]; ok {
			return i, true
		}
		i := e.addValue(binary.LittleEndian.AppendUint64([]byte{0x19}, math.Float64bits(t)))
		if t == t { // NaN never equals itself, in orb's map as in this one
			e.f64Idx[t] = i
		}
		return i, true
	case int:
		if i, ok := e.intIdx[t]; ok {
			return i, true
		}
		i := e.addValue(binary.AppendUvarint([]byte{0x30}, uint64(int64(t)<<1)^uint64(int64(t)>>63)))
		e.intIdx[t] = i
		return i, true
	case bool:
		b := 0
		if t {
			b = 1
		}
		if e.boolIdx[b] >= 0 {
			return uint32(e.boolIdx[b]), true
		}
		i := e.addValue([]byte{0x38, byte(b)})
		e.boolIdx[b] = int64(i)
		return i, true
	}
	// orb stores values it cannot hash (slices, maps, nil) as JSON text;
	// other types are left to orb.
	if v != nil && reflect.TypeOf(v).Comparable() {
		return 0, false
	}
	data, err := json.Marshal(v)
	if err != nil {
		return 0, false
	}
	return e.str(string(data)), true
}

func (e *pointEncoder) str(s string) uint32 {
	if i, ok := e.strIdx[s]; ok {
		return i
	}
	i := e.addValue(appendBytesField(nil, 1, []byte(s)))
	e.strIdx[s] = i
	return i
}

// addValue appends one Value message (its fields in msg) to the layer's values.
func (e *pointEncoder) addValue(msg []byte) uint32 {
	e.values = appendBytesField(e.values, 4, msg)
	e.nvalues++
	return e.nvalues - 1
}

// featureID is orb's rule for feature ids: non-negative integers, from numbers
// or numeric strings; anything else is no id.
func featureID(id any) (uint64, bool) {
	var i int
	switch t := id.(type) {
	case nil:
		return 0, false
	case int:
		i = t
	case int8:
		i = int(t)
	case int16:
		i = int(t)
	case int32:
		i = int(t)
	case int64:
		i = int(t)
	case uint:
		return uint64(t), true
	case uint8:
		return uint64(t), true
	case uint16:
		return uint64(t), true
	case uint32:
		return uint64(t), true
	case uint64:
		return t, true
	case float32:
		i = int(t)
	case float64:
		i = int(t)
	case string:
		n, err := strconv.Atoi(t)
		if err != nil {
			return 0, false
		}
		i = n
	default:
		return 0, false
	}
	if i < 0 {
		return 0, false
	}
	return uint64(i), true
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	return binary.AppendUvarint(append(b, byte(field<<3)), v)
}

func appendBytesField(b []byte, field int, data []byte) []byte {
	b = append(b, byte(field<<3|2))
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func appendPacked(b []byte, field int, vs []uint32) []byte {
	n := 0
	for _, v := range vs {
		n += uvarintLen(uint64(v))
	}
	b = append(b, byte(field<<3|2))
	b = binary.AppendUvarint(b, uint64(n))
	for _, v := range vs {
		b = binary.AppendUvarint(b, uint64(v))
	}
	return b
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
