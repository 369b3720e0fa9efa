// supercluster.mjs — a port of the supercluster npm package 9.1.0 (Go: package cluster).
//
// Written here so that the client stays dependency-free, statement for
// statement the same arithmetic and order as supercluster (so the same
// clusters, ids and output order), with its Int32 grid and KDBush (kdbush.mjs),
// and two changes that do not alter results: points come as columns
// (loadColumns) and zooms are clustered lazily, from the top down to the lowest
// zoom asked for (a zoom's clusters depend only on the zooms above it). The
// projection is mercator.mjs's. Tested against supercluster in js/test
// (prebake-filters-check.mjs).
/*! Ported from supercluster 9.1.0, ISC License, Copyright (c) Mapbox
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
import {KDBush} from './kdbush.mjs';
import {SCALE, lngX, latY, xLng, yLat, encode, decodeGrid} from './mercator.mjs';

const OFFSET_ZOOM = 2, OFFSET_ID = 3, OFFSET_PARENT = 4, OFFSET_NUM = 5, OFFSET_PROP = 6;

export class Supercluster {
    constructor(options) {
        const opts = this.options = Object.assign({minZoom: 0, maxZoom: 16, minPoints: 2, radius: 40, extent: 512,
            nodeSize: 64, reduce: null, map: p => p}, options);
        opts.maxZoom = Math.min(opts.maxZoom, 30);
        opts.minZoom = Math.min(opts.minZoom, opts.maxZoom);
        this.trees = new Array(opts.maxZoom + 2);
        this.stride = opts.reduce ? 7 : 6;
        this.clusterProps = [];
    }

    // loadColumns(n, lng(i), lat(i), id(i), properties(i)): n points in input order.
    loadColumns(n, lngOf, latOf, idOf, propsOf) {
        const {maxZoom} = this.options;
        const stride = this.stride;
        this.numPoints = n;
        const props = this.props = new Array(n);
        const coords = this.coords = new Float64Array(n * 2);
        const ids = this.ids = new Array(n);
        const data = new Int32Array(n * stride);
        for (let i = 0, w = 0; i < n; i++, w += stride) {
            const px = lngX(lngOf(i)), py = latY(latOf(i));
            coords[2 * i] = px;
            coords[2 * i + 1] = py;
            data[w] = encode(px);
            data[w + 1] = encode(py);
            data[w + OFFSET_ZOOM] = maxZoom + 1;
            data[w + OFFSET_ID] = i;
            data[w + OFFSET_PARENT] = -1;
            data[w + OFFSET_NUM] = 1;
            props[i] = propsOf(i);
            ids[i] = idOf(i);
        }
        this.trees[maxZoom + 1] = this._createTree(data, n);
        this._prev = data;
        this._prevNum = n;
        this._built = maxZoom + 1; // lowest zoom clustered so far
        return this;
    }

    // _tree(z) clusters down to zoom z (as load does, zoom by zoom) and returns its tree.
    _tree(z) {
        while (this._built > z) {
            const zoom = this._built - 1;
            const out = this._recycled || new Int32Array(this._prevNum * this.stride);
            this._recycled = null;
            const written = this._cluster(this._prev, this._prevNum, zoom, out);
            if (written === this._prevNum) {
                this.trees[zoom] = this.trees[zoom + 1];
                this._recycled = out;
            } else {
                this.trees[zoom] = this._createTree(out, written);
                this._prev = out;
                this._prevNum = written;
            }
            this._built = zoom;
        }
        return this.trees[z];
    }

    getClusters(bbox, zoom) {
        let minLng = ((bbox[0] + 180) % 360 + 360) % 360 - 180;
        const minLat = Math.max(-90, Math.min(90, bbox[1]));
        let maxLng = bbox[2] === 180 ? 180 : ((bbox[2] + 180) % 360 + 360) % 360 - 180;
        const maxLat = Math.max(-90, Math.min(90, bbox[3]));
        if (bbox[2] - bbox[0] >= 360) {
            minLng = -180;
            maxLng = 180;
        } else if (minLng > maxLng) {
            const easternHem = this.getClusters([minLng, minLat, 180, maxLat], zoom);
            const westernHem = this.getClusters([-180, minLat, maxLng, maxLat], zoom);
            return easternHem.concat(westernHem);
        }
        const tree = this._tree(this._limitZoom(zoom));
        const ids = tree.range(encode(lngX(minLng)), encode(latY(maxLat)), encode(lngX(maxLng)), encode(latY(minLat)));
        const data = tree.data;
        const clusters = [];
        for (const id of ids) clusters.push(this._featureJSON(data, this.stride * id));
        return clusters;
    }

    getChildren(clusterId) {
        const originId = this._getOriginId(clusterId);
        const originZoom = this._getOriginZoom(clusterId);
        const errorMsg = 'No cluster with the specified id.';
        const tree = originZoom >= this._built ? this.trees[originZoom] : undefined;
        if (!tree) throw new Error(errorMsg);
        const data = tree.data;
        if (originId >= tree.numItems) throw new Error(errorMsg);
        const r = this.options.radius / (this.options.extent * Math.pow(2, originZoom - 1));
        const x = data[originId * this.stride];
        const y = data[originId * this.stride + 1];
        const ids = tree.within(x, y, r * SCALE);
        const children = [];
        for (const id of ids) {
            const k = id * this.stride;
            if (data[k + OFFSET_PARENT] === clusterId) children.push(this._featureJSON(data, k));
        }
        if (children.length === 0) throw new Error(errorMsg);
        return children;
    }

    getClusterExpansionZoom(clusterId) {
        let expansionZoom = this._getOriginZoom(clusterId) - 1;
        while (expansionZoom <= this.options.maxZoom) {
            const children = this.getChildren(clusterId);
            expansionZoom++;
            if (children.length !== 1) break;
            clusterId = children[0].properties.cluster_id;
        }
        return expansionZoom;
    }

    _createTree(data, numItems) {
        const tree = new KDBush(numItems, this.options.nodeSize);
        const stride = this.stride;
        for (let i = 0; i < numItems; i++) tree.add(data[i * stride], data[i * stride + 1]);
        tree.finish();
        tree.data = data;
        return tree;
    }

    _limitZoom(z) {
        return Math.max(this.options.minZoom, Math.min(Math.floor(+z), this.options.maxZoom + 1));
    }

    _cluster(data, numItems, zoom, out) {
        const {radius, extent, reduce, minPoints, maxZoom} = this.options;
        const r = radius / (extent * (1 << zoom)) * SCALE;
        const notProcessed = maxZoom + 1;
        const tree = this.trees[zoom + 1];
        const stride = this.stride;
        const limit = numItems * stride;
        const neighborIds = new Uint32Array(numItems);
        let cursor = 0;
        for (let i = 0; i < limit; i += stride) {
            if (data[i + OFFSET_ZOOM] <= zoom) continue;
            data[i + OFFSET_ZOOM] = zoom;
            const x = data[i];
            const y = data[i + 1];
            const neighborCount = tree.withinInto(x, y, r, neighborIds);
            const numPointsOrigin = data[i + OFFSET_NUM];
            let numPoints = numPointsOrigin;
            for (let n = 0; n < neighborCount; n++) {
                const k = neighborIds[n] * stride;
                if (data[k + OFFSET_ZOOM] > zoom) numPoints += data[k + OFFSET_NUM];
            }
            if (numPoints > numPointsOrigin && numPoints >= minPoints) {
                let wx = x * numPointsOrigin;
                let wy = y * numPointsOrigin;
                let clusterProperties;
                let clusterPropIndex = -1;
                const id = ((i / stride | 0) << 5) + (zoom + 1) + this.numPoints;
                for (let n = 0; n < neighborCount; n++) {
                    const k = neighborIds[n] * stride;
                    if (data[k + OFFSET_ZOOM] <= zoom) continue;
                    data[k + OFFSET_ZOOM] = zoom;
                    const numPoints2 = data[k + OFFSET_NUM];
                    wx += data[k] * numPoints2;
                    wy += data[k + 1] * numPoints2;
                    data[k + OFFSET_PARENT] = id;
                    if (reduce) {
                        if (!clusterProperties) {
                            clusterProperties = this._map(data, i, true);
                            clusterPropIndex = this.clusterProps.length;
                            this.clusterProps.push(clusterProperties);
                        }
                        reduce(clusterProperties, this._map(data, k));
                    }
                }
                data[i + OFFSET_PARENT] = id;
                out[cursor] = wx / numPoints;
                out[cursor + 1] = wy / numPoints;
                out[cursor + OFFSET_ZOOM] = notProcessed;
                out[cursor + OFFSET_ID] = id;
                out[cursor + OFFSET_PARENT] = -1;
                out[cursor + OFFSET_NUM] = numPoints;
                if (reduce) out[cursor + OFFSET_PROP] = clusterPropIndex;
                cursor += stride;
            } else {
                for (let j = 0; j < stride; j++) out[cursor + j] = data[i + j];
                cursor += stride;
                if (numPoints > 1) {
                    for (let n = 0; n < neighborCount; n++) {
                        const k = neighborIds[n] * stride;
                        if (data[k + OFFSET_ZOOM] <= zoom) continue;
                        data[k + OFFSET_ZOOM] = zoom;
                        for (let j = 0; j < stride; j++) out[cursor + j] = data[k + j];
                        cursor += stride;
                    }
                }
            }
        }
        return cursor / stride;
    }

    _getOriginId(clusterId) {
        return (clusterId - this.numPoints) >> 5;
    }

    _getOriginZoom(clusterId) {
        return (clusterId - this.numPoints) % 32;
    }

    _featureJSON(data, k) {
        const i = data[k + OFFSET_ID];
        const isCluster = data[k + OFFSET_NUM] > 1;
        const id = isCluster ? i : this.ids ? this.ids[i] : undefined;
        const properties = isCluster ? getClusterProperties(data, k, this.clusterProps) : this.props[i];
        const coordinates = isCluster ?
            [xLng(decodeGrid(data[k])), yLat(decodeGrid(data[k + 1]))] :
            [xLng(this.coords[2 * i]), yLat(this.coords[2 * i + 1])];
        const f = {type: 'Feature', properties, geometry: {type: 'Point', coordinates}};
        if (id !== undefined) f.id = id;
        return f;
    }

    _map(data, i, clone) {
        if (data[i + OFFSET_NUM] > 1) {
            const props = this.clusterProps[data[i + OFFSET_PROP]];
            return clone ? Object.assign({}, props) : props;
        }
        const original = this.props[data[i + OFFSET_ID]];
        const result = this.options.map(original);
        return clone && result === original ? Object.assign({}, result) : result;
    }
}

// abbreviate(count) is SuperCluster's point_count_abbreviated.
export const abbreviate = count =>
    count >= 10000 ? `${Math.round(count / 1000)}k` :
    count >= 1000 ? `${Math.round(count / 100) / 10}k` : count;

function getClusterProperties(data, i, clusterProps) {
    const count = data[i + OFFSET_NUM];
    const abbrev = abbreviate(count);
    const propIndex = data[i + OFFSET_PROP];
    const properties = propIndex === -1 ? {} : Object.assign({}, clusterProps[propIndex]);
    return Object.assign(properties, {
        cluster: true,
        'cluster_id': data[i + OFFSET_ID],
        'point_count': count,
        'point_count_abbreviated': abbrev,
    });
}
