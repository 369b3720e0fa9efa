package locations

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prebake/prebake/internal/appview"
	"github.com/prebake/prebake/internal/writer"
)

// SearchScheme names the layout of SearchAsset, for clients.
const SearchScheme = "prebake-search-groups/1"

// SearchAsset is the file a server answers the app's /api/search-geojson/ from
// (prebake.django.urls): the located groups with the fields that endpoint
// filters, sorts on and returns, in the shapes the app's PostgreSQL gives them.
const SearchAsset = GroupsDir + "/search.json"

// BigCompanyLocations: the map explorer's company filter "Everything else"
// leaves out every company present at more than this many location groups.
const BigCompanyLocations = 7

// Int32Column is a column of a server-side file (SearchAsset,
// maptiles.MapDataAsset): the values as little-endian int32, base64 (standard,
// padded). A reader decodes it without one object per value
// (numpy.frombuffer(base64.b64decode(s), "<i4")).
func Int32Column[T int | int32](v []T) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(int32(x)))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Float64Column is Int32Column for float64 values (IEEE 754, little-endian).
func Float64Column(v []float64) string {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// JSONBKeyOrder sorts keys as PostgreSQL stores a jsonb object's keys, which
// is the order the app's code iterates them after loading one: shorter keys
// (in bytes) first, equal lengths in byte order.
func JSONBKeyOrder(keys []string) {
	slices.SortFunc(keys, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
}

// jsonbText is PostgreSQL's text of a jsonb array of strings (`col::text`,
// what Django's icontains on a JSONField searches): elements separated by
// ", ", '"' and '\' escaped, \b \f \n \r \t and other control characters as
// \u00xx, every other character as it is.
func jsonbText(ss []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('"')
		if jsonbPlain(s) { // most texts: nothing to escape, written whole
			b.WriteString(s)
			b.WriteByte('"')
			continue
		}
		for _, r := range s {
			switch r {
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				if r < 0x20 {
					b.WriteString(`\u00`)
					b.WriteByte("0123456789abcdef"[r>>4])
					b.WriteByte("0123456789abcdef"[r&0xf])
				} else {
					b.WriteRune(r)
				}
			}
		}
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}

// jsonbPlain reports whether jsonbText writes s as it is: valid UTF-8 (an
// invalid byte would be written as U+FFFD) without '"', '\\' or control
// characters.
func jsonbPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.ValidString(s)
}

// writeSearch writes SearchAsset: one row per located group, in the order of
// the app's LocationGroup ids as far as the register decides it
// (build_location_groups creates groups in the order of
// `values_list('location').distinct()` under Component's
// `ordering = ['-delivery_year']`: newest delivery year first; groups of one
// year, which the database leaves in an undefined order, by location text in
// byte order), as columns. Every text is an index into "strings"; integer
// columns are Int32Column, float columns Float64Column; a per-group list is a
// flat column with offsets ("<name>_off", n+1 values).
//
//	{"scheme":"prebake-search-groups/1","count":N,"strings":[...],
//	 "title","lng","lat","component_count","active","mw","primary_tech","primary_company",
//	 "desc","cmu","descriptions_text",
//	 "tech_off","tech_key","company_off","company_key","cmu_off","cmu_key",
//	 "big_companies"}
//
// tech_key holds each group's technologies keys in jsonb key order
// (JSONBKeyOrder), primary_tech/primary_company are the app's
// get_primary_technology (lowest TechPriority, first of equals in jsonb order)
// and get_primary_company (most components, first of equals in jsonb order),
// desc the first description as the endpoint cuts it, cmu the first CMU id (-1:
// none), descriptions_text the jsonb text of the stored descriptions (what the
// endpoint's text search matches), big_companies the companies at more than
// BigCompanyLocations groups, located or not.
func writeSearch(groups []*group, attrs []attributes, w *writer.Writer) error {
	var strs []string
	// About three distinct texts a group (title, description, its jsonb
	// text): sized once rather than grown by rehashing.
	codes := make(map[string]int, 3*len(groups))
	code := func(s string) int {
		c, ok := codes[s]
		if !ok {
			c = len(strs)
			codes[s] = c
			strs = append(strs, s)
		}
		return c
	}
	newest := make([]int, len(groups))
	var rows []int
	locations := map[string]int{}
	for i, g := range groups {
		newest[i] = attrs[i].newest
		for _, co := range attrs[i].Companies {
			if co.Name != "" {
				locations[co.Name]++
			}
		}
		if g.pos != nil {
			rows = append(rows, i)
		}
	}
	// Group texts are distinct, so (newest, text) orders the rows totally
	// and an unstable sort gives the stable sort's order, faster.
	slices.SortFunc(rows, func(a, b int) int {
		if newest[a] != newest[b] {
			return newest[b] - newest[a]
		}
		return strings.Compare(groups[a].text, groups[b].text)
	})
	n := len(rows)
	// Columns as local slices, put in the maps by name once filled: a map
	// lookup and a key concatenation per value was a fifth of this
	// function's time at 1M components.
	type list struct{ off, key []int }
	newList := func() *list { return &list{off: append(make([]int, 0, n+1), 0)} }
	off := func(l *list, keys []string) {
		for _, k := range keys {
			l.key = append(l.key, code(k))
		}
		l.off = append(l.off, len(l.key))
	}
	techL, companyL, cmuL := newList(), newList(), newList()
	col := func() []int { return make([]int, 0, n) }
	title, count, activeCol, primaryTech, primaryCompany, desc, descText, cmuCol := col(), col(), col(), col(), col(), col(), col(), col()
	lng, lat, mw := make([]float64, 0, n), make([]float64, 0, n), make([]float64, 0, n)
	var techs, cos []string
	var byKey counted
	for _, i := range rows {
		g, a := groups[i], &attrs[i]
		title = append(title, code(g.text))
		lng = append(lng, round6(g.pos.Geo.Lng))
		lat = append(lat, round6(g.pos.Geo.Lat))
		mw = append(mw, a.CapacityMW)
		count = append(count, a.ComponentCount)
		active := 0
		if a.IsActive {
			active = 1
		}
		activeCol = append(activeCol, active)
		techs = techs[:0] // scratch, reused: off copies its codes
		for _, t := range a.Technologies {
			techs = append(techs, t.Name)
		}
		JSONBKeyOrder(techs)
		primary, best := "Unknown", 0
		for k, t := range techs {
			p, ok := techPriority[t]
			if !ok {
				p = techPriorityDefault
			}
			if k == 0 || p < best {
				primary, best = t, p
			}
		}
		primaryTech = append(primaryTech, code(primary))
		off(techL, techs)
		// The companies in jsonb key order (their names are distinct), with
		// their counts: the first of the most components is the primary.
		byKey = append(byKey[:0], a.Companies...)
		slices.SortFunc(byKey, func(x, y struct {
			Name  string
			Count int
		}) int {
			if len(x.Name) != len(y.Name) {
				return len(x.Name) - len(y.Name)
			}
			return strings.Compare(x.Name, y.Name)
		})
		cos = cos[:0]
		top, topCount := "Unknown", 0
		for k, co := range byKey {
			cos = append(cos, co.Name)
			if k == 0 || co.Count > topCount {
				top, topCount = co.Name, co.Count
			}
		}
		primaryCompany = append(primaryCompany, code(top))
		off(companyL, cos)
		first := ""
		if len(a.Descriptions) > 0 {
			first = a.Descriptions[0]
		}
		desc = append(desc, code(appview.ShortDescription(first)))
		descText = append(descText, code(jsonbText(a.Descriptions)))
		cmu := -1
		if len(a.CMUIDs) > 0 {
			cmu = code(a.CMUIDs[0])
		}
		cmuCol = append(cmuCol, cmu)
		off(cmuL, a.CMUIDs)
	}
	ints := map[string][]int{
		"title": title, "component_count": count, "active": activeCol, "primary_tech": primaryTech,
		"primary_company": primaryCompany, "desc": desc, "descriptions_text": descText, "cmu": cmuCol,
		"tech_off": techL.off, "tech_key": techL.key, "company_off": companyL.off, "company_key": companyL.key,
		"cmu_off": cmuL.off, "cmu_key": cmuL.key,
	}
	floats := map[string][]float64{"lng": lng, "lat": lat, "mw": mw}
	var big []string
	for name, k := range locations {
		if k > BigCompanyLocations {
			big = append(big, name)
		}
	}
	slices.Sort(big)
	bigCodes := make([]int, len(big))
	for k, name := range big {
		bigCodes[k] = code(name)
	}
	ints["big_companies"] = bigCodes

	// Streamed: at a million components the file is tens of MB.
	// Read by the app's server only (prebake's Python views), never by a
	// browser: gzip only (writer.ServerCodecs).
	aw, err := w.CreateAsset(SearchAsset, writer.Meta{ContentType: "application/json", ServerOnly: true})
	if err != nil {
		return err
	}
	defer aw.Abort() // after Close, nothing
	b := make([]byte, 0, min(256*n, writer.SpillSize+64<<10))
	b = append(b, `{"scheme":`...)
	b = strconv.AppendQuote(b, SearchScheme)
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"strings":[`...)
	for i, s := range strs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPyString(b, s)
		if b, err = aw.Spill(b); err != nil {
			return err
		}
	}
	b = append(b, ']')
	for _, name := range []string{"title", "component_count", "active", "primary_tech", "primary_company", "desc", "cmu",
		"descriptions_text", "tech_off", "tech_key", "company_off", "company_key", "cmu_off", "cmu_key", "big_companies"} {
		b = append(b, `,"`+name+`":"`...)
		b = append(b, Int32Column(ints[name])...)
		b = append(b, '"')
		if b, err = aw.Spill(b); err != nil {
			return err
		}
	}
	for _, name := range []string{"lng", "lat", "mw"} {
		b = append(b, `,"`+name+`":"`...)
		b = append(b, Float64Column(floats[name])...)
		b = append(b, '"')
		if b, err = aw.Spill(b); err != nil {
			return err
		}
	}
	b = append(b, "}\n"...)
	if _, err := aw.Write(b); err != nil {
		return err
	}
	_, err = aw.Close()
	return err
}
