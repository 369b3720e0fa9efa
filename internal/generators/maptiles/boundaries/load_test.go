package boundaries

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/prebake/prebake/internal/osgb"
)

// square is a closed ring as GeoJSON coordinates text.
const osgbSquare = `[[[530000,180000],[531000,180000],[531000,181000],[530000,181000],[530000,180000]]]`
const wgsSquare = `[[[-0.13,51.50],[-0.12,51.50],[-0.12,51.51],[-0.13,51.51],[-0.13,51.50]]]`

func fcText(crs, geomType, coords string) string {
	c := ""
	if crs != "" {
		c = `"crs":{"type":"name","properties":{"name":"` + crs + `"}},`
	}
	return `{"type":"FeatureCollection",` + c + `"features":[{"type":"Feature","properties":{"Name":"_C","Area":"London"},"geometry":{"type":"` + geomType + `","coordinates":` + coords + `}}]}`
}

func TestParseDetectsCRS(t *testing.T) {
	cases := []struct {
		name string
		text string
		crs  CRS
	}{
		{"named 27700", fcText("urn:ogc:def:crs:EPSG::27700", "Polygon", osgbSquare), OSGB},
		{"eastings without crs", fcText("", "Polygon", osgbSquare), OSGB},
		{"lng/lat without crs", fcText("", "Polygon", wgsSquare), WGS84},
		{"named CRS84", fcText("urn:ogc:def:crs:OGC:1.3:CRS84", "Polygon", wgsSquare), WGS84},
		{"multipolygon eastings", fcText("EPSG:27700", "MultiPolygon", "["+osgbSquare+"]"), OSGB},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fc, crs, err := Parse("in.geojson", []byte(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			if crs != tc.crs {
				t.Errorf("crs %s, want %s", crs, tc.crs)
			}
			if _, ok := fc.ExtraMembers["crs"]; ok {
				t.Error("crs member kept in WGS84 output")
			}
			b := fc.Features[0].Geometry.Bound()
			// Central London either way.
			if b.Min[0] < -0.2 || b.Max[0] > 0 || b.Min[1] < 51.4 || b.Max[1] > 51.6 {
				t.Errorf("bound %v is not central London", b)
			}
			if tc.crs == OSGB {
				lat, lng := osgb.ToWGS84(531000, 181000)
				var ne orb.Point
				switch g := fc.Features[0].Geometry.(type) {
				case orb.Polygon:
					ne = g[0][2]
				case orb.MultiPolygon:
					ne = g[0][0][2]
				}
				if ne != (orb.Point{lng, lat}) {
					t.Errorf("corner %v, osgb.ToWGS84 gives %v,%v", ne, lng, lat)
				}
			}
		})
	}
}

func TestParseRejectsBadInput(t *testing.T) {
	cases := []struct {
		name string
		text string
		want string
	}{
		{"not json", `{"type":`, "in.geojson: not a GeoJSON FeatureCollection"},
		{"empty", `{"type":"FeatureCollection","features":[]}`, "no features"},
		{"web mercator", fcText("EPSG:3857", "Polygon", wgsSquare), `crs "EPSG:3857" is neither`},
		{"point", fcText("", "Point", `[0,51]`), "feature 0 (Name _C): geometry: Point, want Polygon"},
		{"open ring", fcText("", "Polygon", `[[[0,51],[1,51],[1,52],[0,52]]]`), "ring 0 is not closed"},
		{"short ring", fcText("", "Polygon", `[[[0,51],[1,51],[0,51]]]`), "needs at least 4"},
		{"off the grid", fcText("EPSG:27700", "Polygon", `[[[530000,1800000],[531000,1800000],[531000,1810000],[530000,1800000]]]`), "outside the British National Grid"},
		{"lat out of range", fcText("EPSG:4326", "Polygon", `[[[0,91],[1,91],[1,92],[0,91]]]`), "not WGS84"},
	}
	for _, tc := range cases {
		_, _, err := Parse("in.geojson", []byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestSimplifyKeepsNeighboursAndSmallAreas uses two squares sharing a wiggly
// border, an islet and an area too small for the coarse band.
func TestSimplifyKeepsNeighboursAndSmallAreas(t *testing.T) {
	// The border runs north along lng -1 with small wiggles (about 100 m).
	var border orb.LineString
	for i := 0; i <= 50; i++ {
		border = append(border, orb.Point{-1 + 0.001*math.Sin(float64(i)), 52 + float64(i)*0.02})
	}
	west := orb.Ring{{-2, 52}}
	west = append(west, border[0])
	west = append(west, border[1:]...)
	west = append(west, orb.Point{-2, 53}, orb.Point{-2, 52})
	east := orb.Ring{border[0], {0, 52}, {0, 53}}
	for i := len(border) - 1; i >= 0; i-- {
		east = append(east, border[i])
	}
	islet := orb.Ring{{0.5, 52.5}, {0.501, 52.5}, {0.501, 52.501}, {0.5, 52.5}}
	tiny := orb.Ring{{1.5, 52.5}, {1.5005, 52.5}, {1.5005, 52.5005}, {1.5, 52.5005}, {1.5, 52.5}}
	fc := geojson.NewFeatureCollection()
	for i, g := range []orb.Geometry{
		orb.Polygon{west},
		orb.MultiPolygon{{east}, {islet}},
		orb.Polygon{tiny},
	} {
		f := geojson.NewFeature(g)
		f.Properties = geojson.Properties{"n": i}
		fc.Append(f)
	}
	levels, err := Simplify(fc, Options{Bands: []Band{{0, 5}, {12, 14}}})
	if err != nil {
		t.Fatal(err)
	}
	coarse, fine := levels[0].Collection.Features, levels[1].Collection.Features
	// Coarse: the 100 m wiggles are far below a pixel (2.4 km): the border
	// collapses to its two ends, identically on both sides.
	w, e := coarse[0].Geometry.(orb.Polygon), coarse[1].Geometry.(orb.MultiPolygon)
	if len(w[0]) != 5 || len(e) != 1 || len(e[0][0]) != 5 {
		t.Errorf("coarse west %v, east %v", w, e)
	}
	if got := sharedLength(edges(coarse[0]), edges(coarse[1])); got < 100e3 {
		t.Errorf("coarse neighbours share %.0f m of border", got)
	}
	// The tiny area survives as itself, the islet does not.
	if tp, ok := coarse[2].Geometry.(orb.Polygon); !ok || len(tp[0]) != 5 {
		t.Errorf("tiny area at coarse band: %v", coarse[2].Geometry)
	}
	// Fine: the wiggles stay, still shared, and so does the islet.
	fw, fe := fine[0].Geometry.(orb.Polygon), fine[1].Geometry.(orb.MultiPolygon)
	if len(fw[0]) < 40 || len(fe) != 2 {
		t.Errorf("fine west has %d positions, east %d polygons", len(fw[0]), len(fe))
	}
	if got, want := sharedLength(edges(fine[0]), edges(fine[1])), sharedLength(edges(geojson.NewFeature(orb.Polygon{west})), edges(geojson.NewFeature(orb.Polygon{east}))); got < 0.99*want {
		t.Errorf("fine neighbours share %.0f m of %.0f m border", got, want)
	}
	if _, err := Simplify(fc, Options{Bands: []Band{{6, 8}, {3, 5}}}); err == nil {
		t.Error("descending bands accepted")
	}
}
