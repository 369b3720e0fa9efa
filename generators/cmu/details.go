package cmu

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/prebake/prebake/appview"
	"github.com/prebake/prebake/record"
	"github.com/prebake/prebake/writer"
)

// Detail is one entry of the shard set cmu/component_details: the body of the
// app's /api/component-map-detail/<id>/ for one component, except that the list
// components_at_location, which every component at one position shares, is
// stored once per position in the shard set cmu/components_at_location and
// named here by AtLocationRef. ReconstructDetail (and the README) rebuilds the
// app's body exactly.
type Detail struct {
	Success bool       `json:"success"`
	Data    DetailData `json:"data"`
}

// DetailData is the popup's data in the app's field names, types and meanings
// (../shared/docs/app-integration.md, "Popups").
type DetailData struct {
	ID                int64   `json:"id"`
	Title             string  `json:"title"`              // location text verbatim, or "Unknown Location"
	Technology        string  `json:"technology"`         // raw class, or "Unknown"
	DisplayTechnology string  `json:"display_technology"` // category
	Company           string  `json:"company"`
	CompanyID         *string `json:"company_id"` // appview.CompanyID(company); null without a company
	Description       string  `json:"description"`
	DeliveryYear      *string `json:"delivery_year"` // "2024"; null when unknown
	AuctionName       string  `json:"auction_name"`
	CMUID             string  `json:"cmu_id"`
	DetailURL         string  `json:"detailUrl"`
	HasMultipleYears  bool    `json:"has_multiple_years"` // components_at_location has more than one entry

	// AtLocationRef is the key of this component's components_at_location list
	// in the shard set cmu/components_at_location (shard AtLocationShard(ref, n)),
	// and AtLocationCount its length.
	AtLocationRef   int64 `json:"components_at_location_ref"`
	AtLocationCount int   `json:"components_at_location_count"`
}

// AtLocation is one entry of components_at_location as stored: the app's entry
// without detailUrl, which in the app is the popup's own (the main
// component's) detailUrl, so it is added back from the popup.
type AtLocation struct {
	ID                int64  `json:"id"`
	DeliveryYear      string `json:"delivery_year"` // "2024", or "Unknown"
	AuctionName       string `json:"auction_name"`
	CMUID             string `json:"cmu_id"`
	DeratedCapacityMW string `json:"derated_capacity_mw"` // Python's str(float), or "N/A"
}

// AtLocationDegrees is the app's neighbourhood of a popup: every component whose
// lat and lng are both within this many degrees of the component's.
const AtLocationDegrees = 0.0001

// atLocationLists returns, for every component, the key of its
// components_at_location list and the lists by key. Components at exactly the
// same position share one list (the app's box around each is the same box);
// the key is the smallest register id at that position. A component without
// coordinates lists only itself (key: its own id).
func atLocationLists(comps []record.Component) (refOf map[int64]int64, lists map[int64][]AtLocation) {
	type pos struct{ lat, lng float64 }
	byPos := map[pos][]*record.Component{}
	var located []*record.Component
	refOf = make(map[int64]int64, len(comps))
	lists = map[int64][]AtLocation{}
	for i := range comps {
		c := &comps[i]
		if !c.Geo.Located {
			refOf[c.ID] = c.ID
			lists[c.ID] = []AtLocation{atLocation(c)}
			continue
		}
		p := pos{c.Geo.Lat, c.Geo.Lng}
		byPos[p] = append(byPos[p], c)
		located = append(located, c)
	}
	sort.Slice(located, func(i, j int) bool {
		if located[i].Geo.Lat != located[j].Geo.Lat {
			return located[i].Geo.Lat < located[j].Geo.Lat
		}
		return located[i].ID < located[j].ID
	})
	for p, here := range byPos {
		ref := here[0].ID
		for _, c := range here {
			ref = min(ref, c.ID)
		}
		// The app's filter: lat-0.0001 <= lat' <= lat+0.0001, and the same for lng,
		// in float64 arithmetic as Python does it.
		loLat, hiLat := p.lat-AtLocationDegrees, p.lat+AtLocationDegrees
		loLng, hiLng := p.lng-AtLocationDegrees, p.lng+AtLocationDegrees
		start := sort.Search(len(located), func(i int) bool { return located[i].Geo.Lat >= loLat })
		var near []*record.Component
		for _, o := range located[start:] {
			if o.Geo.Lat > hiLat {
				break
			}
			if o.Geo.Lng >= loLng && o.Geo.Lng <= hiLng {
				near = append(near, o)
			}
		}
		sort.Slice(near, func(i, j int) bool { return newerFirst(near[i], near[j]) })
		list := make([]AtLocation, len(near))
		for i, o := range near {
			list[i] = atLocation(o)
		}
		lists[ref] = list
		for _, c := range here {
			refOf[c.ID] = ref
		}
	}
	return refOf, lists
}

// newerFirst is the app's `ORDER BY delivery_year DESC` (a string; an unknown
// year sorts last), ties by ascending register id.
func newerFirst(a, b *record.Component) bool {
	if a.DeliveryYear != b.DeliveryYear {
		return a.DeliveryYear > b.DeliveryYear
	}
	return a.ID < b.ID
}

func atLocation(c *record.Component) AtLocation {
	y, ok := appview.Year(c.DeliveryYear)
	if !ok {
		y = "Unknown"
	}
	mw := "N/A"
	if c.DeratedMW != nil {
		mw = PyFloatStr(*c.DeratedMW)
	}
	return AtLocation{ID: c.ID, DeliveryYear: y, AuctionName: c.AuctionName, CMUID: c.CMUID, DeratedCapacityMW: mw}
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

func details(comps []record.Component) (map[int64]Detail, map[int64][]AtLocation) {
	refOf, lists := atLocationLists(comps)
	out := make(map[int64]Detail, len(comps))
	for i := range comps {
		c := &comps[i]
		tech := c.TechClass
		if tech == "" {
			tech = string(record.Unknown)
		}
		var companyID *string
		if c.Company != "" {
			id := appview.CompanyID(c.Company)
			companyID = &id
		}
		var year *string
		if y, ok := appview.Year(c.DeliveryYear); ok {
			year = &y
		}
		ref := refOf[c.ID]
		out[c.ID] = Detail{Success: true, Data: DetailData{
			ID: c.ID, Title: appview.Title(c), Technology: tech, DisplayTechnology: string(c.Category),
			Company: c.Company, CompanyID: companyID, Description: c.Description, DeliveryYear: year,
			AuctionName: c.AuctionName, CMUID: c.CMUID, DetailURL: appview.DetailURL(c),
			HasMultipleYears: len(lists[ref]) > 1, AtLocationRef: ref, AtLocationCount: len(lists[ref]),
		}}
	}
	return out, lists
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

// writeDetails writes the shard sets cmu/component_details (file
// "<DetailShard(id, n)>.json" holds {"<id>": Detail, ...}) and
// cmu/components_at_location (file "<DetailShard(ref, m)>.json" holds
// {"<ref>": [AtLocation, ...], ...}).
func writeDetails(w *writer.Writer, comps []record.Component, maxBytes int) error {
	if maxBytes <= 0 {
		maxBytes = DefaultDetailShardMaxBytes
	}
	ds, lists := details(comps)
	if err := writeIDShards(w, "cmu/component_details", ds, maxBytes, "id"); err != nil {
		return err
	}
	return writeIDShards(w, "cmu/components_at_location", lists, maxBytes, "components_at_location_ref")
}

// writeIDShards writes the values of byID as a shard set keyed by
// DetailShard(id, n), n the fewest shards that keep each file within maxBytes.
func writeIDShards[V any](w *writer.Writer, name string, byID map[int64]V, maxBytes int, idField string) error {
	ids := make([]int64, 0, len(byID))
	entries := map[int64][]byte{}
	sizes := map[int64]int{}
	for id, d := range byID {
		ids = append(ids, id)
		v, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("cmu: %s %d: %w", name, id, err)
		}
		e := append(strconv.AppendQuote(nil, strconv.FormatInt(id, 10)), ':')
		entries[id] = append(e, v...)
		sizes[id] = len(entries[id]) + 1 // the comma
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	n, bound := chooseShards(ids, sizes, maxBytes)
	files := make([][]byte, n)
	for _, id := range ids {
		s := DetailShard(id, n)
		if files[s] == nil {
			files[s] = []byte{'{'}
		} else {
			files[s] = append(files[s], ',')
		}
		files[s] = append(files[s], entries[id]...)
	}
	fs := w.NewFileSet(name)
	for s, f := range files {
		if f == nil {
			f = []byte{'{'}
		}
		f = append(f, "}\n"...)
		if err := fs.Add(strconv.Itoa(s)+".json", f); err != nil {
			return fmt.Errorf("cmu: %s: %w", name, err)
		}
	}
	if _, err := fs.FinishShardSet(name, "shard", "{shard}.json", map[string]any{
		"function":  "id mod n",
		"n":         n,
		"max_bytes": bound,
		"id_field":  idField,
	}); err != nil {
		return fmt.Errorf("cmu: %s: %w", name, err)
	}
	return nil
}

// ReconstructDetail rebuilds the app's /api/component-map-detail/<id>/ body from
// a stored Detail and the list its components_at_location_ref names: the
// list's entries each get the popup's detailUrl, the two reference fields go.
// It is the Go twin of the README's Python snippet; tests use it.
func ReconstructDetail(d Detail, list []AtLocation) map[string]any {
	var data map[string]any
	b, _ := json.Marshal(d.Data)
	_ = json.Unmarshal(b, &data)
	delete(data, "components_at_location_ref")
	delete(data, "components_at_location_count")
	entries := make([]any, len(list))
	for i, e := range list {
		var m map[string]any
		b, _ := json.Marshal(e)
		_ = json.Unmarshal(b, &m)
		m["detailUrl"] = d.Data.DetailURL
		entries[i] = m
	}
	data["components_at_location"] = entries
	return map[string]any{"success": d.Success, "data": data}
}
