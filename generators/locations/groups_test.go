package locations

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prebake/prebake/appview"
	"github.com/prebake/prebake/record"
)

func TestNormText(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Kirkhaw Lane\nKnottingley\nWF11 8RD", "KIRKHAW LANE KNOTTINGLEY WF11 8RD"},
		{"Kirkhaw Lane,  Knottingley , WF11 8RD.", "KIRKHAW LANE, KNOTTINGLEY, WF11 8RD"},
		{"  a\u00a0b\t\tc  ", "A B C"},
		{"Land,, near X,", "LAND, NEAR X"},
		{"A , , B", "A, B"},
		{"...", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := normText(tt.in); got != tt.want {
			t.Errorf("normText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBuildGroups(t *testing.T) {
	tests := []struct {
		name   string
		comps  []record.Component
		groups [][]int64 // member ids of each group, in id order of the groups' ids
	}{
		{
			name: "same text after normalisation and same place is one location",
			comps: []record.Component{
				located(1, record.Gas, "Kirkhaw Lane\nKnottingley\nWF11 8RD", "WF11", 53.70, -1.26),
				located(2, record.Gas, "KIRKHAW LANE KNOTTINGLEY WF11 8RD.", "WF11", 53.70, -1.26),
				located(3, record.Gas, "Kirkhaw Lane Knottingley WF11 8RD", "WF11", 53.701, -1.261), // 130 m away
			},
			groups: [][]int64{{1, 2, 3}},
		},
		{
			name: "same text far apart is two locations",
			comps: []record.Component{
				located(1, record.DSR, "Various sites", "", 53.70, -1.26),
				located(2, record.DSR, "Various sites", "", 51.50, -0.12),
				located(3, record.DSR, "Various sites", "", 51.50, -0.12),
			},
			groups: nil, // checked below: two groups of 1 and 2
		},
		{
			name: "different text at the same place are two locations",
			comps: []record.Component{
				located(1, record.Gas, "Site A", "", 53.70, -1.26),
				located(2, record.Gas, "Site B", "", 53.70, -1.26),
			},
			groups: nil,
		},
		{
			name: "unlocated components are in no group",
			comps: []record.Component{
				located(1, record.Gas, "Site A", "", 53.70, -1.26),
				{ID: 2, Location: "Site A", Category: record.Gas},
			},
			groups: [][]int64{{1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups := buildGroups(tt.comps, 1000)
			ids := map[string]bool{}
			total := 0
			for _, g := range groups {
				if ids[g.id] {
					t.Errorf("duplicate id %s", g.id)
				}
				ids[g.id] = true
				total += len(g.members)
			}
			nLocated := 0
			for _, c := range tt.comps {
				if c.Geo.Located {
					nLocated++
				}
			}
			if total != nLocated {
				t.Errorf("groups hold %d components, want the %d located", total, nLocated)
			}
			if tt.groups != nil {
				if len(groups) != len(tt.groups) {
					t.Fatalf("%d groups, want %d", len(groups), len(tt.groups))
				}
				for i, g := range groups {
					var got []int64
					for _, c := range g.members {
						got = append(got, c.ID)
					}
					if !equalIDs(got, tt.groups[i]) {
						t.Errorf("group %d members %v, want %v", i, got, tt.groups[i])
					}
				}
			} else if len(groups) != 2 {
				t.Errorf("%d groups, want 2", len(groups))
			}
		})
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLocationIDStable(t *testing.T) {
	// The id depends on the text (and the position for a second site), not on
	// the register's order or ids.
	a := buildGroups([]record.Component{
		located(1, record.Gas, "Site A", "", 53.70, -1.26),
		located(2, record.Gas, "Site A", "", 51.5, -0.12),
		located(9, record.Gas, "Site A", "", 51.5, -0.12),
	}, 1000)
	b := buildGroups([]record.Component{
		located(7, record.Gas, "SITE A.", "", 51.5, -0.12),
		located(8, record.Gas, "site a", "", 51.5, -0.12),
		located(3, record.Wind, "Site  A", "", 53.70, -1.26),
	}, 1000)
	if len(a) != 2 || len(b) != 2 {
		t.Fatalf("groups: %d and %d, want 2 and 2", len(a), len(b))
	}
	for i := range a {
		if a[i].id != b[i].id || a[i].pos != b[i].pos {
			t.Errorf("group %d: id %s at %v vs %s at %v", i, a[i].id, a[i].pos, b[i].id, b[i].pos)
		}
	}
	if a[0].id != locationID("SITE A", a[0].pos, true) && a[1].id != locationID("SITE A", a[1].pos, true) {
		t.Errorf("the main site (most components) should have the text-only id")
	}
}

func TestGroupFeature(t *testing.T) {
	long := strings.Repeat("Battery energy storage system ", 10)
	comps := []record.Component{
		located(1, record.Battery, "Site A", "", 53.70, -1.26),
		located(2, record.Battery, "Site A", "", 53.70, -1.26),
		located(3, record.Gas, "Site A", "", 53.70, -1.26),
	}
	comps[0].DeliveryYear, comps[1].DeliveryYear, comps[2].DeliveryYear = 2019, 2023, 2027
	comps[0].DeratedMW, comps[1].DeratedMW, comps[2].DeratedMW = mw(0.1), mw(0.2), nil
	comps[1].Description = long
	comps[1].Company, comps[1].CMUID = "Battery Co", "BAT1"
	groups := buildGroups(comps, 1000)
	if len(groups) != 1 {
		t.Fatalf("%d groups, want 1", len(groups))
	}
	g := groups[0]

	tests := []struct {
		name    string
		members []*record.Component
		tech    string
		count   int
		active  bool
		mw      float64
		company string
	}{
		{"all", g.members, "Battery", 3, true, 0.3, "Battery Co"},
		{"battery only", g.members[:2], "Battery", 2, false, 0.3, "Battery Co"},
		{"gas only", g.members[2:], "Gas", 1, true, 0, comps[2].Company},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := g.feature(tt.members, 2024).Properties
			if p.Tech != tt.tech || p.Count != tt.count || p.Active != tt.active || p.MW != tt.mw || p.Company != tt.company {
				t.Errorf("got tech %s count %d active %v mw %v company %q; want %s %d %v %v %q",
					p.Tech, p.Count, p.Active, p.MW, p.Company, tt.tech, tt.count, tt.active, tt.mw, tt.company)
			}
			if p.ID != g.id || p.URL != "/location/"+g.id+"/" || p.Title != "Site A" {
				t.Errorf("id %q url %q title %q", p.ID, p.URL, p.Title)
			}
			if n := utf8.RuneCountInString(p.Desc); n > appview.DescriptionMax {
				t.Errorf("desc has %d characters, want at most %d", n, appview.DescriptionMax)
			}
		})
	}
}
