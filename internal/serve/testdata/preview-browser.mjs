#!/usr/bin/env node
// Drives `prebake serve`'s preview page in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core) and prints what it saw as one JSON
// object; internal/serve/browser_test.go asserts on it.
// usage: PREBAKE_PEERS=DIR node preview-browser.mjs BASE_URL SCREENSHOT_DIR [NO_BOUNDARIES_URL]
//
// It records, for the first view, after clicking a cluster and after clicking
// down to a point: the markers on screen (id, kind, count, inside the map) and
// what a fresh layer's (the page's client) getClusters returns for the same bbox and
// zoom; the popup of a point; whether the DNO overlay and the PMTiles archive
// drew; a view filtered through the panel (the company with the most components
// in the layer) against getClusters(bbox, zoom, filters) of a fresh layer; the
// report page's charts; every request that left the server's origin; and, given
// a server of a bake without --boundaries, that its page still draws the GB
// outline (the one the server carries) and says there is no DNO overlay.
import path from 'node:path';
import fs from 'node:fs';
import {createRequire} from 'node:module';

const require = createRequire(path.join(process.env.PREBAKE_PEERS, 'node_modules', 'x.js'));
const {chromium} = require('playwright-core');

const [base, shots, noBoundaries] = process.argv.slice(2);
fs.mkdirSync(shots, {recursive: true});
const origins = [base, noBoundaries].filter(Boolean).map(u => new URL(u).origin);
const out = {views: [], foreign: [], errors: [], failed: [], screenshots: []};

setTimeout(() => { console.error('preview-browser: gave up after 180 s'); process.exit(2); }, 180000).unref();
const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
    const page = await browser.newPage({viewport: {width: 1200, height: 800}});
    page.on('request', r => {
        const u = r.url();
        if (!origins.some(o => u.startsWith(o + '/')) && !u.startsWith('data:') && !u.startsWith('blob:')) out.foreign.push(u);
    });
    page.on('requestfailed', r => out.failed.push(r.url() + ' ' + (r.failure() || {}).errorText));
    page.on('pageerror', e => out.errors.push(String(e)));
    page.on('console', m => { if (m.type() === 'error') out.errors.push(m.text()); });

    const shot = async (name, opts = {}) => {
        const p = path.join(shots, name);
        await page.screenshot({path: p, ...opts});
        out.screenshots.push(p);
    };
    // The map's 'idle' event, or at once when it is idle already (it fires only on a change).
    const idle = () => page.evaluate(() => new Promise(r => {
        const m = window.preview.map;
        if (!m.isMoving() && m.loaded()) r(); else m.once('idle', r);
        setTimeout(r, 10000);
    }));
    const settle = async (afterSeq) => {
        await page.waitForFunction(s => window.preview && window.preview.ready && window.preview.state &&
            window.preview.state.seq > s && !window.preview.map.isMoving(), afterSeq, {timeout: 30000});
        await idle();
        // A moveend may have queued another draw: wait until the state is for the map's current view.
        await page.waitForFunction(() => {
            const {map, state} = window.preview;
            return !map.isMoving() && Math.abs(map.getZoom() - state.zoom) < 1e-9 &&
                map.getBounds().getWest() === state.bbox[0] && map.getBounds().getNorth() === state.bbox[3];
        }, null, {timeout: 30000});
    };
    const observe = async label => {
        const v = await page.evaluate(async () => {
            const {state, map} = window.preview;
            const box = map.getContainer().getBoundingClientRect();
            const markers = [...document.querySelectorAll('.pb-cluster, .pb-point')].map(el => {
                const r = el.getBoundingClientRect();
                const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
                return {id: +el.dataset.id, kind: el.dataset.kind, count: +el.dataset.count,
                    inside: cx >= box.left - 1 && cx <= box.right + 1 && cy >= box.top - 1 && cy <= box.bottom + 1};
            });
            const b = map.getBounds();
            const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
            // A fresh layer: nothing shared with the one the page drew from.
            const fresh = window.preview.openPreviewLayer(state.layer);
            const expected = [];
            for (const f of await fresh.getClusters(bbox, map.getZoom(), state.filters ?? undefined)) {
                const p = f.properties;
                // Clusters made in the browser (no baked expansion_zoom): the index's.
                const ez = p.expansion_zoom ?? (p.cluster ? (await fresh.filteredIndex(state.filters ?? undefined)).getClusterExpansionZoom(p.cluster_id) : null);
                expected.push({id: f.id ?? p.id, kind: p.cluster ? 'cluster' : 'point',
                    count: p.cluster ? p.point_count : (p.count || 1), expansion_zoom: ez});
            }
            return {layer: state.layer, zoom: map.getZoom(), bbox, filters: state.filters, markers, expected};
        });
        v.label = label;
        out.views.push(v);
        return v;
    };

    await page.goto(base + '/', {waitUntil: 'load'});
    await page.waitForFunction(() => window.preview && window.preview.ready, null, {timeout: 60000});
    await settle(0);
    let v = await observe('initial');
    // The opening view's area: what the map shows at first (MapLibre fits the
    // area, so the view holds it and a margin).
    v.area = await page.evaluate(() => window.preview.map.getBounds().toArray());
    await shot('01-initial.png');

    // Click the biggest cluster, then keep clicking clusters until points show.
    for (let i = 0; i < 10 && !v.markers.some(m => m.kind === 'point' && m.inside); i++) {
        const clusters = v.expected.filter(f => f.kind === 'cluster');
        const target = clusters.sort((a, b) => b.count - a.count)[0];
        if (!target) break;
        const seq = await page.evaluate(() => window.preview.state.seq);
        await page.click(`.pb-cluster[data-id="${target.id}"]`);
        await settle(seq);
        v = await observe(`after clicking cluster ${target.id}`);
        v.clicked = target;
        if (i === 0) await shot('02-cluster-clicked.png');
    }

    const point = v.markers.find(m => m.kind === 'point' && m.inside);
    if (point) {
        const before = await page.evaluate(() => window.preview.popupSeq);
        await page.click(`.pb-point[data-id="${point.id}"]`);
        await page.waitForFunction(n => window.preview.popupSeq > n, before, {timeout: 30000});
        out.popup = await page.evaluate(() => ({ids: window.preview.popup.ids,
            title: (window.preview.popup.element.querySelector('.pb-title') || {}).textContent || null,
            text: window.preview.popup.element.textContent, detail: window.preview.popup.detail}));
        out.popup.clicked = point.id;
        await shot('03-point-popup.png');
    }

    // Overlays: the DNO areas and the PMTiles archive, back at the whole of GB.
    await page.evaluate(() => { for (const p of document.querySelectorAll('.maplibregl-popup')) p.remove(); });
    let seq = await page.evaluate(() => window.preview.state.seq);
    await page.evaluate(() => window.preview.map.jumpTo({center: [-2.5, 54.2], zoom: 5.2}));
    await settle(seq);
    await page.check('#dno');
    await page.check('#pmtiles');
    await page.check('#changes');
    await idle();
    await page.waitForFunction(() => window.preview.map.queryRenderedFeatures({layers: ['pm-all']}).length > 0 &&
        window.preview.map.queryRenderedFeatures({layers: ['dno-lines']}).length > 0, null, {timeout: 30000}).catch(() => {});
    out.overlays = await page.evaluate(() => {
        const m = window.preview.map;
        return {pmtiles: m.getLayer('pm-all') ? m.queryRenderedFeatures({layers: ['pm-all']}).length : -1,
            dno: m.getLayer('dno-lines') ? m.queryRenderedFeatures({layers: ['dno-lines']}).length : -1,
            land: m.getLayer('gb-land') ? m.queryRenderedFeatures({layers: ['gb-land']}).length : -1,
            changes: m.getLayer('changes-points') ? m.queryRenderedFeatures({layers: ['changes-points']}).length : -1,
            changeKinds: window.preview.changes ? window.preview.changes.features.reduce((k, f) => {
                k[f.properties.kind] = (k[f.properties.kind] || 0) + 1;
                return k;
            }, {}) : null};
    });
    await observe('with overlays');
    await shot('04-overlays.png');

    // A filtered view: the company with the most components in the layer, set in the panel.
    await page.uncheck('#pmtiles');
    const company = await page.evaluate(async () => {
        const a = await window.preview.layer.attributes();
        const n = new Map();
        for (let i = 0; i < a.count; i++) n.set(a.company[i], (n.get(a.company[i]) || 0) + 1);
        return a.dicts.company[[...n].sort((x, y) => y[1] - x[1])[0][0]];
    });
    await page.waitForFunction(c => [...document.querySelectorAll('#f-companies option')].some(o => o.value === c), company, {timeout: 30000});
    seq = await page.evaluate(() => window.preview.state.seq);
    await page.fill('#f-company', company);
    await page.dispatchEvent('#f-company', 'change');
    await settle(seq);
    await observe(`filtered to company ${company}`);
    await shot('05-filtered.png');

    await page.goto(base + '/_prebake/report', {waitUntil: 'load'});
    out.report = await page.evaluate(() => ({
        charts: document.querySelectorAll('svg.chart').length,
        bars: document.querySelectorAll('svg.chart rect.bar').length,
        rejectedRows: document.querySelectorAll('#rejected tr').length - 1,
        buildID: document.getElementById('build-id').textContent,
        previous: document.getElementById('previous').textContent.trim(),
        changes: [...document.querySelectorAll('#changes-counts tr')].map(tr => [...tr.children].map(td => td.textContent.trim())),
        movers: document.querySelectorAll('#movers tr').length - 1,
    }));
    await shot('06-report.png', {fullPage: true});

    if (noBoundaries) {
        await page.goto(noBoundaries + '/', {waitUntil: 'load'});
        await page.waitForFunction(() => window.preview && window.preview.ready && window.preview.state, null, {timeout: 60000});
        await idle();
        await page.waitForFunction(() => window.preview.map.queryRenderedFeatures({layers: ['gb-land']}).length > 0, null, {timeout: 30000}).catch(() => {});
        out.noBoundaries = await page.evaluate(() => ({
            land: window.preview.map.queryRenderedFeatures({layers: ['gb-land']}).length,
            dnoDisabled: document.getElementById('dno').disabled,
            notes: document.getElementById('notes').textContent,
            markers: document.querySelectorAll('.pb-cluster, .pb-point').length,
        }));
        await shot('07-no-boundaries.png');
    }
} finally {
    await browser.close();
}
console.log(JSON.stringify(out));
