package vectortiles

import (
	"strconv"

	"github.com/prebake/prebake/manifest"
)

// AssetName is the logical name the archive is written under:
//
//	asset, err := w.WriteAsset(vectortiles.AssetName, data, writer.Meta{ContentType: vectortiles.ContentType})
const AssetName = "maptiles/map.pmtiles"

// ContentType is the media type of a PMTiles archive. Serve it as is, with
// byte ranges and without a Content-Encoding: clients read it in pieces.
const ContentType = "application/vnd.pmtiles"

// TileSetEntry describes the archive written as asset for the manifest: format
// "pmtiles", one file, and a TileJSON whose vector_layers are the archive's layers.
//
// The archive is described the way MapLibre GL JS and the pmtiles protocol
// (npm pmtiles, registered with maplibregl.addProtocol("pmtiles", new
// pmtiles.Protocol().tile)) consume it:
//
//   - layout.source is a ready MapLibre source, {type: "vector", url:
//     "pmtiles://" + asset.URL}: map.addSource("prebake", layout.source). The
//     protocol reads the archive's header with a range request and answers
//     with a TileJSON of its own.
//   - tilejson.tiles is ["pmtiles://" + asset.URL + "/{z}/{x}/{y}"], the tile
//     URL template that TileJSON names (the one the protocol itself hands to
//     MapLibre), so a source built from the TileJSON ({type: "vector", tiles,
//     minzoom, maxzoom, bounds}) fetches the same tiles from the archive.
//
// Relative asset URLs (no --base-url) resolve against the page, like any fetch.
// Layout also repeats the plain archive URL and its integrity for clients that
// open the archive themselves. Tested in MapLibre in headless Chromium
// (browser_test.go).
func TileSetEntry(asset manifest.Asset, stats Stats, opts Options) manifest.TileSet {
	url := "pmtiles://" + asset.URL
	perZoom := make(map[string]manifest.ZoomStat, len(stats.Zooms))
	for _, z := range stats.Zooms {
		perZoom[strconv.Itoa(z.Zoom)] = manifest.ZoomStat{Files: z.Tiles, Bytes: z.Bytes}
	}
	layers := make([]manifest.VectorLayer, len(stats.VectorLayers))
	copy(layers, stats.VectorLayers)
	return manifest.TileSet{
		TileJSON: manifest.TileJSON{
			TileJSON:     "3.0.0",
			Name:         opts.Name,
			Description:  opts.Description,
			Attribution:  opts.Attribution,
			Scheme:       "xyz",
			Tiles:        []string{url + "/{z}/{x}/{y}"},
			MinZoom:      opts.MinZoom,
			MaxZoom:      opts.MaxZoom,
			Bounds:       stats.Bounds[:],
			Center:       stats.Center[:],
			VectorLayers: layers,
		},
		Path:    asset.Path,
		Format:  "pmtiles",
		Files:   1,
		Bytes:   asset.Size,
		PerZoom: perZoom,
		Layout: map[string]any{
			"kind":             "pmtiles",
			"source":           map[string]any{"type": "vector", "url": url},
			"url":              asset.URL,
			"integrity":        asset.Integrity,
			"tile_type":        "mvt",
			"tile_encoding":    "gzip",
			"tiles_in_archive": stats.Tiles,
		},
	}
}

// ClusterID and PointID are the MVT feature ids of a cluster and of a point
// feature: MVT ids must be unique within a layer of a tile, and a cluster's id
// (SuperCluster's cluster_id) can equal a component id. They take distinct
// halves of the id space: 2*cluster_id+1 for a cluster, 2*component_id for a
// point (id % 2 says which, id >> 1 gives the number back). Map code reads the
// numbers themselves from the properties "cluster_id" and "id", and may pass the
// feature id to MapLibre's setFeatureState.
func ClusterID(clusterID int) uint64 { return uint64(clusterID)<<1 | 1 }

// PointID is the MVT feature id of the point feature of component id (see ClusterID).
func PointID(componentID int64) uint64 { return uint64(componentID) << 1 }
