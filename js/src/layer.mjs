// layer.mjs — openLayer: the map features prebake baked for a viewport, under
// the /map/ page's filters.
//
// Given a layer's tile set entry from prebake's manifest.json
// (manifest.tilesets["maptiles/default/DSR"]: the /map/ page's opening view of
// the DSR layer) it returns, for a viewport, a zoom and the /map/ page's
// filters, exactly the clusters and points SuperCluster's getClusters(bbox,
// zoom) returns for the components those filters keep (the layout is described
// in internal/generators/maptiles/doc.go, scheme "prebake-cluster-tree/3").
//
//   import {openLayer} from '@prebake/client';
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
//   components the filters keep, make the markers /api/map-data/ would give
//   for them (one per exact position, markers.mjs) and cluster those in the
//   browser with SuperCluster's algorithm and the tile set's options
//   (supercluster.mjs, a port of supercluster 9.1.0), returning exactly what
//   supercluster returns for the same markers in the same order.
// Either way a cluster's point_count counts markers (positions), as the app's
// page does, and its "components" the components they stand for; a point's
// "count" and "ids" are the components at its position.
import {CLUSTER_TREE_SCHEME, decodeIndex, tileURL, collectNodes, plan, decodeFile} from './tiles.mjs';
import {decodeAttributes, mapFilter} from './filters.mjs';
import {Supercluster} from './supercluster.mjs';
import {attrMarkers} from './markers.mjs';

export function openLayer(entry, options = {}) {
    const layout = entry && entry.layout;
    if (!layout || layout.scheme !== CLUSTER_TREE_SCHEME) {
        throw new Error(`prebake-map: unsupported layout ${layout && layout.scheme}; want ${CLUSTER_TREE_SCHEME}`);
    }
    const baseURL = options.baseURL || '';
    const io = {
        fetchJSON: options.fetchJSON || fetchJSONOK,
        resolve: url => /^[a-z][a-z0-9+.-]*:|^\//i.test(url) ? url : baseURL + url,
    };
    const tiles = bakedView(entry, layout, io);
    const client = clientClustering(entry, layout, io);
    const baked = layout.view != null; // the tile set is the default view

    return {
        // getClusters(bbox, zoom[, filters]).
        async getClusters(bbox, zoom, filters) {
            if (baked && mapFilter(filters).isDefault) return tiles.getClusters(bbox, zoom);
            return (await client.filteredIndex(filters)).getClusters(bbox, zoom);
        },
        urlsFor: tiles.urlsFor,
        // attributes() and filteredIndex(filters) are internals for the benchmark
        // (js/test/bench-filters.mjs), not declared in index.d.ts.
        attributes: client.attributes,
        filteredIndex: client.filteredIndex,
        // clearCache(): forget every fetched file, the index, the attribute file and
        // the filtered clusterings, so the next call fetches them again.
        clearCache() {
            tiles.clear();
            client.clear();
        },
    };
}

const fetchJSONOK = url => fetch(url).then(r => {
    if (!r.ok) throw new Error(`prebake-map: ${url}: HTTP ${r.status}`);
    return r.json();
});

// retryingCache is a map of promises that forgets a promise once it fails, so
// that a failed fetch is not kept: the next call fetches again.
function retryingCache() {
    const m = new Map();
    return {
        get(key, make) {
            let p = m.get(key);
            if (!p) {
                p = make();
                m.set(key, p);
                p.catch(() => { if (m.get(key) === p) m.delete(key); });
            }
            return p;
        },
        clear: () => m.clear(),
    };
}

const INDEX = Symbol('index'); // the cache key of a tile set's index, unlike any URL

// bakedView reads the baked tile set (the default filters): the index once,
// then the files of each viewport.
function bakedView(entry, layout, {fetchJSON, resolve}) {
    const template = entry.tilejson.tiles[0];
    const minZoom = layout.min_zoom, pointsZoom = layout.points_zoom;
    const cache = retryingCache(); // INDEX and file URLs -> promises
    const root = () => cache.get(INDEX, () =>
        (layout.index ? Promise.resolve(layout.index) : fetchJSON(resolve(layout.index_url))).then(codes => decodeIndex(codes, minZoom)));
    const urlOf = n => resolve(tileURL(template, n));
    // load(n): the features of node n's file with their grid positions.
    const load = n => {
        const url = urlOf(n);
        return cache.get(url, () => fetchJSON(url).then(file => decodeFile(file, layout)));
    };

    async function query(r, box, z) {
        const nodes = [];
        collectNodes(r, z, box, nodes);
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

    return {
        // getClusters(bbox, zoom): the GeoJSON features SuperCluster's getClusters
        // returns for [west, south, east, north] at zoom (in another order).
        async getClusters(bbox, zoom) {
            const r = await root();
            if (!r) return [];
            const {z, boxes} = plan(bbox, zoom, minZoom, pointsZoom);
            const parts = await Promise.all(boxes.map(b => query(r, b, z)));
            return [].concat(...parts);
        },
        // urlsFor(bbox, zoom): the files getClusters(bbox, zoom) fetches, e.g. to prefetch.
        async urlsFor(bbox, zoom) {
            const r = await root();
            if (!r) return [];
            const {z, boxes} = plan(bbox, zoom, minZoom, pointsZoom);
            const nodes = [];
            for (const b of boxes) collectNodes(r, z, b, nodes);
            return [...new Set(nodes.map(urlOf))];
        },
        clear: cache.clear,
    };
}

// clientClustering clusters the layer's attribute file in the browser for any
// filters: the file once, a Supercluster per filter set (the last few kept).
function clientClustering(entry, layout, {fetchJSON, resolve}) {
    const attrsURL = layout.attributes_url;
    const withCats = Array.isArray(layout.categories);
    const cache = retryingCache(); // the attribute file
    const indexes = new Map(); // filter key -> Supercluster, most recent last

    function attributes() {
        if (!attrsURL) return Promise.reject(new Error(`prebake-map: tile set ${entry.tilejson && entry.tilejson.name} has no attribute file`));
        return cache.get(attrsURL, () => fetchJSON(resolve(attrsURL)).then(decodeAttributes));
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
        const markers = attrMarkers(a, keep);
        const seeds = new WeakMap(); // a marker's properties -> its cluster aggregate
        const props = markers.map(rows => {
            const p = a.properties(rows[0]);
            const seed = {mw: 0, components: rows.length};
            // Summed in rows order, as the Go baker sums a point's mw.
            let mw = 0;
            for (const r of rows) {
                mw += a.mw[r];
                if (withCats) {
                    const cat = a.dicts.category[a.category[r]];
                    seed[cat] = (seed[cat] || 0) + 1;
                }
            }
            p.count = rows.length;
            p.ids = rows.map(r => a.id[r]);
            p.mw = mw;
            seed.mw = mw;
            seeds.set(p, seed);
            return p;
        });
        ix = new Supercluster({radius: layout.radius, extent: layout.extent, minZoom: layout.min_zoom,
            maxZoom: layout.points_zoom - 1, minPoints: layout.min_points, nodeSize: 64,
            map: p => Object.assign({}, seeds.get(p)),
            reduce: (acc, p) => {
                for (const k in p) acc[k] = (acc[k] || 0) + p[k];
            }});
        ix.loadColumns(markers.length, i => a.lng[markers[i][0]], i => a.lat[markers[i][0]], i => a.id[markers[i][0]], i => props[i]);
        indexes.set(f.key, ix);
        if (indexes.size > 4) indexes.delete(indexes.keys().next().value);
        return ix;
    }

    return {
        attributes, filteredIndex,
        clear() {
            cache.clear();
            indexes.clear();
        },
    };
}
