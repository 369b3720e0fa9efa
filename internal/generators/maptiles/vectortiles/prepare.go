package vectortiles

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

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
	name  string
	src   []*geojson.Feature // the layer's features, for tiles left to orb; nil for a PointLayer's
	feats []prepared
	props []prop // every feature's properties, feature after feature, each feature's in key order

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
	kind  []byte // per value, its Value message's field tag (valueString ...)

	// Used while the table is built (done drops them).
	keyNum     map[string]uint32
	strNum     map[string]uint32
	intNum     map[int]uint32
	floatNum   map[uint64]uint32 // by the bits
	boolNum    [2]int64          // -1 until met
	scratch    []byte
	keyScratch []string
	err        error // the first feature that is not WGS84 lng/lat (PointLayer)
}

// The field tags of the Value message (MVT spec 4.1) this package writes: the
// first byte of a value's message.
const (
	valueString = 1<<3 | 2
	valueDouble = 3<<3 | 1
	valueSint   = 6<<3 | 0
	valueBool   = 7<<3 | 0
)

// noClass marks a value that equals no other (NaN).
const noClass = math.MaxUint32

type prop struct{ key, value uint32 }

// prepared is one feature of a layer, ready to be binned and encoded.
type prepared struct {
	lng, lat float64 // a point's position
	// ux, uy are a point's Web Mercator position with 1 unit across the world
	// (toPlanar at level 0); at level L they are scaled by 2^L, which is exact
	// and so gives toPlanar's result bit for bit. south marks a point beyond
	// toPlanar's southern clamp, whose y is 2^L - 1 at every level instead.
	ux, uy float64
	id     uint64    // MVT feature id (orb's rule, featureID), when hasID
	props  [2]uint32 // its properties: props[props[0]:props[1]]
	lo, hi int8      // the zooms it is shown at
	south  bool
	point  bool // the geometry is an orb.Point; others are clipped by orb per tile
	// fast says the tile encoder writes the feature itself: a point whose
	// property values are all of the types it encodes (see appendValue).
	// Tiles holding any other feature are left to orb's mvt.Marshal.
	fast  bool
	hasID bool
}

// layerSummary is what a layer's features show at an archive's zooms, for its
// metadata: each field's type (fieldType; "Mixed" for two types), their
// bounds and zoom range.
type layerSummary struct {
	fields     map[string]string
	bound      orb.Bound
	shown      bool // some feature is shown at a zoom of the archive
	minZ, maxZ int  // the zooms some feature is shown at, when shown
}

func newSummary() layerSummary {
	return layerSummary{fields: map[string]string{},
		bound: orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}}
}

// show adds a feature shown at zooms lo..hi (within the archive's) with bounds b.
func (s *layerSummary) show(lo, hi int, b orb.Bound) {
	if !s.shown {
		s.minZ, s.maxZ = lo, hi
	}
	s.shown = true
	s.minZ, s.maxZ = min(s.minZ, lo), max(s.maxZ, hi)
	if !b.IsEmpty() {
		s.bound = s.bound.Union(b)
	}
}

// field adds a value of type typ (fieldType) of field k.
func (s *layerSummary) field(k, typ string) {
	if old, ok := s.fields[k]; ok && old != typ {
		s.fields[k] = "Mixed"
	} else {
		s.fields[k] = typ
	}
}

// prepareLayer builds the table of l (a layer of geojson features) and its
// summary for an archive of opts' zooms, or an error naming the first feature
// that is not WGS84 lng/lat.
func prepareLayer(l Layer, opts Options) (*layerTable, layerSummary, error) {
	if l.points != nil {
		return l.points, l.points.summarize(opts), l.points.err
	}
	t, sum := newLayerTable(l.Name, len(l.Features)), newSummary()
	t.src = l.Features
	for i, f := range l.Features {
		if f == nil || f.Geometry == nil {
			return nil, sum, fmt.Errorf("vectortiles: layer %q feature %d: no geometry", l.Name, i)
		}
		gb := f.Geometry.Bound()
		if !(gb.Min[0] >= -180 && gb.Max[0] <= 180 && gb.Min[1] >= -90 && gb.Max[1] <= 90) {
			return nil, sum, fmt.Errorf("vectortiles: layer %q feature %d (id %v): coordinates %v are not WGS84 lng/lat", l.Name, i, f.ID, gb)
		}
		p := &t.feats[i]
		lo, hi := max(l.Zooms[i][0], opts.MinZoom), min(l.Zooms[i][1], opts.MaxZoom)
		p.lo, p.hi = zoom8(lo), zoom8(hi)
		if lo > hi {
			continue // never shown: nothing else to work out
		}
		sum.show(lo, hi, gb)
		t.prepare(i, &sum)
	}
	t.done()
	return t, sum, nil
}

func newLayerTable(name string, n int) *layerTable {
	return &layerTable{
		name:     name,
		feats:    make([]prepared, n),
		keyNum:   map[string]uint32{},
		strNum:   map[string]uint32{},
		intNum:   map[int]uint32{},
		floatNum: map[uint64]uint32{},
		boolNum:  [2]int64{-1, -1},
	}
}

// prepare works out geojson feature i: its projection, id and properties, and
// adds its fields to sum.
func (t *layerTable) prepare(i int, sum *layerSummary) {
	f, p := t.src[i], &t.feats[i]
	if pt, ok := f.Geometry.(orb.Point); ok {
		t.setPoint(p, pt[0], pt[1])
	}
	if id, ok := featureID(f.ID); ok {
		t.setID(p, id)
	}
	t.keyScratch = t.keyScratch[:0]
	for k, v := range f.Properties {
		t.keyScratch = append(t.keyScratch, k)
		sum.field(k, fieldType(v))
	}
	// orb numbers a feature's keys in key order.
	slices.Sort(t.keyScratch)
	p.props[0] = uint32(len(t.props))
	p.fast = p.point
	for _, k := range t.keyScratch {
		if !t.addValue(k, f.Properties[k]) {
			p.fast = false
			t.props = t.props[:p.props[0]]
			break
		}
	}
	p.props[1] = uint32(len(t.props))
}

func (t *layerTable) setPoint(p *prepared, lng, lat float64) {
	p.point, p.lng, p.lat = true, lng, lat
	p.ux, p.uy = toPlanar(lng, lat, 0)
	p.south = math.Sin(lat*math.Pi/180.0) < -0.9999
}

func (t *layerTable) setID(p *prepared, id uint64) {
	p.hasID, p.id = true, id
}

// addValue adds property k: v to the feature being built, or returns false when
// v is of a type the tile encoder does not write exactly as orb does: string,
// float64, int and bool as themselves, and values orb cannot hash (slices,
// maps, nil) as their JSON text; any other type is left to orb.
func (t *layerTable) addValue(k string, v any) bool {
	var n uint32
	switch v := v.(type) {
	case string:
		n = t.stringValue(v)
	case float64:
		n = t.floatValue(v)
	case int:
		n = t.intValue(v)
	case bool:
		n = t.boolValue(v)
	default:
		if v != nil && reflect.TypeOf(v).Comparable() {
			return false
		}
		data, err := json.Marshal(v)
		if err != nil {
			return false
		}
		n = t.stringValue(string(data))
	}
	t.addProp(k, n)
	return true
}

// stringValue, intValue, floatValue and boolValue return the number of a
// value, adding it when new.
func (t *layerTable) stringValue(v string) uint32 {
	n, ok := t.strNum[v]
	if !ok {
		n = t.newValue(appendBytesField(t.scratch[:0], 1, v))
		t.strNum[v] = n
	}
	return n
}

func (t *layerTable) intValue(v int) uint32 {
	n, ok := t.intNum[v]
	if !ok {
		n = t.newValue(binary.AppendUvarint(append(t.scratch[:0], valueSint), uint64(int64(v)<<1)^uint64(int64(v)>>63)))
		t.intNum[v] = n
	}
	return n
}

func (t *layerTable) floatValue(v float64) uint32 {
	bits := math.Float64bits(v)
	n, ok := t.floatNum[bits]
	if !ok {
		n = t.newValue(binary.LittleEndian.AppendUint64(append(t.scratch[:0], valueDouble), bits))
		t.floatNum[bits] = n
		switch {
		case v != v:
			t.class[n] = noClass
		case v == 0 && math.Signbit(v):
			t.class[n] = t.floatValue(0)
		}
	}
	return n
}

func (t *layerTable) boolValue(v bool) uint32 {
	b := 0
	if v {
		b = 1
	}
	if t.boolNum[b] < 0 {
		t.boolNum[b] = int64(t.newValue(append(t.scratch[:0], valueBool, byte(b))))
	}
	return uint32(t.boolNum[b])
}

func (t *layerTable) addProp(k string, value uint32) {
	key, ok := t.keyNum[k]
	if !ok {
		key = uint32(len(t.keys))
		t.keyNum[k] = key
		t.keys = append(t.keys, k)
	}
	t.props = append(t.props, prop{key: key, value: value})
}

// newValue adds the Value message msg as a new value and returns its number.
func (t *layerTable) newValue(msg []byte) uint32 {
	n := uint32(len(t.valueEnd))
	t.values = appendBytesField(t.values, 4, msg)
	t.valueEnd = append(t.valueEnd, uint32(len(t.values)))
	t.class = append(t.class, n)
	t.kind = append(t.kind, msg[0])
	t.scratch = msg
	return n
}

// done drops what only building the table needs.
func (t *layerTable) done() {
	t.keyNum, t.strNum, t.intNum, t.floatNum = nil, nil, nil, nil
	t.scratch, t.keyScratch = nil, nil
}

// valueField is value n's encoded Value field.
func (t *layerTable) valueField(n uint32) []byte {
	start := uint32(0)
	if n > 0 {
		start = t.valueEnd[n-1]
	}
	return t.values[start:t.valueEnd[n]]
}

// summarize is the summary of a PointLayer's table for an archive of opts'
// zooms.
func (t *layerTable) summarize(opts Options) layerSummary {
	sum := newSummary()
	keyType := make([]string, len(t.keys))
	for i := range t.feats {
		p := &t.feats[i]
		lo, hi := max(int(p.lo), opts.MinZoom), min(int(p.hi), opts.MaxZoom)
		if lo > hi {
			continue
		}
		pt := orb.Point{p.lng, p.lat}
		sum.show(lo, hi, orb.Bound{Min: pt, Max: pt})
		for _, pr := range t.props[p.props[0]:p.props[1]] {
			typ := kindType(t.kind[pr.value])
			if old := keyType[pr.key]; old != "" && old != typ {
				typ = "Mixed"
			}
			keyType[pr.key] = typ
		}
	}
	for k, typ := range keyType {
		if typ != "" {
			sum.fields[t.keys[k]] = typ
		}
	}
	return sum
}

// kindType is fieldType of a value written with Value field tag kind.
func kindType(kind byte) string {
	switch kind {
	case valueBool:
		return "Boolean"
	case valueDouble, valueSint:
		return "Number"
	}
	return "String"
}

// idAndProperties are feature i's id and properties as a geojson.Feature
// holds them: a PointLayer's read back from the table.
func (t *layerTable) idAndProperties(i int) (any, geojson.Properties) {
	if t.src != nil {
		return t.src[i].ID, t.src[i].Properties
	}
	p := &t.feats[i]
	props := geojson.Properties{}
	for _, pr := range t.props[p.props[0]:p.props[1]] {
		f := t.valueField(pr.value)
		_, n := binary.Uvarint(f[1:]) // the field's length
		msg := f[1+n:]
		switch msg[0] {
		case valueString:
			_, n := binary.Uvarint(msg[1:])
			props[t.keys[pr.key]] = string(msg[1+n:])
		case valueDouble:
			props[t.keys[pr.key]] = math.Float64frombits(binary.LittleEndian.Uint64(msg[1:]))
		case valueSint:
			u, _ := binary.Uvarint(msg[1:])
			props[t.keys[pr.key]] = int(int64(u>>1) ^ -int64(u&1))
		case valueBool:
			props[t.keys[pr.key]] = msg[1] == 1
		}
	}
	return p.id, props
}

// zoom8 is a zoom range's end in prepared: zooms beyond 0..MaxZoom, at which
// no tile is made, become -1 or MaxZoom+1 (an empty range stays empty).
func zoom8(z int) int8 { return int8(min(max(z, -1), MaxZoom+1)) }

// planar is the feature's world pixel position at level (toPlanar).
func (p *prepared) planar(level uint32) (x, y float64) {
	scale := float64(uint64(1) << level)
	x, y = p.ux*scale, p.uy*scale
	if p.south {
		y = scale - 1
	}
	return x, y
}

// PointLayer makes a Layer of point features without a geojson.Feature and a
// property map for each (at a million components those were most of the map
// tiles' memory): each feature goes straight into the form Build encodes from.
// A feature is a call to Point followed by its properties (Bool, Int, Float,
// String), each key at most once; they encode as a geojson.Feature with an
// orb.Point and those properties (of those Go types) does.
type PointLayer struct {
	t   *layerTable
	cur int // the feature whose properties are being added; -1 before the first
}

// NewPointLayer starts the layer name, of about n features.
func NewPointLayer(name string, n int) *PointLayer {
	t := newLayerTable(name, 0)
	t.feats = make([]prepared, 0, n)
	return &PointLayer{t: t, cur: -1}
}

// Point adds a feature at lng, lat with feature id id, shown at zooms lo..hi;
// the property calls that follow are its.
func (l *PointLayer) Point(lng, lat float64, id uint64, lo, hi int) {
	l.endFeature()
	t := l.t
	if !(lng >= -180 && lng <= 180 && lat >= -90 && lat <= 90) && t.err == nil {
		pt := orb.Point{lng, lat}
		t.err = fmt.Errorf("vectortiles: layer %q feature %d (id %v): coordinates %v are not WGS84 lng/lat", t.name, len(t.feats), id, orb.Bound{Min: pt, Max: pt})
	}
	l.cur = len(t.feats)
	t.feats = append(t.feats, prepared{lo: zoom8(lo), hi: zoom8(hi), fast: true})
	p := &t.feats[l.cur]
	t.setPoint(p, lng, lat)
	t.setID(p, id)
	p.props[0] = uint32(len(t.props))
}

// Bool, Int, Float and String add a property to the last feature.
func (l *PointLayer) Bool(key string, v bool)     { l.t.addProp(key, l.t.boolValue(v)) }
func (l *PointLayer) Int(key string, v int)       { l.t.addProp(key, l.t.intValue(v)) }
func (l *PointLayer) Float(key string, v float64) { l.t.addProp(key, l.t.floatValue(v)) }
func (l *PointLayer) String(key string, v string) { l.t.addProp(key, l.t.stringValue(v)) }

// endFeature puts the last feature's properties in key order, as orb numbers them.
func (l *PointLayer) endFeature() {
	if l.cur < 0 {
		return
	}
	t := l.t
	p := &t.feats[l.cur]
	p.props[1] = uint32(len(t.props))
	slices.SortFunc(t.props[p.props[0]:p.props[1]], func(a, b prop) int { return strings.Compare(t.keys[a.key], t.keys[b.key]) })
}

// Layer returns the layer; l is done with.
func (l *PointLayer) Layer() Layer {
	l.endFeature()
	l.t.done()
	return Layer{Name: l.t.name, points: l.t}
}
