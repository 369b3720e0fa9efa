// prebake-map.mjs — find and filter the map features prebake baked for a viewport.
//
// Dependency-free ES module. Given a layer's tile set entry from prebake's
// manifest.json (manifest.tilesets["maptiles/DSR"]) it returns, for a viewport
// and a zoom, exactly the clusters and points SuperCluster's
// getClusters(bbox, zoom) returns for the same components (the layout is
// described in generators/maptiles/doc.go, scheme "prebake-cluster-tree/1").
// Components at the same position come as one point feature with `count` and `ids`.
//
//   import {openLayer} from './prebake-map.mjs';
//   const layer = openLayer(manifest.tilesets['maptiles/DSR'], {baseURL: '/static/prebake/'});
//   const features = await layer.getClusters([west, south, east, north], map.getZoom());
//
// Options: fetchJSON(url) -> Promise<object> (default: fetch + .json()),
// baseURL prefixed to relative URLs in the manifest (default '').

const SCHEME = 'prebake-cluster-tree/1';
const SCALE = 0x40000000; // 2^30: SuperCluster's integer grid
const HALF = 0x20000000; // 2^29

// V8's Math.sin and Math.log: fdlibm 5.3 as V8 carries it (src/base/ieee754.cc),
// in plain IEEE arithmetic, so every browser gets the bits prebake's Go port
// (cluster/fdlibm.go) filed the features by. The engines' own Math.sin differ in
// the last bit (Chromium now uses glibc's sin, Node 20 fdlibm's, Safari the
// system's), which moves a point next to a grid line into the neighbouring cell.
//
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunSoft, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================
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

// SuperCluster's projection and grid, expression for expression, with V8's sin and log.
const lngX = lng => lng / 360 + 0.5;
export const latY = lat => {
    const sin = fdlibmSin(lat * Math.PI / 180);
    const y = (0.5 - 0.25 * fdlibmLog((1 + sin) / (1 - sin)) / Math.PI);
    return y < 0 ? 0 : y > 1 ? 1 : y;
};
const encode = c => (c - 0.5) * SCALE;

export function openLayer(entry, options = {}) {
    const layout = entry && entry.layout;
    if (!layout || layout.scheme !== SCHEME) {
        throw new Error(`prebake-map: unsupported layout ${layout && layout.scheme}; want ${SCHEME}`);
    }
    const baseURL = options.baseURL || '';
    const fetchJSON = options.fetchJSON || (url => fetch(url).then(r => {
        if (!r.ok) throw new Error(`prebake-map: ${url}: HTTP ${r.status}`);
        return r.json();
    }));
    const resolve = url => /^[a-z][a-z0-9+.-]*:|^\//i.test(url) ? url : baseURL + url;
    const template = entry.tilejson.tiles[0];
    const minZoom = layout.min_zoom;
    const pointsZoom = layout.points_zoom;
    const files = new Map(); // url -> Promise of the file's features with their grid positions
    let rootPromise = null;

    function root() {
        if (!rootPromise) {
            const index = layout.index ? Promise.resolve(layout.index) : fetchJSON(resolve(layout.index_url));
            const p = index.then(decodeIndex);
            // A failed fetch is not kept: the next call fetches the index again.
            p.catch(() => { if (rootPromise === p) rootPromise = null; });
            rootPromise = p;
        }
        return rootPromise;
    }

    // The index is the node tree in preorder: 16 * band length + child mask per node.
    function decodeIndex(codes) {
        let i = 0;
        function node(level, x, y, from) {
            const code = codes[i++];
            const len = code >> 4;
            const n = {level, x, y, from, to: from + len - 1, children: []};
            const next = len > 0 ? from + len : from;
            for (let q = 0; q < 4; q++) {
                if (code & (1 << q)) n.children.push(node(level + 1, 2 * x + (q & 1), 2 * y + (q >> 1), next));
            }
            return n;
        }
        return codes.length ? node(0, 0, 0, minZoom) : null;
    }

    function load(n) {
        const url = resolve(template.replace('{z}', n.level).replace('{x}', n.x).replace('{y}', n.y));
        let p = files.get(url);
        if (!p) {
            p = fetchJSON(url).then(fc => fc.features.map(f => {
                const [lng, lat] = f.geometry.coordinates;
                const p = f.properties;
                // Clusters sit on the grid (their coordinates are a grid point projected
                // back); points are where SuperCluster truncated them onto it.
                const gx = encode(lngX(lng)), gy = encode(latY(lat));
                return {f, minzoom: p.minzoom, maxzoom: p.maxzoom,
                    x: p.cluster ? Math.round(gx) : Math.trunc(gx), y: p.cluster ? Math.round(gy) : Math.trunc(gy)};
            }));
            p.catch(() => files.delete(url)); // let a failed fetch be retried
            files.set(url, p);
        }
        return p;
    }

    // Nodes whose tile meets the grid box and whose band holds zoom z.
    function collect(n, z, box, out) {
        const size = 2 ** (30 - n.level);
        const x0 = n.x * size - HALF, y0 = n.y * size - HALF;
        const last = 2 ** n.level - 1;
        const x1 = n.x === last ? HALF : x0 + size - 1, y1 = n.y === last ? HALF : y0 + size - 1;
        if (box.maxX < x0 || box.minX > x1 || box.maxY < y0 || box.minY > y1) return;
        if (n.from <= z && z <= n.to) out.push(n);
        else if (z > n.to) for (const c of n.children) collect(c, z, box, out);
    }

    const gridBox = ([w, s, e, n]) => ({minX: encode(lngX(w)), minY: encode(latY(n)), maxX: encode(lngX(e)), maxY: encode(latY(s))});

    // SuperCluster's getClusters bbox normalisation: the zoom it uses and the one
    // or two (across the antimeridian) boxes it queries.
    function plan(bbox, zoom) {
        let minLng = ((bbox[0] + 180) % 360 + 360) % 360 - 180;
        const minLat = Math.max(-90, Math.min(90, bbox[1]));
        let maxLng = bbox[2] === 180 ? 180 : ((bbox[2] + 180) % 360 + 360) % 360 - 180;
        const maxLat = Math.max(-90, Math.min(90, bbox[3]));
        const z = Math.max(minZoom, Math.min(Math.floor(+zoom), pointsZoom));
        if (bbox[2] - bbox[0] >= 360) {
            minLng = -180;
            maxLng = 180;
        } else if (minLng > maxLng) {
            return {z, boxes: [[minLng, minLat, 180, maxLat], [-180, minLat, maxLng, maxLat]].map(gridBox)};
        }
        return {z, boxes: [gridBox([minLng, minLat, maxLng, maxLat])]};
    }

    async function query(r, box, z) {
        const nodes = [];
        collect(r, z, box, nodes);
        const loaded = await Promise.all(nodes.map(load));
        const out = [];
        for (const feats of loaded) {
            for (const e of feats) {
                if (e.minzoom <= z && z <= e.maxzoom &&
                    e.x >= box.minX && e.x <= box.maxX && e.y >= box.minY && e.y <= box.maxY) out.push(e.f);
            }
        }
        return out;
    }

    // getClusters(bbox, zoom): the GeoJSON features SuperCluster's getClusters
    // returns for [west, south, east, north] at zoom (in another order).
    async function getClusters(bbox, zoom) {
        const r = await root();
        if (!r) return [];
        const {z, boxes} = plan(bbox, zoom);
        const parts = await Promise.all(boxes.map(b => query(r, b, z)));
        return [].concat(...parts);
    }

    // urlsFor(bbox, zoom): the files getClusters(bbox, zoom) fetches, e.g. to prefetch.
    async function urlsFor(bbox, zoom) {
        const r = await root();
        if (!r) return [];
        const {z, boxes} = plan(bbox, zoom);
        const nodes = [];
        for (const b of boxes) collect(r, z, b, nodes);
        return [...new Set(nodes.map(n => resolve(template.replace('{z}', n.level).replace('{x}', n.x).replace('{y}', n.y))))];
    }

    // clearCache(): forget every fetched file and the index, so the next call
    // fetches them again.
    function clearCache() {
        files.clear();
        rootPromise = null;
    }

    return {getClusters, urlsFor, clearCache};
}
