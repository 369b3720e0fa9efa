// A Mapbox Vector Tile reader written from the MVT 2.1 spec (no vector-tile
// package is installed) and a local-file Source for the `pmtiles` npm package
// (its FileSource wants a browser File), shared by the Node scripts that check
// baked archives: decode_tiles.mjs and maptiles/testdata/pmtiles_geojson.mjs.
import { openSync, readSync } from "node:fs";

export class LocalFileSource {
  constructor(path) {
    this.path = path;
    this.fd = openSync(path, "r");
  }
  getKey() {
    return this.path;
  }
  async getBytes(offset, length) {
    const buf = Buffer.alloc(length);
    const n = readSync(this.fd, buf, 0, length, offset);
    const out = new ArrayBuffer(n);
    new Uint8Array(out).set(buf.subarray(0, n));
    return { data: out };
  }
}

// Protocol buffer wire format: varints, 64-bit, length-delimited and 32-bit fields.
class Pbf {
  constructor(buf) {
    this.buf = buf;
    this.pos = 0;
  }
  varint() {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  }
  fields(fn) {
    while (this.pos < this.buf.length) {
      const key = Number(this.varint());
      const field = key >> 3;
      const wire = key & 7;
      let val;
      if (wire === 0) val = this.varint();
      else if (wire === 1) { val = this.buf.subarray(this.pos, this.pos + 8); this.pos += 8; }
      else if (wire === 2) { const n = Number(this.varint()); val = this.buf.subarray(this.pos, this.pos + n); this.pos += n; }
      else if (wire === 5) { val = this.buf.subarray(this.pos, this.pos + 4); this.pos += 4; }
      else throw new Error(`wire type ${wire}`);
      fn(field, wire, val);
    }
  }
}
const packed = (bytes) => {
  const p = new Pbf(bytes);
  const out = [];
  while (p.pos < bytes.length) out.push(Number(p.varint()));
  return out;
};
const utf8 = new TextDecoder();
const zigzag = (n) => (n >>> 1) ^ -(n & 1);

function decodeValue(bytes) {
  let v = null;
  new Pbf(bytes).fields((f, w, val) => {
    const dv = w === 1 || w === 5 ? new DataView(val.buffer, val.byteOffset, val.length) : null;
    if (f === 1) v = utf8.decode(val);
    else if (f === 2) v = dv.getFloat32(0, true);
    else if (f === 3) v = dv.getFloat64(0, true);
    else if (f === 4) v = Number(BigInt.asIntN(64, val));
    else if (f === 5) v = Number(val);
    else if (f === 6) v = Number((val >> 1n) ^ -(val & 1n));
    else if (f === 7) v = val !== 0n;
  });
  return v;
}

function decodeFeature(bytes, keys, values) {
  const f = { id: null, type: 0, tags: [], geometry: [] };
  new Pbf(bytes).fields((field, w, val) => {
    if (field === 1) f.id = Number(val);
    else if (field === 2) f.tags = packed(val);
    else if (field === 3) f.type = Number(val);
    else if (field === 4) f.geometry = packed(val);
  });
  const props = {};
  for (let i = 0; i < f.tags.length; i += 2) props[keys[f.tags[i]]] = values[f.tags[i + 1]];
  // Points: MoveTo(count) then zigzag dx, dy pairs.
  const pts = [];
  let x = 0, y = 0;
  for (let i = 0; i < f.geometry.length; ) {
    const cmd = f.geometry[i] & 7;
    const count = f.geometry[i] >> 3;
    i++;
    if (cmd === 7) continue;
    for (let c = 0; c < count; c++) {
      x += zigzag(f.geometry[i++]);
      y += zigzag(f.geometry[i++]);
      pts.push([x, y]);
    }
  }
  return { id: f.id, type: f.type, points: pts, props };
}

export function decodeLayer(bytes) {
  const raw = { name: "", version: 1, extent: 4096, keys: [], values: [], features: [] };
  new Pbf(bytes).fields((f, w, val) => {
    if (f === 1) raw.name = utf8.decode(val);
    else if (f === 2) raw.features.push(val);
    else if (f === 3) raw.keys.push(utf8.decode(val));
    else if (f === 4) raw.values.push(decodeValue(val));
    else if (f === 5) raw.extent = Number(val);
    else if (f === 15) raw.version = Number(val);
  });
  return {
    name: raw.name,
    version: raw.version,
    extent: raw.extent,
    features: raw.features.map((b) => decodeFeature(b, raw.keys, raw.values)),
  };
}

// decodeTile returns an MVT tile's layers, each {name, version, extent, features}.
export function decodeTile(bytes) {
  const layers = [];
  new Pbf(bytes).fields((f, w, val) => {
    if (f === 3) layers.push(decodeLayer(val));
  });
  return layers;
}
