package geocode

import "github.com/prebake/prebake/internal/osgb"

// gbSquares are the OS National Grid 100 km squares that hold Great Britain's
// land, plus those that hold UK offshore wind areas. A position is in Great
// Britain when it falls in one of them and outside every notGB cut-out.
//
// Land: the 100 km squares that hold Great Britain's land, taken from two
// documented open sources and checked against both by TestGBSquares: Natural
// Earth's 10m United Kingdom outline (public domain; every GB vertex must fall
// in a listed square) and Code-Point Open (OGL; every unit postcode must), and
// every listed square must hold one of them, except HW and HX, whose islands
// (North Rona, Sula Sgeir, Sule Skerry) Natural Earth omits and TestInGB names.
// SC is left out: it holds the Isle of Man and no GB land.
//
// Offshore: the squares of The Crown Estate's offshore wind zones that lie
// outside the land squares: OV and OW (Round 3 zone 3 Dogger Bank: Dogger Bank
// A-D, Sofia; Round 4 Dogger Bank South) and TB (Round 3 zone 4 Hornsea:
// Hornsea One to Four), placed by the wind farms' published positions (rounded
// to 0.01 degree in TestInGB), not by the zones' boundary files, which are not
// available offline. The East Anglia zone and the Thames estuary farms east of
// 1.8 E (Greater Gabbard, Galloper) lie in TM and TG, or east of the National
// Grid's 700 km easting, where no grid reference can point.
var gbSquares = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range []string{
		// land
		"HP", "HT", "HU", "HW", "HX", "HY", "HZ",
		"NA", "NB", "NC", "ND", "NF", "NG", "NH", "NJ", "NK", "NL", "NM", "NN", "NO", "NR", "NS", "NT", "NU", "NW", "NX", "NY", "NZ",
		"SD", "SE", "SH", "SJ", "SK", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SU", "SV", "SW", "SX", "SY", "SZ",
		"TA", "TF", "TG", "TL", "TM", "TQ", "TR", "TV",
		// offshore wind zones
		"OV", "OW", "TB",
	} {
		m[s] = true
	}
	return m
}()

// box is a latitude/longitude rectangle, degrees.
type box struct{ south, north, west, east float64 }

func (b box) contains(lat, lng float64) bool {
	return lat >= b.south && lat <= b.north && lng >= b.west && lng <= b.east
}

// notGB cuts out of the squares the land of other countries that shares them;
// each piece is checked against the nearest GB coast (TestInGB).
var notGB = []box{
	// Ireland and the west of Northern Ireland (NR, NW): west of 5.9 W between
	// Mizen Head and Inishtrahull. GB west of 5.9 W in that band is only Scilly
	// (south of it) and Islay and the Hebrides (north of it).
	{south: 51.3, north: 55.45, west: -180, east: -5.9},
	// Northern Ireland's east coast (Ards, Larne): the Rhins of Galloway end at
	// 5.16 W, Sanda and the Mull of Kintyre lie north of 55.25 N.
	{south: 54.0, north: 55.25, west: -180, east: -5.35},
	// The Isle of Man's north tip, in NX (a Crown dependency, not part of GB).
	{south: 54.03, north: 54.43, west: -4.85, east: -4.30},
	// Normandy and Picardy: GB east of 1 W is nowhere south of 50.5 N.
	{south: -90, north: 50.5, west: -1.0, east: 180},
	// Boulogne to Calais (TR): Kent east of 1.1 E lies north of 51.0 N.
	{south: -90, north: 51.0, west: 1.1, east: 180},
}

// InGB reports whether a WGS84 position is in Great Britain, its islands and
// inshore waters, or a UK offshore wind zone: in one of the OS National Grid
// 100 km squares of gbSquares, and not in Ireland, Northern Ireland, the Isle
// of Man or France. The Channel Islands lie south of the National Grid. Open sea
// beyond those squares (the central North Sea, the Atlantic north of the
// Hebrides) is outside.
func InGB(lat, lng float64) bool {
	for _, b := range notGB {
		if b.contains(lat, lng) {
			return false
		}
	}
	if lat < 49 || lat > 62 || lng < -11 || lng > 4 {
		return false // far outside: the projection is not meant for it
	}
	e, n := osgb.FromWGS84(lat, lng)
	return gbSquares[gridSquare(e, n)]
}

// gridSquare names the 100 km square of an easting/northing, "" outside the grid.
func gridSquare(e, n float64) string {
	if !(e >= 0 && n >= 0 && e < osgb.MaxEasting && n < osgb.MaxNorthing) {
		return ""
	}
	return osgb.GridRef{Easting: e, Northing: n}.String()
}
