#!/usr/bin/env node
// Compares js/src/fdlibm.mjs's v8Atan / v8Exp (fdlibm, as V8 carries it) with
// Node's own Math.atan / Math.exp (V8: the same fdlibm) bit for bit: random
// inputs over many magnitudes, the special values, and the inverse projection's
// own inputs (exp of (180 - y*360) * pi/180 for y on SuperCluster's grid, then
// atan of that). Prints {checked, differ, first}.
import {v8Atan, v8Exp} from '../src/fdlibm.mjs';

let a = 7;
const rand = () => { // mulberry32
    a |= 0; a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
let checked = 0, differ = 0, first = null;
const check = (name, f, g, x) => {
    checked++;
    const got = f(x), want = g(x);
    if (!Object.is(got, want)) {
        differ++;
        first = first || {name, x, got, want};
    }
};
const specials = [0, -0, 1, -1, 0.5, 2.4375, 0.4375, 1e-30, -1e-30, 709.78, 709.79, -745.2, -745.1, 2 ** 66, Infinity, -Infinity, NaN];
for (const x of specials) {
    check('atan', v8Atan, Math.atan, x);
    check('exp', v8Exp, Math.exp, x);
}
for (let i = 0; i < 200000; i++) {
    const x = (rand() - 0.5) * 2 ** Math.floor(rand() * 80 - 40);
    check('atan', v8Atan, Math.atan, x);
    check('exp', v8Exp, Math.exp, (rand() - 0.5) * 1500 * rand());
    const y = Math.floor(rand() * 2 ** 30) / 2 ** 30; // a grid position, as decode gives it
    const e = (180 - y * 360) * Math.PI / 180;
    check('exp', v8Exp, Math.exp, e);
    check('atan', v8Atan, Math.atan, Math.exp(e));
}
process.stdout.write(JSON.stringify({checked, differ, first}) + '\n');
