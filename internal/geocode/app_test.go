package geocode

import (
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/osgb"
	"github.com/prebake/prebake/internal/record"
)

// TestLocateAppPosition: the app's stored position is the last evidence
// (docs/geocoding.md, "The app's stored positions"): it places a component only
// when the row's grid reference and postcodes cannot, is checked against the
// evidence used with the limits of two postcodes of one site, and is never used
// outside GB.
func TestLocateAppPosition(t *testing.T) {
	tab := smallTable(t)
	at := func(e, n float64) *record.Position {
		lat, lng := osgb.ToWGS84(e, n)
		return &record.Position{Lat: lat, Lng: lng}
	}
	leeds := at(430500, 432100)
	cases := []struct {
		name       string
		c          record.Component
		source     string // "" when unlocated
		unlocated  string
		issue      string
		detailPart string
	}{
		{"no location: placed", record.Component{App: leeds}, record.GeoApp, "", "", ""},
		{"unknown postcode: placed", record.Component{Location: "Somewhere, ZE9 9ZZ", App: leeds}, record.GeoApp, "", "", ""},
		{"unparseable grid reference: placed", record.Component{GridRef: "EN 321 691", App: leeds}, record.GeoApp, "", "", ""},
		{"no table: placed", record.Component{Location: "1 Road, LS10 1AB", App: leeds}, record.GeoApp, "", "", ""},
		{"outside GB: not used", record.Component{App: &record.Position{Lat: 53.3498, Lng: -6.2603}}, "", record.UnlocatedNoLocation, record.AppOutsideGB, "(53.34980, -6.26030) is outside Great Britain"},
		{"0,0: not used", record.Component{Location: "ZE9 9ZZ", App: &record.Position{}}, "", record.UnlocatedUnknownPostcode, record.AppOutsideGB, "outside Great Britain"},
		{"agrees with the grid reference", record.Component{GridRef: "SE 305 321", App: at(431000, 433000)}, record.GeoGridRef, "", "", ""},
		{"disagrees with the grid reference", record.Component{GridRef: "SE 305 321", App: at(356800, 434400)}, record.GeoGridRef, "", record.AppDisagrees, "km from SE 305 321 (limit 20 km)"},
		{"never outvotes a unit postcode", record.Component{Location: "Marshall Road, PL7 4NW", App: leeds}, record.GeoPostcode, "", record.AppDisagrees, "km from PL7 4NW (limit 20 km)"},
		{"a district alone: the wider limit", record.Component{Location: "Leeds LS10", App: at(431000, 560000)}, record.GeoPostcode, "", record.AppDisagrees, "from the nearest unit of LS10 (limit 100 km)"},
		{"a district alone: within it", record.Component{Location: "Leeds LS10", App: at(431000, 480000)}, record.GeoPostcode, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			comp := c.c
			table := tab
			if strings.HasPrefix(c.name, "no table") {
				table = nil
			}
			Locate(&comp, table)
			g := comp.Geo
			if g.Source != c.source || g.Unlocated != c.unlocated || g.Located != (c.source != "") {
				t.Errorf("source %q unlocated %q; want %q %q", g.Source, g.Unlocated, c.source, c.unlocated)
			}
			if c.source == record.GeoApp && (g.Lat != comp.App.Lat || g.Lng != comp.App.Lng || g.Precision != record.PrecisionApp) {
				t.Errorf("placed at %v,%v (%s); want the stored position %+v", g.Lat, g.Lng, g.Precision, *comp.App)
			}
			if g.AppIssue != c.issue || !strings.Contains(g.AppDetail, c.detailPart) {
				t.Errorf("issue %q %q; want %q containing %q", g.AppIssue, g.AppDetail, c.issue, c.detailPart)
			}
		})
	}
}
