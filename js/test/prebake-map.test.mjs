// node --test js/test/prebake-map.test.mjs (run by TestJSClientNode in internal/generators/maptiles).
// The client against a real HTTP server on localhost that fails on purpose.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {openLayer} from '../src/layer.mjs';
import {pyQuote} from '../src/rules.mjs';

// A one-node layer: the root tile holds zooms 0..1 (index code 16 * 2, no
// children); a file of one point (scheme prebake-cluster-tree/3: columns).
const texts = ['cmu_id', 'title', 'technology', 'display_technology', 'company', 'description', 'delivery_year', 'auction_name', 'detailUrl'];
const point = (id, lng, lat) => ({strings: ['DSR'], points: {ids: [[id]], lng: [lng], lat: [lat], minzoom: [0], mw: [1.5],
    ...Object.fromEntries(texts.map(k => [k, [k === 'technology' ? 0 : -1]]))}});
const entry = {
    tilejson: {tiles: ['t/{z}/{x}/{y}.json']},
    layout: {scheme: 'prebake-cluster-tree/3', min_zoom: 0, points_zoom: 1, index_url: 'index.json', view: {}},
};

// serve starts a server whose answers come from routes[path](hits) -> [status, body];
// it returns the base URL, the hit counts and a close function.
async function serve(routes) {
    const hits = {};
    const srv = http.createServer((req, res) => {
        const path = req.url.slice(1);
        hits[path] = (hits[path] || 0) + 1;
        const route = routes[path];
        const [status, body] = route ? route(hits[path]) : [404, {}];
        res.writeHead(status, {'content-type': 'application/json'});
        res.end(JSON.stringify(body));
    });
    await new Promise(r => srv.listen(0, '127.0.0.1', r));
    return {base: `http://127.0.0.1:${srv.address().port}/`, hits, close: () => new Promise(r => srv.close(r))};
}

const world = [-180, -85, 180, 85];

test('a failed index fetch is retried on the next call, not cached', async () => {
    const s = await serve({
        'index.json': n => n === 1 ? [503, {}] : [200, [32]],
        't/0/0/0.json': () => [200, point(7, -1.5, 53.8)],
    });
    try {
        const layer = openLayer(entry, {baseURL: s.base});
        await assert.rejects(layer.getClusters(world, 0, {}), /HTTP 503/);
        const got = await layer.getClusters(world, 0, {});
        assert.deepEqual(got.map(f => f.id), [7]);
        assert.equal(s.hits['index.json'], 2);
        // Once fetched, the index is kept.
        await layer.getClusters(world, 1, {});
        assert.equal(s.hits['index.json'], 2);
    } finally {
        await s.close();
    }
});

test('a failed tile fetch is retried on the next call', async () => {
    const s = await serve({
        'index.json': () => [200, [32]],
        't/0/0/0.json': n => n === 1 ? [500, {}] : [200, point(8, 0.5, 51)],
    });
    try {
        const layer = openLayer(entry, {baseURL: s.base});
        await assert.rejects(layer.getClusters(world, 0, {}), /HTTP 500/);
        assert.deepEqual((await layer.getClusters(world, 0, {})).map(f => f.id), [8]);
    } finally {
        await s.close();
    }
});

test('clearCache forgets the index and the files', async () => {
    let version = 1;
    const s = await serve({
        'index.json': () => version === 1 ? [200, []] : [200, [32]], // an empty layer, then one point
        't/0/0/0.json': () => [200, point(9, 1, 52)],
    });
    try {
        const layer = openLayer(entry, {baseURL: s.base});
        assert.deepEqual(await layer.getClusters(world, 0, {}), []);
        version = 2;
        assert.deepEqual(await layer.getClusters(world, 0, {}), [], 'the index is cached until clearCache');
        layer.clearCache();
        assert.deepEqual((await layer.getClusters(world, 0, {})).map(f => f.id), [9]);
        assert.equal(s.hits['index.json'], 2);
        layer.clearCache();
        await layer.getClusters(world, 0, {});
        assert.equal(s.hits['index.json'], 3);
        assert.equal(s.hits['t/0/0/0.json'], 2);
    } finally {
        await s.close();
    }
});

test('a file decodes to the GeoJSON point feature /api/map-data/ gives', async () => {
    const s = await serve({
        'index.json': () => [200, [32]],
        't/0/0/0.json': () => [200, point(11, -1.25, 52.5)],
    });
    try {
        const [f] = await openLayer(entry, {baseURL: s.base}).getClusters(world, 1, {});
        assert.deepEqual(f, {type: 'Feature', id: 11, geometry: {type: 'Point', coordinates: [-1.25, 52.5]},
            properties: {id: 11, cmu_id: null, title: null, technology: 'DSR', display_technology: null, company: null,
                description: null, delivery_year: null, auction_name: null, detailUrl: null, count: 1, ids: [11], mw: 1.5,
                minzoom: 0, maxzoom: 1}});
    } finally {
        await s.close();
    }
});

test('no filter, or filters other than the default, need the attribute file', async () => {
    const layer = openLayer(entry, {fetchJSON: () => Promise.reject(new Error('no fetch expected'))});
    await assert.rejects(layer.getClusters(world, 0), /has no attribute file/);
    await assert.rejects(layer.getClusters(world, 0, {cm_period: 'historical'}), /has no attribute file/);
});

test('pyQuote is Python\'s quote(s, safe="") (values from CPython 3)', () => {
    for (const [s, want] of [
        ["Unit 5, St. John's (Rd) *North*/\u00dc ~x!", 'Unit%205%2C%20St.%20John%27s%20%28Rd%29%20%2ANorth%2A%2F%C3%9C%20~x%21'],
        ['Leeds/C', 'Leeds%2FC'],
        ['\u00d8rsted \u2013 Walney 1 & 2 @ 100% \u2028 \u{1F600}', '%C3%98rsted%20%E2%80%93%20Walney%201%20%26%202%20%40%20100%25%20%E2%80%A8%20%F0%9F%98%80'],
        ['a_b.c-d~e', 'a_b.c-d~e'],
    ]) assert.equal(pyQuote(s), want, s);
});

test('detailUrl -2 is the location page of the title', async () => {
    const file = point(12, 0, 51);
    file.strings.push('Unit 5, St. John\'s (Rd)');
    file.points.title = [1];
    file.points.detailUrl = [-2];
    const s = await serve({'index.json': () => [200, [32]], 't/0/0/0.json': () => [200, file]});
    try {
        const [f] = await openLayer(entry, {baseURL: s.base}).getClusters(world, 1, {});
        assert.equal(f.properties.title, "Unit 5, St. John's (Rd)");
        assert.equal(f.properties.detailUrl, '/location/by-name/Unit%205%2C%20St.%20John%27s%20%28Rd%29/');
    } finally {
        await s.close();
    }
});
