#!/usr/bin/env node
// Runs the client's searchGroups (js/src/groups.mjs) over a bake's location groups for a
// list of parameter sets, for the Python conformance test that restates the
// endpoint's rules (conformance/test_group_filters.py).
// usage: node groups-filter-run.mjs GROUPS.geojson COMPANY_LIST.json PARAMS.json
// PARAMS: [{q, tech, ...}, ...]. Prints JSON: [{props, total} | {error}] per set,
// props the properties of each feature shown.
import fs from 'node:fs';
import {searchGroups} from '../src/groups.mjs';

const [groupsPath, companiesPath, paramsPath] = process.argv.slice(2);
const features = JSON.parse(fs.readFileSync(groupsPath, 'utf8')).features;
const companyList = JSON.parse(fs.readFileSync(companiesPath, 'utf8'));
const out = JSON.parse(fs.readFileSync(paramsPath, 'utf8')).map(params => {
    try {
        const r = searchGroups(features, params, {companyList});
        return {props: r.features.map(f => f.properties), total: r.total};
    } catch (e) {
        return {error: String(e.message)};
    }
});
process.stdout.write(JSON.stringify(out));
