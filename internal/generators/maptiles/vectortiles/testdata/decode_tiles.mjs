// Reads a PMTiles archive of Mapbox Vector Tiles with the `pmtiles` npm package
// and decodes the requested tiles with mvt.mjs, printing JSON for
// vectortiles/node_test.go.
// Usage: node decode_tiles.mjs PEERS_DIR ARCHIVE TILES.json
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LocalFileSource, decodeTile } from "./mvt.mjs";

const [peers, archive, tilesPath] = process.argv.slice(2);
const require = createRequire(join(peers, "package.json"));
const { PMTiles } = require("pmtiles");

const tiles = JSON.parse(readFileSync(tilesPath, "utf8"));
const p = new PMTiles(new LocalFileSource(archive));
const header = await p.getHeader();
const metadata = await p.getMetadata();
const out = [];
for (const [z, x, y] of tiles) {
  const r = await p.getZxy(z, x, y);
  if (!r) {
    out.push(null);
    continue;
  }
  out.push(decodeTile(new Uint8Array(r.data)));
}
delete header.etag;
console.log(JSON.stringify({ header, metadata, tiles: out }));
