// kdbush.mjs — KDBush 4.1.0 with Int32 coordinates, as supercluster 9.1.0 builds it.
//
// Written here, not imported, so that the client has no dependencies: the same
// arithmetic and order as the package (tested, through supercluster.mjs,
// against the supercluster npm package in js/test).
/*! Ported from kdbush 4.1.0, ISC License, Copyright (c) Vladimir Agafonkin
 *
 * Permission to use, copy, modify, and/or distribute this software for any purpose
 * with or without fee is hereby granted, provided that the above copyright notice
 * and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH
 * REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND
 * FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT,
 * INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS
 * OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER
 * TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF
 * THIS SOFTWARE.
 */
const KD_STACK = new Uint32Array(96);

export class KDBush {
    constructor(numItems, nodeSize = 64) {
        this.numItems = numItems;
        this.nodeSize = Math.min(Math.max(+nodeSize, 2), 65535);
        this.ids = numItems < 65536 ? new Uint16Array(numItems) : new Uint32Array(numItems);
        this.coords = new Int32Array(numItems * 2);
        this._pos = 0;
    }

    add(x, y) {
        const index = this._pos >> 1;
        this.ids[index] = index;
        this.coords[this._pos++] = x;
        this.coords[this._pos++] = y;
        return index;
    }

    finish() {
        kdSort(this.ids, this.coords, this.nodeSize, 0, this.numItems - 1, 0);
        return this;
    }

    range(minX, minY, maxX, maxY) {
        const {ids, coords, nodeSize} = this;
        const stack = KD_STACK;
        stack[0] = 0;
        stack[1] = ids.length - 1;
        stack[2] = 0;
        let sp = 3;
        const result = [];
        while (sp > 0) {
            const axis = stack[--sp];
            const right = stack[--sp];
            const left = stack[--sp];
            if (right - left <= nodeSize) {
                for (let i = left; i <= right; i++) {
                    const x = coords[2 * i];
                    const y = coords[2 * i + 1];
                    if (x >= minX && x <= maxX && y >= minY && y <= maxY) result.push(ids[i]);
                }
                continue;
            }
            const m = (left + right) >> 1;
            const x = coords[2 * m];
            const y = coords[2 * m + 1];
            if (x >= minX && x <= maxX && y >= minY && y <= maxY) result.push(ids[m]);
            if (axis === 0 ? minX <= x : minY <= y) {
                stack[sp++] = left;
                stack[sp++] = m - 1;
                stack[sp++] = 1 - axis;
            }
            if (axis === 0 ? maxX >= x : maxY >= y) {
                stack[sp++] = m + 1;
                stack[sp++] = right;
                stack[sp++] = 1 - axis;
            }
        }
        return result;
    }

    within(qx, qy, r) {
        const result = [];
        this.withinInto(qx, qy, r, result);
        return result;
    }

    withinInto(qx, qy, r, out) {
        const {ids, coords, nodeSize} = this;
        const stack = KD_STACK;
        stack[0] = 0;
        stack[1] = ids.length - 1;
        stack[2] = 0;
        let sp = 3;
        let count = 0;
        const r2 = r * r;
        while (sp > 0) {
            const axis = stack[--sp];
            const right = stack[--sp];
            const left = stack[--sp];
            if (right - left <= nodeSize) {
                for (let i = left; i <= right; i++) {
                    if (sqDist(coords[2 * i], coords[2 * i + 1], qx, qy) <= r2) out[count++] = ids[i];
                }
                continue;
            }
            const m = (left + right) >> 1;
            const x = coords[2 * m];
            const y = coords[2 * m + 1];
            if (sqDist(x, y, qx, qy) <= r2) out[count++] = ids[m];
            if (axis === 0 ? qx - r <= x : qy - r <= y) {
                stack[sp++] = left;
                stack[sp++] = m - 1;
                stack[sp++] = 1 - axis;
            }
            if (axis === 0 ? qx + r >= x : qy + r >= y) {
                stack[sp++] = m + 1;
                stack[sp++] = right;
                stack[sp++] = 1 - axis;
            }
        }
        return count;
    }
}

function kdSort(ids, coords, nodeSize, left, right, axis) {
    if (right - left <= nodeSize) return;
    const m = (left + right) >> 1;
    kdSelect(ids, coords, m, left, right, axis);
    kdSort(ids, coords, nodeSize, left, m - 1, 1 - axis);
    kdSort(ids, coords, nodeSize, m + 1, right, 1 - axis);
}

// Floyd-Rivest selection. Its sampling bounds use Math.log and Math.exp (Node's
// V8: fdlibm); an engine whose last bit differs changes a bound
// only when it floors across an integer, which would reorder ids inside a tree
// node: the clusters stay the same; the order of getClusters' output and the
// last bits of the mw sums could then differ.
function kdSelect(ids, coords, k, left, right, axis) {
    while (right > left) {
        if (right - left > 600) {
            const n = right - left + 1;
            const m = k - left + 1;
            const z = Math.log(n);
            const s = 0.5 * Math.exp(2 * z / 3);
            const sd = 0.5 * Math.sqrt(z * s * (n - s) / n) * (m - n / 2 < 0 ? -1 : 1);
            const newLeft = Math.max(left, Math.floor(k - m * s / n + sd));
            const newRight = Math.min(right, Math.floor(k + (n - m) * s / n + sd));
            kdSelect(ids, coords, k, newLeft, newRight, axis);
        }
        const t = coords[2 * k + axis];
        let i = left;
        let j = right;
        kdSwap(ids, coords, left, k);
        if (coords[2 * right + axis] > t) kdSwap(ids, coords, left, right);
        while (i < j) {
            kdSwap(ids, coords, i, j);
            i++;
            j--;
            while (coords[2 * i + axis] < t) i++;
            while (coords[2 * j + axis] > t) j--;
        }
        if (coords[2 * left + axis] === t) kdSwap(ids, coords, left, j);
        else {
            j++;
            kdSwap(ids, coords, j, right);
        }
        if (j <= k) left = j + 1;
        if (k <= j) right = j - 1;
    }
}

function kdSwap(ids, coords, i, j) {
    let tmp = ids[i]; ids[i] = ids[j]; ids[j] = tmp;
    tmp = coords[2 * i]; coords[2 * i] = coords[2 * j]; coords[2 * j] = tmp;
    tmp = coords[2 * i + 1]; coords[2 * i + 1] = coords[2 * j + 1]; coords[2 * j + 1] = tmp;
}

function sqDist(ax, ay, bx, by) {
    const dx = ax - bx;
    const dy = ay - by;
    return dx * dx + dy * dy;
}
