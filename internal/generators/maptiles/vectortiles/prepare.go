package vectortiles

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// layerTable is what Build works out once per layer rather than in every tile
// and zoom a feature is drawn in (a marker is drawn at up to 18 zooms): each
// feature's projection, id and properties, the properties as numbers into the
// layer's own key and value tables, each value already encoded as an MVT Value
// field. A tile then only renumbers keys and values into its own tables, with
// arrays instead of hashing (tileEncoder).
type layerTable struct {
	src   []*geojson.Feature // the layer's features, for tiles left to orb
	feats []prepared         // parallel to src
	props []prop             // every feature's properties, feature after feature, each feature's in key order

	keys []string // by key number
	// values holds every distinct Value field (tag 4, length, message), one
	// after another; value v is values[valueEnd[v-1]:valueEnd[v]].
	values   []byte
	valueEnd []uint32
	// class[v] is the value number a tile's value table dedupes value v with:
	// v itself, +0's for -0 (orb keys its table by Go equality, where -0 ==
	// +0; the tile stores whichever it meets first), noClass for NaN (never
	// equal to itself, so stored again each time).
	class []uint32

	idGroups int // distinct feature ids (prepared.idGroup)

	// What the layer's features show, for the archive's metadata: each field's
	// type (fieldType; "Mixed" for two types), their bounds and zoom range.
	fields     map[string]string
	bound      orb.Bound
	shown      bool // some feature is shown at a zoom of the archive
	minZ, maxZ int  // the zooms some feature is shown at, when shown
	// Used while preparing (done drops them).
	idNum        map[uint64]int32
	keyNum       map[string]uint32
	valueNum     map[string]uint32
	valueScratch []byte
	keyScratch   []string
}

// noClass marks a value that equals no other (NaN).
const noClass = math.MaxUint32

type prop struct{ key, value uint32 }

// prepared is one feature of a layer, ready to be binned and encoded.
type prepared struct {
	// ux, uy are a point's Web Mercator position with 1 unit across the world
	// (toPlanar at level 0); at level L they are scaled by 2^L, which is exact
	// and so gives toPlanar's result bit for bit. south marks a point beyond
	// toPlanar's southern clamp, whose y is 2^L - 1 at every level instead.
	ux, uy float64
	south  bool
	point  bool // the geometry is an orb.Point; others are clipped by orb per tile
	// fast says the tile encoder writes the feature itself: a point whose
	// property values are all of the types it encodes (see appendValue).
	// Tiles holding any other feature are left to orb's mvt.Marshal.
	fast    bool
	hasID   bool
	id      uint64 // MVT feature id (orb's rule, featureID), when hasID
	idGroup int32  // the id's number in the layer, for duplicate checks
	props   [2]uint32
	// lo, hi is the zoom range the feature is shown at, within the archive's.
	lo, hi int
}

// prepareLayer builds l's table for an archive of opts' zooms, or an error
// naming the first feature that is not WGS84 lng/lat.
func prepareLayer(l Layer, opts Options) (*layerTable, error) {
	t := newLayerTable(l.Features)
	for i, f := range l.Features {
		if f == nil || f.Geometry == nil {
			return nil, fmt.Errorf("vectortiles: layer %q feature %d: no geometry", l.Name, i)
		}
		gb := f.Geometry.Bound()
		if !(gb.Min[0] >= -180 && gb.Max[0] <= 180 && gb.Min[1] >= -90 && gb.Max[1] <= 90) {
			return nil, fmt.Errorf("vectortiles: layer %q feature %d (id %v): coordinates %v are not WGS84 lng/lat", l.Name, i, f.ID, gb)
		}
		p := &t.feats[i]
		p.lo, p.hi = max(l.Zooms[i][0], opts.MinZoom), min(l.Zooms[i][1], opts.MaxZoom)
		if p.lo > p.hi {
			continue // never shown: nothing else to work out
		}
		if !t.shown {
			t.minZ, t.maxZ = p.lo, p.hi
		}
		t.shown = true
		t.minZ, t.maxZ = min(t.minZ, p.lo), max(t.maxZ, p.hi)
		if !gb.IsEmpty() {
			t.bound = t.bound.Union(gb)
		}
		t.prepare(i)
	}
	t.done()
	return t, nil
}

func newLayerTable(fs []*geojson.Feature) *layerTable {
	return &layerTable{
		src:      fs,
		feats:    make([]prepared, len(fs)),
		fields:   map[string]string{},
		bound:    orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}},
		idNum:    map[uint64]int32{},
		keyNum:   map[string]uint32{},
		valueNum: map[string]uint32{},
	}
}

// prepare works out feature i: its projection, id, properties and their
// fields.
func (t *layerTable) prepare(i int) {
	f, p := t.src[i], &t.feats[i]
	if pt, ok := f.Geometry.(orb.Point); ok {
		p.point = true
		p.ux, p.uy = toPlanar(pt[0], pt[1], 0)
		p.south = math.Sin(pt[1]*math.Pi/180.0) < -0.9999
	}
	if id, ok := featureID(f.ID); ok {
		p.hasID, p.id = true, id
		g, seen := t.idNum[id]
		if !seen {
			g = int32(len(t.idNum))
			t.idNum[id] = g
		}
		p.idGroup = g
	}
	t.keyScratch = t.keyScratch[:0]
	for k, v := range f.Properties {
		t.keyScratch = append(t.keyScratch, k)
		if old, ok := t.fields[k]; ok && old != fieldType(v) {
			t.fields[k] = "Mixed"
		} else {
			t.fields[k] = fieldType(v)
		}
	}
	// orb numbers a feature's keys in key order.
	slices.Sort(t.keyScratch)
	p.props[0] = uint32(len(t.props))
	p.fast = p.point
	for _, k := range t.keyScratch {
		v, ok := t.value(f.Properties[k])
		if !ok {
			p.fast = false
			t.props = t.props[:p.props[0]]
			break
		}
		t.props = append(t.props, prop{key: t.key(k), value: v})
	}
	p.props[1] = uint32(len(t.props))
}

// done drops what only preparing needs.
func (t *layerTable) done() {
	t.idGroups = len(t.idNum)
	t.idNum, t.keyNum, t.valueNum, t.valueScratch, t.keyScratch = nil, nil, nil, nil, nil
}

func (t *layerTable) key(k string) uint32 {
	n, ok := t.keyNum[k]
	if !ok {
		n = uint32(len(t.keys))
		t.keyNum[k] = n
		t.keys = append(t.keys, k)
	}
	return n
}

// value returns v's value number, or false when v is of a type the tile
// encoder does not write exactly as orb does.
func (t *layerTable) value(v any) (uint32, bool) {
	msg, ok := appendValue(t.valueScratch[:0], v)
	t.valueScratch = msg
	if !ok {
		return 0, false
	}
	n := t.intern(msg)
	if f, isFloat := v.(float64); isFloat {
		switch {
		case f != f:
			t.class[n] = noClass
		case f == 0 && math.Signbit(f):
			t.class[n] = t.intern(appendValue0(t.valueScratch[:0]))
		}
	}
	return n, true
}

// appendValue0 appends the Value message of +0.0.
func appendValue0(b []byte) []byte {
	b, _ = appendValue(b, 0.0)
	return b
}

// intern returns the number of the Value message msg, adding it when new.
func (t *layerTable) intern(msg []byte) uint32 {
	if n, ok := t.valueNum[string(msg)]; ok {
		return n
	}
	n := uint32(len(t.valueEnd))
	t.valueNum[string(msg)] = n
	t.values = appendBytesField(t.values, 4, msg)
	t.valueEnd = append(t.valueEnd, uint32(len(t.values)))
	t.class = append(t.class, n)
	return n
}

// valueField is value n's encoded Value field.
func (t *layerTable) valueField(n uint32) []byte {
	start := uint32(0)
	if n > 0 {
		start = t.valueEnd[n-1]
	}
	return t.values[start:t.valueEnd[n]]
}

// appendValue appends v's MVT Value message as orb's encoder writes it:
// string, float64, int and bool as themselves, and values orb cannot hash
// (slices, maps, nil) as their JSON text. It returns false for any other
// type (orb's encoding of those is left to orb).
func appendValue(b []byte, v any) ([]byte, bool) {
	switch t := v.(type) {
	case string:
		return appendBytesField(b, 1, t), true
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, 0x19), math.Float64bits(t)), true
	case int:
		return binary.AppendUvarint(append(b, 0x30), uint64(int64(t)<<1)^uint64(int64(t)>>63)), true
	case bool:
		if t {
			return append(b, 0x38, 1), true
		}
		return append(b, 0x38, 0), true
	}
	if v != nil && reflect.TypeOf(v).Comparable() {
		return b, false
	}
	data, err := json.Marshal(v)
	if err != nil {
		return b, false
	}
	return appendBytesField(b, 1, data), true
}

// planar is the feature's world pixel position at level (toPlanar).
func (p *prepared) planar(level uint32) (x, y float64) {
	scale := float64(uint64(1) << level)
	x, y = p.ux*scale, p.uy*scale
	if p.south {
		y = scale - 1
	}
	return x, y
}
