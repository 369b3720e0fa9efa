package cluster

// V8's Math.sin, Math.log, Math.atan and Math.exp, ported from fdlibm 5.3 as V8
// carries it (src/base/ieee754.cc), operation for operation, so that Go computes
// the same bits as Node and as the JS client's js/src/fdlibm.mjs (the same port
// in JavaScript). Go's math package uses other algorithms (Cephes, assembly) that
// differ from V8 in the last bit for about one input in seven: enough to move a
// point next to a grid line into the neighbouring cell (issue 15). Written by
// hand because no Go package provides fdlibm's exact results; tested against
// Node's Math functions on real and adversarial inputs (fdlibm_test.go).
//
// Every product that feeds an addition is wrapped in float64(), which stops the
// compiler from fusing them into FMA instructions on architectures that have
// them (FMA rounds once where V8 rounds twice).
//
// Original notice of the code these functions are derived from:
//
//	====================================================
//	Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
//	Developed at SunSoft, a Sun Microsystems, Inc. business.
//	Permission to use, copy, modify, and distribute this
//	software is freely granted, provided that this notice
//	is preserved.
//	====================================================

import "math"

func hiWord(x float64) int32  { return int32(math.Float64bits(x) >> 32) }
func loWord(x float64) uint32 { return uint32(math.Float64bits(x)) }
func fromWords(hi int32, lo uint32) float64 {
	return math.Float64frombits(uint64(uint32(hi))<<32 | uint64(lo))
}

// npio2hw are the high words of n*pi/2 for n = 1..32 (fdlibm's npio2_hw).
var npio2hw = [32]int32{
	0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C,
	0x4025FDBB, 0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C,
	0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A,
	0x403DD85A, 0x403F6A7A, 0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C,
	0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB,
	0x404858EB, 0x404921FB,
}

// remPio2 is fdlibm's __ieee754_rem_pio2 for |x| <= 2^19*pi/2: x - n*pi/2 as
// y0 + y1, and n. ok is false for larger |x|, which needs __kernel_rem_pio2.
func remPio2(x float64) (n int32, y0, y1 float64, ok bool) {
	const (
		invpio2 = 6.36619772367581382433e-01 // 0x3FE45F30, 0x6DC9C883
		pio2_1  = 1.57079632673412561417e+00 // 0x3FF921FB, 0x54400000
		pio2_1t = 6.07710050650619224932e-11 // 0x3DD0B461, 0x1A626331
		pio2_2  = 6.07710050630396597660e-11 // 0x3DD0B461, 0x1A600000
		pio2_2t = 2.02226624879595063154e-21 // 0x3BA3198A, 0x2E037073
		pio2_3  = 2.02226624871116645580e-21 // 0x3BA3198A, 0x2E000000
		pio2_3t = 8.47842766036889956997e-32 // 0x397B839A, 0x252049C1
	)
	hx := hiWord(x)
	ix := hx & 0x7fffffff
	if ix <= 0x3fe921fb { // |x| ~<= pi/4
		return 0, x, 0, true
	}
	if ix < 0x4002d97c { // |x| < 3pi/4: n = +-1
		if hx > 0 {
			z := x - pio2_1
			if ix != 0x3ff921fb {
				y0 = z - pio2_1t
				y1 = (z - y0) - pio2_1t
			} else { // near pi/2: 33+33+53 bit pi
				z -= pio2_2
				y0 = z - pio2_2t
				y1 = (z - y0) - pio2_2t
			}
			return 1, y0, y1, true
		}
		z := x + pio2_1
		if ix != 0x3ff921fb {
			y0 = z + pio2_1t
			y1 = (z - y0) + pio2_1t
		} else {
			z += pio2_2
			y0 = z + pio2_2t
			y1 = (z - y0) + pio2_2t
		}
		return -1, y0, y1, true
	}
	if ix > 0x413921fb {
		return 0, 0, 0, false
	}
	t := math.Abs(x)
	n = int32(float64(t*invpio2) + 0.5)
	fn := float64(n)
	r := t - float64(fn*pio2_1)
	w := fn * pio2_1t // first round good to 85 bits
	if n < 32 && ix != npio2hw[n-1] {
		y0 = r - w // quick check: no cancellation
	} else {
		j := ix >> 20
		y0 = r - w
		i := j - ((hiWord(y0) >> 20) & 0x7ff)
		if i > 16 { // second iteration, good to 118 bits
			t = r
			w = fn * pio2_2
			r = t - w
			w = float64(fn*pio2_2t) - ((t - r) - w)
			y0 = r - w
			i = j - ((hiWord(y0) >> 20) & 0x7ff)
			if i > 49 { // third iteration, 151 bits
				t = r
				w = fn * pio2_3
				r = t - w
				w = float64(fn*pio2_3t) - ((t - r) - w)
				y0 = r - w
			}
		}
	}
	y1 = (r - y0) - w
	if hx < 0 {
		return -n, -y0, -y1, true
	}
	return n, y0, y1, true
}

// kernelSin is fdlibm's __kernel_sin on [-pi/4, pi/4]; y is the tail of x and
// iy says whether it is used.
func kernelSin(x, y float64, iy int) float64 {
	const (
		S1 = -1.66666666666666324348e-01 // 0xBFC55555, 0x55555549
		S2 = 8.33333333332248946124e-03  // 0x3F811111, 0x1110F8A6
		S3 = -1.98412698298579493134e-04 // 0xBF2A01A0, 0x19C161D5
		S4 = 2.75573137070700676789e-06  // 0x3EC71DE3, 0x57B1FE7D
		S5 = -2.50507602534068634195e-08 // 0xBE5AE5E6, 0x8A2B9CEB
		S6 = 1.58969099521155010221e-10  // 0x3DE5D93A, 0x5ACFD57C
	)
	if hiWord(x)&0x7fffffff < 0x3e400000 && int32(x) == 0 { // |x| < 2^-27
		return x
	}
	z := x * x
	v := z * x
	r := S2 + float64(z*(S3+float64(z*(S4+float64(z*(S5+float64(z*S6)))))))
	if iy == 0 {
		return x + float64(v*(S1+float64(z*r)))
	}
	return x - ((float64(z*(float64(0.5*y)-float64(v*r))) - y) - float64(v*S1))
}

// kernelCos is fdlibm's __kernel_cos on [-pi/4, pi/4]; y is the tail of x.
func kernelCos(x, y float64) float64 {
	const (
		C1 = 4.16666666666666019037e-02  // 0x3FA55555, 0x5555554C
		C2 = -1.38888888888741095749e-03 // 0xBF56C16C, 0x16C15177
		C3 = 2.48015872894767294178e-05  // 0x3EFA01A0, 0x19CB1590
		C4 = -2.75573143513906633035e-07 // 0xBE927E4F, 0x809C52AD
		C5 = 2.08757232129817482790e-09  // 0x3E21EE9E, 0xBDB4B1C4
		C6 = -1.13596475577881948265e-11 // 0xBDA8FAE9, 0xBE8838D4
	)
	ix := hiWord(x) & 0x7fffffff
	if ix < 0x3e400000 && int32(x) == 0 { // |x| < 2^-27
		return 1
	}
	z := x * x
	r := z * (C1 + float64(z*(C2+float64(z*(C3+float64(z*(C4+float64(z*(C5+float64(z*C6))))))))))
	if ix < 0x3fd33333 { // |x| < 0.3
		return 1 - (float64(0.5*z) - (float64(z*r) - float64(x*y)))
	}
	qx := 0.28125 // x > 0.78125
	if ix <= 0x3fe90000 {
		qx = fromWords(ix-0x00200000, 0) // x/4
	}
	iz := float64(0.5*z) - qx
	a := 1 - qx
	return a - (iz - (float64(z*r) - float64(x*y)))
}

// fdlibmSin is V8's Math.sin (ieee754::sin). Beyond |x| = 2^19*pi/2 (a latitude
// of 47 million degrees) fdlibm's long argument reduction would be needed; there
// it falls back to math.Sin, which no map coordinate reaches.
func fdlibmSin(x float64) float64 {
	ix := hiWord(x) & 0x7fffffff
	switch {
	case ix <= 0x3fe921fb:
		return kernelSin(x, 0, 0)
	case ix >= 0x7ff00000:
		return x - x // NaN
	}
	n, y0, y1, ok := remPio2(x)
	if !ok {
		return math.Sin(x)
	}
	switch n & 3 {
	case 0:
		return kernelSin(y0, y1, 1)
	case 1:
		return kernelCos(y0, y1)
	case 2:
		return -kernelSin(y0, y1, 1)
	default:
		return -kernelCos(y0, y1)
	}
}

// fdlibmAtan is V8's Math.atan (ieee754::atan, fdlibm s_atan.c).
func fdlibmAtan(x float64) float64 {
	atanhi := [4]float64{
		4.63647609000806093515e-01, // atan(0.5)hi 0x3FDDAC67, 0x0561BB4F
		7.85398163397448278999e-01, // atan(1.0)hi 0x3FE921FB, 0x54442D18
		9.82793723247329054082e-01, // atan(1.5)hi 0x3FEF730B, 0xD281F69B
		1.57079632679489655800e+00, // atan(inf)hi 0x3FF921FB, 0x54442D18
	}
	atanlo := [4]float64{
		2.26987774529616870924e-17, // atan(0.5)lo 0x3C7A2B7F, 0x222F65E2
		3.06161699786838301793e-17, // atan(1.0)lo 0x3C81A626, 0x33145C07
		1.39033110312309984516e-17, // atan(1.5)lo 0x3C700788, 0x7AF0CBBD
		6.12323399573676603587e-17, // atan(inf)lo 0x3C91A626, 0x33145C07
	}
	aT := [11]float64{
		3.33333333333329318027e-01,  // 0x3FD55555, 0x5555550D
		-1.99999999998764832476e-01, // 0xBFC99999, 0x9998EBC4
		1.42857142725034663711e-01,  // 0x3FC24924, 0x920083FF
		-1.11111104054623557880e-01, // 0xBFBC71C6, 0xFE231671
		9.09088713343650656196e-02,  // 0x3FB745CD, 0xC54C206E
		-7.69187620504482999495e-02, // 0xBFB3B0F2, 0xAF749A6D
		6.66107313738753120669e-02,  // 0x3FB10D66, 0xA0D03D51
		-5.83357013379057348645e-02, // 0xBFADDE2D, 0x52DEFD9A
		4.97687799461593236017e-02,  // 0x3FA97B4B, 0x24760DEB
		-3.65315727442169155270e-02, // 0xBFA2B444, 0x2C6A6C2F
		1.62858201153657823623e-02,  // 0x3F90AD3A, 0xE322DA11
	}
	hx := hiWord(x)
	ix := hx & 0x7fffffff
	if ix >= 0x44100000 { // |x| >= 2^66
		if ix > 0x7ff00000 || (ix == 0x7ff00000 && loWord(x) != 0) {
			return x + x // NaN
		}
		if hx > 0 {
			return atanhi[3] + atanlo[3]
		}
		return -atanhi[3] - atanlo[3]
	}
	id := -1
	if ix < 0x3fdc0000 { // |x| < 0.4375
		if ix < 0x3e400000 { // |x| < 2^-27
			return x
		}
	} else {
		x = math.Abs(x)
		switch {
		case ix < 0x3fe60000: // 7/16 <= |x| < 11/16
			id = 0
			x = (2.0*x - 1) / (2.0 + x)
		case ix < 0x3ff30000: // 11/16 <= |x| < 19/16
			id = 1
			x = (x - 1) / (x + 1)
		case ix < 0x40038000: // |x| < 2.4375
			id = 2
			x = (x - 1.5) / (1 + float64(1.5*x))
		default: // 2.4375 <= |x| < 2^66
			id = 3
			x = -1.0 / x
		}
	}
	z := x * x
	w := z * z
	s1 := z * (aT[0] + float64(w*(aT[2]+float64(w*(aT[4]+float64(w*(aT[6]+float64(w*(aT[8]+float64(w*aT[10]))))))))))
	s2 := w * (aT[1] + float64(w*(aT[3]+float64(w*(aT[5]+float64(w*(aT[7]+float64(w*aT[9]))))))))
	if id < 0 {
		return x - float64(x*(s1+s2))
	}
	z = atanhi[id] - ((float64(x*(s1+s2)) - atanlo[id]) - x)
	if hx < 0 {
		return -z
	}
	return z
}

// fdlibmExp is V8's Math.exp (ieee754::exp, fdlibm e_exp.c with V8's exact e
// for exp(1)).
func fdlibmExp(x float64) float64 {
	const (
		oThreshold = 7.09782712893383973096e+02  // 0x40862E42, 0xFEFA39EF
		uThreshold = -7.45133219101941108420e+02 // 0xC0874910, 0xD52D3051
		invln2     = 1.44269504088896338700e+00  // 0x3FF71547, 0x652B82FE
		P1         = 1.66666666666666019037e-01  // 0x3FC55555, 0x5555553E
		P2         = -2.77777777770155933842e-03 // 0xBF66C16C, 0x16BEBD93
		P3         = 6.61375632143793436117e-05  // 0x3F11566A, 0xAF25DE2C
		P4         = -1.65339022054652515390e-06 // 0xBEBBBD41, 0xC5D26BF1
		P5         = 4.13813679705723846039e-08  // 0x3E663769, 0x72BEA4D0
		E          = 2.718281828459045           // 0x4005BF0A, 0x8B145769
		twom1000   = 9.33263618503218878990e-302 // 2^-1000
		two1023    = 8.988465674311579539e307    // 2^1023
	)
	halF := [2]float64{0.5, -0.5}
	ln2HI := [2]float64{6.93147180369123816490e-01, -6.93147180369123816490e-01} // 0x3FE62E42, 0xFEE00000
	ln2LO := [2]float64{1.90821492927058770002e-10, -1.90821492927058770002e-10} // 0x3DEA39EF, 0x35793C76

	hx := uint32(hiWord(x))
	xsb := int(hx >> 31)
	hx &= 0x7fffffff
	if hx >= 0x40862e42 { // |x| >= 709.78...
		if hx >= 0x7ff00000 {
			if (hx&0xfffff)|loWord(x) != 0 {
				return x + x // NaN
			}
			if xsb == 0 {
				return x
			}
			return 0
		}
		if x > oThreshold {
			return math.Inf(1)
		}
		if x < uThreshold {
			return 0
		}
	}
	var hi, lo float64
	k := int32(0)
	if hx > 0x3fd62e42 { // |x| > 0.5 ln2
		if hx < 0x3ff0a2b2 { // and |x| < 1.5 ln2
			if x == 1.0 {
				return E
			}
			hi = x - ln2HI[xsb]
			lo = ln2LO[xsb]
			k = int32(1 - xsb - xsb)
		} else {
			k = int32(float64(invln2*x) + halF[xsb])
			t := float64(k)
			hi = x - float64(t*ln2HI[0]) // exact
			lo = t * ln2LO[0]
		}
		x = hi - lo
	} else if hx < 0x3e300000 { // |x| < 2^-28
		return 1 + x
	}
	t := x * x
	var twopk float64
	if k >= -1021 {
		twopk = fromWords(0x3ff00000+(k<<20), 0)
	} else {
		twopk = fromWords(0x3ff00000+((k+1000)<<20), 0)
	}
	c := x - float64(t*(P1+float64(t*(P2+float64(t*(P3+float64(t*(P4+float64(t*P5)))))))))
	if k == 0 {
		return 1 - ((float64(x*c) / (c - 2.0)) - x)
	}
	y := 1 - ((lo - float64(x*c)/(2.0-c)) - hi)
	if k >= -1021 {
		if k == 1024 {
			return y * 2.0 * two1023
		}
		return y * twopk
	}
	return y * twopk * twom1000
}

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
