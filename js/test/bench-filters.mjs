#!/usr/bin/env node
// Filtered-view benchmark for scripts/bench-filters.sh: on a bake's all layer,
// times the client (js/src/layer.mjs) the way a /map/ page uses it, counting the bytes it
// fetches (files read from OUT_DIR, uncompressed; brotli sizes from the manifest).
// usage: node bench-filters.mjs OUT_DIR MANIFEST.json [RUNS]
// Prints one JSON object.
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {openLayer} from '../src/layer.mjs';
import {mapFilter} from '../src/filters.mjs';

const peers = process.env.PREBAKE_PEERS || path.join(path.dirname(new URL(import.meta.url).pathname), '../../.cache/peers');
const {default: Supercluster} = await import(pathToFileURL(path.join(peers, 'node_modules/supercluster/index.js')).href);

const [outDir, manifestPath, runsArg] = process.argv.slice(2);
const runs = +(runsArg || 5);
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const entry = manifest.tilesets['maptiles/default/all'];
// The brotli variant a CDN would send: FILE.br beside the file, where the bake wrote one.
const brotliSize = file => (fs.existsSync(file + '.br') ? fs.statSync(file + '.br').size : fs.statSync(file).size);

function open(e, opts = {}) {
    const log = [];
    const layer = openLayer(e, {...opts, fetchJSON: async url => {
        const file = path.join(outDir, url);
        const data = fs.readFileSync(file);
        log.push({url, bytes: data.length, br: brotliSize(file)});
        return JSON.parse(data);
    }});
    return {layer, log};
}

// A session: the GB view at zoom 6, then zooming in on Birmingham one level at a time.
const centre = [-1.89, 52.48];
const views = [[[-8.2, 50, 1.8, 58.7], 6]];
for (let z = 7; z <= 14; z++) {
    const w = 1280 / (512 * 2 ** z) * 360, h = w * 800 / 1280 * 0.6;
    views.push([[centre[0] - w / 2, centre[1] - h / 2, centre[0] + w / 2, centre[1] + h / 2], z]);
}

async function session(filters, opts) {
    const {layer, log} = open(entry, opts);
    const steps = [];
    for (const [bbox, z] of views) {
        const before = log.length;
        const t0 = performance.now();
        const fs_ = await layer.getClusters(bbox, z, filters);
        const ms = performance.now() - t0;
        const got = log.slice(before);
        steps.push({zoom: z, ms: +ms.toFixed(2), features: fs_.length, files: got.length,
            bytes: got.reduce((a, f) => a + f.bytes, 0), br: got.reduce((a, f) => a + f.br, 0)});
    }
    return steps;
}

const median = xs => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const out = {layer: 'all', runs};
// 1. a filtered view (Battery, historical): attribute file, then clustering in the client.
out.filtered = await session({technology: 'Battery', cm_period: 'historical'});
// 2. the default view from its baked tile set (maptiles/default/all).
out.defaultView = await session({});
// 3. re-cluster time of the all layer on a filter change (attribute file already
//    loaded): select + cluster down to zoom 6 + query, median of runs per filter
//    set; the layer opened without its layout's view, so that the default
//    filters ({}) are clustered in the client too; null is no filter at all.
const clientEntry = structuredClone(entry);
delete clientEntry.layout.view;
const {layer} = open(clientEntry);
await layer.getClusters([-8.2, 50, 1.8, 58.7], 6, {company: 'no such company'}); // fetch + parse the attribute file once
const filterSets = [null, {}, {cm_period: 'historical'}, {technology: 'DSR'}, {technology: 'Battery'}, {year: '2024'}];
out.recluster = [];
for (const f of filterSets) {
    const ms = [];
    let n = 0;
    for (let r = 0; r < runs; r++) {
        layer.clearCache();
        await layer.getClusters([-8.2, 50, 1.8, 58.7], 6, {company: 'no such company'});
        const t0 = performance.now();
        n = (await layer.getClusters([-8.2, 50, 1.8, 58.7], 6, f)).length;
        ms.push(performance.now() - t0);
    }
    const ix = await layer.filteredIndex(f);
    // The same work with the supercluster npm package, in this run: select, load
    // the filtered points (as GeoJSON features) and query.
    const a = await layer.attributes(), test = mapFilter(f).test, L = entry.layout;
    const sc = [];
    for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        const feats = [];
        for (let i = 0; i < a.count; i++) if (test(a, i)) feats.push({type: 'Feature', id: a.id[i], properties: a.properties(i), geometry: {type: 'Point', coordinates: [a.lng[i], a.lat[i]]}});
        new Supercluster({radius: L.radius, extent: L.extent, minZoom: L.min_zoom, maxZoom: L.points_zoom - 1, minPoints: L.min_points,
            map: p => ({mw: p.mw, [p.display_technology]: 1}), reduce: (x, y) => { for (const k in y) x[k] = (x[k] || 0) + y[k]; }})
            .load(feats).getClusters([-8.2, 50, 1.8, 58.7], 6);
        sc.push(performance.now() - t0);
    }
    out.recluster.push({filters: f, points: ix.numPoints, features: n, median_ms: +median(ms).toFixed(1), supercluster_ms: +median(sc).toFixed(1)});
}
process.stdout.write(JSON.stringify(out) + '\n');
