package locations

import "github.com/prebake/prebake/internal/record"

// ActiveTexts returns the location texts whose location group is active (the
// group's is_active: one of its newest 5 auction names names a delivery year
// 2024-25 .. 2029-30). The /map/ page's period filter keys on this: "future"
// (its default) shows the components of active locations, "historical" the
// others (app-integration.md, Map points). A text that makes no group (empty,
// N/A, TBC, ...) is never active.
func ActiveTexts(comps []record.Component) map[string]bool {
	out := map[string]bool{}
	for _, g := range buildGroups(comps) {
		if g.attributes().IsActive {
			out[g.text] = true
		}
	}
	return out
}
