package locations

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/record"
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
	a := gs[0].attributes()
	techs, _ := json.Marshal(a.Technologies)
	companies, _ := json.Marshal(a.Companies)
	if string(techs) != `{"DSR":2,"Hydro":2,"Storage (Duration 4h)":1,"Pumped Hydro":6}` {
		t.Errorf("technologies %s", techs)
	}
	if string(companies) != `{"First Hydro":2,"Other Co":2,"Z Co":1}` {
		t.Errorf("companies %s", companies)
	}
	if a.primaryTech() != "Pumped Hydro" || a.ComponentCount != 6 || a.CapacityMW != 200.5 || a.CapacityConfidence != "low" || a.IsActive {
		t.Errorf("attributes %+v, tech %q", a, a.primaryTech())
	}
	if len(a.Descriptions) != 3 || a.Descriptions[0] != long || a.Descriptions[1] != "b" || a.DescriptionsTotal != 4 {
		t.Errorf("descriptions %q (total %d)", a.Descriptions, a.DescriptionsTotal)
	}
	if len(a.AuctionYears) != 5 || a.AuctionYears[0] != "2023-24 (T-4) Four Year Ahead Capacity Auction" || a.AuctionNamesTotal != 6 {
		t.Errorf("auction years %q (total %d)", a.AuctionYears, a.AuctionNamesTotal)
	}
	// As written: each value once, auction names by index, the totals only
	// where they add something, the position rounded to 6 decimals.
	index := map[string]int{}
	for i, n := range a.AuctionYears {
		index[n] = 2 * i
	}
	gs[0].pos.Geo.Lat, gs[0].pos.Geo.Lng = 53.12345649, -4.1000004
	f, _ := json.Marshal(gs[0].feature(&a, index))
	want := `{"type":"Feature","geometry":{"type":"Point","coordinates":[-4.1,53.123456]},"properties":{"id":"` + locationID("Dinorwig, LL55 4UR") +
		`","title":"Dinorwig, LL55 4UR","count":6,"active":false,"mw":200.5,"technologies":` + string(techs) + `,"companies":` + string(companies) +
		`,"descriptions":["` + long + `","b","c"],"cmu_ids":["CMU1","CMU2","CMU3","CMU4","CMU5","CMU6"],"auctions":[0,2,4,6,8],"capacity_confidence":"low",` +
		`"descriptions_total":4,"auction_names_total":6}}`
	if string(f) != want {
		t.Errorf("feature\n%s\nwant\n%s", f, want)
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
		{[]string{"Storage (Duration 1h)", "Open Cycle Gas Turbine (OCGT)"}, "2016-17 (T-4)", "Open Cycle Gas Turbine (OCGT)", false, "high"},
		{[]string{"Nuclear", "Battery"}, "2029-30 (T-4)", "Battery", true, "high"},
	} {
		var cs []record.Component
		for i, tc := range tt.techs {
			cs = append(cs, mk(int64(10+i), tc, "A", tt.auction, "plain", mw(1)))
		}
		a := buildGroups(cs)[0].attributes()
		if a.primaryTech() != tt.tech || a.IsActive != tt.active || a.CapacityConfidence != tt.conf {
			t.Errorf("%v: tech %q active %v confidence %s; want %q %v %s", tt.techs, a.primaryTech(), a.IsActive, a.CapacityConfidence, tt.tech, tt.active, tt.conf)
		}
	}
}

func TestEVCharging(t *testing.T) {
	c := located(1, record.DSR, "12 Any Street", "", 52, -1)
	c.Description = "Domestic EV chargers at residential premises"
	a := buildGroups([]record.Component{c})[0].attributes()
	techs, _ := json.Marshal(a.Technologies)
	if a.primaryTech() != "EV Charging" || string(techs) != `{"DSR":1,"EV Charging":1}` {
		t.Errorf("tech %q technologies %s", a.primaryTech(), techs)
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
	gs := buildGroups(comps)
	attrs := make([]attributes, len(gs))
	for i, g := range gs {
		attrs[i] = g.attributes()
	}
	companies, techs, opts := lists(gs, attrs)
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

// TestGroupsJSON: the hand-written encoder of the groups file gives the bytes
// encoding/json gives for plain ASCII, and the same values (decoded) for
// texts that need escapes; a mw that is not a number is an error.
func TestGroupsJSON(t *testing.T) {
	mk := func(id int64, loc, desc string, mwv float64) record.Component {
		c := located(id, record.DSR, loc, "", 51.5+float64(id)/1e7, -0.1234567)
		c.Description, c.DeratedMW, c.AuctionName = desc, mw(mwv), "2024-25 (T-1) One Year Ahead Capacity Auction"
		return c
	}
	encode := func(comps []record.Component) (featureCollection, []byte, error) {
		gs := buildGroups(comps)
		fc := featureCollection{Type: "FeatureCollection", AuctionNames: []string{"2024-25 (T-1) One Year Ahead Capacity Auction"}, Features: []feature{}}
		for _, g := range gs {
			a := g.attributes()
			fc.Features = append(fc.Features, g.feature(&a, map[string]int{"2024-25 (T-1) One Year Ahead Capacity Auction": 0}))
		}
		b, err := fc.appendJSON(nil, nil)
		// Streamed (cut after every feature, as the bake spills it), the
		// same bytes.
		var streamed []byte
		tail, serr := fc.appendJSON(nil, func(p []byte) ([]byte, error) {
			streamed = append(streamed, p...)
			return p[:0], nil
		})
		if (err == nil) != (serr == nil) || string(append(streamed, tail...)) != string(b) && err == nil {
			t.Errorf("streamed: %q (%v), whole: %q (%v)", append(streamed, tail...), serr, b, err)
		}
		return fc, b, err
	}
	plain := []record.Component{mk(1, "Site A, WF11 8SQ", "Battery", 1.5), mk(2, "Site A, WF11 8SQ", "Other", 0.25), mk(3, "Site B", "", 1e-7),
		{ID: 4, LocationText: "Site B", Company: "Z"}}
	fc, got, err := encode(plain)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(fc)
	if string(got) != string(want) {
		t.Errorf("hand-written\n%s\nencoding/json\n%s", got, want)
	}
	escaped := []record.Component{mk(1, "Caf\u00e9 \"Q\" <A&B>\n\t\\ \u0001 \U0001F600", "d\u00e9sc \u2028", 2)}
	fc, got, err = encode(escaped)
	if err != nil {
		t.Fatal(err)
	}
	var back featureCollection
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("%v in %s", err, got)
	}
	if !reflect.DeepEqual(back, fc) {
		t.Errorf("decoded %+v, want %+v", back, fc)
	}
	if _, _, err := encode([]record.Component{mk(1, "Site NaN", "", math.NaN())}); err == nil || !strings.Contains(err.Error(), `"Site NaN": field mw`) {
		t.Errorf("NaN mw: error %v", err)
	}
}
