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
// The tiles URL is "pmtiles://" + asset.URL, the convention of the pmtiles
// MapLibre protocol: after maplibregl.addProtocol("pmtiles", new
// pmtiles.Protocol().tile), a source {type: "vector", url: "pmtiles://" + asset.URL}
// reads the header and directories with range requests and fetches z/x/y from
// inside the archive. Layout repeats the plain asset URL and its integrity for
// clients that open the archive themselves.
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
			Tiles:        []string{url},
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
			"url":              asset.URL,
			"integrity":        asset.Integrity,
			"tile_type":        "mvt",
			"tile_encoding":    "gzip",
			"tiles_in_archive": stats.Tiles,
		},
	}
}
