// Package geocode locates register components offline, from the OS grid
// reference and the postcode in their location text, and says why a component
// cannot be put on the map when it cannot. The policy (which source wins, the
// precisions, what counts as Great Britain) is documented in docs/geocoding.md.
package geocode

import (
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/prebake/prebake/osgb"
	"github.com/prebake/prebake/postcode"
	"github.com/prebake/prebake/record"
)

// MaxDisagreementKm is how far a grid reference may be from the component's own
// unit postcode before the grid reference is judged wrong (a typo in the letters
// or digits moves it tens or hundreds of kilometres; a rural delivery point is
// rarely more than a few kilometres from the site it serves).
const MaxDisagreementKm = 20

// gridPrecision names a grid square's size as a record precision.
func gridPrecision(side float64) string {
	switch side {
	case 1:
		return record.Precision1m
	case 10:
		return record.Precision10m
	case 100:
		return record.Precision100m
	case 1000:
		return record.Precision1km
	case 10000:
		return record.Precision10km
	default:
		return record.Precision100km
	}
}

// box is a latitude/longitude rectangle, degrees.
type box struct{ south, north, west, east float64 }

func (b box) contains(lat, lng float64) bool {
	return lat >= b.south && lat <= b.north && lng >= b.west && lng <= b.east
}

// gb bounds Great Britain and its islands: Scilly (49.86 N) to Muckle Flugga
// (60.86 N), St Kilda (8.6 W) to Lowestoft (1.76 E). notGB cuts out what else
// that box holds; each piece is checked against the nearest GB coast.
var (
	gb    = box{south: 49.8, north: 61.0, west: -8.7, east: 1.8}
	notGB = []box{
		// Ireland and the west of Northern Ireland: west of 5.9 W between Mizen
		// Head and Inishtrahull. GB west of 5.9 W in that band is only Scilly
		// (south of it) and Islay and the Hebrides (north of it).
		{south: 51.3, north: 55.45, west: -180, east: -5.9},
		// Northern Ireland's east coast (Ards, Larne): the Rhins of Galloway end at
		// 5.16 W, Sanda and the Mull of Kintyre lie north of 55.25 N.
		{south: 54.0, north: 55.25, west: -180, east: -5.35},
		// Isle of Man (a Crown dependency, not part of GB), 54.04-54.42 N, 4.30-4.83 W.
		{south: 54.03, north: 54.43, west: -4.85, east: -4.30},
		// Normandy and Picardy: GB east of 1 W is nowhere south of 50.5 N.
		{south: -90, north: 50.5, west: -1.0, east: 180},
		// Boulogne to Calais: Kent east of 1.1 E lies north of 51.0 N.
		{south: -90, north: 51.0, west: 1.1, east: 180},
	}
)

// InGB reports whether a WGS84 position is in Great Britain or its islands (or
// the waters close to them), excluding Ireland, Northern Ireland, the Isle of
// Man, the Channel Islands and France.
func InGB(lat, lng float64) bool {
	if !gb.contains(lat, lng) {
		return false
	}
	for _, b := range notGB {
		if b.contains(lat, lng) {
			return false
		}
	}
	return true
}

// nonGBAreas are postcode areas outside Great Britain.
var nonGBAreas = map[string]bool{"BT": true, "GY": true, "JE": true, "IM": true}

func area(outcode string) string {
	i := 0
	for i < len(outcode) && outcode[i] >= 'A' && outcode[i] <= 'Z' {
		i++
	}
	return outcode[:i]
}

// metres between two WGS84 points on a sphere (good to 0.5%, plenty for a 20 km test).
func metres(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371008.8
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lng2-lng1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

type candidate struct {
	lat, lng  float64
	source    string
	precision string
}

// isPlaceholderGrid reports the register's stand-in for "no grid reference yet":
// "XX 111 111" on components that are yet to be procured. XX is no OS square.
func isPlaceholderGrid(s string) bool {
	return len(s) >= 2 && strings.EqualFold(s[:2], "XX")
}

func isOffshore(c *record.Component) bool {
	return strings.Contains(strings.ToLower(c.Location), "offshore")
}

// Locate geocodes one component in place (see Apply).
func Locate(c *record.Component, t *postcode.Table) {
	c.Postcode, c.Outcode = postcode.Extract(c.Location)
	c.Geo = record.Geocode{}

	var grid *candidate
	gridBad := false
	if raw := strings.TrimSpace(c.GridRef); raw != "" && !isPlaceholderGrid(raw) {
		if g, err := osgb.ParseGridRef(raw); err == nil {
			c.GridRef = g.String()
			lat, lng := osgb.ToWGS84(g.Easting, g.Northing)
			grid = &candidate{lat, lng, record.GeoGridRef, gridPrecision(g.Precision)}
		} else {
			c.GridRef = raw // kept as given so reports can show what was wrong
			gridBad = true
		}
	}

	// Postcode candidates, most precise first.
	var pcs []candidate
	if t != nil {
		if c.Postcode != "" {
			if lat, lng, ok := t.Lookup(c.Postcode); ok {
				pcs = append(pcs, candidate{lat, lng, record.GeoPostcode, record.PrecisionUnit})
			} else if lat, lng, ok := t.SectorCentroid(postcode.Sector(c.Postcode)); ok {
				pcs = append(pcs, candidate{lat, lng, record.GeoPostcode, record.PrecisionSector})
			}
		}
		if c.Outcode != "" {
			if lat, lng, ok := t.OutcodeCentroid(c.Outcode); ok {
				pcs = append(pcs, candidate{lat, lng, record.GeoPostcode, record.PrecisionOutcode})
			}
		}
	}
	nonGBPostcode := c.Outcode != "" && nonGBAreas[area(c.Outcode)]

	// Order: a grid reference of 1 km or finer names the site itself; a unit
	// postcode names a delivery point. But a grid reference more than
	// MaxDisagreementKm from the unit postcode is a typo, and a 10 km or 100 km
	// square is coarser than a unit postcode, so the postcode goes first then.
	// Offshore sites (wind farms) have no postcode of their own: the one given
	// is the onshore substation's, so their grid reference always wins.
	var order []candidate
	if grid != nil {
		gridFirst := true
		if len(pcs) > 0 && pcs[0].precision == record.PrecisionUnit && !isOffshore(c) {
			coarse := grid.precision == record.Precision10km || grid.precision == record.Precision100km
			far := metres(grid.lat, grid.lng, pcs[0].lat, pcs[0].lng) > MaxDisagreementKm*1000
			gridFirst = !coarse && !far
		}
		if gridFirst {
			order = append(order, *grid)
			order = append(order, pcs...)
		} else {
			order = append(append(order, pcs[0]), *grid)
			order = append(order, pcs[1:]...)
		}
	} else {
		order = pcs
	}
	for _, cand := range order {
		if cand.source == record.GeoPostcode && nonGBPostcode {
			continue
		}
		if InGB(cand.lat, cand.lng) {
			c.Geo = record.Geocode{Lat: cand.lat, Lng: cand.lng, Located: true, Source: cand.source, Precision: cand.precision}
			return
		}
	}
	switch {
	case len(order) > 0 || nonGBPostcode:
		c.Geo.Unlocated = record.UnlocatedOutsideGB
	case c.Postcode != "" || c.Outcode != "":
		if t == nil {
			c.Geo.Unlocated = record.UnlocatedNoPostcodeTable
		} else {
			c.Geo.Unlocated = record.UnlocatedUnknownPostcode
		}
	case gridBad:
		c.Geo.Unlocated = record.UnlocatedBadGridRef
	default:
		c.Geo.Unlocated = record.UnlocatedNoLocation
	}
}

// Apply geocodes every component in place: it sets Postcode and Outcode from
// Location, normalizes GridRef, and fills Geo. t may be nil (no postcode table):
// then only grid references locate components. Components are independent, so
// the work is split across CPUs; each writes only its own element, so the result
// does not depend on GOMAXPROCS.
func Apply(comps []record.Component, t *postcode.Table) {
	workers := runtime.GOMAXPROCS(0)
	const minChunk = 512
	if workers <= 1 || len(comps) < 2*minChunk {
		for i := range comps {
			Locate(&comps[i], t)
		}
		return
	}
	chunk := max(minChunk, (len(comps)+workers-1)/workers)
	var wg sync.WaitGroup
	for start := 0; start < len(comps); start += chunk {
		part := comps[start:min(start+chunk, len(comps))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range part {
				Locate(&part[i], t)
			}
		}()
	}
	wg.Wait()
}
