// Package maptiles bakes the map pages' points: for every technology category and
// for all of them together (layer "all"), an attribute file of the layer's
// components (any /map/ filter is clustered from it in the browser) and the
// clusters and points SuperCluster shows at every zoom for the /map/ page's
// opening view (its default filters), as small JSON files a browser fetches per
// viewport and decodes to GeoJSON features.
//
// # Input order and clustering
//
// A layer's input is its located components (Geo.Located) in ascending
// register row id (record.Component.ID); a tile set's input is those of them
// the default view shows (DefaultView). The tile set clusters what the app's
// /map/ page clusters: the markers /api/map-data/ gives (Markers), one per
// exact lng/lat, whose representative is the first component there in the
// app's `delivery_year DESC` order (ties: ascending register id), in the order
// of their representatives in that same order (the app's view walks its
// query's rows and keeps positions in order of first appearance). The page
// feeds those markers to @googlemaps/markerclusterer's default SuperCluster
// (app-integration.md, Observed running the app), so a cluster's number counts
// positions and its centre weighs each position once. SuperCluster's result
// depends on input order, so this order is part of the output's definition.
// Clustering is package cluster, an exact port of the supercluster npm package
// 9.1.0 with the app's options (radius 60, extent 512, min points 2, zooms
// 0..16; raw points at 17 and above). Clusters carry point_count (markers),
// "components" (the components at those markers: what a page should label a
// cluster with to count components), "mw" (their summed de-rated capacity) and,
// in the "all" layer, the components per category (a property per category
// name, e.g. "DSR": 12).
//
// # Merge rule
//
// Each marker is one point feature: the details of its representative in the
// app's shape (technology = raw class, display_technology = category,
// delivery_year a string, the full description, detailUrl
// /location/by-name/<quote(location, safe="")>/), "count" and "ids" of all the
// components at that position (delivery_year DESC, ties ascending id) and
// their summed "mw". The point_counts of the features shown at a zoom add up
// to the layer's markers, their components (count on points) to its
// components.
//
// # File layout (scheme "prebake-cluster-tree/3")
//
// Every distinct cluster or point is one feature with the zooms it is shown at
// in its properties: "minzoom" and "maxzoom" (maxzoom = MaxZoom+1 means every
// zoom from there up). Files are the nodes of a quadtree over Web Mercator: the
// node for tile level/x/y holds, in "level/x/y.json", every feature inside
// that tile shown at some zoom in the node's band of consecutive zooms. The root
// (0/0/0) starts at MinZoom; each node takes the longest band whose file stays
// within MaxFileBytes (64 KiB uncompressed, so also compressed; sized from an
// upper bound of each feature's bytes and each string's first use), and its
// children one level down take the zooms after it. A node has no file and passes
// its first zoom on to its children when that zoom alone would not fit, or when
// its band would stop short of the raw-point zoom while its tile is more than one
// level coarser than that zoom's tiles (smaller tiles can take longer bands, so
// points are written again less often, and a viewport still needs few files). So a
// small layer is one file, low zooms share a few files, and dense areas split
// into deeper tiles; the number of files follows the data, not zoom × area. A
// feature is in exactly one file per zoom (markers are not clipped, so there are
// no buffer copies); a feature shown over several bands is in one file per band.
//
// Positions are SuperCluster's: clusters at their weighted centre, points at the
// component's own lng/lat. A feature belongs to the tile holding its position on
// SuperCluster's integer grid (x = trunc((lngX - 0.5) * 2^30), likewise y), which
// is also the grid getClusters compares a viewport with. The projection uses
// V8's fdlibm sin and log (package cluster), and the JS client (js/src/fdlibm.mjs) carries the
// same port, so Go, SuperCluster under Node and the client in any browser put a
// point in the same cell bit for bit (browsers' own Math.sin differ in the last
// bit: Chromium's is glibc's). So a client reproduces
// getClusters(bbox, zoom) exactly: it takes the zoom SuperCluster would use
// (clamped to MinZoom..MaxZoom+1), fetches the files of the nodes whose band
// holds that zoom and whose tile meets the viewport, and keeps the features with
// minzoom <= zoom <= maxzoom inside the viewport. The JS client (js/src/tiles.mjs) does this.
//
// # File format
//
// A file ("level/x/y.json") is one JSON object of columns rather than a GeoJSON
// FeatureCollection: GeoJSON repeated every key, the geometry's boilerplate and
// values a client derives in every feature, which made the files three times
// larger. Each column holds one value per feature of its section, in file order:
//
//	{"strings":["DSR","2025",...],
//	 "clusters":{"id":[...],"x":[...],"y":[...],"count":[...],"components":[...],"expansion_zoom":[...],
//	             "mw":[...],"minzoom":[...],"maxzoom":[...],"categories":[[k,n,...],...]},
//	 "points":{"ids":[[...],...],"lng":[...],"lat":[...],"minzoom":[...],"mw":[...],
//	           "cmu_id":[...],"title":[...],"technology":[...],"display_technology":[...],
//	           "company":[...],"description":[...],"delivery_year":[...],
//	           "auction_name":[...],"detailUrl":[...]}}
//
// A section without features is left out. A cluster is the GeoJSON Feature
// {"type":"Feature","id":id,"geometry":{"type":"Point","coordinates":[lng,lat]},
// "properties":{"cluster":true,"cluster_id":id,"point_count":count,
// "point_count_abbreviated":SuperCluster's abbreviation of count,"components",
// "expansion_zoom","mw",(all layer) a count per category,"minzoom","maxzoom"}}
// where x, y is its cell on SuperCluster's integer grid and lng, lat the
// position SuperCluster reports for that cell (cluster.XLng, cluster.YLat);
// "categories" (all layer only) pairs an index into the layout's "categories"
// with that category's components. A point is the Feature with id ids[0] at
// [lng, lat] and the properties id (ids[0]), the nine text fields (indexes into
// "strings", -1 for null: delivery_year of a component without one; -2 in
// detailUrl for the app's location page of the title,
// "/location/by-name/" + quote(title, safe="") + "/" with Python's quote),
// count (the length of ids), ids, mw, minzoom and maxzoom (always the raw-point
// zoom).
// The JS client's decodeFile (js/src/tiles.mjs) does this.
//
// # Manifest
//
// Each layer's default view is the tile set "maptiles/default/<layer>". These
// are not image or vector tiles, and no GDAL driver opens them: their TileJSON
// (valid TileJSON 3.0.0: one vector layer named by the layer, listing the
// decoded features' fields) says so in its description; its tiles template
// "{z}/{x}/{y}.json" addresses the quadtree nodes below, {z} a node level (a
// Web Mercator tile), not a display zoom. Its layout holds the scheme,
// min_zoom, points_zoom (MaxZoom+1), the clustering options and the index: the
// nodes in preorder from 0/0/0, one integer each, 16 × (zooms in the node's band)
// + a bit mask of the children present (bit 0: 2x,2y; 1: 2x+1,2y; 2: 2x,2y+1;
// 3: 2x+1,2y+1). A small index is inline ("index"); a larger one is the asset
// "maptiles/<layer>.index.json" ("index_url", "index_path", "index_integrity").
// The layout's "view" ({"residential": false, "cm_period": "future"}) says which
// filters the tile set holds, and on the all layer "categories" lists
// record.Categories. The tile set's per_zoom statistics count files by node
// level. The same default views are also baked as Mapbox Vector Tiles into one
// PMTiles archive, one MVT layer per layer named by the layer (package
// vectortiles, tile set vectortiles.AssetName), unless Options.SkipVectorTiles:
// clusters with the same properties, points with only id, ids, count, technology
// and mw (a popup fetches the rest from cmu/component_details by id). The
// archive starts at zoom 0 whatever MinZoom: below MinZoom its tiles show
// MinZoom's clusters, as getClusters does. MVT feature ids are unique within a
// layer of a tile: 2*cluster_id+1 for a cluster, 2*component id for a point
// (vectortiles.ClusterID, PointID); map code reads cluster_id and id from the
// properties. The tile set's layout.source is a MapLibre source for the
// pmtiles protocol, and its TileJSON tiles template is
// "pmtiles://<archive URL>/{z}/{x}/{y}" (vectortiles.TileSetEntry): a static
// host serves no tile URLs, only the archive, whose plain URL is layout.url
// (GDAL >= 3.8 opens it as /vsicurl/<url>, as do QGIS and the pmtiles CLI).
//
// Every TileJSON and the archive's metadata carry an "attribution" when a
// position on the map came from a postcode (Attribution: the postcode inputs'
// OGL statement, "Contains OS data © Crown copyright and database right; ...").
// WriteStyle writes the MapLibre style StyleAsset beside the archive.
// Layers without located components are not written; a layer whose default
// view shows none of them has a tile set of one file without features (the root
// node over every zoom) that names its attribute file, and no archive is written when no layer's
// default view shows a component. Layer names are category
// names reduced to letters, digits, "-" and "_" (LayerName); categories not in
// record.Categories are an input error.
//
// # Filtered views
//
// The app's /map/ page filters its markers on the server (app-integration.md,
// Map points): with no company chosen, residential DSR (ResidentialCompanies) is
// left out; period "future" (the default) keeps the components whose location
// group is active (locations.ActiveTexts), "historical" the others, or one
// delivery year; a category or one raw class; one company. Two things serve
// these views from static files:
//
//   - the tile sets "maptiles/default/<layer>" above: the default filters,
//     baked. A page opens on these. (The unfiltered tile sets "maptiles/<layer>"
//     are no longer baked: no app view shows every component unfiltered.)
//   - an attribute file per layer, the asset "maptiles/<layer>.attrs.json", named
//     by the tile set's layout ("attributes_scheme" AttrsScheme, "attributes_url",
//     "attributes_path", "attributes_integrity"): one row per component of the
//     layer in its input order, as dictionary-coded columns (see encodeAttrs).
//     The JS client's getClusters(bbox, zoom, filters) with any other filters,
//     or with none (every component), selects the rows the filters keep, makes
//     their markers as /api/map-data/ would (one per exact position, as
//     Markers) and clusters those in the browser with a port of supercluster
//     9.1.0 and the layout's options, returning exactly what supercluster
//     returns for those markers in that order (points: properties id,
//     technology, display_technology, company, delivery_year of the
//     representative, count, ids, mw; clusters: point_count in markers,
//     components, mw and, on the all layer, components per category).
//
// # Server-side map data
//
// MapDataAsset, "maptiles/map_data.json" (scheme MapDataScheme), lets a server
// answer the app's own /api/map-data/ (prebake.django.urls in the Python
// package): every component, located or not, one row each in the app's
// Component order (delivery_year DESC, ties ascending register id), as columns
// of indexes into one string table: raw class, category, company, year,
// location text, auction name, CMU id, description, outcode, position (-1
// unlocated) and whether the location group is active, inactive or none (see
// writeMapData). About 1.9 MB on the real register (460 KB brotli).
package maptiles
