#!/usr/bin/env node
// Checks the client (js/src/layer.mjs) against the supercluster npm package: for many random
// viewports and zooms over a bake, the features the module returns from the
// baked tile set (getClusters with the default filters, {}) must be the
// clusters and points getClusters returns for the markers of the same
// components (the ones the default view shows; one marker per exact position),
// with the components a cluster stands for as the aggregate "components".
// usage: PREBAKE_PEERS=DIR node prebake-map-check.mjs OUT_DIR MANIFEST.json TILESET POINTS.geojson N SEED
//   OUT_DIR      the bake's output directory (manifest URLs are relative to it)
//   TILESET      e.g. maptiles/default/DSR
//   POINTS       the markers of the components the default view shows, as
//                /api/map-data/ gives them (one per exact position, in the app's
//                order), feature id = the representative's register id,
//                properties.ids = the register ids of the components there
// Prints one JSON line: {checks, features, mismatches: [...], maxFiles, meanFiles, maxBytes}.
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {openLayer} from '../src/layer.mjs';

const {default: Supercluster} = await import(pathToFileURL(path.join(process.env.PREBAKE_PEERS, 'node_modules/supercluster/index.js')).href);

const [outDir, manifestPath, tileset, pointsPath, n, seed] = process.argv.slice(2);
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const entry = manifest.tilesets[tileset];
if (!entry) throw new Error(`no tile set ${tileset} in ${manifestPath}`);
const L = entry.layout;
const points = JSON.parse(fs.readFileSync(pointsPath, 'utf8')).features;
const index = new Supercluster({radius: L.radius, extent: L.extent, minZoom: L.min_zoom,
    maxZoom: L.points_zoom - 1, minPoints: L.min_points,
    map: p => ({components: p.ids.length}), reduce: (a, b) => { a.components += b.components; }}).load(points);

let fetched = [];
const layer = openLayer(entry, {
    fetchJSON: async url => {
        const data = fs.readFileSync(path.join(outDir, url));
        fetched.push(data.length);
        return JSON.parse(data);
    },
});

function mulberry32(a) {
    return () => {
        a |= 0; a = (a + 0x6D2B79F5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
const rand = mulberry32(+seed);
const viewports = [
    [[-180, -90, 180, 90], 0], [[-8.2, 50, 1.8, 58.7], 5], [[-8.2, 50, 1.8, 58.7], 6.7],
    [[170, 40, -170, 60], 3], [[-540, -80, 540, 80], 2], [[-3, 51, -2.9, 51.1], 20],
];
for (let i = 0; i < +n; i++) {
    const z = rand() * 19;
    // a 1280 x 800 px viewport of 512 px tiles, sometimes much larger
    const scale = rand() < 0.1 ? 4 + 20 * rand() : 1;
    const w = 1280 / (512 * 2 ** z) * 360 * scale;
    const h = w * 800 / 1280 * Math.cos(54 * Math.PI / 180);
    const lng = -8 + 10 * rand(), lat = 50 + 9 * rand();
    viewports.push([[lng - w / 2, lat - h / 2, lng + w / 2, lat + h / 2], z]);
}

const mismatches = [];
let checks = 0, features = 0, maxFiles = 0, sumFiles = 0, maxBytes = 0;
const key = f => f.properties.cluster ? `c${f.properties.cluster_id}:${f.properties.point_count}` : null;
for (const [bbox, z] of viewports) {
    const want = index.getClusters(bbox, z);
    fetched = [];
    layer.clearCache();
    const got = await layer.getClusters(bbox, z, {});
    checks++;
    maxFiles = Math.max(maxFiles, fetched.length);
    sumFiles += fetched.length;
    maxBytes = Math.max(maxBytes, fetched.reduce((a, b) => a + b, 0));
    const wantC = new Map(), gotC = new Map();
    const wantP = [], gotP = [], wantPoint = new Map();
    for (const f of want) {
        if (f.properties.cluster) wantC.set(key(f), f);
        else { wantP.push(f.id); wantPoint.set(f.id, f); }
    }
    let bad = null;
    for (const f of got) {
        const p = f.properties;
        if (p.cluster) {
            const w = wantC.get(key(f));
            if (!w) { bad = `extra cluster ${key(f)}`; break; }
            if (gotC.has(key(f))) { bad = `cluster ${key(f)} twice`; break; }
            gotC.set(key(f), f);
            const [a, b] = f.geometry.coordinates, [c, d] = w.geometry.coordinates;
            if (Math.abs(a - c) > 1e-9 || Math.abs(b - d) > 1e-9) { bad = `cluster ${key(f)} at ${a},${b}, supercluster ${c},${d}`; break; }
            if (p.expansion_zoom !== index.getClusterExpansionZoom(p.cluster_id)) { bad = `cluster ${key(f)} expansion ${p.expansion_zoom}`; break; }
            if (p.point_count_abbreviated !== w.properties.point_count_abbreviated) { bad = `cluster ${key(f)} abbreviated ${p.point_count_abbreviated}`; break; }
            if (p.components !== w.properties.components) { bad = `cluster ${key(f)} components ${p.components}, supercluster ${w.properties.components}`; break; }
        } else {
            if (p.count !== p.ids.length || p.ids[0] !== f.id) { bad = `point ${f.id}: count ${p.count}, ids ${p.ids}`; break; }
            gotP.push(f.id);
            const w = wantPoint.get(f.id);
            if (w && JSON.stringify(w.properties.ids) !== JSON.stringify(p.ids)) { bad = `point ${f.id}: ids ${p.ids}, supercluster ${w.properties.ids}`; break; }
            if (w && (Math.abs(w.geometry.coordinates[0] - f.geometry.coordinates[0]) > 1e-9 || Math.abs(w.geometry.coordinates[1] - f.geometry.coordinates[1]) > 1e-9)) {
                bad = `point ${f.id} at ${f.geometry.coordinates}, supercluster ${w.geometry.coordinates}`; break;
            }
        }
    }
    if (!bad && gotC.size !== wantC.size) bad = `${gotC.size} clusters, supercluster ${wantC.size}`;
    if (!bad) {
        wantP.sort((a, b) => a - b);
        gotP.sort((a, b) => a - b);
        if (wantP.length !== gotP.length || wantP.some((v, i) => v !== gotP[i])) bad = `points: ${gotP.length} markers, supercluster ${wantP.length}`;
    }
    features += want.length;
    if (bad && mismatches.length < 10) mismatches.push({bbox, z, problem: bad});
    else if (bad) mismatches.push(null);
}
console.log(JSON.stringify({checks, features, mismatches: mismatches.length, first: mismatches.filter(Boolean),
    maxFiles, meanFiles: sumFiles / checks, maxBytes}));
