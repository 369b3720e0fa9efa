package locations

import (
	"slices"
	"strings"

	"github.com/prebake/prebake/internal/record"
)

// ActiveTexts returns the location texts whose location group is active (the
// group's is_active: one of its newest 5 auction names names a delivery year
// 2024-25 .. 2029-30). The /map/ page's period filter keys on this: "future"
// (its default) shows the components of active locations, "historical" the
// others (app-integration.md, Map points). A text that makes no group (empty,
// N/A, TBC, ...) is never active.
//
// It decides exactly what (*group).attributes' IsActive does: the "newest 5"
// are the 5 greatest distinct non-empty auction names of the group's members
// in byte order, which depends on no member order, so the groups are not
// built here (ids, sorted members, every attribute: the map tiles' stage
// spent seconds on them at 1M components). TestActiveTextsMatchesGroups holds
// it to the groups' IsActive.
func ActiveTexts(comps []record.Component) map[string]bool {
	type text struct {
		group    bool
		auctions []string // distinct, non-empty
	}
	texts := map[string]*text{}
	for i := range comps {
		c := &comps[i]
		t := texts[c.LocationText]
		if t == nil {
			t = &text{group: IsGroupText(c.LocationText)}
			texts[c.LocationText] = t
		}
		if t.group && c.AuctionName != "" && !slices.Contains(t.auctions, c.AuctionName) {
			t.auctions = append(t.auctions, c.AuctionName)
		}
	}
	out := map[string]bool{}
	for s, t := range texts {
		if t.group && newestActive(t.auctions) {
			out[s] = true
		}
	}
	return out
}

// newestActive reports whether one of the 5 greatest of the distinct auction
// names names an active delivery year (activeAuctions), as attributes does.
func newestActive(auctions []string) bool {
	slices.Sort(auctions)
	for _, n := range auctions[max(0, len(auctions)-5):] {
		for _, y := range activeAuctions {
			if strings.Contains(n, y) {
				return true
			}
		}
	}
	return false
}
