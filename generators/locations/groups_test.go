package locations

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/prebake/prebake/record"
)

func TestIsGroupText(t *testing.T) {
	for text, want := range map[string]bool{
		"": false, "None": false, "N/A": false, "NA": false, "Site TBC": false, "tbc": false,
		"Location To Be Confirmed": false, "n/a": true, "Knottingley WF11 8SQ": true, " NA ": true,
	} {
		if got := IsGroupText(text); got != want {
			t.Errorf("IsGroupText(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestBuildGroups: one group per verbatim text (no case or space folding), every
// component counted, located or not, positioned at the first located one.
func TestBuildGroups(t *testing.T) {
	comps := []record.Component{
		located(3, record.Gas, "Site A", "", 53.70, -1.26),
		located(1, record.Gas, "Site A", "", 51.5, -0.12),
		located(2, record.Gas, "SITE A", "", 51.5, -0.12),
		{ID: 0, LocationText: "Site A", Category: record.Gas},
		{ID: 4, LocationText: "Site TBC", Category: record.Gas},
	}
	gs := buildGroups(comps)
	if len(gs) != 2 {
		t.Fatalf("%d groups, want 2", len(gs))
	}
	for _, g := range gs {
		switch g.text {
		case "Site A":
			if len(g.members) != 3 || g.members[0].ID != 0 || g.pos.ID != 1 || g.id != locationID("Site A") {
				t.Errorf("Site A: %d members, position of %d, id %s", len(g.members), g.pos.ID, g.id)
			}
		case "SITE A":
			if len(g.members) != 1 {
				t.Errorf("SITE A: %d members", len(g.members))
			}
		default:
			t.Errorf("unexpected group %q", g.text)
		}
	}
}

// TestGroupFeature: the app's LocationGroup fields and /api/search-geojson/
// properties, each rule exercised once.
func TestGroupFeature(t *testing.T) {
	long := strings.Repeat("Pumped storage hydro station ", 5)
	mk := func(id int64, tech, company, auction, desc string, mwv *float64) record.Component {
		c := located(id, record.Categorize(tech), "Dinorwig, LL55 4UR", "", 53.1, -4.1)
		c.TechClass, c.Company, c.AuctionName, c.Description, c.DeratedMW = tech, company, auction, desc, mwv
		return c
	}
	comps := []record.Component{
		mk(1, "Hydro", "First Hydro", "2019-20 (T-4) Four Year Ahead Capacity Auction", long, mw(100)),
		mk(2, "Hydro", "First Hydro", "2020-21 (T-4) Four Year Ahead Capacity Auction", long, mw(100.5)),
		mk(3, "Storage (Duration 4h)", "Other Co", "2021-22 (T-4) Four Year Ahead Capacity Auction", "b", nil),
		mk(4, "", "Other Co", "2022-23 (T-4) Four Year Ahead Capacity Auction", "c", nil),
		mk(5, "DSR", "Z Co", "2023-24 (T-4) Four Year Ahead Capacity Auction", "d", nil),
		mk(6, "DSR", "", "2017-18 (T-4) Four Year Ahead Capacity Auction", "", nil),
	}
	gs := buildGroups(comps)
	if len(gs) != 1 {
		t.Fatalf("%d groups", len(gs))
	}
	f := gs[0].feature()
	p := f.Properties
	techs, _ := json.Marshal(p.Technologies)
	companies, _ := json.Marshal(p.Companies)
	if string(techs) != `{"DSR":2,"Hydro":2,"Storage (Duration 4h)":1,"Pumped Hydro":6}` {
		t.Errorf("technologies %s", techs)
	}
	if string(companies) != `{"First Hydro":2,"Other Co":2,"Z Co":1}` {
		t.Errorf("companies %s", companies)
	}
	if p.Tech != "Pumped Hydro" || p.Company != "First Hydro" || p.CMU != "CMU1" || p.Count != 6 || p.MW != 200.5 ||
		p.CapacityConfidence != "low" || p.Active || p.URL != "/location/by-name/Dinorwig%2C%20LL55%204UR/" || p.Title != "Dinorwig, LL55 4UR" {
		t.Errorf("properties %+v", p)
	}
	if strings.Join(p.TechFilters, ",") != "DSR,Battery,Hydro" {
		t.Errorf("tech filters %q, want DSR, Battery (Storage) and Hydro (Hydro, Pumped Hydro)", p.TechFilters)
	}
	if p.Desc != long[:100]+"..." || len(p.Descriptions) != 3 || p.Descriptions[1] != "b" || p.DescriptionsTotal != 4 {
		t.Errorf("desc %q, descriptions %q (total %d)", p.Desc, p.Descriptions, p.DescriptionsTotal)
	}
	if len(p.AuctionYears) != 5 || p.AuctionYears[0] != "2023-24 (T-4) Four Year Ahead Capacity Auction" || p.AuctionNamesTotal != 6 {
		t.Errorf("auction years %q (total %d)", p.AuctionYears, p.AuctionNamesTotal)
	}
	if f.Geometry.Coordinates != [2]float64{-4.1, 53.1} {
		t.Errorf("position %v", f.Geometry.Coordinates)
	}
	// A 2024-25 auction makes it active; DSR alone makes DSR the tech; a raw
	// class with no priority (999) is the tech only when nothing else is there.
	for _, tt := range []struct {
		techs   []string
		auction string
		tech    string
		active  bool
		conf    string
	}{
		{[]string{"DSR", "Storage (Duration 1h)"}, "2024-25 (T-1) One Year Ahead Capacity Auction", "DSR", true, "high"},
		{[]string{"Storage (Duration 1h)", "Open Cycle Gas Turbine (OCGT)"}, "2016-17 (T-4)", "Open Cycle Gas Turbine (OCGT)", false, "high"}, // tech_filters Battery, OCGT
		{[]string{"Nuclear", "Battery"}, "2029-30 (T-4)", "Battery", true, "high"},
	} {
		var cs []record.Component
		for i, tc := range tt.techs {
			cs = append(cs, mk(int64(10+i), tc, "A", tt.auction, "plain", mw(1)))
		}
		p := buildGroups(cs)[0].feature().Properties
		if p.Tech != tt.tech || p.Active != tt.active || p.CapacityConfidence != tt.conf {
			t.Errorf("%v: tech %q active %v confidence %s; want %q %v %s", tt.techs, p.Tech, p.Active, p.CapacityConfidence, tt.tech, tt.active, tt.conf)
		}
	}
}

func TestEVCharging(t *testing.T) {
	c := located(1, record.DSR, "12 Any Street", "", 52, -1)
	c.Description = "Domestic EV chargers at residential premises"
	p := buildGroups([]record.Component{c})[0].feature().Properties
	techs, _ := json.Marshal(p.Technologies)
	if p.Tech != EVCharging || string(techs) != `{"DSR":1,"EV Charging":1}` || strings.Join(p.TechFilters, ",") != "DSR,EV Charging" {
		t.Errorf("tech %q technologies %s", p.Tech, techs)
	}
}

// TestLists: the company and technology lists and filter options over groups,
// the app's credited capacity next to each one's own.
func TestLists(t *testing.T) {
	mk := func(id int64, loc, tech, company, auction string, mwv float64) record.Component {
		c := located(id, record.Categorize(tech), loc, "", 52, -1)
		c.TechClass, c.Company, c.AuctionName, c.DeratedMW = tech, company, auction, mw(mwv)
		return c
	}
	comps := []record.Component{
		mk(1, "Site A", "DSR", "A Co", "2020-21 (T-4)", 1),
		mk(2, "Site A", "Storage", "B Co", "2024-25 (T-1)", 2),
		mk(3, "Site B", "DSR", "A Co", "2019-20 (T-4)", 4),
		mk(4, "IFA", "IFA (France)", "NG", "2021-22 (T-4)", 1000),
		mk(5, "Moyle", "Moyle (Northern Ireland)", "Mutual", "2021-22 (T-4)", 80),
	}
	companies, techs, opts := lists(buildGroups(comps))
	got, _ := json.Marshal(companies)
	want := `[{"company_name":"A Co","company_id":"aco","location_count":2,"component_count":2,"total_capacity":7,"own_capacity":5,"url":"/company-list/aco/"},` +
		`{"company_name":"B Co","company_id":"bco","location_count":1,"component_count":1,"total_capacity":3,"own_capacity":2,"url":"/company-list/bco/"},` +
		`{"company_name":"Mutual","company_id":"mutual","location_count":1,"component_count":1,"total_capacity":80,"own_capacity":80,"url":"/company-list/mutual/"},` +
		`{"company_name":"NG","company_id":"ng","location_count":1,"component_count":1,"total_capacity":1000,"own_capacity":1000,"url":"/company-list/ng/"}]`
	if string(got) != want {
		t.Errorf("company list\n%s\nwant\n%s", got, want)
	}
	last := techs[len(techs)-1]
	if techs[0].Technology != "DSR" || techs[0].LocationCount != 2 || techs[0].TotalCapacity != 7 || techs[0].OwnCapacity != 5 ||
		!last.Grouped || last.Technology != "Interconnector" || last.LocationCount != 2 || last.ComponentCount != 2 || last.TotalCapacity != 1080 {
		t.Errorf("technology list %+v", techs)
	}
	o, _ := json.Marshal(opts)
	if string(o) != `{"technologies":["DSR","IFA (France)","Moyle (Northern Ireland)","Storage"],"companies":["A Co","B Co","Mutual","NG"],`+
		`"auction_years":["2024-25 (T-1)","2021-22 (T-4)","2020-21 (T-4)","2019-20 (T-4)"],"auction_names_all":["2024-25 (T-1)","2021-22 (T-4)","2020-21 (T-4)","2019-20 (T-4)"]}` {
		t.Errorf("filter options %s", o)
	}
}
