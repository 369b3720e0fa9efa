// Package osgb converts Ordnance Survey National Grid references and OSGB36
// eastings/northings to WGS84 latitude and longitude.
//
// STUB: signatures fixed, implementation pending (owned by the geocoding work).
package osgb

import "errors"

// GridRef is a parsed OS grid reference.
type GridRef struct {
	Easting, Northing float64 // centre of the referenced square, metres (OSGB36 / EPSG:27700)
	Digits            int     // numeric digits given (0-10)
	Precision         float64 // side of the referenced square, metres
}

// ParseGridRef parses "SE 473 250", "TQ3003580512", "NY03", with or without spaces.
func ParseGridRef(s string) (GridRef, error) { return GridRef{}, errors.New("not implemented") }

// ToWGS84 converts an OSGB36 easting/northing to WGS84 latitude/longitude in degrees.
func ToWGS84(easting, northing float64) (lat, lng float64) { return 0, 0 }

// FromWGS84 converts WGS84 latitude/longitude to an OSGB36 easting/northing.
func FromWGS84(lat, lng float64) (easting, northing float64) { return 0, 0 }
