package locations

import (
	"testing"

	"github.com/prebake/prebake/internal/apprules"
	"github.com/prebake/prebake/internal/record"
)

// TestFollowsAppRules: the location groups apply app_rules.json. For every
// two technologies of tech_priority, a group holding both (in either order)
// takes the lower number as its tech, and beats a class the table does not
// list; every active_auction_years entry makes a group active, the year before
// the first does not; every pattern of pseudo_technologies adds its key.
func TestFollowsAppRules(t *testing.T) {
	r := apprules.App
	group := func(desc, auction string, techs ...string) *attributes {
		var cs []record.Component
		for i, tc := range techs {
			c := located(int64(10+i), record.Categorize(tc), "1 Any Road", "", 52, -1)
			c.TechClass, c.AuctionName, c.Description = tc, auction, desc
			cs = append(cs, c)
		}
		a := buildGroups(cs)[0].attributes()
		return &a
	}
	for a, pa := range r.TechPriority {
		if got := group("x", "2016-17 (T-4)", "Unlisted class", a).primaryTech(); pa < r.TechPriorityDefault && got != a {
			t.Errorf("%q (%d) with an unlisted class: tech %q", a, pa, got)
		}
		for b, pb := range r.TechPriority {
			if pa >= pb {
				continue
			}
			for _, order := range [][]string{{a, b}, {b, a}} {
				if got := group("x", "2016-17 (T-4)", order...).primaryTech(); got != a {
					t.Errorf("technologies %q: tech %q, want %q (%d < %d)", order, got, a, pa, pb)
				}
			}
		}
	}
	for _, y := range r.ActiveAuctionYears {
		if !group("x", y+" (T-1) One Year Ahead Capacity Auction", "Solar").IsActive {
			t.Errorf("auction %s: not active", y)
		}
	}
	if group("x", "2023-24 (T-1)", "Solar").IsActive != false || r.ActiveAuctionYears[0] != "2024-25" {
		t.Errorf("2023-24 active, or the first active year %s moved: update this test", r.ActiveAuctionYears[0])
	}
	for _, p := range r.PseudoTechnologies {
		for _, pat := range p.Patterns {
			a := group("Site with "+pat+" units", "2016-17 (T-4)", "DSR")
			found := false
			for _, tc := range a.Technologies {
				found = found || tc.Name == p.Name && tc.Count == 1
			}
			if !found {
				t.Errorf("description with %q: technologies %v, want %q", pat, a.Technologies, p.Name)
			}
		}
	}
}
