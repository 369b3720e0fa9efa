#!/usr/bin/env node
// Evaluates V8's Math functions, SuperCluster's projection and the client's
// (js/src/fdlibm.mjs, mercator.mjs) on the inputs in a file, bit for bit, for the Go tests of
// cluster/fdlibm.go.
// usage: node v8math.mjs INPUT   (INPUT: one "op hexbits" per line, op one of
//   sin log atan exp latY yLat clientLatY clientSin clientLog)
// Prints a JSON array of the results' IEEE bits in hex, in input order.
import fs from 'node:fs';
import {fdlibmSin, fdlibmLog} from '../src/fdlibm.mjs';
import {latY as clientLatY} from '../src/mercator.mjs';

// SuperCluster 9.1.0's latY and yLat, expression for expression.
const latY = lat => {
    const sin = Math.sin(lat * Math.PI / 180);
    const y = (0.5 - 0.25 * Math.log((1 + sin) / (1 - sin)) / Math.PI);
    return y < 0 ? 0 : y > 1 ? 1 : y;
};
const yLat = y => {
    const y2 = (180 - y * 360) * Math.PI / 180;
    return 360 * Math.atan(Math.exp(y2)) / Math.PI - 90;
};
const ops = {sin: Math.sin, log: Math.log, atan: Math.atan, exp: Math.exp, latY, yLat, clientLatY, clientSin: fdlibmSin, clientLog: fdlibmLog};
const b = new Float64Array(1), u = new BigUint64Array(b.buffer);
const out = [];
for (const line of fs.readFileSync(process.argv[2], 'utf8').split('\n')) {
    if (!line) continue;
    const [op, hex] = line.split(' ');
    if (!ops[op]) throw new Error(`unknown op ${op}`);
    u[0] = BigInt('0x' + hex);
    b[0] = ops[op](b[0]);
    out.push(u[0].toString(16));
}
process.stdout.write(JSON.stringify(out));
