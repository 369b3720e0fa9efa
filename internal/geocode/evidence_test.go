package geocode

import (
	"testing"

	"github.com/prebake/prebake/internal/record"
)

// Right answers for TestLocateEvidence, from sources independent of this
// package: Code-Point Open rows (../shared/data/postcodes/postcodes-en.csv.gz)
// and OS grid references (the centre of the square), converted with PROJ
// `cs2cs -f %.7f EPSG:27700 EPSG:4326` (PROJ 9.1.1, EPSG:1314); sector and
// district centroids from ../shared/data/postcodes/{sector,outcode}-centroids.csv,
// which average eastings/northings before converting (ours average lat/lng:
// up to 53 m apart, docs/geocoding.md).
type place struct{ lat, lng float64 }

var (
	// Code-Point Open unit postcodes (easting, northing) -> cs2cs.
	pcS139LT  = place{53.3690051, -1.3651391} // 442340,385981
	pcBB102TN = place{53.8056588, -2.2088418} // 386344,434394
	pcLS115DJ = place{53.7642336, -1.5419608} // 430292,429862
	pcM171AB  = place{53.4643707, -2.2853054} // 381156,396441
	// Grid references (square centres) -> cs2cs.
	gridSK418863 = place{53.3723606, -1.3724541} // 441850,386350
	gridSD863343 = place{53.8052635, -2.2087487} // 386350,434350 (Burnley)
	gridSU677055 = place{50.8455150, -1.0390620} // 467750,105550 (Farlington)
	gridNH578857 = place{57.8386197, -4.3960121} // 257850,885750 (IV27's far south-east)
	gridTB492498 = place{53.8848776, 1.7912590}  // 649250,449850 (Hornsea One)
	gridTM712274 = place{51.8795702, 1.9398203}  // 671250,227450 (Greater Gabbard)
	// Dogger Bank C lies outside EPSG:1314's area of use, where cs2cs falls back
	// to a ballpark operation (134 m off); this is `cct` running EPSG:1314's
	// pipeline as `projinfo -s EPSG:27700 -t EPSG:4326 -o PROJ` prints it.
	gridOW846763 = place{55.0002039, 2.4497318} // 684650,576350 (Dogger Bank C)
	// Centroids from the shared files.
	sectorPO61   = place{50.845242, -1.038666}
	districtPO6  = place{50.846676, -1.070123}
	districtLS11 = place{53.776399, -1.557223}
	districtM1   = place{53.477689, -2.236291}
	districtS9   = place{53.397553, -1.419686}
	districtIV27 = place{58.276611, -4.796947}
)

// TestLocateEvidence covers issue #9's six kinds of misplaced rows, each with
// variants, against the real Code-Point Open table.
func TestLocateEvidence(t *testing.T) {
	tab := realTable(t)
	const unitTol, centroidTol = 1.0, 60.0 // metres
	cases := []struct {
		name, location, grid string
		want                 *place // nil: not located
		source, precision    string // or the unlocated reason in precision
		postcode, outcode    string
		issue                string
	}{
		// 1. Several postcodes in one text: every one is a candidate, and the
		// grid reference wins when any of them confirms it.
		{"stray second postcode", "Example Works\nSheffield\nS13 9LT\nBB10 2TN", "SK 418 863",
			&gridSK418863, record.GeoGridRef, record.Precision100m, "S13 9LT", "S13", ""},
		{"stray first postcode", "Example Works, BB10 2TN, Sheffield S13 9LT", "SK 418 863",
			&gridSK418863, record.GeoGridRef, record.Precision100m, "S13 9LT", "S13", ""},
		{"grid confirmed by the later postcode only", "Sheffield S13 9LT; old office BB10 2TN", "SD 863 343",
			&gridSD863343, record.GeoGridRef, record.Precision100m, "BB10 2TN", "BB10", ""},
		{"wrong grid letters, two agreeing postcodes", "Sheffield S13 9LT (also S13 9LU)", "SD 863 343",
			&pcS139LT, record.GeoPostcode, record.PrecisionUnit, "S13 9LT", "S13", record.GridRefContradicted},
		{"wrong grid letters, one postcode", "Example Works, Sheffield, S13 9LT", "SD 863 343",
			&pcS139LT, record.GeoPostcode, record.PrecisionUnit, "S13 9LT", "S13", record.GridRefContradicted},
		{"two postcodes, no grid: the first", "Sheffield S13 9LT / BB10 2TN", "",
			&pcS139LT, record.GeoPostcode, record.PrecisionUnit, "S13 9LT", "S13", ""},
		// 2. Sector or district alone: the grid reference is checked against
		// the nearest unit of the sector or district.
		{"typed P06 1 sector, grid 730 km away", "Water Treatment Works, Farlington, P06 1", "NJ 865 311",
			&sectorPO61, record.GeoPostcode, record.PrecisionSector, "", "PO6", record.GridRefContradicted},
		{"district alone, grid 730 km away", "Water Treatment Works, Farlington, PO6", "NJ 865 311",
			&districtPO6, record.GeoPostcode, record.PrecisionOutcode, "", "PO6", record.GridRefContradicted},
		{"sector agrees with the grid", "Water Treatment Works, Farlington, P06 1", "SU 677 055",
			&gridSU677055, record.GeoGridRef, record.Precision100m, "", "PO6", ""},
		{"large rural district: 55 km from its centroid, 10 km from a unit", "Lairg, Sutherland IV27", "NH 578 857",
			&gridNH578857, record.GeoGridRef, record.Precision100m, "", "IV27", ""},
		{"large rural district: 110 km from its nearest unit", "Lairg, Sutherland IV27", "NN 578 857",
			&districtIV27, record.GeoPostcode, record.PrecisionOutcode, "", "IV27", record.GridRefContradicted},
		// 3. Unit, floor and plot labels are not postcodes.
		{"unit and floor label", "Unit B1 2ND Floor, Example House, Leeds LS11", "",
			&districtLS11, record.GeoPostcode, record.PrecisionOutcode, "", "LS11", ""},
		{"floor without unit", "B1 2ND Floor, Example House, Leeds LS11", "",
			&districtLS11, record.GeoPostcode, record.PrecisionOutcode, "", "LS11", ""},
		{"plot label", "Plot S2 4TH floor, Sheffield S9", "",
			&districtS9, record.GeoPostcode, record.PrecisionOutcode, "", "S9", ""},
		{"label, then a real postcode", "Unit B1 2ND Floor, Example House, Leeds LS11 5DJ", "",
			&pcLS115DJ, record.GeoPostcode, record.PrecisionUnit, "LS11 5DJ", "LS11", ""},
		// 4. Road numbers are not districts.
		{"junction and motorway", "Junction 28, M1", "", nil, "", record.UnlocatedNoLocation, "", "", ""},
		{"J28 M1", "Land near J28 M1", "", nil, "", record.UnlocatedNoLocation, "", "", ""},
		{"A1(M)", "Services, A1(M) J34", "", nil, "", record.UnlocatedNoLocation, "", "", ""},
		{"off the M62", "Depot off the M62", "", nil, "", record.UnlocatedNoLocation, "", "", ""},
		{"district before a road reference", "Leeds LS11, near J28 of the M1", "",
			&districtLS11, record.GeoPostcode, record.PrecisionOutcode, "", "LS11", ""},
		{"Manchester M1 is a district", "Piccadilly, Manchester M1", "",
			&districtM1, record.GeoPostcode, record.PrecisionOutcode, "", "M1", ""},
		{"a unit postcode after near", "Trafford Park, near M17 1AB", "",
			&pcM171AB, record.GeoPostcode, record.PrecisionUnit, "M17 1AB", "M17", ""},
		// 5. Other separators.
		{"hyphen", "Leeds LS11-5DJ", "", &pcLS115DJ, record.GeoPostcode, record.PrecisionUnit, "LS11 5DJ", "LS11", ""},
		{"spaced en dash", "Leeds LS11 \u2013 5DJ", "", &pcLS115DJ, record.GeoPostcode, record.PrecisionUnit, "LS11 5DJ", "LS11", ""},
		{"full stop", "Leeds, LS11.5DJ", "", &pcLS115DJ, record.GeoPostcode, record.PrecisionUnit, "LS11 5DJ", "LS11", ""},
		{"underscore", "LS11_5DJ", "", &pcLS115DJ, record.GeoPostcode, record.PrecisionUnit, "LS11 5DJ", "LS11", ""},
		{"no-break space", "Leeds LS11\u00a05DJ", "", &pcLS115DJ, record.GeoPostcode, record.PrecisionUnit, "LS11 5DJ", "LS11", ""},
		{"thin space", "Leeds LS11\u20095DJ", "", &pcLS115DJ, record.GeoPostcode, record.PrecisionUnit, "LS11 5DJ", "LS11", ""},
		// 6. Great Britain's extent: UK offshore wind east of 1.8 E is in, open
		// sea 250 km out is not.
		{"Hornsea One", "Hornsea One offshore wind farm; onshore substation Killingholme DN40 3LN", "TB 492 498",
			&gridTB492498, record.GeoGridRef, record.Precision100m, "DN40 3LN", "DN40", ""},
		{"Greater Gabbard", "Greater Gabbard offshore wind farm", "TM 712 274",
			&gridTM712274, record.GeoGridRef, record.Precision100m, "", "", ""},
		{"Dogger Bank C", "Dogger Bank C offshore wind farm", "OW 846 763",
			&gridOW846763, record.GeoGridRef, record.Precision100m, "", "", ""},
		{"central North Sea, 250 km out", "Platform", "OM 248 959", nil, "", record.UnlocatedOutsideGB, "", "", record.GridRefOutsideGB},
		{"Atlantic north-west of the Hebrides", "Buoy", "HL 456 194", nil, "", record.UnlocatedOutsideGB, "", "", record.GridRefOutsideGB},
		{"open-sea grid, good postcode", "Killingholme LS11 5DJ", "OM 248 959",
			&pcLS115DJ, record.GeoPostcode, record.PrecisionUnit, "LS11 5DJ", "LS11", record.GridRefOutsideGB},
		// The report's other grid reason: unparseable.
		{"no-break space in the grid reference: read", "Example Works, Sheffield, S13 9LT", "SK\u00a0418\u00a0863",
			&gridSK418863, record.GeoGridRef, record.Precision100m, "S13 9LT", "S13", record.GridRefRepaired},
		{"letter in the digits", "Example Works, Sheffield, S13 9LT", "SK 41B 863",
			&pcS139LT, record.GeoPostcode, record.PrecisionUnit, "S13 9LT", "S13", record.GridRefUnparseable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := record.Component{Location: tc.location, GridRef: tc.grid}
			Locate(&c, tab)
			g := c.Geo
			if c.Postcode != tc.postcode || (tc.want != nil || tc.outcode != "") && c.Outcode != tc.outcode {
				t.Errorf("postcode %q outcode %q, want %q %q", c.Postcode, c.Outcode, tc.postcode, tc.outcode)
			}
			if g.GridRefIssue != tc.issue {
				t.Errorf("grid issue %q (%s), want %q", g.GridRefIssue, g.GridRefDetail, tc.issue)
			}
			if tc.want == nil {
				if g.Located || g.Unlocated != tc.precision {
					t.Errorf("Geo = %+v, want unlocated %s", g, tc.precision)
				}
				return
			}
			if !g.Located || g.Source != tc.source || g.Precision != tc.precision {
				t.Fatalf("Geo = %+v, want %s/%s", g, tc.source, tc.precision)
			}
			tol := unitTol
			if tc.precision == record.PrecisionSector || tc.precision == record.PrecisionOutcode {
				tol = centroidTol
			}
			if d := metres(g.Lat, g.Lng, tc.want.lat, tc.want.lng); d > tol {
				t.Errorf("placed at %.6f,%.6f: %.1f m from the right place %.6f,%.6f (tolerance %.0f m)", g.Lat, g.Lng, d, tc.want.lat, tc.want.lng, tol)
			}
		})
	}
}
