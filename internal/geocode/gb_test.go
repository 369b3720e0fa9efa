package geocode

import (
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/prebake/prebake/internal/osgb"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// TestGBSquares checks the land squares of gbSquares against two independent
// sources: Natural Earth's 10m United Kingdom outline (public domain) and every
// unit postcode of Code-Point Open. Every GB vertex of the outline and every
// postcode must be in Great Britain, and every land square must hold one of
// them, except HW and HX, whose islands (North Rona, Sula Sgeir, Sule Skerry)
// Natural Earth omits and TestInGB names.
func TestGBSquares(t *testing.T) {
	b, err := os.ReadFile(shareddata.Path(t, "data/geo/uk-naturalearth-10m.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Type        string
				Coordinates [][][][2]float64
			}
		}
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	held := map[string]int{}
	vertices, outside := 0, 0
	for _, f := range fc.Features {
		if f.Geometry.Type != "MultiPolygon" {
			t.Fatalf("geometry %s, want MultiPolygon", f.Geometry.Type)
		}
		for _, poly := range f.Geometry.Coordinates {
			if notGreatBritain(poly[0]) {
				continue
			}
			for _, p := range poly[0] {
				lat, lng := p[1], p[0]
				vertices++
				e, n := osgb.FromWGS84(lat, lng)
				held[gridSquare(e, n)]++
				if !InGB(lat, lng) {
					outside++
					if outside <= 10 {
						t.Errorf("Natural Earth GB vertex %.4f,%.4f (square %q) is not InGB", lat, lng, gridSquare(e, n))
					}
				}
			}
		}
	}
	pts := realTable(t).Points()
	pcOutside := 0
	for _, p := range pts {
		e, n := osgb.FromWGS84(p.Lat, p.Lng)
		held[gridSquare(e, n)]++
		if !InGB(p.Lat, p.Lng) {
			pcOutside++
			if pcOutside <= 10 {
				t.Errorf("Code-Point Open %s at %.5f,%.5f is not InGB", p.Postcode, p.Lat, p.Lng)
			}
		}
	}
	var empty []string
	for sq := range gbSquares {
		if held[sq] == 0 && !offshoreSquare[sq] && sq != "HW" && sq != "HX" {
			empty = append(empty, sq)
		}
	}
	sort.Strings(empty)
	if len(empty) > 0 {
		t.Errorf("land squares holding no Natural Earth GB land and no postcode: %v", empty)
	}
	t.Logf("%d Natural Earth vertices (%d outside), %d postcodes (%d outside) over %d squares", vertices, outside, len(pts), pcOutside, len(held))
}

// offshoreSquare are the gbSquares listed for offshore wind zones, not land.
var offshoreSquare = map[string]bool{"OV": true, "OW": true, "TB": true}

// notGreatBritain reports the outline's rings that are not Great Britain:
// Northern Ireland and Rathlin (all west of 5.4 W between 54 N and 55.35 N)
// and Rockall (13.7 W).
func notGreatBritain(ring [][2]float64) bool {
	for _, p := range ring {
		ni := p[0] < -5.4 && p[1] > 54 && p[1] < 55.35
		if !ni && p[0] > -10 {
			return false
		}
	}
	return true
}
