package geocode

import (
	"math"
	"testing"

	"github.com/prebake/prebake/internal/osgb"
	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/record"
)

// TestRegisterConsistent scans the whole real register (issue #9): no located
// component may sit farther than the documented thresholds from its own grid
// reference and from every postcode in its row at once, and no grid reference
// may be kept when every postcode in its row contradicts it (offshore rows
// aside, whose postcode is the onshore substation's). The thresholds:
// MaxDisagreementKm from a grid reference (beyond its square) or a unit
// postcode, MaxAreaDisagreementKm from the nearest unit of a sector or district
// given alone. Distances are measured here from the table's units directly.
func TestRegisterConsistent(t *testing.T) {
	comps := registerComponents(t)
	tab := realTable(t)
	Apply(comps, tab)

	// within reports whether (lat, lng) is within km of a mention's place.
	within := func(lat, lng float64, m postcode.Mention, slack float64) (ok, known bool) {
		if m.Postcode != "" {
			if plat, plng, found := tab.Lookup(m.Postcode); found {
				return metres(lat, lng, plat, plng)-slack <= MaxDisagreementKm*1000, true
			}
		}
		area := m.Outcode
		if m.Sector != "" && len(firstOf(tab.Units(m.Sector))) > 0 {
			area = m.Sector
		}
		lats, lngs := tab.Units(area)
		if len(lats) == 0 {
			return false, false
		}
		best := math.Inf(1)
		for i := range lats {
			best = min(best, metres(lat, lng, lats[i], lngs[i]))
		}
		return best-slack <= MaxAreaDisagreementKm*1000, true
	}

	var located, withGrid, overridden, offshoreKept int
	for _, c := range comps {
		if !c.Geo.Located {
			continue
		}
		located++
		g, err := osgb.ParseGridRef(c.GridRef)
		gridOK := err == nil && !isPlaceholderGrid(c.GridRef)
		var glat, glng, gslack float64
		if gridOK {
			glat, glng = osgb.ToWGS84(g.Easting, g.Northing)
			gslack = g.Precision / math.Sqrt2
			gridOK = InGB(glat, glng)
		}
		agreesGrid := gridOK && metres(c.Geo.Lat, c.Geo.Lng, glat, glng)-gslack <= MaxDisagreementKm*1000
		agreesPostcode, anyPostcode, gridConfirmed := false, false, false
		for _, m := range postcode.Mentions(c.Location) {
			ok, known := within(c.Geo.Lat, c.Geo.Lng, m, 0)
			if !known {
				continue
			}
			anyPostcode = true
			agreesPostcode = agreesPostcode || ok
			if gridOK {
				if ok, _ := within(glat, glng, m, gslack); ok {
					gridConfirmed = true
				}
			}
		}
		if !agreesGrid && !agreesPostcode {
			t.Errorf("component %d at %.5f,%.5f (%s/%s) contradicts its grid reference %q and every postcode in %q",
				c.ID, c.Geo.Lat, c.Geo.Lng, c.Geo.Source, c.Geo.Precision, c.GridRef, c.Location)
		}
		if gridOK && g.Precision <= 1000 {
			withGrid++
			switch {
			case c.Geo.Source != record.GeoGridRef:
				overridden++
				if gridConfirmed {
					t.Errorf("component %d: grid reference %q lost although a postcode in %q confirms it", c.ID, c.GridRef, c.Location)
				}
			case anyPostcode && !gridConfirmed && isOffshore(&c):
				offshoreKept++
			case anyPostcode && !gridConfirmed:
				t.Errorf("component %d: grid reference %q kept although every postcode in %q contradicts it", c.ID, c.GridRef, c.Location)
			}
		}
	}
	t.Logf("%d located components, %d with a grid reference of 1 km or finer: %d outvoted by the postcodes in their row, %d offshore kept against their onshore postcode",
		located, withGrid, overridden, offshoreKept)
	if located < 17000 || withGrid < 15000 {
		t.Errorf("scanned only %d located components, %d with a grid reference", located, withGrid)
	}
}

func firstOf(lat, _ []float64) []float64 { return lat }
