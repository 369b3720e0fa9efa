package cmu

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/prebake/prebake/appview"
	"github.com/prebake/prebake/record"
	"github.com/prebake/prebake/writer"
)

// Detail is the body of /api/component-map-detail/<id>/ for one component.
type Detail struct {
	Success bool       `json:"success"`
	Data    DetailData `json:"data"`
}

// DetailData is the popup's data, in the app's field names, plus
// components_at_location_total (the list is capped at MaxAtLocation).
type DetailData struct {
	ID                int64        `json:"id"`
	Title             string       `json:"title"`
	Technology        string       `json:"technology"`         // category (map colour)
	DisplayTechnology string       `json:"display_technology"` // raw class, or the category when null
	Company           string       `json:"company"`
	Description       string       `json:"description"`
	DeliveryYear      *int         `json:"delivery_year"`
	AuctionName       string       `json:"auction_name"`
	CMUID             string       `json:"cmu_id"`
	DetailURL         *string      `json:"detailUrl"`
	AtLocation        []AtLocation `json:"components_at_location"`
	AtLocationTotal   int          `json:"components_at_location_total"`
	HasMultipleYears  bool         `json:"has_multiple_years"`
}

// AtLocation is one component at the same location.
type AtLocation struct {
	ID                int64    `json:"id"`
	DeliveryYear      *int     `json:"delivery_year"`
	AuctionName       string   `json:"auction_name"`
	CMUID             string   `json:"cmu_id"`
	DeratedCapacityMW *float64 `json:"derated_capacity_mw"`
	DetailURL         *string  `json:"detailUrl"`
}

// MaxAtLocation caps components_at_location: a few sites carry over a hundred
// rows (every auction of every unit), and every one of their popups would
// otherwise repeat the whole list.
const MaxAtLocation = 100

// locationKey groups components at the same place: the location text
// lower-cased with white space collapsed. "" (no location) groups nothing.
func locationKey(loc string) string { return strings.ToLower(collapseSpace(loc)) }

func details(comps []record.Component) map[int64]Detail {
	groups := map[string][]*record.Component{}
	for i := range comps {
		c := &comps[i]
		if k := locationKey(c.Location); k != "" {
			groups[k] = append(groups[k], c)
		}
	}
	for _, g := range groups {
		sort.Slice(g, func(i, j int) bool {
			if g[i].DeliveryYear != g[j].DeliveryYear {
				return g[i].DeliveryYear > g[j].DeliveryYear
			}
			return g[i].ID < g[j].ID
		})
	}
	out := make(map[int64]Detail, len(comps))
	for i := range comps {
		c := &comps[i]
		g := groups[locationKey(c.Location)]
		if len(g) == 0 {
			g = []*record.Component{c}
		}
		years := map[int]bool{}
		for _, o := range g {
			years[o.DeliveryYear] = true
		}
		at := make([]AtLocation, 0, min(len(g), MaxAtLocation))
		for _, o := range g[:min(len(g), MaxAtLocation)] {
			at = append(at, AtLocation{ID: o.ID, DeliveryYear: yearPtr(o.DeliveryYear), AuctionName: o.AuctionName, CMUID: o.CMUID, DeratedCapacityMW: o.DeratedMW, DetailURL: detailURL(o)})
		}
		cat := string(categoryOf(c))
		display := c.TechClass
		if display == "" {
			display = cat
		}
		out[c.ID] = Detail{Success: true, Data: DetailData{
			ID: c.ID, Title: appview.Title(c), Technology: cat, DisplayTechnology: display,
			Company: c.Company, Description: c.Description, DeliveryYear: yearPtr(c.DeliveryYear),
			AuctionName: c.AuctionName, CMUID: c.CMUID, DetailURL: detailURL(c),
			AtLocation: at, AtLocationTotal: len(g), HasMultipleYears: len(years) > 1,
		}}
	}
	return out
}

// DetailShard is the shard function of the component-details shard set: a
// component's detail lives in file "<id mod n>.json" (ids are the register's
// `_id`; a negative id, which only id-less inputs produce, uses its absolute
// value).
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

// writeDetails writes the shard set cmu/component_details: file
// "<DetailShard(id, n)>.json" holds {"<id>": Detail, ...} for its components.
func writeDetails(w *writer.Writer, comps []record.Component, maxBytes int) error {
	if maxBytes <= 0 {
		maxBytes = DefaultDetailShardMaxBytes
	}
	ds := details(comps)
	ids := make([]int64, 0, len(ds))
	entries := map[int64][]byte{}
	sizes := map[int64]int{}
	for id, d := range ds {
		ids = append(ids, id)
		v, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("cmu: component %d detail: %w", id, err)
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
	fs := w.NewFileSet("cmu/component_details")
	for s, f := range files {
		if f == nil {
			f = []byte{'{'}
		}
		f = append(f, "}\n"...)
		if err := fs.Add(strconv.Itoa(s)+".json", f); err != nil {
			return fmt.Errorf("cmu: component details: %w", err)
		}
	}
	if _, err := fs.FinishShardSet("cmu/component_details", "shard", "{shard}.json", map[string]any{
		"function":  "id mod n",
		"n":         n,
		"max_bytes": bound,
		"id_field":  "id",
	}); err != nil {
		return fmt.Errorf("cmu: component details: %w", err)
	}
	return nil
}

// detailURL is the app's location page for c, null when c has no location text.
func detailURL(c *record.Component) *string {
	if u, ok := appview.DetailURL(c); ok {
		return &u
	}
	return nil
}
