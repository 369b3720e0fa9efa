#!/usr/bin/env node
// Checks the filtered views of the client (js/src/layer.mjs) against the supercluster npm
// package: for no filter (null), the default filters and random /map/ filter
// combinations x viewports x zooms over a bake, layer.getClusters(bbox, zoom,
// filters) clustered in the client from the attribute file must equal, feature
// for feature and in order, what supercluster's getClusters returns after
// loading the markers /api/map-data/ gives for the components the filters
// keep (one per exact position; app-markers.mjs). The
// layer is opened without its layout's "view", so that the default filters are
// clustered in the client too (served from the baked tile set they are checked
// by prebake-map-check.mjs).
// usage: PREBAKE_PEERS=DIR node prebake-filters-check.mjs OUT_DIR MANIFEST.json TILESET POINTS.geojson N SEED
//   POINTS  the layer's components in input order (written by the Go test, not
//           from the attribute file): id = register id, properties {id, technology
//           (raw class or "Unknown"), display_technology, company, delivery_year,
//           mw, active, residential}
// Prints one JSON line: {checks, filters, features, mismatches, first, attrsBytes,
//   recluster: {mean, max} ms (filter + build + first query), query: {mean} ms}.
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {isDeepStrictEqual} from 'node:util';
import {openLayer} from '../src/layer.mjs';
import {markerIndex} from './app-markers.mjs';

const {default: Supercluster} = await import(pathToFileURL(path.join(process.env.PREBAKE_PEERS, 'node_modules/supercluster/index.js')).href);

const [outDir, manifestPath, tileset, pointsPath, n, seed] = process.argv.slice(2);
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
if (!manifest.tilesets[tileset]) throw new Error(`no tile set ${tileset} in ${manifestPath}`);
const entry = structuredClone(manifest.tilesets[tileset]);
delete entry.layout.view;
const L = entry.layout;
const withCats = entry.tilejson.name === 'all';
const points = JSON.parse(fs.readFileSync(pointsPath, 'utf8')).features;

let attrsBytes = 0;
const layer = openLayer(entry, {
    fetchJSON: async url => {
        const data = fs.readFileSync(path.join(outDir, url));
        if (url === L.attributes_url) attrsBytes = data.length;
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
const pick = xs => xs[Math.floor(rand() * xs.length)];
const distinct = k => [...new Set(points.map(p => p.properties[k]).filter(v => v != null))].sort();
const companies = distinct('company'), years = distinct('delivery_year');
const cats = distinct('display_technology'), classes = distinct('technology');

// The /map/ filters, stated again from app-integration.md (Map points).
function keep(f, p) {
    if (f == null) return true; // no filter: every component
    if (f.company ? p.company !== f.company : p.residential) return false;
    if (f.year) {
        if (p.delivery_year !== f.year) return false;
    } else if (p.active !== (f.cm_period !== 'historical')) return false;
    const tech = f.technology === 'OCGT' ? 'Gas' : f.technology;
    if (tech && tech !== 'All' && p.display_technology !== tech) return false;
    if (f.exact_technology && p.technology !== f.exact_technology) return false;
    return true;
}

function randomFilters() {
    const f = {};
    if (rand() < 0.3) f.company = pick(companies);
    if (rand() < 0.3) f.year = pick(years);
    else if (rand() < 0.4) f.cm_period = 'historical';
    if (withCats && rand() < 0.4) f.technology = rand() < 0.1 ? 'OCGT' : pick(cats);
    if (rand() < 0.15) f.exact_technology = pick(classes);
    return f;
}

const filterSets = [null, {}, {cm_period: 'historical'}, {company: 'OCTOPUS ENERGY LIMITED'}, {company: 'AXLE ENERGY LIMITED', cm_period: 'historical'}];
while (filterSets.length < +n) filterSets.push(randomFilters());

let checks = 0, features = 0, mismatches = 0, first = null;
const rebuild = [], queries = [];
for (const filters of filterSets) {
    const index = markerIndex(Supercluster, L, points.filter(p => keep(filters, p.properties)), withCats);
    const views = [[[-180, -90, 180, 90], rand() * 6], [[-8.2, 50, 1.8, 58.7], 5 + rand() * 2]];
    for (let i = 0; i < 4; i++) {
        const z = rand() * 19;
        const w = 1280 / (512 * 2 ** z) * 360 * (rand() < 0.2 ? 8 : 1);
        const h = w * 800 / 1280 * Math.cos(54 * Math.PI / 180);
        const lng = -6 + 8 * rand(), lat = 50.5 + 7 * rand();
        views.push([[lng - w / 2, lat - h / 2, lng + w / 2, lat + h / 2], z]);
    }
    let t0 = performance.now();
    for (const [[bbox, z], k] of views.map((v, k) => [v, k])) {
        const got = await layer.getClusters(bbox, z, filters);
        const t1 = performance.now();
        (k === 0 ? rebuild : queries).push(t1 - t0);
        const want = index.getClusters(bbox, z);
        checks++;
        features += want.length;
        if (!isDeepStrictEqual(got, want)) {
            mismatches++;
            if (!first) {
                let at = 0;
                while (at < Math.min(got.length, want.length) && isDeepStrictEqual(got[at], want[at])) at++;
                first = {filters, bbox, z, got: got.length, want: want.length, at, gotF: got[at], wantF: want[at]};
            }
        }
        t0 = performance.now();
    }
}
const mean = xs => xs.reduce((a, b) => a + b, 0) / xs.length;
process.stdout.write(JSON.stringify({checks, filters: filterSets.length, features, mismatches, first, attrsBytes,
    recluster: {mean: mean(rebuild), max: Math.max(...rebuild)}, query: {mean: mean(queries)}}) + '\n');
