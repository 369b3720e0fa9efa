package source

import (
	"strconv"

	"github.com/prebake/prebake/internal/record"
)

// conflict compares a duplicate component row with the one kept and returns the
// fields that differ (nil when none does). The app's search "rank" is not a
// component field and is not compared.
func conflict(kept, dup *record.Component) *Conflict {
	num := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	year := func(y int) string {
		if y == 0 {
			return ""
		}
		return strconv.Itoa(y)
	}
	fields := []struct{ col, a, b string }{
		{colComponentID, kept.ComponentID, dup.ComponentID},
		{colCMUID, kept.CMUID, dup.CMUID},
		{colCompany, kept.Company, dup.Company},
		{colTechClass, kept.TechClass, dup.TechClass},
		{colDeliveryYear, year(kept.DeliveryYear), year(dup.DeliveryYear)},
		{colAuctionName, kept.AuctionName, dup.AuctionName},
		{colAuctionType, kept.AuctionType, dup.AuctionType},
		{colDerated, num(kept.DeratedMW), num(dup.DeratedMW)},
		{colConnection, num(kept.ConnectionMW), num(dup.ConnectionMW)},
		{colDescription, kept.Description, dup.Description},
		{colLocation, kept.LocationText, dup.LocationText},
		{colGridRef, kept.GridRef, dup.GridRef},
	}
	var c *Conflict
	for _, f := range fields {
		if f.a == f.b {
			continue
		}
		if c == nil {
			c = &Conflict{ID: kept.ID, KeptFile: kept.SourceFile, KeptRow: kept.SourceRow}
		}
		c.Fields = append(c.Fields, f.col)
		c.KeptValues = append(c.KeptValues, f.a)
		c.Values = append(c.Values, f.b)
	}
	return c
}
