package changes

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// Regions names the region of a component for the rollups: the DNO licence
// area holding its position when the bake has the DNO boundaries, else its
// postcode area (the letters of its outcode: "LS" of "LS11 5DJ").
type Regions struct {
	areas []area
}

type area struct {
	name  string
	bound orb.Bound
	poly  orb.MultiPolygon
}

// Region kinds (Changelog.RegionKind).
const (
	RegionDNO      = "dno_licence_area"
	RegionPostcode = "postcode_area"
)

// Labels of components no region holds.
const (
	OutsideAreas = "outside the DNO areas" // located, but in no baked area (offshore, or off a simplified coast)
	NoRegion     = "unknown"               // no position (DNO) or no postcode (postcode areas)
)

// AreaNameProperties are the feature properties tried, in order, for an
// area's name: the shared DNO file's "Area" ("East England"), then common
// alternatives.
var AreaNameProperties = []string{"Area", "area", "Name", "name", "DNO_Full", "DNO"}

// NewRegions reads DNO licence areas from a WGS84 GeoJSON FeatureCollection
// (a bake's maptiles/boundaries/dno-z*.geojson). An error names the feature
// without a name or polygon.
func NewRegions(data []byte) (*Regions, error) {
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, err
	}
	r := &Regions{}
	for i, f := range fc.Features {
		name := ""
		for _, p := range AreaNameProperties {
			if s, ok := f.Properties[p].(string); ok && s != "" {
				name = s
				break
			}
		}
		if name == "" {
			return nil, fmt.Errorf("feature %d: no area name (properties %v)", i, AreaNameProperties)
		}
		var mp orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			mp = g
		default:
			return nil, fmt.Errorf("feature %d (%s): geometry %s, want a polygon", i, name, f.Geometry.GeoJSONType())
		}
		r.areas = append(r.areas, area{name: name, bound: mp.Bound(), poly: mp})
	}
	return r, nil
}

// Kind is RegionDNO with areas, else RegionPostcode.
func (r *Regions) Kind() string {
	if r == nil || len(r.areas) == 0 {
		return RegionPostcode
	}
	return RegionDNO
}

// regionOf is c's region (see Regions).
func regionOf(c *Component, r *Regions) string {
	if r.Kind() == RegionPostcode {
		return PostcodeArea(c.Outcode)
	}
	if !c.Located {
		return NoRegion
	}
	p := orb.Point{c.Lng, c.Lat}
	for _, a := range r.areas { // the first area holding p, in file order
		if a.bound.Contains(p) && planar.MultiPolygonContains(a.poly, p) {
			return a.name
		}
	}
	return OutsideAreas
}

// PostcodeArea is the area of an outcode: its leading letters ("LS" of
// "LS11", "E" of "E1W"); NoRegion when there is none.
func PostcodeArea(outcode string) string {
	i := strings.IndexFunc(outcode, func(r rune) bool { return r < 'A' || r > 'Z' })
	if i < 0 {
		i = len(outcode)
	}
	if i == 0 {
		return NoRegion
	}
	return outcode[:i]
}
