package locations

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/prebake/prebake/internal/appview"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// Logical names of the lists built over the location groups.
const (
	CompanyListName    = "locations/company_list.json"
	TechnologyListName = "locations/technology_list.json"
	FilterOptionsName  = "locations/filter_options.json"
)

// ListEntry is one row of the app's /companies/ or /technologies/ list, over
// every location group (located or not). Like the app, total_capacity credits
// a location's whole capacity to every company (or technology) present there;
// own_capacity (added) sums only the de-rated capacity of its own components.
type ListEntry struct {
	CompanyName    string  `json:"company_name,omitempty"`
	CompanyID      string  `json:"company_id,omitempty"`
	Technology     string  `json:"technology,omitempty"`
	LocationCount  int     `json:"location_count"`
	ComponentCount int     `json:"component_count"`
	TotalCapacity  float64 `json:"total_capacity"`
	OwnCapacity    float64 `json:"own_capacity"`      // added
	Grouped        bool    `json:"grouped,omitempty"` // the one row that groups every Interconnector class
	URL            string  `json:"url,omitempty"`     // a company's page
}

// FilterOptions is the app's get_complete_filter_options over the location
// groups: technologies keys sorted, companies by location count (descending,
// then name), the stored auction_years distinct and descending. The app reads
// auction_years from each group's newest five only; auction_names_all
// (added) has every auction name of every group.
type FilterOptions struct {
	Technologies    []string `json:"technologies"`
	Companies       []string `json:"companies"`
	AuctionYears    []string `json:"auction_years"`
	AuctionNamesAll []string `json:"auction_names_all"`
}

// acc sums one list row over the location groups.
type acc struct {
	locations, components int
	credited, own         float64
}

// add counts one location with n of the row's components, the location's whole
// capacity and the row's own.
func (x *acc) add(n int, credited, own float64) {
	x.locations++
	x.components += n
	x.credited += credited
	x.own += own
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// lists builds the company list, the technology list and the filter options.
func lists(groups []*group, attrs []attributes) (companies, techs []ListEntry, opts FilterOptions) {
	byCompany, byTech := map[string]*acc{}, map[string]*acc{}
	inter := &acc{}
	auctions, allAuctions := map[string]bool{}, map[string]bool{}
	get := func(m map[string]*acc, k string) *acc {
		if m[k] == nil {
			m[k] = &acc{}
		}
		return m[k]
	}
	for i := range groups {
		a := &attrs[i]
		for _, n := range a.auctionNames {
			allAuctions[n] = true
		}
		for k, e := range a.Companies {
			get(byCompany, e.Name).add(e.Count, a.CapacityMW, a.ownCompanies[k])
		}
		interHere := false
		for k, e := range a.Technologies {
			get(byTech, e.Name).add(e.Count, a.CapacityMW, a.ownTechs[k])
			if record.Categorize(e.Name) == record.Interconnector {
				inter.components += e.Count
				inter.own += a.ownTechs[k]
				interHere = true
			}
		}
		if interHere {
			inter.locations++
			inter.credited += a.CapacityMW
		}
		for _, n := range a.AuctionYears {
			auctions[n] = true
		}
	}
	order := func(m map[string]*acc) []string {
		ks := make([]string, 0, len(m))
		for k := range m {
			ks = append(ks, k)
		}
		sort.Slice(ks, func(i, j int) bool {
			if m[ks[i]].locations != m[ks[j]].locations {
				return m[ks[i]].locations > m[ks[j]].locations
			}
			return ks[i] < ks[j]
		})
		return ks
	}
	companies, techs = []ListEntry{}, []ListEntry{}
	opts = FilterOptions{Technologies: []string{}, Companies: []string{}, AuctionYears: []string{}, AuctionNamesAll: []string{}}
	for _, k := range order(byCompany) {
		x := byCompany[k]
		id := appview.Normalize(k)
		companies = append(companies, ListEntry{CompanyName: k, CompanyID: id, LocationCount: x.locations, ComponentCount: x.components,
			TotalCapacity: round3(x.credited), OwnCapacity: round3(x.own), URL: appview.CompanyURL(id)})
		opts.Companies = append(opts.Companies, k)
	}
	for _, k := range order(byTech) {
		x := byTech[k]
		techs = append(techs, ListEntry{Technology: k, LocationCount: x.locations, ComponentCount: x.components,
			TotalCapacity: round3(x.credited), OwnCapacity: round3(x.own)})
		opts.Technologies = append(opts.Technologies, k)
	}
	if inter.locations > 0 {
		techs = append(techs, ListEntry{Technology: string(record.Interconnector), LocationCount: inter.locations, ComponentCount: inter.components,
			TotalCapacity: round3(inter.credited), OwnCapacity: round3(inter.own), Grouped: true})
	}
	sort.Strings(opts.Technologies)
	for n := range auctions {
		opts.AuctionYears = append(opts.AuctionYears, n)
	}
	for n := range allAuctions {
		opts.AuctionNamesAll = append(opts.AuctionNamesAll, n)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(opts.AuctionYears)))
	sort.Sort(sort.Reverse(sort.StringSlice(opts.AuctionNamesAll)))
	return companies, techs, opts
}

func writeLists(groups []*group, attrs []attributes, w *writer.Writer) error {
	companies, techs, opts := lists(groups, attrs)
	for _, f := range []struct {
		name string
		v    any
	}{{CompanyListName, companies}, {TechnologyListName, techs}, {FilterOptionsName, opts}} {
		data, err := json.Marshal(f.v)
		if err != nil {
			return fmt.Errorf("locations: encoding %s: %w", f.name, err)
		}
		if _, err := w.WriteAsset(f.name, append(data, '\n'), writer.Meta{ContentType: "application/json"}); err != nil {
			return fmt.Errorf("locations: writing %s: %w", f.name, err)
		}
	}
	return nil
}
