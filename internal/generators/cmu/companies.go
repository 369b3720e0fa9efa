package cmu

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/prebake/prebake/internal/appview"

	"github.com/prebake/prebake/internal/generators/cmu/table"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// Company is one entry of the company index, keyed by the app's company_id
// (appview.Normalize: lower-cased, white space removed). The JSON field names
// are the app's (company_index_v1), plus the company's total de-rated capacity
// and every spelling of its name; the app's pre-rendered "html" is left to the
// app.
type Company struct {
	CompanyName    string   `json:"company_name"`    // the spelling used most often (ties: the first in byte order)
	NormalizedName string   `json:"normalized_name"` // = company_id
	NumCMUIDs      int      `json:"num_cmu_ids"`
	NumComponents  int      `json:"num_components"`
	YearStrings    []string `json:"years"` // delivery years as the app's strings, newest first
	URL            string   `json:"url"`
	CMUIDs         []string `json:"cmu_ids"` // sorted
	// TotalDeratedMW sums the components' De-Rated Capacity (null counts as 0),
	// rounded to 1 kW.
	TotalDeratedMW float64 `json:"total_derated_capacity_mw"`
	// CompanyNames lists every exact spelling that has this company_id, sorted:
	// the app's builder keeps one and loses the others.
	CompanyNames []string `json:"company_names"`

	Years []int `json:"-"` // delivery years, most recent first

	numLocated int
	nameVotes  map[string]int
}

// buildCompanyIndex groups the CMU dataframe rows and the components by
// normalized company name. A company's display name is the Full Name its rows
// and components use most often (ties: the alphabetically first). Names that
// normalize to "" are not companies. Sorted by normalized name.
func buildCompanyIndex(comps []record.Component, rows []cmuRow) []*Company {
	by := map[string]*Company{}
	cmuSets := map[string]map[string]bool{}
	yearSets := map[string]map[int]bool{}
	companyID := memoized(appview.Normalize)
	get := func(name string) *Company {
		n := companyID(name)
		if n == "" {
			return nil
		}
		c := by[n]
		if c == nil {
			c = &Company{NormalizedName: n, URL: appview.CompanyURL(n), nameVotes: map[string]int{}}
			by[n] = c
			cmuSets[n] = map[string]bool{}
			yearSets[n] = map[int]bool{}
		}
		c.nameVotes[name]++
		return c
	}
	for _, r := range rows {
		if c := get(r.FullName); c != nil {
			cmuSets[c.NormalizedName][r.CMUID] = true
			if r.DeliveryYear != 0 {
				yearSets[c.NormalizedName][r.DeliveryYear] = true
			}
		}
	}
	// Sum in component-ID order so the float total is the same on every run.
	sorted := make([]*record.Component, len(comps))
	for i := range comps {
		sorted[i] = &comps[i]
	}
	sortByID(sorted)
	for _, comp := range sorted {
		c := get(comp.Company)
		if c == nil {
			continue
		}
		c.NumComponents++
		if comp.Geo.Located {
			c.numLocated++
		}
		if comp.DeratedMW != nil {
			c.TotalDeratedMW += *comp.DeratedMW
		}
		if comp.CMUID != "" {
			cmuSets[c.NormalizedName][comp.CMUID] = true
		}
		if comp.DeliveryYear != 0 {
			yearSets[c.NormalizedName][comp.DeliveryYear] = true
		}
	}
	out := make([]*Company, 0, len(by))
	for n, c := range by {
		c.CMUIDs = make([]string, 0, len(cmuSets[n]))
		for id := range cmuSets[n] {
			c.CMUIDs = append(c.CMUIDs, id)
		}
		sort.Strings(c.CMUIDs)
		c.NumCMUIDs = len(c.CMUIDs)
		c.Years = make([]int, 0, len(yearSets[n]))
		for y := range yearSets[n] {
			c.Years = append(c.Years, y)
		}
		sort.Sort(sort.Reverse(sort.IntSlice(c.Years)))
		c.YearStrings = make([]string, len(c.Years))
		for i, y := range c.Years {
			c.YearStrings[i], _ = appview.Year(y)
		}
		c.CompanyNames = slices.Sorted(maps.Keys(c.nameVotes))
		c.TotalDeratedMW = round3(c.TotalDeratedMW)
		best, votes := "", -1
		for name, v := range c.nameVotes {
			if v > votes || v == votes && name < best {
				best, votes = name, v
			}
		}
		c.CompanyName = best
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NormalizedName < out[j].NormalizedName })
	return out
}

var companyColumns = []table.Column{
	{Name: "normalized_name", Type: table.String},
	{Name: "company_name", Type: table.String},
	{Name: "num_cmu_ids", Type: table.Int64},
	{Name: "num_components", Type: table.Int64},
	{Name: "num_located_components", Type: table.Int64},
	{Name: "first_delivery_year", Type: table.Int64, Nullable: true},
	{Name: "last_delivery_year", Type: table.Int64, Nullable: true},
	{Name: "num_delivery_years", Type: table.Int64},
	{Name: "total_derated_capacity_mw", Type: table.Float64},
	{Name: "url", Type: table.String},
}

// companiesTable is one row per company of the index, sorted by normalized name.
func companiesTable(idx []*Company) (*table.Table, error) {
	b := table.NewBuilder("companies", []string{"normalized_name"}, companyColumns...).Grow(len(idx))
	for _, c := range idx {
		first, last := 0, 0
		if len(c.Years) > 0 {
			first, last = c.Years[len(c.Years)-1], c.Years[0]
		}
		b.Str(c.NormalizedName).
			Str(c.CompanyName).
			Int(int64(c.NumCMUIDs)).
			Int(int64(c.NumComponents)).
			Int(int64(c.numLocated)).
			IntOrNull(int64(first), first != 0).
			IntOrNull(int64(last), last != 0).
			Int(int64(len(c.Years))).
			FloatOrNull(c.TotalDeratedMW, true).
			Str(c.URL).
			EndRow()
	}
	return b.Table()
}

// shardKey is the company-index shard a normalized name lives in: its first
// character when that is an ASCII letter or digit, else "_".
func shardKey(normalized string) string {
	if c := normalized[0]; c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
		return string(c)
	}
	return "_"
}

// PrefixMaxLen is the longest prefix the search-as-you-type index lists.
const PrefixMaxLen = 3

// PrefixIndex is cmu/company_prefix_index.json. Companies holds every company
// as [normalized_name, company_name, num_components], sorted by normalized name,
// so the companies whose normalized name starts with any string form one
// contiguous run. Ranges gives that run, [start, end), for every prefix of 1 to
// MaxPrefix characters (Unicode code points) that occurs. To search for a
// query: normalize it (appview.Normalize, the app's normalize()); if it is at most MaxPrefix characters long,
// the answer is Companies[Ranges[q][0]:Ranges[q][1]]; if longer, look up its
// first MaxPrefix characters and keep the entries of that run that start with q
// (or binary-search the run). A missing prefix means no match.
type PrefixIndex struct {
	MaxPrefix int               `json:"max_prefix"`
	Companies [][3]any          `json:"companies"`
	Ranges    map[string][2]int `json:"ranges"`
}

func buildPrefixIndex(idx []*Company) PrefixIndex {
	p := PrefixIndex{MaxPrefix: PrefixMaxLen, Companies: make([][3]any, len(idx)), Ranges: map[string][2]int{}}
	for i, c := range idx {
		p.Companies[i] = [3]any{c.NormalizedName, c.CompanyName, c.NumComponents}
		r := []rune(c.NormalizedName)
		for l := 1; l <= PrefixMaxLen && l <= len(r); l++ {
			k := string(r[:l])
			if rg, ok := p.Ranges[k]; ok {
				p.Ranges[k] = [2]int{rg[0], i + 1}
			} else {
				p.Ranges[k] = [2]int{i, i + 1}
			}
		}
	}
	return p
}

// writeCompanyIndex writes the full index (cmu/company_index.json), the same
// entries sharded by first character (shard set cmu/company_index_shards, one
// file per shardKey) and the prefix index (cmu/company_prefix_index.json).
func writeCompanyIndex(w *writer.Writer, idx []*Company) error {
	full := map[string]*Company{}
	shards := map[string]map[string]*Company{}
	for _, c := range idx {
		full[c.NormalizedName] = c
		k := shardKey(c.NormalizedName)
		if shards[k] == nil {
			shards[k] = map[string]*Company{}
		}
		shards[k][c.NormalizedName] = c
	}
	if err := writeJSON(w, "cmu/company_index.json", full); err != nil {
		return err
	}
	keys := make([]string, 0, len(shards))
	for k := range shards {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fs := w.NewFileSet("cmu/company_index_shards")
	for _, k := range keys {
		data, err := marshal(shards[k])
		if err != nil {
			return fmt.Errorf("cmu: company index shard %s: %w", k, err)
		}
		if err := fs.Add(k+".json", data); err != nil {
			return fmt.Errorf("cmu: company index shard %s: %w", k, err)
		}
	}
	if _, err := fs.FinishShardSet("cmu/company_index_shards", "first", "{first}.json", map[string]any{
		"function": "first character of normalized_name if it is in [a-z0-9], else _",
		"keys":     keys,
	}); err != nil {
		return fmt.Errorf("cmu: company index shards: %w", err)
	}
	return writeJSON(w, "cmu/company_prefix_index.json", buildPrefixIndex(idx))
}
