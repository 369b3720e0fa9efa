// Compares a bake's two map outputs tile by tile: the vector tile archive
// (maptiles/map.pmtiles, read with the `pmtiles` npm package MapLibre uses and
// decoded with vectortiles/testdata/mvt.mjs) and the GeoJSON tile sets (read
// with js/prebake-map.mjs from disk). For every requested tile and layer, the
// features whose position lies in the tile proper (MVT coordinates
// 0..extent-1, not the buffer) must be exactly the features getClusters returns
// for that tile's area at that zoom: same clusters and points, same properties.
// Driven by pmtiles_geojson_test.go.
// Usage: node pmtiles_geojson.mjs PEERS_DIR OUT_DIR TILES.json
// TILES: [[z, x, y], ...]. Prints one JSON object (see the Go test's result type).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LocalFileSource, decodeTile } from "../vectortiles/testdata/mvt.mjs";
import { openLayer } from "../../../../js/prebake-map.mjs";

const [peers, outDir, tilesPath] = process.argv.slice(2);
const require = createRequire(join(peers, "package.json"));
const { PMTiles } = require("pmtiles");

const manifest = JSON.parse(readFileSync(join(outDir, "manifest.json"), "utf8"));
const archiveEntry = manifest.tilesets["maptiles/map.pmtiles"];
if (!archiveEntry) throw new Error("manifest has no tile set maptiles/map.pmtiles");
const layerNames = archiveEntry.tilejson.vector_layers.map((l) => l.id);
const geo = new Map();
for (const name of layerNames) {
  const entry = manifest.tilesets[`maptiles/default/${name}`];
  if (!entry) throw new Error(`manifest has no tile set maptiles/default/${name} for vector layer ${name}`);
  geo.set(name, openLayer(entry, { fetchJSON: async (url) => JSON.parse(readFileSync(join(outDir, url), "utf8")) }));
}

const archive = new PMTiles(new LocalFileSource(join(outDir, archiveEntry.path)));
const header = await archive.getHeader();

// Web Mercator world pixel coordinates at level bits (zoom + log2 extent), as
// vectortiles bins a point: floor(x), floor(y); the tile is the high bits.
function toPixel(lng, lat, scale) {
  const x = (lng / 360 + 0.5) * scale;
  const sin = Math.sin((lat * Math.PI) / 180);
  const y = sin > 0.9999 ? 0 : sin < -0.9999 ? scale - 1 : (0.5 + (0.5 * Math.log((1 + sin) / (1 - sin))) / (-2 * Math.PI)) * scale;
  return [x, y];
}
const pixelLng = (px, scale) => (px / scale) * 360 - 180;
const pixelLat = (py, scale) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * py) / scale))) * 180) / Math.PI;

// A feature's identity in both outputs: clusters by cluster id, points by
// component id (the two id spaces may overlap).
const key = (p) => (p.cluster ? `c${p.cluster_id}` : `p${p.id}`);

// The GeoJSON properties as the MVT carries them: no minzoom/maxzoom (a vector
// tile is one zoom), arrays as JSON text.
function mvtProps(p) {
  const out = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === "minzoom" || k === "maxzoom") continue;
    out[k] = v !== null && typeof v === "object" ? JSON.stringify(v) : v;
  }
  return out;
}
// Point features carry only these in the vector tiles (the text fields stay in
// the GeoJSON files); clusters carry every property.
const POINT_KEYS = ["count", "display_technology", "id", "ids", "mw", "technology"];
function sameProps(a, b) {
  if (!a.cluster) a = Object.fromEntries(POINT_KEYS.filter((k) => k in a).map((k) => [k, a[k]]));
  const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
  if (ka.join() !== kb.join()) return `keys ${ka} vs ${kb}`;
  for (const k of ka) {
    if (a[k] !== b[k]) return `${k}: ${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])}`;
  }
  return null;
}

// Features this close (in pixels) to a tile edge may fall either side by a last
// bit of sin/log between Go and V8: they only need to be in the tile's buffer.
const EDGE = 1e-6;

// samePixel: the MVT's integer coordinate p is the floor of the GeoJSON
// position's f, or f is within EDGE of the integer p or p + 1. Clusters sit on
// SuperCluster's 2^30 grid, whose points are exact pixel edges at every zoom to
// 17 (2^(z+12) pixels), so their positions land on pixel edges and Go's and
// V8's sin/log round them either way.
const samePixel = (p, f) => p === Math.floor(f) || Math.abs(f - p) < EDGE || Math.abs(f - p - 1) < EDGE;

const tiles = JSON.parse(readFileSync(tilesPath, "utf8"));
const res = { header: { minZoom: header.minZoom, maxZoom: header.maxZoom }, layers: layerNames, tiles: 0, perZoom: {}, features: 0, edge: 0, mismatches: 0, first: [] };
const bad = (msg) => {
  res.mismatches++;
  if (res.first.length < 20) res.first.push(msg);
};
for (const [z, x, y] of tiles) {
  const r = await archive.getZxy(z, x, y);
  const mvt = new Map();
  let extent = 4096;
  if (r) {
    for (const l of decodeTile(new Uint8Array(r.data))) {
      mvt.set(l.name, l);
      extent = l.extent;
    }
  }
  const scale = extent * 2 ** z;
  const x0 = x * extent, y0 = y * extent;
  // The tile plus a few pixels: getClusters' grid is coarser than a pixel at
  // deep zooms, so the exact edge is decided below, in pixels.
  const m = 4;
  const bbox = [
    Math.max(-180, pixelLng(x0 - m, scale)), pixelLat(y0 + extent + m, scale),
    Math.min(180, pixelLng(x0 + extent + m, scale)), pixelLat(y0 - m, scale),
  ];
  const zs = (res.perZoom[z] ||= { tiles: 0, nonEmpty: 0, features: 0 });
  zs.tiles++;
  res.tiles++;
  let tileFeatures = 0;
  for (const name of layerNames) {
    const where = `${z}/${x}/${y} ${name}`;
    const l = mvt.get(name);
    const inner = new Map(), all = new Map(), ids = new Set();
    for (const f of l ? l.features : []) {
      // MVT ids are unique within a layer of a tile: 2 * cluster_id + 1 for a
      // cluster, 2 * component id for a point (vectortiles.ClusterID, PointID).
      if (ids.has(f.id)) bad(`${where}: MVT id ${f.id} twice in the layer`);
      ids.add(f.id);
      const wantID = f.props.cluster ? 2 * f.props.cluster_id + 1 : 2 * f.props.id;
      if (f.id !== wantID) bad(`${where}: ${key(f.props)} has MVT id ${f.id}, want ${wantID}`);
      if (f.type !== 1 || f.points.length !== 1) {
        bad(`${where}: MVT feature ${f.id} is not a single point`);
        continue;
      }
      const [px, py] = f.points[0];
      const k = key(f.props);
      all.set(k, f);
      if (px >= 0 && px < extent && py >= 0 && py < extent) {
        if (inner.has(k)) bad(`${where}: ${k} twice in the tile`);
        inner.set(k, f);
      }
    }
    const want = new Map(), edge = new Map();
    for (const f of await geo.get(name).getClusters(bbox, z, {})) {
      const [lng, lat] = f.geometry.coordinates;
      const [fx, fy] = toPixel(lng, lat, scale);
      const ix = fx - x0, iy = fy - y0;
      const k = key(f.properties);
      if (ix >= EDGE && ix < extent - EDGE && iy >= EDGE && iy < extent - EDGE) want.set(k, { f, fx: ix, fy: iy });
      else if (ix > -EDGE && ix < extent + EDGE && iy > -EDGE && iy < extent + EDGE) edge.set(k, f);
    }
    for (const [k, w] of want) {
      const g = inner.get(k);
      if (!g) {
        bad(`${where}: GeoJSON ${k} (${w.f.geometry.coordinates}) not in the vector tile${all.has(k) ? " proper (only its buffer)" : ""}`);
        continue;
      }
      if (!samePixel(g.points[0][0], w.fx) || !samePixel(g.points[0][1], w.fy)) bad(`${where}: ${k} at pixel ${g.points[0]} in the vector tile, at ${w.fx},${w.fy} in the GeoJSON`);
      const d = sameProps(mvtProps(w.f.properties), g.props);
      if (d) bad(`${where}: ${k} properties differ: ${d}`);
    }
    for (const k of inner.keys()) {
      if (!want.has(k) && !edge.has(k)) bad(`${where}: vector tile has ${k}, GeoJSON tiles do not`);
    }
    for (const k of edge.keys()) {
      res.edge++;
      if (!all.has(k)) bad(`${where}: GeoJSON ${k} on the tile's edge is not in the vector tile or its buffer`);
    }
    tileFeatures += want.size;
  }
  if (tileFeatures > 0) zs.nonEmpty++;
  zs.features += tileFeatures;
  res.features += tileFeatures;
}
console.log(JSON.stringify(res));
