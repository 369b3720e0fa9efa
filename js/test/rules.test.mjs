// node --test js/test/rules.test.mjs (run by TestJSClientNode in internal/generators/maptiles).
// js/src/rules.mjs is internal/apprules/app_rules.json (each key exported
// upper-cased; the Go test TestJSModule regenerates it with -update), and the
// client's code applies it: each case is derived from the file, so a rule
// changed in the file and not in the code (or the other way round) fails here.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import * as rules from '../src/rules.mjs';
import {pyQuote as groupsQuote, primaryTech, endpointProperties, searchGroups, TECH_VARIATIONS} from '../src/groups.mjs';
import {RESIDENTIAL_COMPANIES} from '../src/filters.mjs';

const file = JSON.parse(readFileSync(new URL('../../internal/apprules/app_rules.json', import.meta.url), 'utf8'));

test('rules.mjs exports every key of app_rules.json with its value', () => {
    const keys = Object.keys(file).filter(k => k !== 'about');
    const exported = Object.keys(rules).filter(k => k === k.toUpperCase());
    assert.deepEqual(exported.sort(), keys.map(k => k.toUpperCase()).sort());
    for (const k of keys) assert.deepEqual(rules[k.toUpperCase()], file[k], k);
    // Key order is part of the value (a tech filter's classes, the companies' order).
    assert.deepEqual(Object.keys(rules.TECH_FILTER_CLASSES), Object.keys(file.tech_filter_classes));
});

test('pyQuote keeps exactly ASCII letters, digits and quote_safe', () => {
    for (const quote of [rules.pyQuote, groupsQuote]) {
        for (let i = 0; i < 128; i++) {
            const c = String.fromCharCode(i);
            const keep = /[A-Za-z0-9]/.test(c) || file.quote_safe.includes(c);
            assert.equal(quote(c), keep ? c : '%' + i.toString(16).toUpperCase().padStart(2, '0'), JSON.stringify(c));
        }
        assert.equal(quote('é😀'), '%C3%A9%F0%9F%98%80');
    }
});

test('the URLs are the templates', () => {
    const t = file.url_templates;
    assert.equal(rules.locationURL('a/b $&'), t.location.replace('{location}', 'a%2Fb%20%24%26'));
    assert.equal(rules.companyURL('a&b'), t.company.replace('{company_id}', 'a%26b'));
    assert.equal(rules.componentURL(42), t.component.replace('{id}', '42'));
    assert.equal(endpointProperties({title: 'x/y', technologies: {}, companies: {}, descriptions: [], cmu_ids: []}).url,
        t.location.replace('{location}', 'x%2Fy'));
});

test('primaryTech follows tech_priority', () => {
    const prio = file.tech_priority;
    for (const [a, pa] of Object.entries(prio)) {
        assert.equal(primaryTech({'Unlisted class': 1, [a]: 1}), pa < file.tech_priority_default ? a : 'Unlisted class');
        for (const [b, pb] of Object.entries(prio)) {
            if (pa < pb) {
                assert.equal(primaryTech({[a]: 1, [b]: 1}), a);
                assert.equal(primaryTech({[b]: 1, [a]: 1}), a);
            }
        }
    }
});

test('the description cut is description_max characters', () => {
    const n = file.description_max;
    const p = d => endpointProperties({title: 't', technologies: {}, companies: {}, descriptions: [d], cmu_ids: []}).desc;
    assert.equal(p('é'.repeat(n)), 'é'.repeat(n));
    assert.equal(p('é'.repeat(n + 1)), 'é'.repeat(n) + '...');
});

test('tech filters and residential companies are the file\'s', () => {
    assert.deepEqual(TECH_VARIATIONS, file.tech_filter_classes);
    assert.deepEqual(RESIDENTIAL_COMPANIES, Object.values(file.residential_companies));
    // Every class of a tech filter value finds a group with it; a residential
    // company's group is hidden unless a company (or its DSR subtype) is chosen.
    const feature = (title, technologies, companies) => ({type: 'Feature', geometry: {type: 'Point', coordinates: [0, 52]},
        properties: {id: title, title, count: 1, active: true, mw: 1, technologies, companies, descriptions: [], cmu_ids: [],
            auctions: [], capacity_confidence: 'high'}});
    for (const [tech, classes] of Object.entries(file.tech_filter_classes)) {
        for (const c of classes) {
            const {features} = searchGroups([feature('g', {[c]: 1}, {'A Co': 1})], {tech});
            assert.equal(features.length, 1, `${tech}: ${c}`);
        }
    }
    for (const [subtype, company] of Object.entries(file.residential_companies)) {
        const fs = [feature('r', {DSR: 1}, {[company]: 1})];
        assert.equal(searchGroups(fs, {}).features.length, 0, company);
        assert.equal(searchGroups(fs, {company}).features.length, 1, company);
        assert.equal(searchGroups(fs, {tech: 'DSR', subtype}).features.length, 1, subtype);
    }
});
