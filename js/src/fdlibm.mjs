// fdlibm.mjs — V8's Math.sin, Math.log, Math.atan and Math.exp, bit for bit.
//
// fdlibm 5.3 as V8 carries it (src/base/ieee754.cc), in plain IEEE arithmetic,
// so every browser gets the bits prebake's Go port (cluster/fdlibm.go) filed the
// features by. The engines' own Math.sin differ in the last bit (Chromium now
// uses glibc's sin, Node 20 fdlibm's, Safari the system's), which moves a point
// next to a grid line into the neighbouring cell; their atan and exp move a
// cluster's coordinates in the last bit.
//
/*! ====================================================
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *
 * Developed at SunSoft, a Sun Microsystems, Inc. business.
 * Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice
 * is preserved.
 * ====================================================
 */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word second
const LO = 1 - HI;
const hiWord = x => { f64[0] = x; return u32[HI] | 0; };
const loWord = x => { f64[0] = x; return u32[LO]; };
const fromWords = (hi, lo) => { u32[HI] = hi >>> 0; u32[LO] = lo >>> 0; return f64[0]; };
// High words of n*pi/2, n = 1..32.
const NPIO2_HW = [
    0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C, 0x4025FDBB, 0x402921FB,
    0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C, 0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB,
    0x403AB41B, 0x403C463A, 0x403DD85A, 0x403F6A7A, 0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C,
    0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB, 0x404858EB, 0x404921FB,
];

function kernelSin(x, y, iy) {
    const S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
        S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
    if ((hiWord(x) & 0x7fffffff) < 0x3e400000) return x; // |x| < 2^-27
    const z = x * x, v = z * x, r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
    return iy === 0 ? x + v * (S1 + z * r) : x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

function kernelCos(x, y) {
    const C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
        C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
    const ix = hiWord(x) & 0x7fffffff;
    if (ix < 0x3e400000) return 1; // |x| < 2^-27
    const z = x * x, r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
    if (ix < 0x3fd33333) return 1 - (0.5 * z - (z * r - x * y)); // |x| < 0.3
    const qx = ix > 0x3fe90000 ? 0.28125 : fromWords(ix - 0x00200000, 0);
    return (1 - qx) - ((0.5 * z - qx) - (z * r - x * y));
}

// remPio2(x) is [n, y0, y1] with x - n*pi/2 = y0 + y1, for |x| <= 2^19*pi/2; null beyond.
function remPio2(x) {
    const invpio2 = 6.36619772367581382433e-01, pio2_1 = 1.57079632673412561417e+00, pio2_1t = 6.07710050650619224932e-11,
        pio2_2 = 6.07710050630396597660e-11, pio2_2t = 2.02226624879595063154e-21, pio2_3 = 2.02226624871116645580e-21,
        pio2_3t = 8.47842766036889956997e-32;
    const hx = hiWord(x), ix = hx & 0x7fffffff;
    if (ix <= 0x3fe921fb) return [0, x, 0];
    if (ix < 0x4002d97c) { // |x| < 3pi/4
        if (hx > 0) {
            let z = x - pio2_1;
            if (ix !== 0x3ff921fb) { const y0 = z - pio2_1t; return [1, y0, (z - y0) - pio2_1t]; }
            z -= pio2_2;
            const y0 = z - pio2_2t;
            return [1, y0, (z - y0) - pio2_2t];
        }
        let z = x + pio2_1;
        if (ix !== 0x3ff921fb) { const y0 = z + pio2_1t; return [-1, y0, (z - y0) + pio2_1t]; }
        z += pio2_2;
        const y0 = z + pio2_2t;
        return [-1, y0, (z - y0) + pio2_2t];
    }
    if (ix > 0x413921fb) return null;
    let t = Math.abs(x);
    const n = (t * invpio2 + 0.5) | 0, fn = n;
    let r = t - fn * pio2_1, w = fn * pio2_1t, y0;
    if (n < 32 && ix !== NPIO2_HW[n - 1]) {
        y0 = r - w;
    } else {
        const j = ix >> 20;
        y0 = r - w;
        let i = j - ((hiWord(y0) >> 20) & 0x7ff);
        if (i > 16) {
            t = r; w = fn * pio2_2; r = t - w; w = fn * pio2_2t - ((t - r) - w); y0 = r - w;
            i = j - ((hiWord(y0) >> 20) & 0x7ff);
            if (i > 49) { t = r; w = fn * pio2_3; r = t - w; w = fn * pio2_3t - ((t - r) - w); y0 = r - w; }
        }
    }
    const y1 = (r - y0) - w;
    return hx < 0 ? [-n, -y0, -y1] : [n, y0, y1];
}

// fdlibmSin(x) is V8's Math.sin(x); beyond |x| = 2^19*pi/2 it is the engine's.
export function fdlibmSin(x) {
    const ix = hiWord(x) & 0x7fffffff;
    if (ix <= 0x3fe921fb) return kernelSin(x, 0, 0);
    if (ix >= 0x7ff00000) return x - x;
    const red = remPio2(x);
    if (!red) return Math.sin(x);
    const [n, y0, y1] = red;
    switch (n & 3) {
        case 0: return kernelSin(y0, y1, 1);
        case 1: return kernelCos(y0, y1);
        case 2: return -kernelSin(y0, y1, 1);
        default: return -kernelCos(y0, y1);
    }
}

// fdlibmLog(x) is V8's Math.log(x).
export function fdlibmLog(x) {
    const ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10, two54 = 1.80143985094819840000e+16,
        lg1 = 6.666666666666735130e-01, lg2 = 3.999999999940941908e-01, lg3 = 2.857142874366239149e-01,
        lg4 = 2.222219843214978396e-01, lg5 = 1.818357216161805012e-01, lg6 = 1.531383769920937332e-01,
        lg7 = 1.479819860511658591e-01;
    let hx = hiWord(x), k = 0;
    if (hx < 0x00100000) { // x < 2^-1022
        if (((hx & 0x7fffffff) | loWord(x)) === 0) return -Infinity;
        if (hx < 0) return NaN;
        k -= 54;
        x *= two54;
        hx = hiWord(x);
    }
    if (hx >= 0x7ff00000) return x + x;
    k += (hx >> 20) - 1023;
    hx &= 0x000fffff;
    let i = (hx + 0x95f64) & 0x100000;
    x = fromWords(hx | (i ^ 0x3ff00000), loWord(x)); // normalise x or x/2
    k += i >> 20;
    const f = x - 1.0, dk = k;
    if ((0x000fffff & (2 + hx)) < 3) { // |f| < 2^-20
        if (f === 0) return k === 0 ? 0 : dk * ln2Hi + dk * ln2Lo;
        const r = f * f * (0.5 - 0.33333333333333333 * f);
        return k === 0 ? f - r : dk * ln2Hi - ((r - dk * ln2Lo) - f);
    }
    const s = f / (2.0 + f), z = s * s, w = z * z;
    i = hx - 0x6147a;
    const j = 0x6b851 - hx;
    const t1 = w * (lg2 + w * (lg4 + w * lg6)), t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)));
    i |= j;
    const r = t2 + t1;
    if (i > 0) {
        const hfsq = 0.5 * f * f;
        return k === 0 ? f - (hfsq - s * (hfsq + r)) : dk * ln2Hi - ((hfsq - (s * (hfsq + r) + dk * ln2Lo)) - f);
    }
    return k === 0 ? f - s * (f - r) : dk * ln2Hi - ((s * (f - r) - dk * ln2Lo) - f);
}

// V8's Math.atan and Math.exp: fdlibm 5.3 s_atan.c and e_exp.c as V8 carries
// them (with V8's exact e for exp(1)), ported from prebake's Go port
// (cluster/fdlibm.go), beside sin and log above.
const ATAN_HI = [4.63647609000806093515e-01, 7.85398163397448278999e-01, 9.82793723247329054082e-01, 1.57079632679489655800e+00];
const ATAN_LO = [2.26987774529616870924e-17, 3.06161699786838301793e-17, 1.39033110312309984516e-17, 6.12323399573676603587e-17];
const AT = [3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01,
    -1.11111104054623557880e-01, 9.09088713343650656196e-02, -7.69187620504482999495e-02, 6.66107313738753120669e-02,
    -5.83357013379057348645e-02, 4.97687799461593236017e-02, -3.65315727442169155270e-02, 1.62858201153657823623e-02];

export function v8Atan(x) {
    const hx = hiWord(x), ix = hx & 0x7fffffff;
    if (ix >= 0x44100000) { // |x| >= 2^66
        if (ix > 0x7ff00000 || (ix === 0x7ff00000 && loWord(x) !== 0)) return x + x; // NaN
        return hx > 0 ? ATAN_HI[3] + ATAN_LO[3] : -ATAN_HI[3] - ATAN_LO[3];
    }
    let id = -1;
    if (ix < 0x3fdc0000) { // |x| < 0.4375
        if (ix < 0x3e400000) return x; // |x| < 2^-27
    } else {
        x = Math.abs(x);
        if (ix < 0x3fe60000) { id = 0; x = (2.0 * x - 1) / (2.0 + x); } // 7/16 <= |x| < 11/16
        else if (ix < 0x3ff30000) { id = 1; x = (x - 1) / (x + 1); } // 11/16 <= |x| < 19/16
        else if (ix < 0x40038000) { id = 2; x = (x - 1.5) / (1 + 1.5 * x); } // |x| < 2.4375
        else { id = 3; x = -1.0 / x; }
    }
    const z = x * x, w = z * z;
    const s1 = z * (AT[0] + w * (AT[2] + w * (AT[4] + w * (AT[6] + w * (AT[8] + w * AT[10])))));
    const s2 = w * (AT[1] + w * (AT[3] + w * (AT[5] + w * (AT[7] + w * AT[9]))));
    if (id < 0) return x - x * (s1 + s2);
    const r = ATAN_HI[id] - ((x * (s1 + s2) - ATAN_LO[id]) - x);
    return hx < 0 ? -r : r;
}

export function v8Exp(x) {
    const oThreshold = 7.09782712893383973096e+02, uThreshold = -7.45133219101941108420e+02,
        invln2 = 1.44269504088896338700e+00, P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
        P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08,
        E = 2.718281828459045, twom1000 = 9.33263618503218878990e-302, two1023 = 8.988465674311579539e307,
        ln2HI = 6.93147180369123816490e-01, ln2LO = 1.90821492927058770002e-10;
    let hx = hiWord(x) >>> 0;
    const xsb = hx >>> 31;
    hx &= 0x7fffffff;
    if (hx >= 0x40862e42) { // |x| >= 709.78...
        if (hx >= 0x7ff00000) {
            if (((hx & 0xfffff) | loWord(x)) !== 0) return x + x; // NaN
            return xsb === 0 ? x : 0;
        }
        if (x > oThreshold) return Infinity;
        if (x < uThreshold) return 0;
    }
    let hi = 0, lo = 0, k = 0;
    if (hx > 0x3fd62e42) { // |x| > 0.5 ln2
        if (hx < 0x3ff0a2b2) { // and |x| < 1.5 ln2
            if (x === 1.0) return E;
            hi = x - (xsb ? -ln2HI : ln2HI);
            lo = xsb ? -ln2LO : ln2LO;
            k = 1 - xsb - xsb;
        } else {
            k = (invln2 * x + (xsb ? -0.5 : 0.5)) | 0;
            const t = k;
            hi = x - t * ln2HI; // exact
            lo = t * ln2LO;
        }
        x = hi - lo;
    } else if (hx < 0x3e300000) { // |x| < 2^-28
        return 1 + x;
    }
    const t = x * x;
    const twopk = k >= -1021 ? fromWords(0x3ff00000 + (k << 20), 0) : fromWords(0x3ff00000 + ((k + 1000) << 20), 0);
    const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    if (k === 0) return 1 - ((x * c) / (c - 2.0) - x);
    const y = 1 - ((lo - (x * c) / (2.0 - c)) - hi);
    if (k >= -1021) return k === 1024 ? y * 2.0 * two1023 : y * twopk;
    return y * twopk * twom1000;
}
