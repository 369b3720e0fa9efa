package cmu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/record"
)

const (
	auctionA = "2020-21 (T-4) Four Year Ahead Capacity Auction"
	auctionB = "2021-22 (T-4) Four Year Ahead Capacity Auction"
	auctionC = "2019-20 (T-4) Four Year Ahead Capacity Auction"
)

// smallDataset is a hand-made register whose every output is worked out by hand
// in the tests below.
func smallDataset() *record.Dataset {
	return &record.Dataset{
		Components: []record.Component{
			{ID: 5, ComponentID: "C5", CMUID: "XYZ-9", Company: "Ørsted A/S", TechClass: "Offshore Wind", Category: record.Wind,
				DeliveryYear: 2023, AuctionName: auctionC, AuctionType: "T-4", DeratedMW: f64(100.25), Description: "Hornsea"},
			{ID: 10, ComponentID: "C10", CMUID: "ABC1", Company: "Flexitricity Ltd.", TechClass: "DSR", Category: record.DSR,
				DeliveryYear: 2024, AuctionName: auctionA, AuctionType: "T-4", DeratedMW: f64(1.5), ConnectionMW: f64(2),
				Description: "Load", Location: "2 Bar Lane, York, YO51 9LS", LocationText: "2 Bar Lane, York, YO51 9LS", Postcode: "YO51 9LS", Outcode: "YO51",
				Geo: record.Geocode{Lat: 54.1, Lng: -1.4, Located: true, Source: record.GeoPostcode, Precision: record.PrecisionUnit}},
			{ID: 11, ComponentID: "C11", CMUID: "ABC1", Company: "FLEXITRICITY LTD", TechClass: "DSR", Category: record.DSR,
				DeliveryYear: 2025, AuctionName: auctionB, AuctionType: "T-4", Location: "2 bar lane,  York, YO51 9LS",
				Geo: record.Geocode{Unlocated: record.UnlocatedUnknownPostcode}},
			{ID: 20, Category: record.Unknown, Geo: record.Geocode{Unlocated: record.UnlocatedNoLocation}},
		},
		CMUs: []record.CMU{
			{ID: 1, CMUID: "ABC1", DeliveryYear: 2024, AuctionName: auctionA, Applicant: "Flexitricity Limited",
				Contacts: map[string]string{"Secondary Trading Contact - Email": "trader@example.com", "Secondary Trading Contact - Telephone": "'+441234567890"}},
		},
	}
}

func TestLooseName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Flexitricity Ltd.", "flexitricityltd"},
		{"FLEXITRICITY  LTD", "flexitricityltd"},
		{"  E.ON UK plc ", "eonukplc"},
		{"Ørsted A/S", "ørstedas"},
		{"T_ABC-1", "tabc1"},
		{"---", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := looseName(tt.in); got != tt.want {
			t.Errorf("looseName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCMUsTable: the app's cmu_dataframe_v1 and cmu_to_company_mapping for the
// small register, worked out by hand from the app's code (data_access.py).
func TestCMUsTable(t *testing.T) {
	out, m := bake(t, smallDataset(), Options{})
	got := readTableRows(t, out, m, "cmu/cmus")
	row := func(id, name string, year, auction any, norm, normID string) map[string]any {
		return map[string]any{"CMU ID": id, "Name of Applicant": name, "Full Name": name, "Delivery Year": year,
			"Auction Name": auction, "Normalized Full Name": norm, "Normalized CMU ID": normID}
	}
	want := []map[string]any{
		row("", "", nil, nil, "", ""), // component 20: no CMU, company, year or auction (null, as in every table); NULL sorts first under DESC
		row("ABC1", "FLEXITRICITY LTD", "2025", auctionB, "flexitricityltd", "abc1"),
		row("ABC1", "Flexitricity Ltd.", "2024", auctionA, "flexitricityltd.", "abc1"),
		row("XYZ-9", "Ørsted A/S", "2023", auctionC, "ørsteda/s", "xyz-9"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cmus =\n%v\nwant\n%v", got, want)
	}
	if a := m.Assets["cmu/cmus.parquet"]; a.Rows == nil || *a.Rows != 4 || len(a.Columns) != 7 || a.Columns[3].Name != "Delivery Year" || a.Columns[3].Type != "string" || !a.Columns[3].Nullable {
		t.Errorf("manifest entry for cmu/cmus.parquet: rows %v columns %+v", a.Rows, a.Columns)
	}
	var mapping map[string]string
	readAsset(t, out, m, "cmu/cmu_to_company.json", &mapping)
	// ABC1's oldest row (2024) names it.
	if want := map[string]string{"ABC1": "Flexitricity Ltd.", "XYZ-9": "Ørsted A/S"}; !reflect.DeepEqual(mapping, want) {
		t.Errorf("cmu_to_company = %v, want %v", mapping, want)
	}
}

// TestAppFrameRules: distinct rows, order (year DESC with unknown first, then
// CMU ID, company, auction), and the mapping's rules (oldest name wins, ids
// empty or "N/A" after strip() skipped, empty names kept).
func TestAppFrameRules(t *testing.T) {
	comp := func(id, company string, year int, auction string) record.Component {
		return record.Component{CMUID: id, Company: company, DeliveryYear: year, AuctionName: auction}
	}
	comps := []record.Component{
		comp("KED221", "Keadby Generation Limited", 2019, "A"),
		comp("KED221", "KEADBY GENERATION LIMITED", 2019, "A"),
		comp("KED221", "KEADBY GENERATION LIMITED", 2024, "B"),
		comp("KED221", "KEADBY GENERATION LIMITED", 2024, "B"), // a second component, same row
		comp("N/A", "Nobody Ltd", 2020, "A"),
		comp("AAA1", "", 2018, "A"),
		comp("AAA1", "Zed  Power", 2024, "B"),
		comp("BBB2", "Bee", 2024, "A"),
		comp("BBB2", "Bee", 2024, "B"),
		comp("CCC3", "Sea", 0, "A"),
	}
	want := []frameRow{
		{"CCC3", "Sea", "", "A"},
		{"AAA1", "Zed  Power", "2024", "B"},
		{"BBB2", "Bee", "2024", "A"},
		{"BBB2", "Bee", "2024", "B"},
		{"KED221", "KEADBY GENERATION LIMITED", "2024", "B"},
		{"N/A", "Nobody Ltd", "2020", "A"},
		{"KED221", "KEADBY GENERATION LIMITED", "2019", "A"},
		{"KED221", "Keadby Generation Limited", "2019", "A"},
		{"AAA1", "", "2018", "A"},
	}
	rows := appFrame(comps)
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("appFrame =\n%v\nwant\n%v", rows, want)
	}
	wantMap := map[string]string{"CCC3": "Sea", "AAA1": "", "BBB2": "Bee", "KED221": "Keadby Generation Limited"}
	if got := appCMUToCompany(rows); !reflect.DeepEqual(got, wantMap) {
		t.Errorf("appCMUToCompany = %v, want %v", got, wantMap)
	}
	if got := appCMUToCompany([]frameRow{{" X1 ", "Ex", "2024", "A"}, {" N/A", "No", "2024", "A"}, {"\t", "Tab", "2024", "A"}}); !reflect.DeepEqual(got, map[string]string{"X1": "Ex"}) {
		t.Errorf("ids are stripped before the N/A and empty checks: got %v", got)
	}
}

func TestComponentsTable(t *testing.T) {
	out, m := bake(t, smallDataset(), Options{})
	if _, ok := m.Assets["cmu/components.json"]; ok {
		t.Error("cmu/components.json written; the table is Parquet and Arrow only")
	}
	got := readTableRows(t, out, m, "cmu/components")
	if len(got) != 4 {
		t.Fatalf("%d rows, want 4", len(got))
	}
	ids := []float64{}
	for _, r := range got {
		ids = append(ids, r["id"].(float64))
	}
	if !reflect.DeepEqual(ids, []float64{5, 10, 11, 20}) {
		t.Errorf("ids %v, want sorted 5 10 11 20", ids)
	}
	r10 := got[1]
	for k, v := range map[string]any{"lat": 54.1, "lng": -1.4, "located": true, "geocode_source": "postcode", "geocode_precision": "postcode_unit",
		"unlocated_reason": nil, "derated_capacity_mw": 1.5, "connection_capacity_mw": 2.0, "delivery_year": 2024.0, "category": "DSR", "postcode": "YO51 9LS"} {
		if !reflect.DeepEqual(r10[k], v) {
			t.Errorf("component 10 %s = %v, want %v", k, r10[k], v)
		}
	}
	r11 := got[2]
	for k, v := range map[string]any{"lat": nil, "located": false, "geocode_source": nil, "unlocated_reason": "unknown_postcode", "derated_capacity_mw": nil} {
		if !reflect.DeepEqual(r11[k], v) {
			t.Errorf("component 11 %s = %v, want %v", k, r11[k], v)
		}
	}
	if r := got[3]; r["delivery_year"] != nil || r["company_name"] != nil || r["category"] != "Unknown" {
		t.Errorf("component 20 = %v, want null year and company, category Unknown", r)
	}
	if len(got[0]) != len(componentColumns) {
		t.Errorf("%d keys, want the %d allowed columns", len(got[0]), len(componentColumns))
	}
}

func TestCompanyIndex(t *testing.T) {
	out, m := bake(t, smallDataset(), Options{})
	var idx map[string]Company
	readAsset(t, out, m, "cmu/company_index.json", &idx)
	// company_id is the app's normalize(): "Flexitricity Ltd." and "FLEXITRICITY
	// LTD" differ by the full stop, so they are two companies, as in the app.
	want := map[string]Company{
		"flexitricitylimited": {CompanyName: "Flexitricity Limited", NormalizedName: "flexitricitylimited", NumCMUIDs: 1, NumComponents: 0,
			YearStrings: []string{"2024"}, URL: "/company-list/flexitricitylimited/", CMUIDs: []string{"ABC1"}, CompanyNames: []string{"Flexitricity Limited"}},
		"flexitricityltd.": {CompanyName: "Flexitricity Ltd.", NormalizedName: "flexitricityltd.", NumCMUIDs: 1, NumComponents: 1,
			YearStrings: []string{"2024"}, URL: "/company-list/flexitricityltd./", CMUIDs: []string{"ABC1"}, TotalDeratedMW: 1.5, CompanyNames: []string{"Flexitricity Ltd."}},
		"flexitricityltd": {CompanyName: "FLEXITRICITY LTD", NormalizedName: "flexitricityltd", NumCMUIDs: 1, NumComponents: 1,
			YearStrings: []string{"2025"}, URL: "/company-list/flexitricityltd/", CMUIDs: []string{"ABC1"}, CompanyNames: []string{"FLEXITRICITY LTD"}},
		"ørsteda/s": {CompanyName: "Ørsted A/S", NormalizedName: "ørsteda/s", NumCMUIDs: 1, NumComponents: 1,
			YearStrings: []string{"2023"}, URL: "/company-list/%C3%B8rsteda%2Fs/", CMUIDs: []string{"XYZ-9"}, TotalDeratedMW: 100.25, CompanyNames: []string{"Ørsted A/S"}},
	}
	if !reflect.DeepEqual(idx, want) {
		t.Errorf("company index =\n%+v\nwant\n%+v", idx, want)
	}
	// Shards: "f" holds the three Flexitricity entries, "_" the non-ASCII one.
	ss := m.ShardSets["cmu/company_index_shards"]
	if ss.Key != "first" || ss.Files != 2 || !reflect.DeepEqual(ss.Params["keys"], []any{"_", "f"}) {
		t.Errorf("company index shard set = %+v", ss)
	}
	var f, u map[string]Company
	readShard(t, out, m, "cmu/company_index_shards", "f", &f)
	readShard(t, out, m, "cmu/company_index_shards", "_", &u)
	if len(f) != 3 || !reflect.DeepEqual(f["flexitricityltd"], want["flexitricityltd"]) || len(u) != 1 || u["ørsteda/s"].NumComponents != 1 {
		t.Errorf("shards f=%v _=%v", f, u)
	}
	companies := readTableRows(t, out, m, "cmu/companies")
	if len(companies) != 4 || companies[2]["normalized_name"] != "flexitricityltd." || companies[2]["first_delivery_year"] != 2024.0 ||
		companies[2]["last_delivery_year"] != 2024.0 || companies[2]["num_located_components"] != 1.0 || companies[0]["total_derated_capacity_mw"] != 0.0 {
		t.Errorf("companies table = %v", companies)
	}
}

func TestPrefixIndex(t *testing.T) {
	var idx []*Company
	for _, n := range []string{"a", "ab", "abc", "abcd", "abd", "b", "bz9", "ørsted", "ørn"} {
		idx = append(idx, &Company{NormalizedName: n, CompanyName: strings.ToUpper(n)})
	}
	sort.Slice(idx, func(i, j int) bool { return idx[i].NormalizedName < idx[j].NormalizedName })
	p := buildPrefixIndex(idx)
	// Every prefix of up to 3 characters of any name must give exactly the
	// names that start with it, found by brute force.
	for _, c := range idx {
		r := []rune(c.NormalizedName)
		for l := 1; l <= 3 && l <= len(r); l++ {
			q := string(r[:l])
			var want []string
			for _, d := range idx {
				if strings.HasPrefix(d.NormalizedName, q) {
					want = append(want, d.NormalizedName)
				}
			}
			rg := p.Ranges[q]
			var got []string
			for _, e := range p.Companies[rg[0]:rg[1]] {
				got = append(got, e[0].(string))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("prefix %q: %v, want %v", q, got, want)
			}
		}
	}
	if _, ok := p.Ranges["abcd"]; ok {
		t.Error("prefix longer than max_prefix listed")
	}
	// a ab abc abd b bz bz9 ø ør ørn ørs
	if len(p.Ranges) != 11 {
		t.Errorf("%d prefixes, want 11: %v", len(p.Ranges), p.Ranges)
	}
}

func TestStatistics(t *testing.T) {
	out, m := bake(t, smallDataset(), Options{})
	var got Statistics
	readAsset(t, out, m, "cmu/statistics.json", &got)
	s := func(v string) *string { return &v }
	want := Statistics{
		Summary: Summary{TotalComponents: 4, TotalCompanies: 3, TotalTechnologies: 3, TotalCapacity: 101.75, TotalCompanyIDs: 3, TotalTechnologyClasses: 2},
		TopCompaniesCount: []CompanyCount{
			{CompanyName: "FLEXITRICITY LTD", Count: 1, CompanyID: "flexitricityltd", URL: "/company-list/flexitricityltd/"},
			{CompanyName: "Flexitricity Ltd.", Count: 1, CompanyID: "flexitricityltd.", URL: "/company-list/flexitricityltd./"},
			{CompanyName: "Ørsted A/S", Count: 1, CompanyID: "ørsteda/s", URL: "/company-list/%C3%B8rsteda%2Fs/"},
		},
		TopCompaniesCapacity: []CompanyCapacity{
			{CompanyName: "Ørsted A/S", TotalCapacity: 100.25, CompanyID: "ørsteda/s", URL: "/company-list/%C3%B8rsteda%2Fs/"},
			{CompanyName: "Flexitricity Ltd.", TotalCapacity: 1.5, CompanyID: "flexitricityltd.", URL: "/company-list/flexitricityltd./"},
		},
		TechByCount: []TechCount{
			{Technology: "DSR", Category: "DSR", Count: 2},
			{Technology: "Offshore Wind", Category: "Wind", Count: 1},
		},
		TechByCapacity: []TechCapacity{
			{Technology: "Offshore Wind", Category: "Wind", TotalCapacity: 100.25},
			{Technology: "DSR", Category: "DSR", TotalCapacity: 1.5},
		},
		ComponentsByYear: []YearCount{{"2023", 1}, {"2024", 1}, {"2025", 1}},
		TopComponentsCapacity: []ComponentCapacity{
			{ID: 5, CompanyName: s("Ørsted A/S"), Technology: s("Offshore Wind"), DeratedCapacityMW: 100.25, URL: "/component/by-id/5/"},
			{ID: 10, CompanyName: s("Flexitricity Ltd."), Technology: s("DSR"), Location: s("2 Bar Lane, York, YO51 9LS"), DeratedCapacityMW: 1.5, URL: "/component/by-id/10/"},
		},
		ComponentsByCategory: map[string]int{"DSR": 2, "Battery": 0, "Gas": 0, "CHP": 0, "Wind": 1, "Solar": 0, "Hydro": 0,
			"Nuclear": 0, "Biomass": 0, "Coal": 0, "Interconnector": 0, "Other": 0, "Unknown": 1},
		ComponentsWithoutYear: 1,
	}
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("statistics =\n%s", gj)
	}
	// Per category: every category has a file; DSR holds the two DSR rows, Coal nothing.
	var dsr, coal Statistics
	readAsset(t, out, m, "cmu/statistics/DSR.json", &dsr)
	readAsset(t, out, m, "cmu/statistics/Coal.json", &coal)
	if dsr.Summary != (Summary{TotalComponents: 2, TotalCompanies: 2, TotalTechnologies: 1, TotalCapacity: 1.5, TotalCompanyIDs: 2, TotalTechnologyClasses: 1}) {
		t.Errorf("DSR summary = %+v", dsr.Summary)
	}
	if coal.Summary != (Summary{}) || coal.TopCompaniesCount == nil || len(coal.TopCompaniesCount) != 0 {
		t.Errorf("Coal statistics = %+v, want zeros and empty lists", coal)
	}
	for _, c := range record.Categories {
		if _, ok := m.Assets["cmu/statistics/"+string(c)+".json"]; !ok {
			t.Errorf("no statistics for category %s", c)
		}
	}
}

// TestComponentDetails: a popup in the app's shape (string years, raw class
// and category, company_id, quoted location URL) and its components_at_location
// list: every component within 0.0001 degrees in lat and lng, newest first,
// stored once per position and rebuilt with ReconstructDetail.
func TestComponentDetails(t *testing.T) {
	at := func(id int64, year int, lat, lng float64, loc string, mw *float64) record.Component {
		return record.Component{ID: id, CMUID: fmt.Sprint("CMU", id), Company: "Flexitricity  Ltd.", TechClass: "Storage (Duration 2h)",
			Category: record.Battery, DeliveryYear: year, AuctionName: fmt.Sprint("A", year), DeratedMW: mw,
			Location: loc, LocationText: loc, Geo: record.Geocode{Lat: lat, Lng: lng, Located: true}}
	}
	ds := &record.Dataset{Components: []record.Component{
		at(10, 2024, 54.1, -1.4, "Unit 2/3, York", f64(1.5)),
		at(11, 2026, 54.1, -1.4, "Unit 2/3, York", nil),
		at(12, 2025, 54.1+0.00005, -1.4-0.0001, "Elsewhere", f64(3)), // inside the box of 10 and 11
		at(13, 2027, 54.1+0.0002, -1.4, "Far", nil),                  // outside it
		// Zero capacities: the app's str(mw or 'N/A') says "N/A" for 0.0 and -0.0.
		at(14, 2023, 54.1, -1.4, "Unit 2/3, York", f64(0)),
		at(15, 2022, 54.1, -1.4, "Unit 2/3, York", f64(math.Copysign(0, -1))),
		{ID: 20, Category: record.Unknown, Geo: record.Geocode{Unlocated: record.UnlocatedNoLocation}},
	}}
	out, m := bake(t, ds, Options{})
	get := func(id int64) map[string]any { return popup(t, out, m, id) }
	url := "/location/by-name/Unit%202%2F3%2C%20York/"
	entry := func(id int64, year, cmu, mw string) map[string]any {
		return map[string]any{"id": float64(id), "delivery_year": year, "auction_name": "A" + year, "cmu_id": cmu, "derated_capacity_mw": mw, "detailUrl": url}
	}
	want10 := map[string]any{"success": true, "data": map[string]any{
		"id": float64(10), "title": "Unit 2/3, York", "technology": "Storage (Duration 2h)", "display_technology": "Battery",
		"company": "Flexitricity  Ltd.", "company_id": "flexitricityltd.", "description": "", "delivery_year": "2024",
		"auction_name": "A2024", "cmu_id": "CMU10", "detailUrl": url, "has_multiple_years": true,
		"components_at_location": []any{entry(11, "2026", "CMU11", "N/A"), entry(12, "2025", "CMU12", "3.0"), entry(10, "2024", "CMU10", "1.5"),
			entry(14, "2023", "CMU14", "N/A"), entry(15, "2022", "CMU15", "N/A")},
	}}
	if got := get(10); !reflect.DeepEqual(got, want10) {
		gj, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("detail 10 =\n%s", gj)
	}
	if got := get(13)["data"].(map[string]any); len(got["components_at_location"].([]any)) != 1 || got["has_multiple_years"] != false {
		t.Errorf("detail 13 = %v, want itself alone", got)
	}
	d20 := get(20)["data"].(map[string]any)
	list := d20["components_at_location"].([]any)
	if d20["title"] != "Unknown Location" || d20["technology"] != "Unknown" || d20["display_technology"] != "Unknown" ||
		d20["delivery_year"] != nil || d20["company_id"] != nil || d20["detailUrl"] != "/component/by-id/20/" ||
		len(list) != 1 || list[0].(map[string]any)["delivery_year"] != "Unknown" || list[0].(map[string]any)["derated_capacity_mw"] != "N/A" {
		t.Errorf("detail 20 = %v", d20)
	}
}

func TestPyFloatStr(t *testing.T) {
	// Right-hand sides printed by Python 3's str(float).
	tests := []struct {
		in   float64
		want string
	}{{1.5, "1.5"}, {3, "3.0"}, {0, "0.0"}, {0.30000000000000004, "0.30000000000000004"}, {1e-05, "1e-05"}, {0.0001, "0.0001"},
		{1e16, "1e+16"}, {123456789012345.6, "123456789012345.6"}, {-2.25, "-2.25"}, {1.2345e-7, "1.2345e-07"}, {2.5e100, "2.5e+100"}}
	for _, tt := range tests {
		if got := PyFloatStr(tt.in); got != tt.want {
			t.Errorf("PyFloatStr(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// manyComponents is a synthetic register: n components spread over a few
// hundred locations, with ids that are not contiguous.
func manyComponents(n int) *record.Dataset {
	ds := &record.Dataset{}
	for i := 0; i < n; i++ {
		mw := float64(i%97) * 0.125
		c := record.Component{
			ID: int64(1 + i*7 + i%3), ComponentID: fmt.Sprintf("C%d", i), CMUID: fmt.Sprintf("CMU%d", i%400),
			Company: fmt.Sprintf("Company %d Ltd", i%150), TechClass: []string{"DSR", "Storage", "Onshore Wind", ""}[i%4],
			DeliveryYear: 2016 + i%13, AuctionName: fmt.Sprintf("Auction %d", i%26), AuctionType: "T-4",
			Description: strings.Repeat("x", i%200), Location: fmt.Sprintf("Site %d, Town", i%300),
		}
		c.Category = record.Categorize(c.TechClass)
		if i%5 != 0 {
			c.DeratedMW = &mw
		}
		ds.Components = append(ds.Components, c)
	}
	return ds
}

// TestDetailShardsBounded: every file of both popup shard sets fits the bound,
// holds exactly the keys its shard function gives it, and one file fewer would
// not fit; every component's popup rebuilds from them.
func TestDetailShardsBounded(t *testing.T) {
	for _, bound := range []int{16 << 10, 64 << 10} {
		t.Run(fmt.Sprint(bound), func(t *testing.T) {
			ds := manyComponents(2000)
			out, m := bake(t, ds, Options{DetailShardMaxBytes: bound})
			files := func(set string) (n int, data [][]byte) {
				ss := m.ShardSets[set]
				n = int(ss.Params["n"].(float64))
				if int(ss.Params["max_bytes"].(float64)) != bound {
					t.Errorf("%s: max_bytes %v, want %d", set, ss.Params["max_bytes"], bound)
				}
				for s := 0; s < n; s++ {
					p := filepath.Join(out, filepath.FromSlash(strings.ReplaceAll(ss.URL, "{shard}", fmt.Sprint(s))))
					d, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					if len(d) > bound {
						t.Errorf("%s: shard %d is %d bytes, over the %d bound", set, s, len(d), bound)
					}
					data = append(data, d)
				}
				return n, data
			}
			n, refFiles := files("cmu/component_details")
			at := map[int64][2]int{}
			for s, d := range refFiles {
				var shard map[string][2]int
				if err := json.Unmarshal(d, &shard); err != nil {
					t.Fatalf("component_details shard %d: %v", s, err)
				}
				for k, v := range shard {
					var id int64
					fmt.Sscan(k, &id)
					if DetailShard(id, n) != s {
						t.Errorf("component %s in shard %d, want shard %d", k, s, DetailShard(id, n))
					}
					at[id] = v
				}
			}
			if len(at) != len(ds.Components) {
				t.Errorf("%d components in the shards, want %d", len(at), len(ds.Components))
			}
			_, listFiles := files("cmu/components_at_location")
			lists := make([]PopupFile, len(listFiles))
			stored := 0
			for s, d := range listFiles {
				if err := json.Unmarshal(d, &lists[s]); err != nil {
					t.Fatalf("components_at_location file %d: %v", s, err)
				}
				stored += len(lists[s].Lists)
			}
			for id, v := range at {
				if _, err := RebuildDetail(&lists[v[0]], v[1], id); err != nil {
					t.Errorf("component %d: %v", id, err)
				}
			}
			// None of these components is located: each lists only itself,
			// and each list is stored once.
			if stored != len(ds.Components) {
				t.Errorf("%d lists stored, want %d", stored, len(ds.Components))
			}
			// The smallest n that fits: with n-1 files one would overflow
			// (unless n is the lower bound the search starts from).
			sizes := map[int64]int{}
			for id, v := range at {
				sizes[id] = len(fmt.Sprintf("%q:[%d,%d],", fmt.Sprint(id), v[0], v[1]))
			}
			if n > 1 && fits(sizes, n-1, bound) && n-1 >= (sumInts(sizes)+bound-1)/bound {
				t.Errorf("component_details: n = %d, but %d files would fit", n, n-1)
			}
		})
	}
}

// fits reports whether entries of the given sizes fit n files of bound bytes
// ("{" and "}\n" included) under DetailShard.
func fits(sizes map[int64]int, n, bound int) bool {
	shard := make([]int, n)
	for id := range sizes {
		shard[DetailShard(id, n)] += sizes[id]
		if shard[DetailShard(id, n)]+2 > bound {
			return false
		}
	}
	return true
}

func sumInts(m map[int64]int) int {
	s := 0
	for _, v := range m {
		s += v
	}
	return s
}

func TestDetailShard(t *testing.T) {
	tests := []struct {
		id   int64
		n    int
		want int
	}{
		{0, 7, 0}, {191482, 1, 0}, {191482, 698, 191482 % 698}, {-15, 7, 1}, {math.MaxInt64, 10, 7}, {math.MinInt64, 10, 8},
	}
	for _, tt := range tests {
		if got := DetailShard(tt.id, tt.n); got != tt.want {
			t.Errorf("DetailShard(%d, %d) = %d, want %d", tt.id, tt.n, got, tt.want)
		}
	}
}

// TestAtLocationNoCap: the app lists every component at a position, however
// many, and every popup there names the same stored list.
func TestAtLocationNoCap(t *testing.T) {
	ds := &record.Dataset{}
	for i := 0; i < 250; i++ {
		ds.Components = append(ds.Components, record.Component{ID: int64(i + 1), CMUID: "A", Company: "A", LocationText: "Same Place",
			DeliveryYear: 2020 + i%3, Category: record.DSR, Geo: record.Geocode{Lat: 51, Lng: -1, Located: true}})
	}
	store := newPopupStore(ds.Components)
	if len(store.lists) != 1 || len(store.lists[0].rows) != 250 || store.of[slices.Index(store.ids, 7)] != store.lists[0] {
		t.Errorf("at location: %d lists, want one of 250 entries that component 7 names", len(store.lists))
	}
	out, m := bake(t, ds, Options{})
	d := popup(t, out, m, 7)["data"].(map[string]any)
	at := d["components_at_location"].([]any)
	first, last := at[0].(map[string]any), at[249].(map[string]any)
	if len(at) != 250 || d["has_multiple_years"] != true || first["delivery_year"] != "2022" || first["id"] != 3.0 || last["delivery_year"] != "2020" {
		t.Errorf("list is not every component, delivery_year DESC, id ASC: %d entries, first %v last %v", len(at), first, last)
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name string
		ds   *record.Dataset
		want string
	}{
		{"nil dataset", nil, "no dataset"},
		{"NaN capacity", &record.Dataset{Components: []record.Component{{ID: 7, CMUID: "A", DeratedMW: f64(math.NaN()), SourceFile: "c.json", SourceRow: 3}}}, `component 7 (c.json record 3): field "De-Rated Capacity"`},
		{"infinite latitude", &record.Dataset{Components: []record.Component{{ID: 8, Geo: record.Geocode{Located: true, Lat: math.Inf(1)}}}}, `component 8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWriter(t)
			err := Generate(tt.ds, w, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestDeterministic bakes the same dataset twice, with GOMAXPROCS 1 and 2 and
// the input in a different order, and compares every output byte.
func TestDeterministic(t *testing.T) {
	ds1 := manyComponents(2000)
	ds1.CMUs = smallDataset().CMUs
	ds2 := manyComponents(2000)
	ds2.CMUs = smallDataset().CMUs
	// Same records, reversed: Generate must not depend on input order.
	for i, j := 0, len(ds2.Components)-1; i < j; i, j = i+1, j-1 {
		ds2.Components[i], ds2.Components[j] = ds2.Components[j], ds2.Components[i]
	}
	prev := runtime.GOMAXPROCS(1)
	out1, _ := bake(t, ds1, Options{})
	runtime.GOMAXPROCS(2)
	out2, _ := bake(t, ds2, Options{})
	runtime.GOMAXPROCS(prev)
	f1, f2 := outputFiles(t, out1), outputFiles(t, out2)
	rel := func(files map[string][]byte, root string) map[string][]byte {
		m := map[string][]byte{}
		for p, d := range files {
			r, _ := filepath.Rel(root, p)
			if strings.HasPrefix(r, ".") { // writer bookkeeping (history, staging)
				continue
			}
			m[r] = d
		}
		return m
	}
	r1, r2 := rel(f1, out1), rel(f2, out2)
	if len(r1) == 0 || len(r1) != len(r2) {
		t.Fatalf("%d files vs %d", len(r1), len(r2))
	}
	for p, d := range r1 {
		if !bytes.Equal(d, r2[p]) {
			t.Errorf("%s differs between the two bakes", p)
		}
	}
}

// TestEmptyAuctionNameNullEverywhere: a component and a CMU row without an
// auction name give null in every table that has the column (components,
// cmus, contacts), never "" in one and null in another.
func TestEmptyAuctionNameNullEverywhere(t *testing.T) {
	ds := smallDataset()
	for i := range ds.Components {
		ds.Components[i].AuctionName = ""
	}
	for i := range ds.CMUs {
		ds.CMUs[i].AuctionName = ""
	}
	out, m := bake(t, ds, Options{IncludeContacts: true})
	for asset, col := range map[string]string{"cmu/components": "auction_name", "cmu/cmus": "Auction Name", "cmu/contacts": "Auction Name"} {
		if _, ok := m.Assets[asset+".parquet"]; !ok {
			t.Errorf("no %s written", asset)
			continue
		}
		rows := readTableRows(t, out, m, asset)
		if len(rows) == 0 {
			t.Errorf("%s: no rows", asset)
		}
		for i, r := range rows {
			if v, ok := r[col]; !ok || v != nil {
				t.Errorf("%s row %d %s = %#v (present %v), want null", asset, i, col, v, ok)
			}
		}
	}
}
