package source

import (
	"sort"

	"github.com/prebake/prebake/internal/record"
)

// JoinCMUs fills each component's ParentCompany, UnitType, UnitCategory and
// TransmissionDistribution from the CMU row with the same CMU ID and delivery year.
// When the CMU register has no row for that year it falls back to the same CMU's
// row of the nearest delivery year (the later one on a tie): these four fields
// describe the unit and its owner, which rarely change between auctions (in the
// real register no CMU's parent company differs across years), and a partial CMU
// extract would otherwise leave components unjoined for want of one year. Among
// rows for the same CMU and year the lowest `_id` wins. Components whose CMU has
// no row at all are left as they are.
func JoinCMUs(comps []record.Component, cmus []record.CMU) {
	byCMU := map[string][]*record.CMU{}
	for i := range cmus {
		c := &cmus[i]
		if c.CMUID == "" {
			continue
		}
		byCMU[c.CMUID] = append(byCMU[c.CMUID], c)
	}
	for _, rows := range byCMU {
		sort.SliceStable(rows, func(i, j int) bool {
			if rows[i].DeliveryYear != rows[j].DeliveryYear {
				return rows[i].DeliveryYear < rows[j].DeliveryYear
			}
			return rows[i].ID < rows[j].ID
		})
	}
	for i := range comps {
		c := &comps[i]
		rows := byCMU[c.CMUID]
		if len(rows) == 0 {
			continue
		}
		best := rows[0]
		bestDist := yearDist(best.DeliveryYear, c.DeliveryYear)
		for _, r := range rows[1:] {
			d := yearDist(r.DeliveryYear, c.DeliveryYear)
			// Strictly nearer wins; on a tie the later year wins, except that a
			// second row of the same year (higher _id) never displaces the first.
			if d < bestDist || (d == bestDist && r.DeliveryYear > best.DeliveryYear) {
				best, bestDist = r, d
			}
		}
		c.ParentCompany = best.ParentCompany
		c.UnitType = best.UnitType
		c.UnitCategory = best.UnitCategory
		c.TransmissionDistribution = best.TransmissionDistribution
	}
}

func yearDist(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}
