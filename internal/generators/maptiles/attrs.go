package maptiles

import (
	"strconv"

	"github.com/prebake/prebake/internal/apprules"
	"github.com/prebake/prebake/internal/appview"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// AttrsScheme names the layout of a layer's attribute file, for clients.
const AttrsScheme = "prebake-attrs/1"

// ResidentialCompanies are the companies whose components the /map/ page hides
// unless a company is chosen (residential DSR; app-integration.md, Map points;
// app_rules.json residential_companies).
var ResidentialCompanies = apprules.App.ResidentialCompanyNames()

func isResidential(company string) bool {
	for _, r := range ResidentialCompanies {
		if company == r {
			return true
		}
	}
	return false
}

// dict codes strings in order of first use.
type dict struct {
	codes map[string]int
	names []string
}

func (d *dict) code(s string) int {
	if d.codes == nil {
		d.codes = map[string]int{}
	}
	c, ok := d.codes[s]
	if !ok {
		c = len(d.names)
		d.codes[s] = c
		d.names = append(d.names, s)
	}
	return c
}

// lastCode codes a column's strings in a dict, remembering the last one:
// neighbouring rows often repeat a text, and comparing it with the last one
// (mostly the very same string: the reader interns texts) costs less than
// hashing it into the dict again.
type lastCode struct {
	s    string
	c    int
	used bool
}

func (l *lastCode) code(d *dict, s string) int {
	if !l.used || s != l.s {
		l.s, l.c, l.used = s, d.code(s), true
	}
	return l.c
}

// encodeAttrs writes a layer's attribute file: one row per component of the
// layer, in the layer's input order (ascending register id, the order the tile
// sets were clustered in), as columns. Strings are dictionary-coded (a column
// holds indexes into its dictionary, in order of first use; -1 for a null
// delivery year); positions are dictionary-coded too (distinct lng/lat pairs in
// order of first use, written so they read back to the same float64); ids are
// the first id then the differences to the previous one.
//
//	{"scheme":"prebake-attrs/1","count":N,
//	 "positions":[lng0,lat0,lng1,lat1,...],
//	 "dicts":{"category":[...],"technology":[...],"company":[...],"delivery_year":[...]},
//	 "id":[...],"position":[...],"category":[...],"technology":[...],"company":[...],
//	 "delivery_year":[...],"mw":[...],"active":[0|1,...],"residential":[0|1,...]}
//
// technology is the raw class ("" when null), category the app's category,
// delivery_year the app's string year, mw the de-rated capacity in MW (0 when
// null), active (active[i] for comps[i]) whether the component's location
// group is active (the /map/ period filter: future = active), residential
// whether its company is one of ResidentialCompanies.
//
// spill, when not nil, is called with the bytes so far between values
// (writer.AssetWriter.Spill), and the rest is returned.
func encodeAttrs(comps []*record.Component, active []bool, spill func([]byte) ([]byte, error)) ([]byte, error) {
	var cat, tech, co, year dict
	// Neighbours in id order (components of one CMU) mostly repeat these.
	var lastCat, lastTech, lastCo, lastYear lastCode
	type posKey struct{ lng, lat float64 }
	posCodes := map[posKey]int{}
	var positions []posKey
	n := len(comps)
	// Codes as int32 (they count distinct values of n): at a million
	// components, columns of int were a large part of the bake's peak heap.
	// Ids are differences of int64 ids, so they keep int.
	cols := struct {
		id                                                                 []int
		position, category, technology, company, year, active, residential []int32
	}{id: make([]int, 0, n)}
	for _, col := range []*[]int32{&cols.position, &cols.category, &cols.technology, &cols.company, &cols.year, &cols.active, &cols.residential} {
		*col = make([]int32, 0, n)
	}
	prev := int64(0)
	for i, c := range comps {
		cols.id = append(cols.id, int(c.ID-prev))
		prev = c.ID
		k := posKey{c.Geo.Lng, c.Geo.Lat}
		p, ok := posCodes[k]
		if !ok {
			p = len(positions)
			posCodes[k] = p
			positions = append(positions, k)
		}
		cols.position = append(cols.position, int32(p))
		cols.category = append(cols.category, int32(lastCat.code(&cat, string(c.Category))))
		cols.technology = append(cols.technology, int32(lastTech.code(&tech, c.TechClass)))
		cols.company = append(cols.company, int32(lastCo.code(&co, c.Company)))
		if y, ok := appview.Year(c.DeliveryYear); ok {
			cols.year = append(cols.year, int32(lastYear.code(&year, y)))
		} else {
			cols.year = append(cols.year, -1)
		}
		cols.active = append(cols.active, b2i(active[i]))
		cols.residential = append(cols.residential, b2i(isResidential(c.Company)))
	}
	b := make([]byte, 0, min(64*n, writer.SpillSize+64<<10))
	var err error
	flush := func() {
		if spill != nil && err == nil {
			b, err = spill(b)
		}
	}
	b = append(b, `{"scheme":`...)
	b = appendString(b, AttrsScheme)
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"positions":[`...)
	for i, p := range positions {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, p.lng)
		b = append(b, ',')
		b = appendFloat(b, p.lat)
		flush()
	}
	b = append(b, `],"dicts":{`...)
	for i, d := range []struct {
		name string
		d    *dict
	}{{"category", &cat}, {"technology", &tech}, {"company", &co}, {"delivery_year", &year}} {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, d.name)
		b = append(b, `:[`...)
		for j, s := range d.d.names {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
			flush()
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	ints := func(name string, n int, at func(i int) int64) {
		b = append(b, `,"`...)
		b = append(b, name...)
		b = append(b, `":[`...)
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, at(i), 10)
			flush()
		}
		b = append(b, ']')
	}
	int32s := func(name string, v []int32) { ints(name, len(v), func(i int) int64 { return int64(v[i]) }) }
	ints("id", len(cols.id), func(i int) int64 { return int64(cols.id[i]) })
	int32s("position", cols.position)
	int32s("category", cols.category)
	int32s("technology", cols.technology)
	int32s("company", cols.company)
	int32s("delivery_year", cols.year)
	b = append(b, `,"mw":[`...)
	for i, c := range comps {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, derated(c))
		flush()
	}
	b = append(b, ']')
	int32s("active", cols.active)
	int32s("residential", cols.residential)
	if err != nil {
		return nil, err
	}
	return append(b, "}\n"...), nil
}

func b2i(v bool) int32 {
	if v {
		return 1
	}
	return 0
}
