package cmu

import (
	"cmp"
	"maps"
	"slices"
	"sort"
	"strconv"

	"github.com/prebake/prebake/internal/appview"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// Statistics is statistics_page_data in the app's shape (its
// build_statistics_cache command): companies are exact company names,
// technologies raw classes with null and empty excluded from the lists, years
// strings. Capacities are de-rated MW (null counts as 0) rounded to 1 kW; lists
// are ordered by the value, largest first, ties by name (or id) ascending.
// Fields the app does not have are marked "added".
type Statistics struct {
	Summary               Summary             `json:"summary"`
	TopCompaniesCount     []CompanyCount      `json:"top_companies_count"`     // 25 at most
	TopCompaniesCapacity  []CompanyCapacity   `json:"top_companies_capacity"`  // 25 at most, capacity > 0
	TechByCount           []TechCount         `json:"tech_by_count"`           // 25 at most, non-null classes
	TechByCapacity        []TechCapacity      `json:"tech_by_capacity"`        // 25 at most, non-null classes with capacity > 0
	ComponentsByYear      []YearCount         `json:"components_by_year"`      // known years, ascending
	TopComponentsCapacity []ComponentCapacity `json:"top_components_capacity"` // 20 at most, capacity > 0

	// Added: what the app's lists cut off. Components per category (every
	// category of record.Categories, zeros included) and without a known year.
	ComponentsByCategory  map[string]int `json:"components_by_category"`
	ComponentsWithoutYear int            `json:"components_without_year"`
}

// Summary: total_companies counts distinct exact non-empty names and
// total_technologies distinct classes with null counted as one (the app's
// values().distinct().count()); the added fields count what the app's figures
// blur: company_ids (distinct normalize(name)) and non-null classes.
type Summary struct {
	TotalComponents        int     `json:"total_components"`
	TotalCompanies         int     `json:"total_companies"`
	TotalTechnologies      int     `json:"total_technologies"`
	TotalCapacity          float64 `json:"total_capacity"`
	TotalCompanyIDs        int     `json:"total_company_ids"`        // added
	TotalTechnologyClasses int     `json:"total_technology_classes"` // added
}

// CompanyCount is one company (exact name) with its number of components.
type CompanyCount struct {
	CompanyName string `json:"company_name"`
	Count       int    `json:"count"`
	CompanyID   string `json:"company_id"` // added: appview.Normalize(company_name)
	URL         string `json:"url"`        // added: /company-list/<company_id>/
}

// CompanyCapacity is one company with its total de-rated capacity.
type CompanyCapacity struct {
	CompanyName   string  `json:"company_name"`
	TotalCapacity float64 `json:"total_capacity"`
	CompanyID     string  `json:"company_id"` // added
	URL           string  `json:"url"`        // added
}

// TechCount is one raw technology class with its number of components.
type TechCount struct {
	Technology string `json:"technology"`
	Count      int    `json:"count"`
	Category   string `json:"category"` // added
}

// TechCapacity is one technology class with its total de-rated capacity.
type TechCapacity struct {
	Technology    string  `json:"technology"`
	TotalCapacity float64 `json:"total_capacity"`
	Category      string  `json:"category"` // added
}

// YearCount is one delivery year ("2024") with its number of components.
type YearCount struct {
	DeliveryYear string `json:"delivery_year"`
	Count        int    `json:"count"`
}

// ComponentCapacity is one of the largest components by de-rated capacity. The
// app's id is its database key; here it is the register's _id, and url the
// app's page for it that needs no database key.
type ComponentCapacity struct {
	ID                int64   `json:"id"`
	Location          *string `json:"location"`
	CompanyName       *string `json:"company_name"`
	Technology        *string `json:"technology"`
	DeratedCapacityMW float64 `json:"derated_capacity_mw"`
	URL               string  `json:"url"` // added: /component/by-id/<_id>/
}

// Top-list lengths, as on the app's statistics page.
const (
	TopCompanies  = 25
	TopTechs      = 25
	TopComponents = 20
)

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// statistics computes Statistics over comps (sorted by ID by the caller, so that
// float sums run in one order).
func statistics(comps []*record.Component) Statistics {
	type agg struct {
		count int
		mw    float64
	}
	companies := map[string]*agg{}
	companyIDs := map[string]bool{}
	techs := map[string]*agg{}
	years := map[int]int{}
	hasNullTech := false
	noYear := 0
	byCat := map[string]int{}
	for _, cat := range record.Categories {
		byCat[string(cat)] = 0
	}
	var total float64
	for _, c := range comps {
		mw := 0.0
		if c.DeratedMW != nil {
			mw = *c.DeratedMW
		}
		total += mw
		if c.Company != "" {
			if companies[c.Company] == nil {
				companies[c.Company] = &agg{}
			}
			companies[c.Company].count++
			companies[c.Company].mw += mw
		}
		if c.TechClass == "" {
			hasNullTech = true
		} else {
			if techs[c.TechClass] == nil {
				techs[c.TechClass] = &agg{}
			}
			techs[c.TechClass].count++
			techs[c.TechClass].mw += mw
		}
		if c.DeliveryYear != 0 {
			years[c.DeliveryYear]++
		} else {
			noYear++
		}
		byCat[string(categoryOf(c))]++
	}
	for name := range companies { // once a name, not once a component
		companyIDs[appview.Normalize(name)] = true
	}
	s := Statistics{
		Summary: Summary{TotalComponents: len(comps), TotalCompanies: len(companies), TotalTechnologies: len(techs),
			TotalCapacity: round3(total), TotalCompanyIDs: len(companyIDs), TotalTechnologyClasses: len(techs)},
		TopCompaniesCount:     []CompanyCount{},
		TopCompaniesCapacity:  []CompanyCapacity{},
		TechByCount:           []TechCount{},
		TechByCapacity:        []TechCapacity{},
		ComponentsByYear:      []YearCount{},
		TopComponentsCapacity: []ComponentCapacity{},
		ComponentsByCategory:  byCat,
		ComponentsWithoutYear: noYear,
	}
	if hasNullTech {
		s.Summary.TotalTechnologies++
	}

	byCount := func(m map[string]*agg) []string {
		names := slices.Collect(maps.Keys(m))
		sort.Slice(names, func(i, j int) bool {
			a, b := m[names[i]], m[names[j]]
			if a.count != b.count {
				return a.count > b.count
			}
			return names[i] < names[j]
		})
		return names
	}
	byMW := func(m map[string]*agg) []string {
		var names []string
		for n, a := range m {
			if round3(a.mw) > 0 {
				names = append(names, n)
			}
		}
		sort.Slice(names, func(i, j int) bool {
			a, b := round3(m[names[i]].mw), round3(m[names[j]].mw)
			if a != b {
				return a > b
			}
			return names[i] < names[j]
		})
		return names
	}
	for _, n := range first(byCount(companies), TopCompanies) {
		id := appview.Normalize(n)
		s.TopCompaniesCount = append(s.TopCompaniesCount, CompanyCount{CompanyName: n, Count: companies[n].count, CompanyID: id, URL: appview.CompanyURL(id)})
	}
	for _, n := range first(byMW(companies), TopCompanies) {
		id := appview.Normalize(n)
		s.TopCompaniesCapacity = append(s.TopCompaniesCapacity, CompanyCapacity{CompanyName: n, TotalCapacity: round3(companies[n].mw), CompanyID: id, URL: appview.CompanyURL(id)})
	}
	for _, t := range first(byCount(techs), TopTechs) {
		s.TechByCount = append(s.TechByCount, TechCount{Technology: t, Count: techs[t].count, Category: string(record.Categorize(t))})
	}
	for _, t := range first(byMW(techs), TopTechs) {
		s.TechByCapacity = append(s.TechByCapacity, TechCapacity{Technology: t, TotalCapacity: round3(techs[t].mw), Category: string(record.Categorize(t))})
	}
	for _, y := range slices.Sorted(maps.Keys(years)) {
		ys, _ := appview.Year(y)
		s.ComponentsByYear = append(s.ComponentsByYear, YearCount{DeliveryYear: ys, Count: years[y]})
	}

	var withMW []*record.Component
	for _, c := range comps {
		if c.DeratedMW != nil && *c.DeratedMW > 0 {
			withMW = append(withMW, c)
		}
	}
	slices.SortStableFunc(withMW, func(x, y *record.Component) int {
		if a, b := *x.DeratedMW, *y.DeratedMW; a != b {
			return cmp.Compare(b, a)
		}
		return cmp.Compare(x.ID, y.ID)
	})
	for _, c := range first(withMW, TopComponents) {
		s.TopComponentsCapacity = append(s.TopComponentsCapacity, ComponentCapacity{
			ID: c.ID, Location: strPtr(c.LocationText), CompanyName: strPtr(c.Company), Technology: strPtr(c.TechClass),
			DeratedCapacityMW: *c.DeratedMW, URL: "/component/by-id/" + strconv.FormatInt(c.ID, 10) + "/",
		})
	}
	return s
}

func first[T any](s []T, n int) []T { return s[:min(n, len(s))] }

// writeStatistics writes cmu/statistics.json over every component and
// cmu/statistics/<Category>.json for every category in record.Categories (empty
// categories get zero counts and empty lists, so a client never meets a 404).
func writeStatistics(w *writer.Writer, comps []record.Component) error {
	sorted := make([]*record.Component, len(comps))
	for i := range comps {
		sorted[i] = &comps[i]
	}
	sortByID(sorted)
	if err := writeJSON(w, "cmu/statistics.json", statistics(sorted)); err != nil {
		return err
	}
	for _, cat := range record.Categories {
		var in []*record.Component
		for _, c := range sorted {
			if categoryOf(c) == cat {
				in = append(in, c)
			}
		}
		if err := writeJSON(w, "cmu/statistics/"+string(cat)+".json", statistics(in)); err != nil {
			return err
		}
	}
	return nil
}
