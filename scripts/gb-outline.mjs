#!/usr/bin/env node
// Writes the GB outline the preview page of `prebake serve` draws as its base
// map (internal/serve/preview/gb-outline.geojson, committed and embedded in the
// binary), from Natural Earth's 1:50m Admin 0 countries (public domain) as the
// npm package world-atlas carries them (countries-50m.json, TopoJSON), read with
// topojson-client; both pinned by scripts/setup-serve.sh into .cache/peers.
//
// Great Britain is the United Kingdom's feature less Northern Ireland: the
// polygons whose every vertex lies on the island of Ireland's side (west of
// 5.35° W between 54.0° and 55.35° N; the nearest GB land, the Mull of
// Galloway and the Mull of Kintyre, is part of the mainland polygon, which
// reaches well outside that box). Coordinates are rounded to 4 decimals
// (about 10 m, finer than the 1:50m source), so the output is deterministic.
//
// usage: node scripts/gb-outline.mjs [OUT]   (default: stdout)
// TestGBOutline (internal/serve) runs it and requires the committed file.
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const peers = process.env.PREBAKE_PEERS || path.join(root, '.cache', 'peers');
const require = createRequire(path.join(peers, 'node_modules', 'x.js'));
const topojson = require('topojson-client');
const atlasVersion = require('world-atlas/package.json').version;
const topology = require('world-atlas/countries-50m.json');

const uk = topology.objects.countries.geometries.find(g => g.id === '826');
if (!uk) throw new Error('world-atlas countries-50m.json has no United Kingdom (id 826)');
const feature = topojson.feature(topology, uk);
const inIreland = ([lng, lat]) => lng < -5.35 && lat > 54.0 && lat < 55.35;
const round = ring => ring.map(([x, y]) => [Math.round(x * 1e4) / 1e4, Math.round(y * 1e4) / 1e4]);
const polygons = (feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : feature.geometry.coordinates)
    .filter(poly => !poly[0].every(inIreland))
    .map(poly => poly.map(round));

const out = {
    type: 'FeatureCollection',
    features: [{
        type: 'Feature',
        properties: {
            name: 'Great Britain',
            source: `Natural Earth 1:50m Admin 0 countries (public domain), the United Kingdom less Northern Ireland; from npm world-atlas ${atlasVersion} countries-50m.json by scripts/gb-outline.mjs`,
        },
        geometry: {type: 'MultiPolygon', coordinates: polygons},
    }],
};
const text = JSON.stringify(out) + '\n';
if (process.argv[2]) fs.writeFileSync(process.argv[2], text);
else process.stdout.write(text);
