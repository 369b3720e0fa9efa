#!/usr/bin/env node
// Loads, in headless Chromium, the client a bake wrote (the manifest's asset
// js/prebake-client.mjs, imported from its URL) and the repository's client
// (js/src/index.mjs) on one page, and runs the same calls through both: every
// clustered layer's getClusters for several filters, viewports and zooms, and
// searchGroups over the baked location groups. internal/serve's
// TestBakedClientInChromium asserts on what it prints.
// usage: node baked-client-browser.mjs PAGE_URL
//   env: PREBAKE_BROWSER_PEERS (playwright-core), CHROMIUM, CHROMIUM_ARGS (JSON)
// Prints JSON: {clientURL, clientStatus, clientType, calls, features, differing, differ: [first few], errors}.
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {isDeepStrictEqual} from 'node:util';

const {chromium} = await import(pathToFileURL(path.join(process.env.PREBAKE_BROWSER_PEERS, 'node_modules/playwright-core/index.mjs')).href);
const [pageURL] = process.argv.slice(2);

const views = [];
for (const filters of [{}, null, {cm_period: 'historical'}, {technology: 'Battery'}, {company: 'OCTOPUS ENERGY LIMITED'}]) {
    views.push([filters, [-180, -85, 180, 85], 2], [filters, [-8.2, 50, 1.8, 58.7], 5.5],
        [filters, [-3, 51.5, -1, 53], 9], [filters, [-2.3, 52.3, -1.7, 52.7], 13.2], [filters, [-2.3, 52.3, -1.7, 52.7], 18]);
}
const searches = [{}, {q: 'road'}, {tech: 'Battery', zoom: 12}, {company: 'Everything else', limit: 20}, {show_active: 'true', north: 55, south: 51, east: 0, west: -4}];

const browser = await chromium.launch({executablePath: process.env.CHROMIUM, args: JSON.parse(process.env.CHROMIUM_ARGS)});
const errors = [];
let got, clientStatus = 0, clientType = '', clientURL = '';
try {
    const page = await browser.newPage();
    page.on('pageerror', e => errors.push(`pageerror: ${e.message}`));
    page.on('console', m => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    page.on('response', r => {
        if (/\/js\/prebake-client\.[0-9a-f]+\.mjs$/.test(r.url())) {
            clientURL = new URL(r.url()).pathname;
            clientStatus = r.status();
            clientType = r.headers()['content-type'] || '';
        }
        if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    await page.goto(pageURL);
    await page.waitForFunction(() => window.run !== undefined || window.failed !== undefined, null, {timeout: 60000});
    const failed = await page.evaluate(() => window.failed);
    if (failed) errors.push(`page: ${failed}`);
    got = failed ? [] : await page.evaluate(([v, s]) => window.run(v, s), [views, searches]);
} finally {
    await browser.close();
}
let calls = 0, features = 0, differing = 0;
const differ = [];
for (const [what, baked, repo] of got) {
    calls++;
    features += Array.isArray(baked) ? baked.length : baked.features.length;
    if (isDeepStrictEqual(baked, repo)) continue;
    if (differing++ < 5) differ.push({what, baked: JSON.stringify(baked).slice(0, 300), repo: JSON.stringify(repo).slice(0, 300)});
}
process.stdout.write(JSON.stringify({clientURL, clientStatus, clientType, calls, features, differing, differ, errors}) + '\n');
