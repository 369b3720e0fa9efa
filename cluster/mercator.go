package cluster

import "math"

// scale is SuperCluster's integer grid: a Web Mercator coordinate m in [0, 1] is
// stored as trunc((m - 0.5) * 2^30), which keeps V8 in its small-integer fast path.
const scale = 1 << 30

// encode maps a Mercator coordinate in [0, 1] to the integer grid, truncating
// toward zero as a store into an Int32Array does.
func encode(m float64) int32 { return int32(encodeF(m)) }

// encodeF is encode without the truncation, as SuperCluster uses for query bounds.
func encodeF(m float64) float64 { return (m - 0.5) * scale }

func decode(v int32) float64 { return float64(v)*(1.0/scale) + 0.5 }

// LngX projects a longitude to Web Mercator x in [0, 1] (SuperCluster's lngX).
func LngX(lng float64) float64 { return lng/360 + 0.5 }

// LatY projects a latitude to Web Mercator y in [0, 1], clamped (SuperCluster's latY),
// with V8's own sin and log (fdlibm.go), so that it equals Math.sin/Math.log in
// Node and the JS client's js/src/mercator.mjs bit for bit: a last-bit difference moves a point
// next to a grid line into the neighbouring cell.
func LatY(lat float64) float64 {
	sin := fdlibmSin(lat * math.Pi / 180)
	y := 0.5 - 0.25*fdlibmLog((1+sin)/(1-sin))/math.Pi
	if y < 0 {
		return 0
	}
	if y > 1 {
		return 1
	}
	return y
}

// XLng is the inverse of LngX.
func XLng(x float64) float64 { return (x - 0.5) * 360 }

// YLat is the inverse of LatY, with V8's atan and exp (fdlibm.go), as SuperCluster
// reports a cluster's latitude.
func YLat(y float64) float64 {
	y2 := (180 - y*360) * math.Pi / 180
	return 360*fdlibmAtan(fdlibmExp(y2))/math.Pi - 90
}

// GridX is the integer grid x SuperCluster stores for a point at longitude lng.
func GridX(lng float64) int32 { return encode(LngX(lng)) }

// GridY is the integer grid y SuperCluster stores for a point at latitude lat.
func GridY(lat float64) int32 { return encode(LatY(lat)) }
