package maptiles_test

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/prebake/prebake/internal/record"
)

// componentsAt makes one located component per point, cycling through cats, with
// register-like text fields; every 50th shares the previous one's position.
// Every location is active (its auctions deliver in 2024-25 .. 2029-30) and no
// company residential, so the default view shows every component.
func componentsAt(points []orb.Point, cats []record.Category) []record.Component {
	comps := make([]record.Component, len(points))
	for i, p := range points {
		if i%50 == 49 {
			p = points[i-1]
		}
		mw := float64(i%23) * 0.25
		comps[i] = record.Component{
			ID:           int64(1000 + 3*i),
			ComponentID:  fmt.Sprintf("COMP-%06d", i),
			CMUID:        fmt.Sprintf("CMU%05d", i/4),
			Company:      fmt.Sprintf("Company %d Ltd", i%311),
			Category:     cats[i%len(cats)],
			TechClass:    string(cats[i%len(cats)]) + " (raw class)",
			DeliveryYear: 2020 + i%8,
			AuctionName:  fmt.Sprintf("%d-%d (T-4) Four Year Ahead Capacity Auction", 2024+i%6, 25+i%6),
			DeratedMW:    &mw,
			Description:  fmt.Sprintf("Site %d: a fairly long description of the component that goes on past the hundred character limit of the map API", i),
			Location:     fmt.Sprintf("Unit %d, Example Street, Town AB%d %dCD", i, i%99, i%9),
			LocationText: fmt.Sprintf("Unit %d, Example Street, Town AB%d %dCD", i, i%99, i%9),
			Geo:          record.Geocode{Lng: p[0], Lat: p[1], Located: true, Source: record.GeoPostcode},
			SourceFile:   "synthetic.json",
			SourceRow:    i + 1,
		}
	}
	return comps
}

// viewComponents are the components of comps the /map/ page's default view
// shows (stated again from app-integration.md: residential DSR excluded, period
// future = the location group is active), in order.
func viewComponents(comps []*record.Component, active map[string]bool) []*record.Component {
	var out []*record.Component
	for _, c := range comps {
		if !residential(c) && active[c.LocationText] {
			out = append(out, c)
		}
	}
	return out
}
