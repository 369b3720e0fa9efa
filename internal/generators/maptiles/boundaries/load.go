// Package boundaries bakes a polygon layer (the DNO licence areas) for the map:
// it re-projects a GeoJSON file from British National Grid (EPSG:27700) to WGS84
// with the geocoder's OSGB code and writes one simplified copy per zoom band, so
// a browser downloads a few tens of KB at country scale instead of 3 MB.
//
// Every band is valid by the OGC simple features rules (what GEOS's IsValid
// checks, and TestSimplifiedAreasAreValid checks with GDAL's ogrinfo): borders
// two areas share are simplified once, so they stay identical; an arc that,
// simplified and rounded, would cross or run along another, fold back into a
// spike or touch a ring twice is simplified less, down to not at all; and when
// rounding alone pinches a ring, the band keeps one more decimal place (on the
// real DNO file z0-5 keeps 4 decimals instead of 2, z6-8 4 instead of 3).
package boundaries

import (
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/prebake/prebake/internal/osgb"
)

// CRS is the coordinate system of an input file.
type CRS string

// The coordinate systems Load understands.
const (
	OSGB  CRS = "EPSG:27700" // eastings and northings in metres
	WGS84 CRS = "EPSG:4326"  // GeoJSON's lng/lat
)

// Load reads a polygon GeoJSON FeatureCollection and returns it in WGS84 with
// the CRS it was given in. The CRS is the one a "crs" member names, else OSGB
// when any coordinate is larger than 1000 (no longitude or latitude is), else WGS84.
func Load(path string) (*geojson.FeatureCollection, CRS, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	return Parse(path, data)
}

// Parse is Load on bytes already read; name is used in errors.
func Parse(name string, data []byte) (*geojson.FeatureCollection, CRS, error) {
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: not a GeoJSON FeatureCollection: %w", name, err)
	}
	if len(fc.Features) == 0 {
		return nil, "", fmt.Errorf("%s: no features", name)
	}
	named, err := declaredCRS(name, fc)
	if err != nil {
		return nil, "", err
	}
	crs := named
	if crs == "" {
		crs = WGS84
	}
	for i, f := range fc.Features {
		if err := checkPolygonal(f); err != nil {
			return nil, "", fmt.Errorf("%s: feature %d%s: geometry: %w", name, i, label(f), err)
		}
		if named == "" && maxAbs(f.Geometry) > 1000 {
			crs = OSGB
		}
	}
	for i, f := range fc.Features {
		g, err := toWGS84(f.Geometry, crs)
		if err != nil {
			return nil, "", fmt.Errorf("%s: feature %d%s: geometry: %w", name, i, label(f), err)
		}
		f.Geometry = g
	}
	delete(fc.ExtraMembers, "crs") // the result is plain RFC 7946 WGS84
	return fc, crs, nil
}

// declaredCRS reads the (pre-RFC 7946) "crs" member, if any, from the members
// orb kept beside the features (decoding the whole file a second time for it
// cost as much as a tenth of the boundaries' simplification). A "crs" whose
// name is missing names no known system; one of another shape (not an
// object, a name that is not a string) is ignored.
func declaredCRS(name string, fc *geojson.FeatureCollection) (CRS, error) {
	crs, ok := fc.ExtraMembers["crs"].(map[string]any)
	if !ok {
		return "", nil
	}
	var n string
	if props, present := crs["properties"]; present && props != nil {
		pm, ok := props.(map[string]any)
		if !ok {
			return "", nil
		}
		if v, present := pm["name"]; present && v != nil {
			if n, ok = v.(string); !ok {
				return "", nil
			}
		}
	}
	return crsNamed(name, n)
}

// crsNamed is the system a "crs" member's name declares: EPSG:27700 (by any
// URN ending in it) is OSGB36 eastings/northings; EPSG:4326, OGC CRS84 and
// EPSG:4258 (ETRS89, about a metre from WGS84 in GB) are WGS84; anything
// else is an error naming the file (name).
func crsNamed(name, n string) (CRS, error) {
	switch {
	case strings.HasSuffix(n, "27700"):
		return OSGB, nil
	case strings.HasSuffix(n, "4326"), strings.HasSuffix(n, "CRS84"), strings.HasSuffix(n, "4258"):
		return WGS84, nil
	}
	return "", fmt.Errorf("%s: crs %q is neither EPSG:27700 nor WGS84", name, n)
}

func label(f *geojson.Feature) string {
	for _, k := range []string{"Name", "name", "ID", "id"} {
		if v, ok := f.Properties[k]; ok {
			return fmt.Sprintf(" (%s %v)", k, v)
		}
	}
	return ""
}

func checkPolygonal(f *geojson.Feature) error {
	var polys orb.MultiPolygon
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		polys = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		polys = g
	case nil:
		return fmt.Errorf("missing")
	default:
		return fmt.Errorf("%s, want Polygon or MultiPolygon", f.Geometry.GeoJSONType())
	}
	if len(polys) == 0 {
		return fmt.Errorf("no polygons")
	}
	for pi, p := range polys {
		if len(p) == 0 {
			return fmt.Errorf("polygon %d has no rings", pi)
		}
		for ri, r := range p {
			if len(r) < 4 {
				return fmt.Errorf("polygon %d ring %d has %d positions, a ring needs at least 4", pi, ri, len(r))
			}
			if r[0] != r[len(r)-1] {
				return fmt.Errorf("polygon %d ring %d is not closed", pi, ri)
			}
			for _, pt := range r {
				if math.IsNaN(pt[0]) || math.IsNaN(pt[1]) || math.IsInf(pt[0], 0) || math.IsInf(pt[1], 0) {
					return fmt.Errorf("polygon %d ring %d has a non-finite position", pi, ri)
				}
			}
		}
	}
	return nil
}

func maxAbs(g orb.Geometry) float64 {
	b := g.Bound()
	return max(math.Abs(b.Min[0]), math.Abs(b.Min[1]), math.Abs(b.Max[0]), math.Abs(b.Max[1]))
}

// toWGS84 returns g in WGS84 lng/lat, checking the input's range for crs.
func toWGS84(g orb.Geometry, crs CRS) (orb.Geometry, error) {
	b := g.Bound()
	if crs == WGS84 {
		if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
			return nil, fmt.Errorf("coordinates %v are not WGS84 lng/lat", b)
		}
		return g, nil
	}
	// The National Grid's false origin is south-west of Scilly; its extent is
	// 0-700 km east and 0-1300 km north.
	if b.Min[0] < -100e3 || b.Max[0] > 800e3 || b.Min[1] < -100e3 || b.Max[1] > 1400e3 {
		return nil, fmt.Errorf("coordinates %v are outside the British National Grid", b)
	}
	var out orb.MultiPolygon
	polys, isMulti := g.(orb.MultiPolygon)
	if !isMulti {
		polys = orb.MultiPolygon{g.(orb.Polygon)}
	}
	for _, p := range polys {
		np := make(orb.Polygon, len(p))
		for ri, r := range p {
			nr := make(orb.Ring, len(r))
			for i, pt := range r {
				lat, lng := osgb.ToWGS84(pt[0], pt[1])
				nr[i] = orb.Point{lng, lat}
			}
			np[ri] = nr
		}
		out = append(out, np)
	}
	if !isMulti {
		return out[0], nil
	}
	return out, nil
}
