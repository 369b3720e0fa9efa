// Reads a PMTiles archive with the `pmtiles` npm package (the reader MapLibre
// uses) and prints what it found as JSON, for pmtiles/node_test.go.
// Usage: node read_archive.mjs PEERS_DIR ARCHIVE REQUEST.json
// REQUEST: {"tiles": [[z,x,y], ...], "ids": [[z,x,y], ...]}
import { createRequire } from "node:module";
import { openSync, readSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [peers, archive, requestPath] = process.argv.slice(2);
const require = createRequire(join(peers, "package.json"));
const { PMTiles, zxyToTileId, tileIdToZxy } = require("pmtiles");

// A Source over a local file: the package's FileSource wants a browser File.
class LocalFileSource {
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

const request = JSON.parse(readFileSync(requestPath, "utf8"));
const p = new PMTiles(new LocalFileSource(archive));
const header = await p.getHeader();
const metadata = await p.getMetadata();
const tiles = [];
for (const [z, x, y] of request.tiles) {
  const r = await p.getZxy(z, x, y);
  tiles.push(r ? Buffer.from(r.data).toString("hex") : null);
}
const ids = request.ids.map(([z, x, y]) => {
  const id = zxyToTileId(z, x, y);
  return { id, back: tileIdToZxy(id) };
});
delete header.etag;
console.log(JSON.stringify({ header, metadata, tiles, ids }));
