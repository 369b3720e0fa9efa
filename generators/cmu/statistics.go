package cmu

import (
	"sort"

	"github.com/prebake/prebake/record"
	"github.com/prebake/prebake/writer"
)

// Statistics is statistics_page_data in the app's shape. Capacities are de-rated
// MW (null counts as 0) rounded to 1 kW; lists are ordered by the value, largest
// first, ties broken by name (or id) ascending; components_by_year is
// chronological with the unknown year (null) last.
type Statistics struct {
	Summary               Summary             `json:"summary"`
	TopCompaniesCount     []CompanyCount      `json:"top_companies_count"`    // 25 at most
	TopCompaniesCapacity  []CompanyCapacity   `json:"top_companies_capacity"` // 25 at most, capacity > 0
	TechByCount           []TechCount         `json:"tech_by_count"`          // every technology class
	TechByCapacity        []TechCapacity      `json:"tech_by_capacity"`       // classes with capacity > 0
	ComponentsByYear      []YearCount         `json:"components_by_year"`
	TopComponentsCapacity []ComponentCapacity `json:"top_components_capacity"` // 20 at most, capacity not null
}

// Summary counts components, companies (distinct normalized names), technology
// classes (distinct non-null raw classes) and their total de-rated capacity.
type Summary struct {
	TotalComponents   int     `json:"total_components"`
	TotalCompanies    int     `json:"total_companies"`
	TotalTechnologies int     `json:"total_technologies"`
	TotalCapacity     float64 `json:"total_capacity"`
}

// CompanyCount is one company with its number of components.
type CompanyCount struct {
	CompanyName    string `json:"company_name"`
	NormalizedName string `json:"normalized_name"`
	URL            string `json:"url"`
	Count          int    `json:"count"`
}

// CompanyCapacity is one company with its total de-rated capacity.
type CompanyCapacity struct {
	CompanyName    string  `json:"company_name"`
	NormalizedName string  `json:"normalized_name"`
	URL            string  `json:"url"`
	TotalCapacity  float64 `json:"total_capacity"`
}

// TechCount is one raw technology class (null for components without one) with
// its category and number of components.
type TechCount struct {
	Technology *string `json:"technology"`
	Category   string  `json:"category"`
	Count      int     `json:"count"`
}

// TechCapacity is one technology class with its total de-rated capacity.
type TechCapacity struct {
	Technology    *string `json:"technology"`
	Category      string  `json:"category"`
	TotalCapacity float64 `json:"total_capacity"`
}

// YearCount is one delivery year (null: unknown) with its number of components.
type YearCount struct {
	DeliveryYear *int `json:"delivery_year"`
	Count        int  `json:"count"`
}

// ComponentCapacity is one of the largest components by de-rated capacity.
type ComponentCapacity struct {
	ID                int64   `json:"id"`
	ComponentID       string  `json:"component_id"`
	CMUID             string  `json:"cmu_id"`
	CompanyName       string  `json:"company_name"`
	Technology        *string `json:"technology"`
	Category          string  `json:"category"`
	Location          string  `json:"location"`
	DeliveryYear      *int    `json:"delivery_year"`
	AuctionName       string  `json:"auction_name"`
	DeratedCapacityMW float64 `json:"derated_capacity_mw"`
}

// Top-list lengths, as on the app's statistics page.
const (
	TopCompanies  = 25
	TopComponents = 20
)

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func yearPtr(y int) *int {
	if y == 0 {
		return nil
	}
	return &y
}

// statistics computes Statistics over comps (sorted by ID by the caller, so that
// float sums run in one order). names maps a normalized company name to its
// display name.
func statistics(comps []*record.Component, names map[string]string) Statistics {
	type agg struct {
		count int
		mw    float64
	}
	companies := map[string]*agg{}
	techs := map[string]*agg{}
	years := map[int]int{}
	var total float64
	for _, c := range comps {
		mw := 0.0
		if c.DeratedMW != nil {
			mw = *c.DeratedMW
		}
		total += mw
		if n := Normalize(c.Company); n != "" {
			if companies[n] == nil {
				companies[n] = &agg{}
			}
			companies[n].count++
			companies[n].mw += mw
		}
		if techs[c.TechClass] == nil {
			techs[c.TechClass] = &agg{}
		}
		techs[c.TechClass].count++
		techs[c.TechClass].mw += mw
		years[c.DeliveryYear]++
	}
	s := Statistics{
		Summary:               Summary{TotalComponents: len(comps), TotalCompanies: len(companies), TotalCapacity: round3(total)},
		TopCompaniesCount:     []CompanyCount{},
		TopCompaniesCapacity:  []CompanyCapacity{},
		TechByCount:           []TechCount{},
		TechByCapacity:        []TechCapacity{},
		ComponentsByYear:      []YearCount{},
		TopComponentsCapacity: []ComponentCapacity{},
	}
	for t := range techs {
		if t != "" {
			s.Summary.TotalTechnologies++
		}
	}

	cnames := make([]string, 0, len(companies))
	for n := range companies {
		cnames = append(cnames, n)
	}
	sort.Slice(cnames, func(i, j int) bool {
		a, b := companies[cnames[i]], companies[cnames[j]]
		if a.count != b.count {
			return a.count > b.count
		}
		return cnames[i] < cnames[j]
	})
	for _, n := range cnames[:min(TopCompanies, len(cnames))] {
		s.TopCompaniesCount = append(s.TopCompaniesCount, CompanyCount{CompanyName: names[n], NormalizedName: n, URL: companyURL(n), Count: companies[n].count})
	}
	sort.Slice(cnames, func(i, j int) bool {
		a, b := round3(companies[cnames[i]].mw), round3(companies[cnames[j]].mw)
		if a != b {
			return a > b
		}
		return cnames[i] < cnames[j]
	})
	for _, n := range cnames {
		if len(s.TopCompaniesCapacity) == TopCompanies || round3(companies[n].mw) <= 0 {
			break
		}
		s.TopCompaniesCapacity = append(s.TopCompaniesCapacity, CompanyCapacity{CompanyName: names[n], NormalizedName: n, URL: companyURL(n), TotalCapacity: round3(companies[n].mw)})
	}

	tnames := make([]string, 0, len(techs))
	for t := range techs {
		tnames = append(tnames, t)
	}
	sort.Slice(tnames, func(i, j int) bool {
		a, b := techs[tnames[i]], techs[tnames[j]]
		if a.count != b.count {
			return a.count > b.count
		}
		return tnames[i] < tnames[j]
	})
	for _, t := range tnames {
		s.TechByCount = append(s.TechByCount, TechCount{Technology: strPtr(t), Category: string(record.Categorize(t)), Count: techs[t].count})
	}
	sort.Slice(tnames, func(i, j int) bool {
		a, b := round3(techs[tnames[i]].mw), round3(techs[tnames[j]].mw)
		if a != b {
			return a > b
		}
		return tnames[i] < tnames[j]
	})
	for _, t := range tnames {
		if mw := round3(techs[t].mw); mw > 0 {
			s.TechByCapacity = append(s.TechByCapacity, TechCapacity{Technology: strPtr(t), Category: string(record.Categorize(t)), TotalCapacity: mw})
		}
	}

	ys := make([]int, 0, len(years))
	for y := range years {
		ys = append(ys, y)
	}
	sort.Slice(ys, func(i, j int) bool {
		if ys[i] == 0 || ys[j] == 0 {
			return ys[j] == 0 && ys[i] != 0
		}
		return ys[i] < ys[j]
	})
	for _, y := range ys {
		s.ComponentsByYear = append(s.ComponentsByYear, YearCount{DeliveryYear: yearPtr(y), Count: years[y]})
	}

	var withMW []*record.Component
	for _, c := range comps {
		if c.DeratedMW != nil {
			withMW = append(withMW, c)
		}
	}
	sort.SliceStable(withMW, func(i, j int) bool {
		a, b := *withMW[i].DeratedMW, *withMW[j].DeratedMW
		if a != b {
			return a > b
		}
		return withMW[i].ID < withMW[j].ID
	})
	for _, c := range withMW[:min(TopComponents, len(withMW))] {
		s.TopComponentsCapacity = append(s.TopComponentsCapacity, ComponentCapacity{
			ID: c.ID, ComponentID: c.ComponentID, CMUID: c.CMUID, CompanyName: c.Company,
			Technology: strPtr(c.TechClass), Category: string(categoryOf(c)), Location: c.Location,
			DeliveryYear: yearPtr(c.DeliveryYear), AuctionName: c.AuctionName, DeratedCapacityMW: *c.DeratedMW,
		})
	}
	return s
}

// writeStatistics writes cmu/statistics.json over every component and
// cmu/statistics/<Category>.json for every category in record.Categories (empty
// categories get zero counts and empty lists, so a client never meets a 404).
func writeStatistics(w *writer.Writer, comps []record.Component, idx []*Company) error {
	names := map[string]string{}
	for _, c := range idx {
		names[c.NormalizedName] = c.CompanyName
	}
	sorted := make([]*record.Component, len(comps))
	for i := range comps {
		sorted[i] = &comps[i]
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	if err := writeJSON(w, "cmu/statistics.json", statistics(sorted, names)); err != nil {
		return err
	}
	for _, cat := range record.Categories {
		var in []*record.Component
		for _, c := range sorted {
			if categoryOf(c) == cat {
				in = append(in, c)
			}
		}
		if err := writeJSON(w, "cmu/statistics/"+string(cat)+".json", statistics(in, names)); err != nil {
			return err
		}
	}
	return nil
}
