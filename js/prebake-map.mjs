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

// SuperCluster's projection and grid, expression for expression.
const lngX = lng => lng / 360 + 0.5;
const latY = lat => {
    const sin = Math.sin(lat * Math.PI / 180);
    const y = (0.5 - 0.25 * Math.log((1 + sin) / (1 - sin)) / Math.PI);
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
