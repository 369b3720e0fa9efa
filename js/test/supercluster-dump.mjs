#!/usr/bin/env node
// Dumps what the supercluster npm package makes of a GeoJSON point file, for the Go
// tests that check prebake's port (cluster/) and baked map tiles against it.
// usage: PREBAKE_PEERS=DIR node supercluster-dump.mjs INPUT.geojson OPTIONS.json
// OPTIONS: {radius, extent, minZoom, maxZoom, minPoints, nodeSize,
//           reduce: bool   (sum properties.mw into clusters),
//           bboxes: [[w, s, e, n, zoom], ...]   (getClusters queries, ids in order),
//           sampleEvery: N (getChildren / getLeaves of every Nth cluster)}
// Input features get id = their index, so point ids are input indexes.
// Output (stdout, JSON): {zooms: [[[cluster 0|1, id, count, lng, lat, expansionZoom, mw], ...] per zoom
// minZoom..maxZoom+1], queries: [[ids...]], children: {id: [ids]}, leaves: {id: [ids]}}
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

// ES modules ignore NODE_PATH: load the package from the peers dir the Go test names.
const peers = process.env.PREBAKE_PEERS;
const {default: Supercluster} = await import(pathToFileURL(path.join(peers, 'node_modules/supercluster/index.js')).href);

const [input, optionsPath] = process.argv.slice(2);
const fc = JSON.parse(fs.readFileSync(input, 'utf8'));
const o = JSON.parse(fs.readFileSync(optionsPath, 'utf8'));
fc.features.forEach((f, i) => { f.id = i; });

const opts = {radius: o.radius, extent: o.extent, minZoom: o.minZoom, maxZoom: o.maxZoom,
    minPoints: o.minPoints, nodeSize: o.nodeSize};
if (o.reduce) {
    opts.map = p => ({mw: (p && p.mw) || 0});
    opts.reduce = (a, b) => { a.mw += b.mw; };
}
const index = new Supercluster(opts).load(fc.features);

const feat = f => {
    const p = f.properties || {};
    const c = p.cluster ? 1 : 0;
    return [c, c ? p.cluster_id : f.id, c ? p.point_count : 1,
        f.geometry.coordinates[0], f.geometry.coordinates[1],
        c ? index.getClusterExpansionZoom(p.cluster_id) : -1, c && o.reduce ? p.mw : 0];
};
const zooms = [];
const children = {}, leaves = {};
let seen = 0;
for (let z = o.minZoom; z <= o.maxZoom + 1; z++) {
    const fs_ = index.getClusters([-180, -90, 180, 90], z);
    zooms.push(fs_.map(feat));
    for (const f of fs_) {
        if (!f.properties || !f.properties.cluster) continue;
        if (seen++ % (o.sampleEvery || 50) !== 0) continue;
        const id = f.properties.cluster_id;
        children[id] = index.getChildren(id).map(c => c.properties && c.properties.cluster ? c.properties.cluster_id : c.id);
        leaves[id] = index.getLeaves(id, 7, 3).map(c => c.id);
    }
}
const queries = (o.bboxes || []).map(([w, s, e, n, z]) =>
    index.getClusters([w, s, e, n], z).map(f => f.properties && f.properties.cluster ? f.properties.cluster_id : f.id));
process.stdout.write(JSON.stringify({zooms, queries, children, leaves}));
