// mercator.mjs — SuperCluster's projection and integer grid (Go: cluster/mercator.go).
//
// Expression for expression SuperCluster 9.1.0's lngX/latY and their inverses,
// with V8's sin, log, atan and exp (fdlibm.mjs), so that a point lands in the
// grid cell, and a cluster at the coordinates, Node's supercluster gives them in
// any engine.
import {fdlibmSin, fdlibmLog, v8Atan, v8Exp} from './fdlibm.mjs';

export const SCALE = 0x40000000; // 2^30: SuperCluster's integer grid
export const HALF = 0x20000000; // 2^29
const INV_SCALE = 1 / SCALE;

export const lngX = lng => lng / 360 + 0.5;
export const latY = lat => {
    const sin = fdlibmSin(lat * Math.PI / 180);
    const y = (0.5 - 0.25 * fdlibmLog((1 + sin) / (1 - sin)) / Math.PI);
    return y < 0 ? 0 : y > 1 ? 1 : y;
};
export const xLng = x => (x - 0.5) * 360;
export const yLat = y => {
    const y2 = (180 - y * 360) * Math.PI / 180;
    return 360 * v8Atan(v8Exp(y2)) / Math.PI - 90;
};

// encode maps a projected coordinate (0..1) to the grid (-2^29..2^29); decodeGrid back.
export const encode = c => (c - 0.5) * SCALE;
export const decodeGrid = v => v * INV_SCALE + 0.5;
