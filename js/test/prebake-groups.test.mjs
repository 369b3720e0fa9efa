// node --test js/test/prebake-groups.test.mjs (run by TestJSClientNode in internal/generators/maptiles).
// The rebuild of the properties locations/groups/all.geojson writes once:
// reference values from Python 3's urllib.parse.quote(s, safe="") and the
// app's rules (app-integration.md, Location groups). The filters themselves are
// checked on the real register by conformance/test_group_filters.py.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {pyQuote, primaryTech, endpointProperties, groupProperties, searchGroups} from '../src/groups.mjs';

test('pyQuote is urllib.parse.quote(s, safe="")', () => {
    for (const [s, want] of [
        ['Unit 11, Kiln Business Park, Chester, CH1 9YT', 'Unit%2011%2C%20Kiln%20Business%20Park%2C%20Chester%2C%20CH1%209YT'],
        ["a/b c!'()*~_.-é", 'a%2Fb%20c%21%27%28%29%2A~_.-%C3%A9'],
        ['Line1\nLine2 \u00a0 😀 & <x>', 'Line1%0ALine2%20%C2%A0%20%F0%9F%98%80%20%26%20%3Cx%3E'],
    ]) assert.equal(pyQuote(s), want, s);
});

test('primaryTech: lowest priority, first key among equals, 999 for a raw class, Unknown for none', () => {
    assert.equal(primaryTech({DSR: 2, Hydro: 2, 'Storage (Duration 4h)': 1, 'Pumped Hydro': 6}), 'Pumped Hydro');
    assert.equal(primaryTech({'Storage (Duration 1h)': 1, 'Open Cycle Gas Turbine (OCGT)': 1}), 'Storage (Duration 1h)');
    assert.equal(primaryTech({Gas: 1, OCGT: 3}), 'Gas');
    assert.equal(primaryTech({DSR: 1, 'EV Charging': 1}), 'EV Charging');
    assert.equal(primaryTech({}), 'Unknown');
});

const baked = {
    type: 'Feature', geometry: {type: 'Point', coordinates: [-4.1, 53.123456]},
    properties: {
        id: '0123456789ab', title: 'Dinorwig, LL55 4UR', count: 6, active: false, mw: 200.5,
        technologies: {DSR: 2, Hydro: 2, 'Pumped Hydro': 6}, companies: {'First Hydro': 2, 'Other Co': 2},
        descriptions: ['é'.repeat(99) + '😀' + 'x', 'b'], cmu_ids: ['CMU1', 'CMU2'], auctions: [0, 2],
        capacity_confidence: 'low', descriptions_total: 4, located_count: 5,
    },
};
const auctionNames = ['2023-24 (T-4) Four Year Ahead Capacity Auction', '2021-22 (T-1) One Year Ahead Capacity Auction',
    '2019-20 (T-4) Four Year Ahead Capacity Auction'];

test('endpointProperties: the ten properties of /api/search-geojson/, in its order', () => {
    assert.deepEqual(endpointProperties(baked.properties), {
        id: '0123456789ab', title: 'Dinorwig, LL55 4UR', tech: 'Pumped Hydro', company: 'First Hydro',
        desc: 'é'.repeat(99) + '😀...', cmu: 'CMU1', url: '/location/by-name/Dinorwig%2C%20LL55%204UR/',
        count: 6, active: false, mw: 200.5,
    });
    const bare = endpointProperties({id: 'x', title: 'T', count: 1, active: true, mw: 0, technologies: {}, companies: {},
        descriptions: ['é'.repeat(100)], cmu_ids: []});
    assert.deepEqual([bare.tech, bare.company, bare.desc, bare.cmu], ['Unknown', 'Unknown', 'é'.repeat(100), '']);
});

test('groupProperties: every LocationGroup attribute, the totals defaulted', () => {
    const p = groupProperties(baked, auctionNames);
    assert.deepEqual(p.auction_years, [auctionNames[0], auctionNames[2]]);
    assert.deepEqual([p.component_count, p.is_active, p.capacity_mw, p.descriptions_total, p.auction_names_total, p.located_count],
        [6, false, 200.5, 4, 2, 5]);
    const q = groupProperties({...baked, properties: {...baked.properties, descriptions_total: undefined, located_count: undefined,
        auction_names_total: 9}}, auctionNames);
    assert.deepEqual([q.descriptions_total, q.auction_names_total, q.located_count], [2, 9, 6]);
});

test('searchGroups answers in the endpoint shape, tech and company as a filter shows them', () => {
    const {features, total} = searchGroups([baked], {tech: 'Hydro', company: 'first hydro'});
    assert.equal(total, 1);
    assert.deepEqual(Object.keys(features[0].properties), ['id', 'title', 'tech', 'company', 'desc', 'cmu', 'url', 'count', 'active', 'mw']);
    assert.equal(features[0].properties.tech, 'Hydro');
    assert.equal(features[0].properties.company, 'first hydro');
    assert.deepEqual(features[0].geometry, baked.geometry);
    assert.equal(searchGroups([baked], {show_active: 'true'}).total, 0);
});
