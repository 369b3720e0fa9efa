// Package osgb converts Ordnance Survey National Grid references and OSGB36
// eastings/northings to WGS84 latitude and longitude.
//
// The conversion is hand-written rather than taken from a library because no
// accurate pure-Go implementation exists: paulmach/orb has projections but no
// datum transformations, and PROJ needs cgo plus the OSTN15 grid files, which a
// static CI binary should not depend on. It follows the Ordnance Survey's "A guide
// to coordinate systems in Great Britain": transverse Mercator on the Airy 1830
// ellipsoid, then the OS's published 7-parameter Helmert transformation
// (EPSG:1314, "OSGB36 to WGS 84 (6)"). That is the same operation PROJ uses for
// EPSG:27700 -> EPSG:4326 when the OSTN15 grid is not installed; the Helmert
// transformation itself is good to a few metres against OSTN15 (see
// docs/geocoding.md for the measured figures).
package osgb

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// GridRef is a parsed OS grid reference.
type GridRef struct {
	Easting, Northing float64 // centre of the referenced square, metres (OSGB36 / EPSG:27700)
	Digits            int     // numeric digits given (0-10)
	Precision         float64 // side of the referenced square, metres
}

// Extent of the National Grid: the 100 km squares the OS letters name cover
// 0-700 km east and 0-1300 km north of the false origin.
const (
	MaxEasting  = 700000
	MaxNorthing = 1300000
)

// ErrGridRef is wrapped by every ParseGridRef error.
var ErrGridRef = errors.New("invalid OS grid reference")

// letterIndex maps A-Z (no I) to 0-24 as laid out on the OS 5x5 lettering grid.
func letterIndex(c byte) int {
	if c < 'A' || c > 'Z' || c == 'I' {
		return -1
	}
	i := int(c - 'A')
	if c > 'I' {
		i--
	}
	return i
}

const gridLetters = "ABCDEFGHJKLMNOPQRSTUVWXYZ"

// ParseGridRef parses "SE 473 250", "TQ3003580512", "NY03", with or without spaces.
//
// Letters are case-insensitive; spaces (ASCII or Unicode, such as a no-break
// space) and tabs anywhere are ignored, so
// "TQ 2988 18" reads as TQ 298 818. The digits must be an even count of 0-10,
// split in half into easting and northing within the 100 km square. The result
// is the centre of the referenced square and the square's side as Precision.
func ParseGridRef(s string) (GridRef, error) {
	var buf [16]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c >= utf8.RuneSelf:
			// A Unicode space (U+00A0 no-break space, U+2009 thin space, ...)
			// is a space too; anything else non-ASCII is an error below.
			if r, size := utf8.DecodeRuneInString(s[i:]); unicode.Is(unicode.Zs, r) {
				i += size - 1
				continue
			}
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		if n == len(buf) {
			return GridRef{}, fmt.Errorf("%w %q: too long", ErrGridRef, s)
		}
		buf[n] = c
		n++
	}
	b := buf[:n]
	if len(b) < 2 {
		return GridRef{}, fmt.Errorf("%w %q: want two letters then digits", ErrGridRef, s)
	}
	l1, l2 := letterIndex(b[0]), letterIndex(b[1])
	if l1 < 0 || l2 < 0 {
		return GridRef{}, fmt.Errorf("%w %q: %q is not a 100 km square", ErrGridRef, s, string(b[:2]))
	}
	digits := b[2:]
	for _, c := range digits {
		if c < '0' || c > '9' {
			return GridRef{}, fmt.Errorf("%w %q: unexpected %q after the square letters", ErrGridRef, s, string(c))
		}
	}
	if len(digits)%2 != 0 {
		return GridRef{}, fmt.Errorf("%w %q: odd number of digits (%d)", ErrGridRef, s, len(digits))
	}
	if len(digits) > 10 {
		return GridRef{}, fmt.Errorf("%w %q: more than 10 digits", ErrGridRef, s)
	}
	// First letter picks a 500 km square relative to the false origin at SV,
	// second the 100 km square inside it (OS guide, section on grid letters).
	e100 := ((l1-2)%5)*5 + l2%5
	n100 := (19 - (l1/5)*5) - l2/5
	if e100 < 0 || n100 < 0 || e100*100000 >= MaxEasting || n100*100000 >= MaxNorthing {
		return GridRef{}, fmt.Errorf("%w %q: square %s is outside the National Grid", ErrGridRef, s, string(b[:2]))
	}
	half := len(digits) / 2
	precision := math.Pow10(5 - half)
	var de, dn int
	for i := 0; i < half; i++ {
		de = de*10 + int(digits[i]-'0')
		dn = dn*10 + int(digits[half+i]-'0')
	}
	return GridRef{
		Easting:   float64(e100)*100000 + float64(de)*precision + precision/2,
		Northing:  float64(n100)*100000 + float64(dn)*precision + precision/2,
		Digits:    len(digits),
		Precision: precision,
	}, nil
}

// String formats g as "SE 473 250": the square letters, then half the digits for
// the easting and half for the northing, keeping g.Digits. It returns "" when g
// is outside the National Grid or its Digits are not 0-10 and even.
func (g GridRef) String() string {
	if g.Digits < 0 || g.Digits > 10 || g.Digits%2 != 0 ||
		!(g.Easting >= 0 && g.Easting < MaxEasting && g.Northing >= 0 && g.Northing < MaxNorthing) {
		return ""
	}
	e, n := int(g.Easting), int(g.Northing)
	e100, n100 := e/100000, n/100000
	// Inverse of the lettering in ParseGridRef.
	l1 := (19-n100)/5*5 + (e100+10)/5
	l2 := (19-n100)%5*5 + (e100+10)%5
	var sb strings.Builder
	sb.WriteByte(gridLetters[l1])
	sb.WriteByte(gridLetters[l2])
	half := g.Digits / 2
	if half == 0 {
		return sb.String()
	}
	div := int(math.Pow10(5 - half))
	fmt.Fprintf(&sb, " %0*d %0*d", half, (e%100000)/div, half, (n%100000)/div)
	return sb.String()
}

// Airy 1830 and WGS84 (GRS80 for ETRS89 is the same to 0.1 mm) ellipsoids.
const (
	airyA = 6377563.396
	airyB = 6356256.909
	wgsA  = 6378137.000
	wgsB  = 6356752.314245
)

// National Grid projection constants.
const (
	f0   = 0.9996012717
	lat0 = 49 * math.Pi / 180
	lon0 = -2 * math.Pi / 180
	e0   = 400000.0
	n0   = -100000.0
)

// OS Helmert parameters OSGB36 -> WGS84 (position-vector convention): the
// negation of the OS's published ETRS89 -> OSGB36 set.
const (
	htx = 446.448
	hty = -125.157
	htz = 542.060
	hs  = -20.4894e-6
	hrx = 0.1502 / 3600 * math.Pi / 180
	hry = 0.2470 / 3600 * math.Pi / 180
	hrz = 0.8421 / 3600 * math.Pi / 180
)

var (
	airyE2 = (airyA*airyA - airyB*airyB) / (airyA * airyA)
	wgsE2  = (wgsA*wgsA - wgsB*wgsB) / (wgsA * wgsA)
	airyN  = (airyA - airyB) / (airyA + airyB)
)

// meridionalArc is M in the OS guide: distance along the meridian from lat0 to lat on Airy.
func meridionalArc(lat float64) float64 {
	n := airyN
	n2, n3 := n*n, n*n*n
	dl, sl := lat-lat0, lat+lat0
	// Multiple-angle identities: two Sincos calls instead of six trig calls.
	s1, c1 := math.Sincos(dl)
	t1, d1 := math.Sincos(sl)
	s2 := 2 * s1 * c1
	d2 := 1 - 2*t1*t1
	s3 := s1 * (3 - 4*s1*s1)
	d3 := d1 * (4*d1*d1 - 3)
	return airyB * f0 * ((1+n+5.0/4*n2+5.0/4*n3)*dl -
		(3*n+3*n2+21.0/8*n3)*s1*d1 +
		(15.0/8*n2+15.0/8*n3)*s2*d2 -
		(35.0/24*n3)*s3*d3)
}

// gridToAiry is the inverse transverse Mercator of the OS guide (eastings and
// northings to OSGB36 latitude and longitude, radians).
func gridToAiry(e, n float64) (lat, lon float64) {
	// Newton's method on the meridional arc (dM/dlat is the scaled meridian
	// radius of curvature) converges in two or three steps where the OS guide's
	// fixed-point loop takes four or five.
	lat = (n-n0)/(airyA*f0) + lat0
	for i := 0; i < 20; i++ {
		d := n - n0 - meridionalArc(lat)
		if math.Abs(d) < 0.00001 {
			break
		}
		sin := math.Sin(lat)
		w := 1 - airyE2*sin*sin
		lat += d / (airyA * f0 * (1 - airyE2) / (w * math.Sqrt(w)))
	}
	sin, cos := math.Sincos(lat)
	t := math.Tan(lat)
	t2, t4 := t*t, t*t*t*t
	nu := airyA * f0 / math.Sqrt(1-airyE2*sin*sin)
	w := 1 - airyE2*sin*sin
	rho := airyA * f0 * (1 - airyE2) / (w * math.Sqrt(w))
	eta2 := nu/rho - 1
	sec := 1 / cos
	nu3 := nu * nu * nu
	nu5 := nu3 * nu * nu
	nu7 := nu5 * nu * nu
	vii := t / (2 * rho * nu)
	viii := t / (24 * rho * nu3) * (5 + 3*t2 + eta2 - 9*t2*eta2)
	ix := t / (720 * rho * nu5) * (61 + 90*t2 + 45*t4)
	x := sec / nu
	xi := sec / (6 * nu3) * (nu/rho + 2*t2)
	xii := sec / (120 * nu5) * (5 + 28*t2 + 24*t4)
	xiia := sec / (5040 * nu7) * (61 + 662*t2 + 1320*t4 + 720*t4*t2)
	de := e - e0
	de2 := de * de
	lat = lat - vii*de2 + viii*de2*de2 - ix*de2*de2*de2
	lon = lon0 + x*de - xi*de2*de + xii*de2*de2*de - xiia*de2*de2*de2*de
	return lat, lon
}

// airyToGrid is the forward transverse Mercator of the OS guide.
func airyToGrid(lat, lon float64) (e, n float64) {
	sin, cos := math.Sincos(lat)
	t := math.Tan(lat)
	t2 := t * t
	nu := airyA * f0 / math.Sqrt(1-airyE2*sin*sin)
	rho := airyA * f0 * (1 - airyE2) / math.Pow(1-airyE2*sin*sin, 1.5)
	eta2 := nu/rho - 1
	m := meridionalArc(lat)
	c3, c5 := cos*cos*cos, cos*cos*cos*cos*cos
	i := m + n0
	ii := nu / 2 * sin * cos
	iii := nu / 24 * sin * c3 * (5 - t2 + 9*eta2)
	iiia := nu / 720 * sin * c5 * (61 - 58*t2 + t2*t2)
	iv := nu * cos
	v := nu / 6 * c3 * (nu/rho - t2)
	vi := nu / 120 * c5 * (5 - 18*t2 + t2*t2 + 14*eta2 - 58*t2*eta2)
	dl := lon - lon0
	dl2 := dl * dl
	n = i + ii*dl2 + iii*dl2*dl2 + iiia*dl2*dl2*dl2
	e = e0 + iv*dl + v*dl2*dl + vi*dl2*dl2*dl
	return e, n
}

func toCartesian(lat, lon, a, e2 float64) (x, y, z float64) {
	sinLat, cosLat := math.Sincos(lat)
	sinLon, cosLon := math.Sincos(lon)
	nu := a / math.Sqrt(1-e2*sinLat*sinLat)
	return nu * cosLat * cosLon, nu * cosLat * sinLon, (1 - e2) * nu * sinLat
}

// fromCartesian uses Bowring's (1976) closed form, exact to well under a
// millimetre for points near the Earth's surface, instead of iterating.
func fromCartesian(x, y, z, a, e2 float64) (lat, lon float64) {
	lon = math.Atan2(y, x)
	p := math.Hypot(x, y)
	b := a * math.Sqrt(1-e2)
	ep2 := e2 / (1 - e2)
	sinT, cosT := math.Sincos(math.Atan2(z*a, p*b))
	lat = math.Atan2(z+ep2*b*sinT*sinT*sinT, p-e2*a*cosT*cosT*cosT)
	return lat, lon
}

// helmert applies the position-vector 7-parameter transformation; sign -1 applies its inverse.
func helmert(x, y, z, sign float64) (float64, float64, float64) {
	tx, ty, tz := sign*htx, sign*hty, sign*htz
	s1 := 1 + sign*hs
	rx, ry, rz := sign*hrx, sign*hry, sign*hrz
	return tx + s1*x - rz*y + ry*z,
		ty + rz*x + s1*y - rx*z,
		tz - ry*x + rx*y + s1*z
}

const deg = 180 / math.Pi

// ToWGS84 converts an OSGB36 easting/northing to WGS84 latitude/longitude in degrees.
// The point is taken at zero height on the Airy ellipsoid, as cs2cs does for 2D input.
func ToWGS84(easting, northing float64) (lat, lng float64) {
	la, lo := gridToAiry(easting, northing)
	x, y, z := toCartesian(la, lo, airyA, airyE2)
	x, y, z = helmert(x, y, z, 1)
	la, lo = fromCartesian(x, y, z, wgsA, wgsE2)
	return la * deg, lo * deg
}

// FromWGS84 converts WGS84 latitude/longitude to an OSGB36 easting/northing.
func FromWGS84(lat, lng float64) (easting, northing float64) {
	x, y, z := toCartesian(lat/deg, lng/deg, wgsA, wgsE2)
	x, y, z = helmert(x, y, z, -1)
	la, lo := fromCartesian(x, y, z, airyA, airyE2)
	return airyToGrid(la, lo)
}
