package cmu

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/prebake/prebake/internal/generators/cmu/table"
	"github.com/prebake/prebake/internal/record"
)

// componentColumns is the allow-list of the cmu/components table: every public,
// normalized field of record.Component. Provenance (source file and row) is left
// out: it names paths on the build machine and would make the table depend on
// where the inputs were read from.
var componentColumns = []table.Column{
	{Name: "id", Type: table.Int64},
	{Name: "component_id", Type: table.String, Nullable: true},
	{Name: "cmu_id", Type: table.String, Nullable: true},
	{Name: "company_name", Type: table.String, Nullable: true},
	{Name: "normalized_company_name", Type: table.String, Nullable: true},
	{Name: "technology", Type: table.String, Nullable: true},
	{Name: "category", Type: table.String},
	{Name: "delivery_year", Type: table.Int64, Nullable: true},
	{Name: "auction_name", Type: table.String, Nullable: true},
	{Name: "auction_type", Type: table.String, Nullable: true},
	{Name: "derated_capacity_mw", Type: table.Float64, Nullable: true},
	{Name: "connection_capacity_mw", Type: table.Float64, Nullable: true},
	{Name: "description", Type: table.String, Nullable: true},
	{Name: "location", Type: table.String, Nullable: true},
	{Name: "postcode", Type: table.String, Nullable: true},
	{Name: "outcode", Type: table.String, Nullable: true},
	{Name: "os_grid_ref", Type: table.String, Nullable: true},
	{Name: "lat", Type: table.Float64, Nullable: true},
	{Name: "lng", Type: table.Float64, Nullable: true},
	{Name: "located", Type: table.Bool},
	{Name: "geocode_source", Type: table.String, Nullable: true},
	{Name: "geocode_precision", Type: table.String, Nullable: true},
	{Name: "unlocated_reason", Type: table.String, Nullable: true},
	{Name: "parent_company", Type: table.String, Nullable: true},
	{Name: "cm_unit_type", Type: table.String, Nullable: true},
	{Name: "cm_unit_category", Type: table.String, Nullable: true},
	{Name: "transmission_distribution", Type: table.String, Nullable: true},
}

// checkComponent refuses numbers no table or JSON file can carry, naming the
// component, its source record and the field.
func checkComponent(c *record.Component) error {
	bad := func(field string, v float64) error {
		return fmt.Errorf("cmu: component %d (%s record %d): field %q: %v is not a finite number", c.ID, c.SourceFile, c.SourceRow, field, v)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if c.DeratedMW != nil && !finite(*c.DeratedMW) {
		return bad("De-Rated Capacity", *c.DeratedMW)
	}
	if c.ConnectionMW != nil && !finite(*c.ConnectionMW) {
		return bad("Connection / DSR Capacity", *c.ConnectionMW)
	}
	if c.Geo.Located && !finite(c.Geo.Lat) {
		return bad("lat", c.Geo.Lat)
	}
	if c.Geo.Located && !finite(c.Geo.Lng) {
		return bad("lng", c.Geo.Lng)
	}
	return nil
}

// componentsTable is one row per component, sorted by id (the register's `_id`).
func componentsTable(comps []record.Component) (*table.Table, error) {
	for i := range comps {
		if err := checkComponent(&comps[i]); err != nil {
			return nil, err
		}
	}
	sorted := make([]*record.Component, len(comps))
	for i := range comps {
		sorted[i] = &comps[i]
	}
	sortByID(sorted)
	// Numbers are built as columns; texts are read from the components as
	// the encoders ask (table.Column.StringAt), not copied into the table.
	n := len(sorted)
	b := table.NewBuilder("components", nil, componentNumbers()...).Grow(n)
	for _, c := range sorted {
		b.Int(c.ID).
			IntOrNull(int64(c.DeliveryYear), c.DeliveryYear != 0).
			Float(c.DeratedMW).
			Float(c.ConnectionMW).
			FloatOrNull(c.Geo.Lat, c.Geo.Located).
			FloatOrNull(c.Geo.Lng, c.Geo.Located).
			Bool(c.Geo.Located).
			EndRow()
	}
	numbers, err := b.Table()
	if err != nil {
		return nil, err
	}
	normalized := make([]string, n)
	normalize := memoized(looseName)
	for i, c := range sorted {
		normalized[i] = normalize(c.Company)
	}
	texts := map[string]func(i int) string{
		"component_id":              func(i int) string { return sorted[i].ComponentID },
		"cmu_id":                    func(i int) string { return sorted[i].CMUID },
		"company_name":              func(i int) string { return sorted[i].Company },
		"normalized_company_name":   func(i int) string { return normalized[i] },
		"technology":                func(i int) string { return sorted[i].TechClass },
		"category":                  func(i int) string { return string(categoryOf(sorted[i])) },
		"auction_name":              func(i int) string { return sorted[i].AuctionName },
		"auction_type":              func(i int) string { return sorted[i].AuctionType },
		"description":               func(i int) string { return sorted[i].Description },
		"location":                  func(i int) string { return sorted[i].Location },
		"postcode":                  func(i int) string { return sorted[i].Postcode },
		"outcode":                   func(i int) string { return sorted[i].Outcode },
		"os_grid_ref":               func(i int) string { return sorted[i].GridRef },
		"geocode_source":            func(i int) string { return located(sorted[i], sorted[i].Geo.Source) },
		"geocode_precision":         func(i int) string { return located(sorted[i], sorted[i].Geo.Precision) },
		"unlocated_reason":          func(i int) string { return unlocated(sorted[i]) },
		"parent_company":            func(i int) string { return sorted[i].ParentCompany },
		"cm_unit_type":              func(i int) string { return sorted[i].UnitType },
		"cm_unit_category":          func(i int) string { return sorted[i].UnitCategory },
		"transmission_distribution": func(i int) string { return sorted[i].TransmissionDistribution },
	}
	t := &table.Table{Name: "components", SortKey: []string{"id"}}
	for _, def := range componentColumns {
		if def.Type != table.String {
			t.Columns = append(t.Columns, numbers.Column(def.Name))
			continue
		}
		c := def
		c.StringAt, c.Count = texts[def.Name], n
		if c.StringAt == nil {
			return nil, fmt.Errorf("cmu: components: no text for column %q", def.Name)
		}
		t.Columns = append(t.Columns, &c)
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// sortByID sorts components by ID, stably. The dataset comes sorted by ID
// (record.Dataset): a stable sort of a sorted slice leaves it as it is, and
// checking costs one pass where sorting cost seconds at 1M components.
func sortByID(cs []*record.Component) {
	byID := func(a, b *record.Component) int { return cmp.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(cs, byID) {
		slices.SortStableFunc(cs, byID)
	}
}

// componentNumbers is componentColumns' non-text columns, in order.
func componentNumbers() []table.Column {
	var cols []table.Column
	for _, c := range componentColumns {
		if c.Type != table.String {
			cols = append(cols, c)
		}
	}
	return cols
}

// categoryOf is the component's category, recomputed from the technology class
// when a reader left it empty.
func categoryOf(c *record.Component) record.Category {
	if c.Category != "" {
		return c.Category
	}
	return record.Categorize(c.TechClass)
}

func located(c *record.Component, s string) string {
	if !c.Geo.Located {
		return ""
	}
	return s
}

func unlocated(c *record.Component) string {
	if c.Geo.Located {
		return ""
	}
	return c.Geo.Unlocated
}

// cmuRow is one (CMU ID, company, delivery year, auction) of the component and
// CMU registers, the rows the company index is grouped from. (The app's own
// dataframe, cmu/cmus, is appFrame in appframe.go.)
type cmuRow struct {
	CMUID        string
	Applicant    string // "Name of Applicant": the company as registered
	FullName     string // "Full Name": Applicant trimmed, white space collapsed
	DeliveryYear int    // 0 when unknown
	AuctionName  string
}

// cmuRows is the distinct (CMU ID, company, delivery year,
// auction) of the component register (Company Name) and the CMU register (Name
// of Applicant). Rows without a CMU ID are left out. Sorted by CMU ID, delivery
// year (unknown last), auction name, applicant.
func cmuRows(ds *record.Dataset) []cmuRow {
	// Sized for half the rows, about the share that is distinct (54% of the
	// 64k sample's and of the register's): growing a map of five-field keys
	// step by step cost a third more time, and sizing it for every row a
	// half more memory.
	n := (len(ds.Components) + len(ds.CMUs)) / 2
	seen := make(map[cmuRow]bool, n)
	rows := make([]cmuRow, 0, n)
	collapse := memoized(collapseSpace)
	add := func(cmuID, company string, year int, auction string) {
		if cmuID == "" {
			return
		}
		r := cmuRow{CMUID: cmuID, Applicant: company, FullName: collapse(company), DeliveryYear: year, AuctionName: auction}
		if !seen[r] {
			seen[r] = true
			rows = append(rows, r)
		}
	}
	for i := range ds.Components {
		c := &ds.Components[i]
		add(c.CMUID, c.Company, c.DeliveryYear, c.AuctionName)
	}
	for i := range ds.CMUs {
		c := &ds.CMUs[i]
		add(c.CMUID, c.Applicant, c.DeliveryYear, c.AuctionName)
	}
	// The rows are distinct (FullName follows from Applicant), so this order
	// is total and any sort gives it.
	slices.SortFunc(rows, func(a, b cmuRow) int { return cmuRowCompare(&a, &b) })
	return rows
}

func cmuRowCompare(a, b *cmuRow) int {
	if c := strings.Compare(a.CMUID, b.CMUID); c != 0 {
		return c
	}
	if a.DeliveryYear != b.DeliveryYear {
		if a.DeliveryYear == 0 || b.DeliveryYear == 0 {
			if b.DeliveryYear == 0 {
				return -1 // unknown last
			}
			return 1
		}
		return cmp.Compare(a.DeliveryYear, b.DeliveryYear)
	}
	if c := strings.Compare(a.AuctionName, b.AuctionName); c != 0 {
		return c
	}
	return strings.Compare(a.Applicant, b.Applicant)
}

// contactsTable is the CMU register's contact columns, written only with
// Options.IncludeContacts: CMU ID, delivery year, auction, then every contact
// column found, sorted by name.
func contactsTable(cmus []record.CMU) (*table.Table, error) {
	keys := map[string]bool{}
	for i := range cmus {
		for k := range cmus[i].Contacts {
			keys[k] = true
		}
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	cols := []table.Column{
		{Name: "CMU ID", Type: table.String},
		{Name: "Delivery Year", Type: table.Int64, Nullable: true},
		{Name: "Auction Name", Type: table.String, Nullable: true},
	}
	for _, n := range names {
		cols = append(cols, table.Column{Name: n, Type: table.String, Nullable: true})
	}
	sorted := make([]*record.CMU, len(cmus))
	for i := range cmus {
		sorted[i] = &cmus[i]
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.CMUID != b.CMUID {
			return a.CMUID < b.CMUID
		}
		if a.DeliveryYear != b.DeliveryYear {
			return a.DeliveryYear < b.DeliveryYear
		}
		return a.ID < b.ID
	})
	b := table.NewBuilder("contacts", nil, cols...)
	for _, c := range sorted {
		b.Str(c.CMUID).IntOrNull(int64(c.DeliveryYear), c.DeliveryYear != 0).StrOrNull(c.AuctionName)
		for _, n := range names {
			b.StrOrNull(c.Contacts[n])
		}
		b.EndRow()
	}
	return b.Table()
}
