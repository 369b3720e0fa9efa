// tiles.mjs — reading a baked tile set of scheme prebake-cluster-tree/3 (Go:
// internal/generators/maptiles; the layout is described in its doc.go): the
// node index, the nodes a viewport needs, and a file's GeoJSON features.
import {HALF, lngX, latY, xLng, yLat, encode, decodeGrid} from './mercator.mjs';
import {abbreviate} from './supercluster.mjs';
import {locationURL} from './rules.mjs';

// CLUSTER_TREE_SCHEME is the tile set layout this client reads
// (manifest.tilesets[name].layout.scheme); the package's major version is its number.
export const CLUSTER_TREE_SCHEME = 'prebake-cluster-tree/3';

// decodeIndex(codes, minZoom) is the node tree of a tile set's index, or null
// for an empty layer. The index is the tree in preorder: 16 * band length +
// child mask per node; a node is {level, x, y, from, to, children}, its tile
// (level, x, y) holding the features of zooms from..to.
export function decodeIndex(codes, minZoom) {
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

// tileURL(template, n) fills a TileJSON tiles template with node n's tile.
export const tileURL = (template, n) => template.replace('{z}', n.level).replace('{x}', n.x).replace('{y}', n.y);

// collectNodes(n, z, box, out) appends to out the nodes under n whose tile
// meets the grid box ({minX, minY, maxX, maxY}) and whose band holds zoom z.
export function collectNodes(n, z, box, out) {
    const size = 2 ** (30 - n.level);
    const x0 = n.x * size - HALF, y0 = n.y * size - HALF;
    const last = 2 ** n.level - 1;
    const x1 = n.x === last ? HALF : x0 + size - 1, y1 = n.y === last ? HALF : y0 + size - 1;
    if (box.maxX < x0 || box.minX > x1 || box.maxY < y0 || box.minY > y1) return;
    if (n.from <= z && z <= n.to) out.push(n);
    else if (z > n.to) for (const c of n.children) collectNodes(c, z, box, out);
}

const gridBox = ([w, s, e, n]) => ({minX: encode(lngX(w)), minY: encode(latY(n)), maxX: encode(lngX(e)), maxY: encode(latY(s))});

// plan(bbox, zoom, minZoom, pointsZoom) is SuperCluster's getClusters bbox
// normalisation: {z, boxes}, the zoom it uses and the one or two (across the
// antimeridian) grid boxes it queries.
export function plan(bbox, zoom, minZoom, pointsZoom) {
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

// decodeFile(file, layout) turns a file of a tile set (scheme
// prebake-cluster-tree/3: columns, strings indexed) into its GeoJSON features,
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
                point_count_abbreviated: abbreviate(count), components: c.components[i],
                expansion_zoom: c.expansion_zoom[i], mw: c.mw[i]};
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
