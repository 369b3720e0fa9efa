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

// LatY projects a latitude to Web Mercator y in [0, 1], clamped (SuperCluster's latY).
func LatY(lat float64) float64 {
	sin := math.Sin(lat * math.Pi / 180)
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

// YLat is the inverse of LatY.
func YLat(y float64) float64 {
	y2 := (180 - y*360) * math.Pi / 180
	return 360*math.Atan(math.Exp(y2))/math.Pi - 90
}

// GridX is the integer grid x SuperCluster stores for a point at longitude lng.
func GridX(lng float64) int32 { return encode(LngX(lng)) }

// GridY is the integer grid y SuperCluster stores for a point at latitude lat.
func GridY(lat float64) int32 { return encode(LatY(lat)) }

// fdlibmLog is fdlibm's __ieee754_log (e_log.c), the algorithm V8 uses for
// Math.log. Go's math.Log is assembly on amd64 and may differ in the last bit,
// which could move a point across an integer grid line or change a KD-tree split.
func fdlibmLog(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
		two54 = 1.80143985094819840000e+16
		lg1   = 6.666666666666735130e-01
		lg2   = 3.999999999940941908e-01
		lg3   = 2.857142874366239149e-01
		lg4   = 2.222219843214978396e-01
		lg5   = 1.818357216161805012e-01
		lg6   = 1.531383769920937332e-01
		lg7   = 1.479819860511658591e-01
	)
	bits := math.Float64bits(x)
	hx := int32(bits >> 32)
	lx := uint32(bits)
	k := int32(0)
	if hx < 0x00100000 { // x < 2^-1022
		if (hx&0x7fffffff)|int32(lx) == 0 {
			return math.Inf(-1)
		}
		if hx < 0 {
			return math.NaN()
		}
		k -= 54
		x *= two54
		bits = math.Float64bits(x)
		hx = int32(bits >> 32)
	}
	if hx >= 0x7ff00000 {
		return x + x
	}
	k += (hx >> 20) - 1023
	hx &= 0x000fffff
	i := (hx + 0x95f64) & 0x100000
	// normalize x or x/2
	x = math.Float64frombits(uint64(uint32(hx|(i^0x3ff00000)))<<32 | math.Float64bits(x)&0xffffffff)
	k += i >> 20
	f := x - 1.0
	if (0x000fffff & (2 + hx)) < 3 { // |f| < 2^-20
		if f == 0 {
			if k == 0 {
				return 0
			}
			dk := float64(k)
			return float64(dk*ln2Hi) + float64(dk*ln2Lo)
		}
		r := float64(f*f) * (0.5 - float64(0.33333333333333333*f))
		if k == 0 {
			return f - r
		}
		dk := float64(k)
		return float64(dk*ln2Hi) - ((r - float64(dk*ln2Lo)) - f)
	}
	s := f / (2.0 + f)
	dk := float64(k)
	z := s * s
	i = hx - 0x6147a
	w := z * z
	j := 0x6b851 - hx
	t1 := w * (lg2 + float64(w*(lg4+float64(w*lg6))))
	t2 := z * (lg1 + float64(w*(lg3+float64(w*(lg5+float64(w*lg7))))))
	i |= j
	r := t2 + t1
	if i > 0 {
		hfsq := float64(0.5*f) * f
		if k == 0 {
			return f - (hfsq - float64(s*(hfsq+r)))
		}
		return float64(dk*ln2Hi) - ((hfsq - (float64(s*(hfsq+r)) + float64(dk*ln2Lo))) - f)
	}
	if k == 0 {
		return f - float64(s*(f-r))
	}
	return float64(dk*ln2Hi) - ((float64(s*(f-r)) - float64(dk*ln2Lo)) - f)
}
