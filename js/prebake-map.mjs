// prebake-map.mjs — find and filter the map features prebake baked for a viewport.
//
// ES module; its one import is ./src/rules.mjs (the app's rules, generated
// from internal/apprules/app_rules.json). Given a layer's tile set entry from prebake's
// manifest.json (manifest.tilesets["maptiles/default/DSR"]: the /map/ page's
// opening view of the DSR layer) it returns, for a viewport, a zoom and the
// /map/ page's filters, exactly the clusters and points SuperCluster's
// getClusters(bbox, zoom) returns for the components those filters keep (the
// layout is described in internal/generators/maptiles/doc.go, scheme
// "prebake-cluster-tree/2").
//
//   import {openLayer} from './prebake-map.mjs';
//   const layer = openLayer(manifest.tilesets['maptiles/default/DSR'], {baseURL: '/static/prebake/'});
//   const features = await layer.getClusters([west, south, east, north], map.getZoom(), {});
//
// Options: fetchJSON(url) -> Promise<object> (default: fetch + .json()),
// baseURL prefixed to relative URLs in the manifest (default '').
//
// layer.getClusters(bbox, zoom, filters), filters an object of the
// /api/map-data/ parameters (company, year, cm_period, technology,
// exact_technology; see mapFilter):
// - the page's default filters ({}: residential DSR excluded, period future)
//   are the baked tile set: the files of the viewport are fetched and decoded to
//   the GeoJSON features /api/map-data/ gives, components at one position as
//   one point feature with `count` and `ids`, clustered as SuperCluster does;
// - any other filters, and no filters at all (filters null or absent: every
//   component of the layer), fetch the layer's attribute file once, select the
//   components the filters keep and cluster them in the browser with
//   SuperCluster's algorithm and the tile set's options (Supercluster below, a
//   port of supercluster 9.1.0), returning exactly what supercluster returns for
//   the same points in the layer's input order (ascending register id).

const SCHEME = 'prebake-cluster-tree/2';
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
            p = fetchJSON(url).then(file => decodeFile(file, layout));
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

    // ---- other filters, clustered in the browser ----
    const attrsURL = layout.attributes_url;
    const withCats = Array.isArray(layout.categories);
    const baked = layout.view != null; // the tile set is the default view
    let attrsPromise = null;
    const indexes = new Map(); // filter key -> Supercluster, most recent last (a few kept)

    function attributes() {
        if (!attrsURL) return Promise.reject(new Error(`prebake-map: tile set ${entry.tilejson && entry.tilejson.name} has no attribute file`));
        if (!attrsPromise) {
            attrsPromise = fetchJSON(resolve(attrsURL)).then(decodeAttributes);
            attrsPromise.catch(() => { attrsPromise = null; });
        }
        return attrsPromise;
    }

    // filteredIndex(filters): the Supercluster of the components the filters
    // keep (every component when filters is null).
    async function filteredIndex(filters) {
        const f = mapFilter(filters);
        let ix = indexes.get(f.key);
        if (ix) {
            indexes.delete(f.key);
            indexes.set(f.key, ix);
            return ix;
        }
        const a = await attributes();
        const keep = [];
        for (let i = 0; i < a.count; i++) if (f.test(a, i)) keep.push(i);
        ix = new Supercluster({radius: layout.radius, extent: layout.extent, minZoom: minZoom,
            maxZoom: pointsZoom - 1, minPoints: layout.min_points, nodeSize: 64,
            map: withCats ? p => ({mw: p.mw, [p.display_technology]: 1}) : p => ({mw: p.mw}),
            reduce: (acc, p) => {
                for (const k in p) acc[k] = (acc[k] || 0) + p[k];
            }});
        ix.loadColumns(keep.length, i => a.lng[keep[i]], i => a.lat[keep[i]], i => a.id[keep[i]], i => a.properties(keep[i]));
        indexes.set(f.key, ix);
        if (indexes.size > 4) indexes.delete(indexes.keys().next().value);
        return ix;
    }

    // getClusters(bbox, zoom[, filters]).
    async function getFiltered(bbox, zoom, filters) {
        if (baked && mapFilter(filters).isDefault) return getClusters(bbox, zoom);
        return (await filteredIndex(filters)).getClusters(bbox, zoom);
    }

    // clearCache(): forget every fetched file, the index, the attribute file and
    // the filtered clusterings, so the next call fetches them again.
    function clearCache() {
        files.clear();
        rootPromise = null;
        attrsPromise = null;
        indexes.clear();
    }

    return {getClusters: getFiltered, urlsFor, attributes, filteredIndex, clearCache};
}

// decodeFile(file, layout) turns a file of a tile set (scheme
// prebake-cluster-tree/2: columns, strings indexed) into its GeoJSON features,
// each as {f, minzoom, maxzoom, x, y} with x, y its cell on SuperCluster's
// integer grid: clusters with the properties SuperCluster gives them (cluster,
// cluster_id, point_count, point_count_abbreviated), expansion_zoom, mw, a
// count per category on the all layer, minzoom and maxzoom, at SuperCluster's
// position for their grid cell; points with the /api/map-data/ properties of
// their representative, count, ids, mw, minzoom and maxzoom, at their own
// position.
export function decodeFile(file, layout) {
    const out = [];
    const strs = file.strings || [];
    const c = file.clusters;
    if (c) {
        const cats = layout.categories;
        for (let i = 0; i < c.id.length; i++) {
            const count = c.count[i];
            const properties = {cluster: true, cluster_id: c.id[i], point_count: count,
                point_count_abbreviated: abbreviate(count), expansion_zoom: c.expansion_zoom[i], mw: c.mw[i]};
            if (c.categories) {
                const pairs = c.categories[i];
                for (let k = 0; k < pairs.length; k += 2) properties[cats[pairs[k]]] = pairs[k + 1];
            }
            properties.minzoom = c.minzoom[i];
            properties.maxzoom = c.maxzoom[i];
            const x = c.x[i], y = c.y[i];
            out.push({f: {type: 'Feature', id: c.id[i], geometry: {type: 'Point',
                coordinates: [xLng(decodeGrid(x)), yLat(decodeGrid(y))]}, properties},
                minzoom: properties.minzoom, maxzoom: properties.maxzoom, x, y});
        }
    }
    const p = file.points;
    if (p) {
        const top = layout.points_zoom;
        const str = (col, i) => { const v = p[col][i]; return v < 0 ? null : strs[v]; };
        // -2 in detailUrl: the app's location page of the title.
        const url = (i, title) => p.detailUrl[i] === -2 ? locationURL(title) : str('detailUrl', i);
        for (let i = 0; i < p.ids.length; i++) {
            const ids = p.ids[i], lng = p.lng[i], lat = p.lat[i], title = str('title', i);
            const properties = {id: ids[0], cmu_id: str('cmu_id', i), title,
                technology: str('technology', i), display_technology: str('display_technology', i),
                company: str('company', i), description: str('description', i),
                delivery_year: str('delivery_year', i), auction_name: str('auction_name', i),
                detailUrl: url(i, title), count: ids.length, ids, mw: p.mw[i], minzoom: p.minzoom[i], maxzoom: top};
            out.push({f: {type: 'Feature', id: ids[0], geometry: {type: 'Point', coordinates: [lng, lat]}, properties},
                minzoom: properties.minzoom, maxzoom: top,
                x: Math.trunc(encode(lngX(lng))), y: Math.trunc(encode(latY(lat)))});
        }
    }
    return out;
}

// ResidentialCompanies: the companies /map/ hides unless a company is chosen
// (app_rules.json residential_companies, in its order).
import {RESIDENTIAL_COMPANIES as RESIDENTIAL_BY_SUBTYPE, pyQuote, locationURL} from './src/rules.mjs';
export const RESIDENTIAL_COMPANIES = Object.values(RESIDENTIAL_BY_SUBTYPE);

// decodeAttributes turns an attribute file (scheme prebake-attrs/1, written by
// internal/generators/maptiles) into columns: lng, lat (Float64Array), id (register ids),
// and per-row codes, with properties(i) giving a point's GeoJSON properties.
export function decodeAttributes(file) {
    if (!file || file.scheme !== 'prebake-attrs/1') throw new Error(`prebake-map: unsupported attribute file ${file && file.scheme}`);
    const n = file.count;
    const lng = new Float64Array(n), lat = new Float64Array(n), id = new Array(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
        const p = file.position[i];
        lng[i] = file.positions[2 * p];
        lat[i] = file.positions[2 * p + 1];
        prev += file.id[i];
        id[i] = prev;
    }
    const d = file.dicts;
    const a = {
        count: n, lng, lat, id, dicts: d,
        category: file.category, technology: file.technology, company: file.company,
        delivery_year: file.delivery_year, mw: file.mw, active: file.active, residential: file.residential,
        properties: i => {
            const y = file.delivery_year[i];
            return {id: id[i], technology: d.technology[file.technology[i]] || 'Unknown',
                display_technology: d.category[file.category[i]], company: d.company[file.company[i]],
                delivery_year: y < 0 ? null : d.delivery_year[y], mw: file.mw[i]};
        },
    };
    return a;
}

// mapFilter(filters) states the /map/ page's filters (app-integration.md, Map
// points; the app's /api/map-data/), all applied together:
//   company: exact company name; when absent, RESIDENTIAL_COMPANIES are excluded;
//   year: exact delivery year ("2024"); when absent, cm_period: 'future' (the
//     default: the component's location group is active) or 'historical' (not);
//   technology: a category ('OCGT' names 'Gas', as the front end does; 'All' or
//     absent = every category); exact_technology: one raw class.
// Empty strings count as absent. filters null or undefined is no filter at all
// (every component). Returns {key, isDefault, test(attrs, i)}.
export function mapFilter(filters) {
    if (filters == null) return {key: 'none', isDefault: false, test: () => true};
    const v = k => (filters && filters[k] != null && filters[k] !== '' ? String(filters[k]) : null);
    const company = v('company'), year = v('year'), exact = v('exact_technology');
    let tech = v('technology');
    if (tech === 'All') tech = null;
    if (tech === 'OCGT') tech = 'Gas';
    const period = v('cm_period') === 'historical' ? 'historical' : 'future';
    const key = JSON.stringify([company, year, year ? null : period, tech, exact]);
    const isDefault = !company && !year && period === 'future' && !tech && !exact;
    const test = (a, i) => {
        const d = a.dicts;
        if (company !== null ? d.company[a.company[i]] !== company : a.residential[i] === 1) return false;
        if (year !== null) {
            if (a.delivery_year[i] < 0 || d.delivery_year[a.delivery_year[i]] !== year) return false;
        } else if ((a.active[i] === 1) !== (period === 'future')) return false;
        if (tech !== null && d.category[a.category[i]] !== tech) return false;
        if (exact !== null && d.technology[a.technology[i]] !== exact) return false;
        return true;
    };
    return {key, isDefault, test};
}

// ---- SuperCluster 9.1.0 and KDBush 4.1.0, ported --------------------------
// A port of the supercluster npm package 9.1.0 (with its Int32 grid) and the
// kdbush 4.1.0 it uses, both ISC licence, Copyright (c) Mapbox / Volodymyr
// Agafonkin: written here so the module stays dependency-free, statement for
// statement the same arithmetic and order (so the same clusters, ids and
// output order), with two changes that do not alter results: points come as
// columns (loadColumns) and zooms are clustered lazily, from the top down to the
// lowest zoom asked for (a zoom's clusters depend only on the zooms above it).
// The projection is this module's lngX/latY. Tested against supercluster in
// js/test (prebake-filters-check.mjs).

const OFFSET_ZOOM = 2, OFFSET_ID = 3, OFFSET_PARENT = 4, OFFSET_NUM = 5, OFFSET_PROP = 6;
const INV_SCALE = 1 / SCALE;
const decodeGrid = v => v * INV_SCALE + 0.5;
const xLng = x => (x - 0.5) * 360;
// SuperCluster's inverse projection with V8's atan and exp (below), so the
// coordinates of clusters and points are Node's to the last bit in any engine
// (Chromium's own Math.atan/exp differ).
const yLat = y => {
    const y2 = (180 - y * 360) * Math.PI / 180;
    return 360 * v8Atan(v8Exp(y2)) / Math.PI - 90;
};

// V8's Math.atan and Math.exp: fdlibm 5.3 s_atan.c and e_exp.c as V8 carries
// them (src/base/ieee754.cc, with V8's exact e for exp(1)), in plain IEEE
// arithmetic, ported from prebake's Go port (cluster/fdlibm.go), beside sin and
// log above (the same Sun Microsystems notice applies).
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

export class Supercluster {
    constructor(options) {
        const opts = this.options = Object.assign({minZoom: 0, maxZoom: 16, minPoints: 2, radius: 40, extent: 512,
            nodeSize: 64, reduce: null, map: p => p}, options);
        opts.maxZoom = Math.min(opts.maxZoom, 30);
        opts.minZoom = Math.min(opts.minZoom, opts.maxZoom);
        this.trees = new Array(opts.maxZoom + 2);
        this.stride = opts.reduce ? 7 : 6;
        this.clusterProps = [];
    }

    // loadColumns(n, lng(i), lat(i), id(i), properties(i)): n points in input order.
    loadColumns(n, lngOf, latOf, idOf, propsOf) {
        const {maxZoom} = this.options;
        const stride = this.stride;
        this.numPoints = n;
        const props = this.props = new Array(n);
        const coords = this.coords = new Float64Array(n * 2);
        const ids = this.ids = new Array(n);
        const data = new Int32Array(n * stride);
        for (let i = 0, w = 0; i < n; i++, w += stride) {
            const px = lngX(lngOf(i)), py = latY(latOf(i));
            coords[2 * i] = px;
            coords[2 * i + 1] = py;
            data[w] = encode(px);
            data[w + 1] = encode(py);
            data[w + OFFSET_ZOOM] = maxZoom + 1;
            data[w + OFFSET_ID] = i;
            data[w + OFFSET_PARENT] = -1;
            data[w + OFFSET_NUM] = 1;
            props[i] = propsOf(i);
            ids[i] = idOf(i);
        }
        this.trees[maxZoom + 1] = this._createTree(data, n);
        this._prev = data;
        this._prevNum = n;
        this._built = maxZoom + 1; // lowest zoom clustered so far
        return this;
    }

    // _tree(z) clusters down to zoom z (as load does, zoom by zoom) and returns its tree.
    _tree(z) {
        while (this._built > z) {
            const zoom = this._built - 1;
            const out = this._recycled || new Int32Array(this._prevNum * this.stride);
            this._recycled = null;
            const written = this._cluster(this._prev, this._prevNum, zoom, out);
            if (written === this._prevNum) {
                this.trees[zoom] = this.trees[zoom + 1];
                this._recycled = out;
            } else {
                this.trees[zoom] = this._createTree(out, written);
                this._prev = out;
                this._prevNum = written;
            }
            this._built = zoom;
        }
        return this.trees[z];
    }

    getClusters(bbox, zoom) {
        let minLng = ((bbox[0] + 180) % 360 + 360) % 360 - 180;
        const minLat = Math.max(-90, Math.min(90, bbox[1]));
        let maxLng = bbox[2] === 180 ? 180 : ((bbox[2] + 180) % 360 + 360) % 360 - 180;
        const maxLat = Math.max(-90, Math.min(90, bbox[3]));
        if (bbox[2] - bbox[0] >= 360) {
            minLng = -180;
            maxLng = 180;
        } else if (minLng > maxLng) {
            const easternHem = this.getClusters([minLng, minLat, 180, maxLat], zoom);
            const westernHem = this.getClusters([-180, minLat, maxLng, maxLat], zoom);
            return easternHem.concat(westernHem);
        }
        const tree = this._tree(this._limitZoom(zoom));
        const ids = tree.range(encode(lngX(minLng)), encode(latY(maxLat)), encode(lngX(maxLng)), encode(latY(minLat)));
        const data = tree.data;
        const clusters = [];
        for (const id of ids) clusters.push(this._featureJSON(data, this.stride * id));
        return clusters;
    }

    getChildren(clusterId) {
        const originId = this._getOriginId(clusterId);
        const originZoom = this._getOriginZoom(clusterId);
        const errorMsg = 'No cluster with the specified id.';
        const tree = originZoom >= this._built ? this.trees[originZoom] : undefined;
        if (!tree) throw new Error(errorMsg);
        const data = tree.data;
        if (originId >= tree.numItems) throw new Error(errorMsg);
        const r = this.options.radius / (this.options.extent * Math.pow(2, originZoom - 1));
        const x = data[originId * this.stride];
        const y = data[originId * this.stride + 1];
        const ids = tree.within(x, y, r * SCALE);
        const children = [];
        for (const id of ids) {
            const k = id * this.stride;
            if (data[k + OFFSET_PARENT] === clusterId) children.push(this._featureJSON(data, k));
        }
        if (children.length === 0) throw new Error(errorMsg);
        return children;
    }

    getClusterExpansionZoom(clusterId) {
        let expansionZoom = this._getOriginZoom(clusterId) - 1;
        while (expansionZoom <= this.options.maxZoom) {
            const children = this.getChildren(clusterId);
            expansionZoom++;
            if (children.length !== 1) break;
            clusterId = children[0].properties.cluster_id;
        }
        return expansionZoom;
    }

    _createTree(data, numItems) {
        const tree = new KDBush(numItems, this.options.nodeSize);
        const stride = this.stride;
        for (let i = 0; i < numItems; i++) tree.add(data[i * stride], data[i * stride + 1]);
        tree.finish();
        tree.data = data;
        return tree;
    }

    _limitZoom(z) {
        return Math.max(this.options.minZoom, Math.min(Math.floor(+z), this.options.maxZoom + 1));
    }

    _cluster(data, numItems, zoom, out) {
        const {radius, extent, reduce, minPoints, maxZoom} = this.options;
        const r = radius / (extent * (1 << zoom)) * SCALE;
        const notProcessed = maxZoom + 1;
        const tree = this.trees[zoom + 1];
        const stride = this.stride;
        const limit = numItems * stride;
        const neighborIds = new Uint32Array(numItems);
        let cursor = 0;
        for (let i = 0; i < limit; i += stride) {
            if (data[i + OFFSET_ZOOM] <= zoom) continue;
            data[i + OFFSET_ZOOM] = zoom;
            const x = data[i];
            const y = data[i + 1];
            const neighborCount = tree.withinInto(x, y, r, neighborIds);
            const numPointsOrigin = data[i + OFFSET_NUM];
            let numPoints = numPointsOrigin;
            for (let n = 0; n < neighborCount; n++) {
                const k = neighborIds[n] * stride;
                if (data[k + OFFSET_ZOOM] > zoom) numPoints += data[k + OFFSET_NUM];
            }
            if (numPoints > numPointsOrigin && numPoints >= minPoints) {
                let wx = x * numPointsOrigin;
                let wy = y * numPointsOrigin;
                let clusterProperties;
                let clusterPropIndex = -1;
                const id = ((i / stride | 0) << 5) + (zoom + 1) + this.numPoints;
                for (let n = 0; n < neighborCount; n++) {
                    const k = neighborIds[n] * stride;
                    if (data[k + OFFSET_ZOOM] <= zoom) continue;
                    data[k + OFFSET_ZOOM] = zoom;
                    const numPoints2 = data[k + OFFSET_NUM];
                    wx += data[k] * numPoints2;
                    wy += data[k + 1] * numPoints2;
                    data[k + OFFSET_PARENT] = id;
                    if (reduce) {
                        if (!clusterProperties) {
                            clusterProperties = this._map(data, i, true);
                            clusterPropIndex = this.clusterProps.length;
                            this.clusterProps.push(clusterProperties);
                        }
                        reduce(clusterProperties, this._map(data, k));
                    }
                }
                data[i + OFFSET_PARENT] = id;
                out[cursor] = wx / numPoints;
                out[cursor + 1] = wy / numPoints;
                out[cursor + OFFSET_ZOOM] = notProcessed;
                out[cursor + OFFSET_ID] = id;
                out[cursor + OFFSET_PARENT] = -1;
                out[cursor + OFFSET_NUM] = numPoints;
                if (reduce) out[cursor + OFFSET_PROP] = clusterPropIndex;
                cursor += stride;
            } else {
                for (let j = 0; j < stride; j++) out[cursor + j] = data[i + j];
                cursor += stride;
                if (numPoints > 1) {
                    for (let n = 0; n < neighborCount; n++) {
                        const k = neighborIds[n] * stride;
                        if (data[k + OFFSET_ZOOM] <= zoom) continue;
                        data[k + OFFSET_ZOOM] = zoom;
                        for (let j = 0; j < stride; j++) out[cursor + j] = data[k + j];
                        cursor += stride;
                    }
                }
            }
        }
        return cursor / stride;
    }

    _getOriginId(clusterId) {
        return (clusterId - this.numPoints) >> 5;
    }

    _getOriginZoom(clusterId) {
        return (clusterId - this.numPoints) % 32;
    }

    _featureJSON(data, k) {
        const i = data[k + OFFSET_ID];
        const isCluster = data[k + OFFSET_NUM] > 1;
        const id = isCluster ? i : this.ids ? this.ids[i] : undefined;
        const properties = isCluster ? getClusterProperties(data, k, this.clusterProps) : this.props[i];
        const coordinates = isCluster ?
            [xLng(decodeGrid(data[k])), yLat(decodeGrid(data[k + 1]))] :
            [xLng(this.coords[2 * i]), yLat(this.coords[2 * i + 1])];
        const f = {type: 'Feature', properties, geometry: {type: 'Point', coordinates}};
        if (id !== undefined) f.id = id;
        return f;
    }

    _map(data, i, clone) {
        if (data[i + OFFSET_NUM] > 1) {
            const props = this.clusterProps[data[i + OFFSET_PROP]];
            return clone ? Object.assign({}, props) : props;
        }
        const original = this.props[data[i + OFFSET_ID]];
        const result = this.options.map(original);
        return clone && result === original ? Object.assign({}, result) : result;
    }
}

// pyQuote(s) is Python's urllib.parse.quote(s, safe=""), which the app's
// detailUrl uses (./src/rules.mjs).
export {pyQuote};

// abbreviate(count) is SuperCluster's point_count_abbreviated.
const abbreviate = count =>
    count >= 10000 ? `${Math.round(count / 1000)}k` :
    count >= 1000 ? `${Math.round(count / 100) / 10}k` : count;

function getClusterProperties(data, i, clusterProps) {
    const count = data[i + OFFSET_NUM];
    const abbrev = abbreviate(count);
    const propIndex = data[i + OFFSET_PROP];
    const properties = propIndex === -1 ? {} : Object.assign({}, clusterProps[propIndex]);
    return Object.assign(properties, {
        cluster: true,
        'cluster_id': data[i + OFFSET_ID],
        'point_count': count,
        'point_count_abbreviated': abbrev,
    });
}

// KDBush 4.1.0 with Int32 coordinates, as supercluster builds it.
const KD_STACK = new Uint32Array(96);

class KDBush {
    constructor(numItems, nodeSize = 64) {
        this.numItems = numItems;
        this.nodeSize = Math.min(Math.max(+nodeSize, 2), 65535);
        this.ids = numItems < 65536 ? new Uint16Array(numItems) : new Uint32Array(numItems);
        this.coords = new Int32Array(numItems * 2);
        this._pos = 0;
    }

    add(x, y) {
        const index = this._pos >> 1;
        this.ids[index] = index;
        this.coords[this._pos++] = x;
        this.coords[this._pos++] = y;
        return index;
    }

    finish() {
        kdSort(this.ids, this.coords, this.nodeSize, 0, this.numItems - 1, 0);
        return this;
    }

    range(minX, minY, maxX, maxY) {
        const {ids, coords, nodeSize} = this;
        const stack = KD_STACK;
        stack[0] = 0;
        stack[1] = ids.length - 1;
        stack[2] = 0;
        let sp = 3;
        const result = [];
        while (sp > 0) {
            const axis = stack[--sp];
            const right = stack[--sp];
            const left = stack[--sp];
            if (right - left <= nodeSize) {
                for (let i = left; i <= right; i++) {
                    const x = coords[2 * i];
                    const y = coords[2 * i + 1];
                    if (x >= minX && x <= maxX && y >= minY && y <= maxY) result.push(ids[i]);
                }
                continue;
            }
            const m = (left + right) >> 1;
            const x = coords[2 * m];
            const y = coords[2 * m + 1];
            if (x >= minX && x <= maxX && y >= minY && y <= maxY) result.push(ids[m]);
            if (axis === 0 ? minX <= x : minY <= y) {
                stack[sp++] = left;
                stack[sp++] = m - 1;
                stack[sp++] = 1 - axis;
            }
            if (axis === 0 ? maxX >= x : maxY >= y) {
                stack[sp++] = m + 1;
                stack[sp++] = right;
                stack[sp++] = 1 - axis;
            }
        }
        return result;
    }

    within(qx, qy, r) {
        const result = [];
        this.withinInto(qx, qy, r, result);
        return result;
    }

    withinInto(qx, qy, r, out) {
        const {ids, coords, nodeSize} = this;
        const stack = KD_STACK;
        stack[0] = 0;
        stack[1] = ids.length - 1;
        stack[2] = 0;
        let sp = 3;
        let count = 0;
        const r2 = r * r;
        while (sp > 0) {
            const axis = stack[--sp];
            const right = stack[--sp];
            const left = stack[--sp];
            if (right - left <= nodeSize) {
                for (let i = left; i <= right; i++) {
                    if (sqDist(coords[2 * i], coords[2 * i + 1], qx, qy) <= r2) out[count++] = ids[i];
                }
                continue;
            }
            const m = (left + right) >> 1;
            const x = coords[2 * m];
            const y = coords[2 * m + 1];
            if (sqDist(x, y, qx, qy) <= r2) out[count++] = ids[m];
            if (axis === 0 ? qx - r <= x : qy - r <= y) {
                stack[sp++] = left;
                stack[sp++] = m - 1;
                stack[sp++] = 1 - axis;
            }
            if (axis === 0 ? qx + r >= x : qy + r >= y) {
                stack[sp++] = m + 1;
                stack[sp++] = right;
                stack[sp++] = 1 - axis;
            }
        }
        return count;
    }
}

function kdSort(ids, coords, nodeSize, left, right, axis) {
    if (right - left <= nodeSize) return;
    const m = (left + right) >> 1;
    kdSelect(ids, coords, m, left, right, axis);
    kdSort(ids, coords, nodeSize, left, m - 1, 1 - axis);
    kdSort(ids, coords, nodeSize, m + 1, right, 1 - axis);
}

// Floyd-Rivest selection. Its sampling bounds use Math.log and Math.exp (Node's
// V8: fdlibm); an engine whose last bit differs changes a bound
// only when it floors across an integer, which would reorder ids inside a tree
// node: the clusters stay the same; the order of getClusters' output and the
// last bits of the mw sums could then differ.
function kdSelect(ids, coords, k, left, right, axis) {
    while (right > left) {
        if (right - left > 600) {
            const n = right - left + 1;
            const m = k - left + 1;
            const z = Math.log(n);
            const s = 0.5 * Math.exp(2 * z / 3);
            const sd = 0.5 * Math.sqrt(z * s * (n - s) / n) * (m - n / 2 < 0 ? -1 : 1);
            const newLeft = Math.max(left, Math.floor(k - m * s / n + sd));
            const newRight = Math.min(right, Math.floor(k + (n - m) * s / n + sd));
            kdSelect(ids, coords, k, newLeft, newRight, axis);
        }
        const t = coords[2 * k + axis];
        let i = left;
        let j = right;
        kdSwap(ids, coords, left, k);
        if (coords[2 * right + axis] > t) kdSwap(ids, coords, left, right);
        while (i < j) {
            kdSwap(ids, coords, i, j);
            i++;
            j--;
            while (coords[2 * i + axis] < t) i++;
            while (coords[2 * j + axis] > t) j--;
        }
        if (coords[2 * left + axis] === t) kdSwap(ids, coords, left, j);
        else {
            j++;
            kdSwap(ids, coords, j, right);
        }
        if (j <= k) left = j + 1;
        if (k <= j) right = j - 1;
    }
}

function kdSwap(ids, coords, i, j) {
    let tmp = ids[i]; ids[i] = ids[j]; ids[j] = tmp;
    tmp = coords[2 * i]; coords[2 * i] = coords[2 * j]; coords[2 * j] = tmp;
    tmp = coords[2 * i + 1]; coords[2 * i + 1] = coords[2 * j + 1]; coords[2 * j + 1] = tmp;
}

function sqDist(ax, ay, bx, by) {
    const dx = ax - bx;
    const dy = ay - by;
    return dx * dx + dy * dy;
}
