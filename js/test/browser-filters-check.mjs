#!/usr/bin/env node
// Loads the client (js/src: openLayer, searchGroups) in headless Chromium from a
// page served on localhost and checks a few filtered views there against the
// supercluster npm package (run here in Node on the markers of the same
// components, app-markers.mjs), and one
// location-group search against the same call in Node.
// usage: node browser-filters-check.mjs PAGE_URL MANIFEST.json TILESET POINTS.geojson GROUPS.geojson
//   env: PREBAKE_PEERS (supercluster), PREBAKE_BROWSER_PEERS (playwright-core), CHROMIUM, CHROMIUM_ARGS
//   PAGE_URL serves the page (window.runViews, window.runGroups), the modules and the bake.
//   POINTS as for prebake-filters-check.mjs.
// Prints JSON: {views, features, mismatches, first, groups: {features, equal}, errors, userAgent}.
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {isDeepStrictEqual} from 'node:util';
import {searchGroups} from '../src/groups.mjs';
import {markerIndex} from './app-markers.mjs';

const [pageURL, manifestPath, tileset, pointsPath, groupsPath] = process.argv.slice(2);
const {default: Supercluster} = await import(pathToFileURL(path.join(process.env.PREBAKE_PEERS, 'node_modules/supercluster/index.js')).href);
const {chromium} = await import(pathToFileURL(path.join(process.env.PREBAKE_BROWSER_PEERS, 'node_modules/playwright-core/index.mjs')).href);

const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const L = manifest.tilesets[tileset].layout;
const withCats = manifest.tilesets[tileset].tilejson.name === 'all';
const points = JSON.parse(fs.readFileSync(pointsPath, 'utf8')).features;

const views = [
    [null, [-8.2, 50, 1.8, 58.7], 5], // no filter: every component (the default filters are the baked tile set)
    [{cm_period: 'historical'}, [-8.2, 50, 1.8, 58.7], 6],
    [{company: 'OCTOPUS ENERGY LIMITED', cm_period: 'historical'}, [-4, 51, 0, 54], 8],
    [{technology: 'DSR'}, [-180, -90, 180, 90], 2],
    [{technology: 'OCGT', cm_period: 'historical'}, [-3, 51.5, -1, 53], 17],
    [{year: '2024'}, [-2.5, 52, -1.5, 53], 11.4],
];

function keep(f, p) { // the /map/ filters, as in prebake-filters-check.mjs
    if (f == null) return true;
    if (f.company ? p.company !== f.company : p.residential) return false;
    if (f.year) {
        if (p.delivery_year !== f.year) return false;
    } else if (p.active !== (f.cm_period !== 'historical')) return false;
    const tech = f.technology === 'OCGT' ? 'Gas' : f.technology;
    if (tech && p.display_technology !== tech) return false;
    return true;
}
function want(filters, bbox, z) {
    const index = markerIndex(Supercluster, L, points.filter(p => keep(filters, p.properties)), withCats);
    return index.getClusters(bbox, z);
}

const groupParams = {q: 'site', company: 'Everything else', zoom: 12, limit: 50};
const browser = await chromium.launch({executablePath: process.env.CHROMIUM, args: JSON.parse(process.env.CHROMIUM_ARGS)});
const errors = [];
let got, gotGroups, userAgent;
try {
    const page = await browser.newPage();
    page.on('pageerror', e => errors.push(`pageerror: ${e.message}`));
    page.on('console', m => { if (m.type() === 'error' && !m.text().includes('404')) errors.push(`console: ${m.text()}`); });
    page.on('response', r => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
    await page.goto(pageURL);
    await page.waitForFunction(() => window.runViews !== undefined, null, {timeout: 60000});
    userAgent = await page.evaluate(() => navigator.userAgent);
    got = await page.evaluate(([ts, vs]) => window.runViews(ts, vs), [tileset, views]);
    gotGroups = await page.evaluate(p => window.runGroups(p, {companyList: []}), groupParams);
} finally {
    await browser.close();
}
let features = 0, mismatches = 0, first = null;
views.forEach(([filters, bbox, z], i) => {
    const w = want(filters, bbox, z);
    features += w.length;
    if (!isDeepStrictEqual(got[i], w)) {
        mismatches++;
        if (!first) {
            let at = 0;
            while (at < Math.min(got[i].length, w.length) && isDeepStrictEqual(got[i][at], w[at])) at++;
            first = {filters, bbox, z, got: got[i].length, want: w.length, at, gotF: got[i][at], wantF: w[at]};
        }
    }
});
const groups = searchGroups(JSON.parse(fs.readFileSync(groupsPath, 'utf8')).features, groupParams, {companyList: []});
process.stdout.write(JSON.stringify({views: views.length, features, mismatches, first, errors, userAgent,
    groups: {features: groups.features.length, equal: isDeepStrictEqual(gotGroups, groups)}}) + '\n');
