package changes

import "math"

// WGS84 ellipsoid (NIMA TR8350.2): semi-major axis in metres and flattening.
const (
	wgs84A = 6378137.0
	wgs84F = 1 / 298.257223563
)

// Distance is the geodesic distance in metres between two WGS84 points given
// in degrees, on the WGS84 ellipsoid, by Vincenty's inverse formula
// (T. Vincenty, "Direct and inverse solutions of geodesics on the ellipsoid
// with application of nested equations", Survey Review 23(176), 1975).
//
// Why hand-written: the module has no ellipsoidal geodesic library (orb's
// geo.Distance and DistanceHaversine are spherical, off by up to 0.5% in
// Great Britain), GeographicLib's Go port is not served by the module proxy,
// and PROJ's Go binding needs cgo and libproj at build time. Vincenty agrees
// with Karney's algorithm (what PROJ's geod computes) to well under a
// millimetre except for nearly antipodal points, where it may not converge;
// the points compared here are in and around Great Britain, and the result
// is checked against `geod -I +ellps=WGS84` in geodesic_test.go. Should the
// iteration not converge, Distance falls back to the spherical (haversine)
// distance on the ellipsoid's mean radius rather than fail.
func Distance(lat1, lng1, lat2, lng2 float64) float64 {
	if lat1 == lat2 && lng1 == lng2 {
		return 0
	}
	const b = wgs84A * (1 - wgs84F)
	rad := math.Pi / 180
	L := (lng2 - lng1) * rad
	U1 := math.Atan((1 - wgs84F) * math.Tan(lat1*rad))
	U2 := math.Atan((1 - wgs84F) * math.Tan(lat2*rad))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)
	lambda := L
	for range 200 {
		sinL, cosL := math.Sincos(lambda)
		sinSigma := math.Hypot(cosU2*sinL, cosU1*sinU2-sinU1*cosU2*cosL)
		if sinSigma == 0 {
			return 0 // coincident points
		}
		cosSigma := sinU1*sinU2 + cosU1*cosU2*cosL
		sigma := math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinL / sinSigma
		cos2Alpha := 1 - sinAlpha*sinAlpha
		cos2SigmaM := 0.0 // both points on the equator
		if cos2Alpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		C := wgs84F / 16 * cos2Alpha * (4 + wgs84F*(4-3*cos2Alpha))
		prev := lambda
		lambda = L + (1-C)*wgs84F*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda-prev) < 1e-12 {
			u2 := cos2Alpha * (wgs84A*wgs84A - b*b) / (b * b)
			A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
			B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
			dSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
				B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
			return b * A * (sigma - dSigma)
		}
	}
	return haversine(lat1, lng1, lat2, lng2)
}

// haversine is the great-circle distance on a sphere of the WGS84 mean radius
// (2a+b)/3: Distance's fallback for nearly antipodal points.
func haversine(lat1, lng1, lat2, lng2 float64) float64 {
	const r = (2*wgs84A + wgs84A*(1-wgs84F)) / 3
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}
