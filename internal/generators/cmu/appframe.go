package cmu

import (
	"slices"
	"strconv"
	"strings"

	"github.com/prebake/prebake/internal/appview"
	"github.com/prebake/prebake/internal/generators/cmu/table"
	"github.com/prebake/prebake/internal/record"
)

// The app's cmu_dataframe_v1 and cmu_to_company_mapping, as its live code builds
// them (checker/services/data_access.py get_cmu_dataframe; contract in
// ../shared/docs/app-integration.md):
//
//	Component.objects.values("cmu_id", "company_name", "delivery_year", "auction_name").distinct()
//
// with the model's Meta.ordering ["-delivery_year"], i.e.
//
//	SELECT DISTINCT cmu_id, company_name, delivery_year, auction_name
//	FROM checker_component ORDER BY delivery_year DESC
//
// then a DataFrame of those rows with "Name of Applicant" = "Full Name" =
// company_name and the two normalized columns.

// frameRow is one row of the app's CMU dataframe.
type frameRow struct {
	CMUID   string
	Company string // "Name of Applicant" and "Full Name", verbatim
	Year    string // "Delivery Year": a string, as the app's CharField; "" when unknown (written as null)
	Auction string
}

// appFrame is the distinct (CMU ID, company, delivery year, auction) rows of all
// components, in the app's order: delivery year descending, the unknown year
// first (PostgreSQL sorts NULL first under DESC), then CMU ID, company and
// auction ascending by byte order.
//
// Why that tie order: PostgreSQL leaves ties of ORDER BY delivery_year DESC
// unspecified; when it plans the DISTINCT as a sort, the sort key is the ORDER BY
// followed by the remaining DISTINCT columns in select-list order, which is the
// order used here (with byte order standing in for the database's collation).
// The tie order decides cmu_to_company_mapping for a CMU with two names in its
// oldest year (real example: KED221, "KEADBY GENERATION LIMITED" and "Keadby
// Generation Limited").
//
// Rows without a CMU ID are kept (the app keeps them; only the mapping skips
// them). The record model has trimmed every text field; the app stores the
// register's text untrimmed. No real row has leading or trailing white space in
// these fields.
func appFrame(comps []record.Component) []frameRow {
	// Sized for half the components, about the share of distinct rows (57%
	// of the 64k sample's, 55% of the register's): sized for all of them
	// the map took half again the memory and more time than it saves.
	seen := make(map[frameRow]bool, len(comps)/2)
	rows := make([]frameRow, 0, len(comps)/2)
	years := map[int]string{} // a year's text made once, not once per component
	for i := range comps {
		c := &comps[i]
		r := frameRow{CMUID: c.CMUID, Company: c.Company, Auction: c.AuctionName}
		if c.DeliveryYear != 0 {
			y, ok := years[c.DeliveryYear]
			if !ok {
				y = strconv.Itoa(c.DeliveryYear)
				years[c.DeliveryYear] = y
			}
			r.Year = y
		}
		if !seen[r] {
			seen[r] = true
			rows = append(rows, r)
		}
	}
	// The rows are distinct, so frameRowCompare orders them totally and any
	// sort gives this order.
	slices.SortFunc(rows, func(a, b frameRow) int { return frameRowCompare(&a, &b) })
	return rows
}

func frameRowCompare(a, b *frameRow) int {
	if a.Year != b.Year {
		if a.Year == "" || b.Year == "" {
			if a.Year == "" {
				return -1 // NULL first under DESC
			}
			return 1
		}
		return strings.Compare(b.Year, a.Year) // string order, as ORDER BY on the CharField
	}
	if c := strings.Compare(a.CMUID, b.CMUID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Company, b.Company); c != 0 {
		return c
	}
	return strings.Compare(a.Auction, b.Auction)
}

var frameColumns = []table.Column{
	{Name: "CMU ID", Type: table.String},
	{Name: "Name of Applicant", Type: table.String},
	{Name: "Full Name", Type: table.String},
	{Name: "Delivery Year", Type: table.String, Nullable: true},
	{Name: "Auction Name", Type: table.String, Nullable: true}, // null when missing, as in every table (the app's auction_name is null=True)
	{Name: "Normalized Full Name", Type: table.String},
	{Name: "Normalized CMU ID", Type: table.String},
}

// appFrameSortKey is appFrame's order as a table sort key.
var appFrameSortKey = []string{"-Delivery Year", "CMU ID", "Full Name", "Auction Name"}

// appFrameTable is the app's dataframe with the app's column names and order.
func appFrameTable(rows []frameRow) (*table.Table, error) {
	b := table.NewBuilder("cmus", appFrameSortKey, frameColumns...).Grow(len(rows))
	normalize := memoized(appview.Normalize)
	for _, r := range rows {
		b.Str(r.CMUID).
			Str(r.Company).
			Str(r.Company).
			StrOrNull(r.Year).
			StrOrNull(r.Auction).
			Str(normalize(r.Company)).
			Str(appview.Normalize(r.CMUID)).
			EndRow()
	}
	return b.Table()
}

// appCMUToCompany is cmu_to_company_mapping: the app walks its frame in order
// and sets mapping[CMU ID.strip()] = Full Name, skipping ids that are empty or
// "N/A" after strip(). The frame is newest first, so the name on a CMU's oldest
// row wins. Empty names are not skipped (the app does not skip them).
func appCMUToCompany(rows []frameRow) map[string]string {
	m := map[string]string{}
	for _, r := range rows {
		id := appview.Strip(r.CMUID)
		if id == "" || id == "N/A" {
			continue
		}
		m[id] = r.Company
	}
	return m
}
