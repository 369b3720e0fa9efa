package cmu

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/prebake/prebake/internal/appview"
	"github.com/prebake/prebake/internal/record"
)

// Map popups: the app's /api/component-map-detail/<id>/ body, stored without
// repeating what components share (README.md, "Component details"):
//
//   - shard set cmu/component_details, file DetailShard(id, n):
//     {"<id>": [file, list], ...}, where the component's list is;
//   - shard set cmu/components_at_location, files "<file>.json":
//     {"fields": PopupFields, "strings": [...], "lists": [list, ...]},
//     where a list is the popup's components_at_location (every component within
//     AtLocationDegrees, newest first) and a row of it is one of those
//     components: its id, then for each other field of PopupFields the index of
//     its text in the file's strings, or null.
//
// A list is stored once per position (every component at one exact position
// has the same list), a text once per file, and a popup is rebuilt from its
// component's row and its list by RebuildDetail (Go), prebake.component_detail
// (Python) or the preview's detailFor (JavaScript). popups.go writes them.

// PopupFields are the columns of a stored row, in order: the list entry's
// fields (the app's components_at_location entry, less detailUrl), then the
// rest of the popup's. Every field but id is a string or null:
//
//	delivery_year       "2024"; null when unknown (the list entry says "Unknown")
//	auction_name        "" when missing
//	cmu_id              "" when missing
//	derated_capacity_mw Python's str(float) of the de-rated capacity, or "N/A"
//	company             "" when missing
//	company_id          appview.Normalize(company); null without a company
//	technology          the raw class, or "Unknown"
//	display_technology  its category
//	description         "" when missing
//	location            the location text verbatim; null without one
var PopupFields = []string{"id", "delivery_year", "auction_name", "cmu_id", "derated_capacity_mw",
	"company", "company_id", "technology", "display_technology", "description", "location"}

const popupValues = 10 // fields after id

// The app's texts for a component without location text.
var unknownLocation = appview.UnknownLocation

// AppDetail is the body of the app's /api/component-map-detail/<id>/, its
// fields in the app's order (../shared/docs/app-integration.md, "Popups").
type AppDetail struct {
	Success bool          `json:"success"`
	Data    AppDetailData `json:"data"`
}

// AppDetailData is the popup's data in the app's field names, types and meanings.
type AppDetailData struct {
	ID                   int64           `json:"id"`
	Title                string          `json:"title"`              // location text verbatim, or "Unknown Location"
	Technology           string          `json:"technology"`         // raw class, or "Unknown"
	DisplayTechnology    string          `json:"display_technology"` // category
	Company              string          `json:"company"`
	CompanyID            *string         `json:"company_id"` // appview.Normalize(company); null without a company
	Description          string          `json:"description"`
	DeliveryYear         *string         `json:"delivery_year"` // "2024"; null when unknown
	AuctionName          string          `json:"auction_name"`
	CMUID                string          `json:"cmu_id"`
	DetailURL            string          `json:"detailUrl"`
	HasMultipleYears     bool            `json:"has_multiple_years"` // components_at_location has more than one entry
	ComponentsAtLocation []AppAtLocation `json:"components_at_location"`
}

// AppAtLocation is one entry of the popup's components_at_location; its
// detailUrl is the popup's own (the main component's), as in the app.
type AppAtLocation struct {
	ID                int64  `json:"id"`
	DeliveryYear      string `json:"delivery_year"` // "2024", or "Unknown"
	AuctionName       string `json:"auction_name"`
	CMUID             string `json:"cmu_id"`
	DeratedCapacityMW string `json:"derated_capacity_mw"` // Python's str(float), or "N/A"
	DetailURL         string `json:"detailUrl"`
}

// AtLocationDegrees is the app's neighbourhood of a popup: every component whose
// lat and lng are both within this many degrees of the component's.
const AtLocationDegrees = 0.0001

// atLocationLists returns the components_at_location lists, each a list of
// indexes into comps in the app's order, the key of each list (the smallest
// register id at its position) and, for each component, the number of its
// list. Components at exactly the same position share one list (the app's box
// around each is the same box); a component without coordinates lists only
// itself. Lists are numbered in order of position (lat, lng), then the
// components without coordinates in input order.
func atLocationLists(comps []record.Component) (lists [][]int32, keys []int64, listOf []int32) {
	listOf = make([]int32, len(comps))
	// The positions and ids are copied into one compact array to sort and
	// scan: comparing through comps reached into a large record per
	// comparison. (The sort's steps, and so its order, are the same.)
	type at struct {
		lat, lng float64
		id       int64
		i        int32
	}
	located := make([]at, 0, len(comps))
	for i := range comps {
		if c := &comps[i]; c.Geo.Located {
			located = append(located, at{c.Geo.Lat, c.Geo.Lng, c.ID, int32(i)})
		}
	}
	// By position, then id: a position's components are one run, and the
	// order is by latitude for the box search.
	slices.SortFunc(located, func(a, b at) int {
		if c := cmp.Compare(a.lat, b.lat); c != 0 {
			return c
		}
		if c := cmp.Compare(a.lng, b.lng); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	for start := 0; start < len(located); {
		p := located[start]
		end := start + 1
		for end < len(located) && located[end].lat == p.lat && located[end].lng == p.lng {
			end++
		}
		// The app's filter: lat-0.0001 <= lat' <= lat+0.0001, and the same for
		// lng, in float64 arithmetic as Python does it.
		loLat, hiLat := p.lat-AtLocationDegrees, p.lat+AtLocationDegrees
		loLng, hiLng := p.lng-AtLocationDegrees, p.lng+AtLocationDegrees
		first, _ := slices.BinarySearchFunc(located, loLat, func(o at, lat float64) int { return cmp.Compare(o.lat, lat) })
		var near []int32
		for _, o := range located[first:] {
			if o.lat > hiLat {
				break
			}
			if o.lng >= loLng && o.lng <= hiLng {
				near = append(near, o.i)
			}
		}
		slices.SortFunc(near, func(a, b int32) int { return newerFirst(&comps[a], &comps[b]) })
		key := p.id // the run is sorted by id
		for _, o := range located[start:end] {
			listOf[o.i] = int32(len(lists))
		}
		lists = append(lists, near)
		keys = append(keys, key)
		start = end
	}
	for i := range comps {
		if !comps[i].Geo.Located {
			listOf[i] = int32(len(lists))
			lists = append(lists, []int32{int32(i)})
			keys = append(keys, comps[i].ID)
		}
	}
	return lists, keys, listOf
}

// newerFirst is the app's `ORDER BY delivery_year DESC` (a string; an unknown
// year sorts last), ties by ascending register id.
func newerFirst(a, b *record.Component) int {
	if a.DeliveryYear != b.DeliveryYear {
		return cmp.Compare(b.DeliveryYear, a.DeliveryYear)
	}
	return cmp.Compare(a.ID, b.ID)
}

// PyFloatStr is Python 3's str(float): the shortest text that reads back as x,
// with ".0" on whole numbers and an exponent ("1e-05", "1e+16") outside
// [1e-4, 1e16), as the app prints a capacity.
func PyFloatStr(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	if a := math.Abs(x); a != 0 && (a < 1e-4 || a >= 1e16) {
		s := strconv.FormatFloat(x, 'e', -1, 64) // "1e-05", "1.5e+16"
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		digits := strings.TrimLeft(exp[1:], "0")
		if len(digits) < 2 {
			digits = strings.Repeat("0", 2-len(digits)) + digits
		}
		return mant + "e" + string(sign) + digits
	}
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// DetailShard is the shard function of the component-details shard set: a
// component's detail lives in file "<id mod n>.json" (ids are the register's
// `_id`; a negative id, which only id-less inputs produce, uses its absolute
// value). The shard set cmu/components_at_location uses it too, on the list's
// key.
func DetailShard(id int64, n int) int {
	u := uint64(id)
	if id < 0 {
		u = uint64(-(id + 1)) + 1 // |id|, without overflow at math.MinInt64
	}
	return int(u % uint64(n))
}

// chooseShards picks the smallest n, starting from the total size over the
// bound, for which no shard exceeds maxBytes. A single entry larger than the
// bound raises the bound to its size (it cannot be split).
func chooseShards(ids []int64, sizes map[int64]int, maxBytes int) (n, bound int) {
	total := 0
	bound = maxBytes
	for _, id := range ids {
		total += sizes[id]
		bound = max(bound, sizes[id]+2)
	}
	n = max(1, (total+bound-1)/bound)
	for ; n < len(ids); n++ {
		shard := make([]int, n)
		ok := true
		for _, id := range ids {
			s := DetailShard(id, n)
			shard[s] += sizes[id]
			if shard[s]+2 > bound { // "{" and "}\n"
				ok = false
				break
			}
		}
		if ok {
			return n, bound
		}
	}
	return max(n, 1), bound
}

// PopupFile is one file of the shard set cmu/components_at_location, decoded.
type PopupFile struct {
	Fields  []string     `json:"fields"`
	Strings []string     `json:"strings"`
	Lists   [][][]*int64 `json:"lists"`
}

// RebuildDetail is the app's /api/component-map-detail/<id>/ body of component
// id from list number list of f, the file of cmu/components_at_location that
// id's value in cmu/component_details names. It is the Go twin of the README's
// Python rebuild: the list's rows become the entries (an unknown year
// "Unknown"), the component's own row gives the popup's fields, title and
// detailUrl follow from its location text by the app's rule (appview.Title,
// appview.DetailURL), and every entry carries the popup's detailUrl.
func RebuildDetail(f *PopupFile, list int, id int64) (*AppDetail, error) {
	if list < 0 || list >= len(f.Lists) {
		return nil, fmt.Errorf("no list %d in a file of %d", list, len(f.Lists))
	}
	rows := f.Lists[list]
	col := map[string]int{}
	for i, name := range f.Fields {
		col[name] = i
	}
	for _, name := range PopupFields {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("list %d: no field %q", list, name)
		}
	}
	text := func(r []*int64, field string) (*string, error) {
		i := col[field]
		if i >= len(r) {
			return nil, fmt.Errorf("list %d: a row of %d values has no %s", list, len(r), field)
		}
		if r[i] == nil {
			return nil, nil
		}
		if *r[i] < 0 || *r[i] >= int64(len(f.Strings)) {
			return nil, fmt.Errorf("list %d: %s: string %d of %d", list, field, *r[i], len(f.Strings))
		}
		return &f.Strings[*r[i]], nil
	}
	type entry struct {
		id   int64
		vals map[string]*string
	}
	entries := make([]entry, len(rows))
	var me *entry
	for i, r := range rows {
		if len(r) == 0 || r[0] == nil {
			return nil, fmt.Errorf("list %d: row %d has no id", list, i)
		}
		e := entry{id: *r[0], vals: map[string]*string{}}
		for _, field := range PopupFields[1:] {
			v, err := text(r, field)
			if err != nil {
				return nil, err
			}
			e.vals[field] = v
		}
		entries[i] = e
		if e.id == id {
			me = &entries[i]
		}
	}
	if me == nil {
		return nil, fmt.Errorf("component %d is not in list %d", id, list)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	d := AppDetailData{ID: id, Title: unknownLocation, DetailURL: "/component/by-id/" + strconv.FormatInt(id, 10) + "/",
		Technology: str(me.vals["technology"]), DisplayTechnology: str(me.vals["display_technology"]),
		Company: str(me.vals["company"]), CompanyID: me.vals["company_id"], Description: str(me.vals["description"]),
		DeliveryYear: me.vals["delivery_year"], AuctionName: str(me.vals["auction_name"]), CMUID: str(me.vals["cmu_id"]),
		HasMultipleYears: len(entries) > 1}
	if loc := me.vals["location"]; loc != nil {
		d.Title = *loc
		d.DetailURL = appview.LocationURL(*loc)
	}
	d.ComponentsAtLocation = make([]AppAtLocation, len(entries))
	for i, e := range entries {
		year := "Unknown"
		if y := e.vals["delivery_year"]; y != nil {
			year = *y
		}
		d.ComponentsAtLocation[i] = AppAtLocation{ID: e.id, DeliveryYear: year, AuctionName: str(e.vals["auction_name"]),
			CMUID: str(e.vals["cmu_id"]), DeratedCapacityMW: str(e.vals["derated_capacity_mw"]), DetailURL: d.DetailURL}
	}
	return &AppDetail{Success: true, Data: d}, nil
}
