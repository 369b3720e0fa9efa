package maptiles

import (
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/prebake/prebake/internal/generators/maptiles/vectortiles"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// vectorZooms is the zoom range of the vector tiles a feature shown at zooms
// minZ..maxZ of the cluster tree is drawn at: below bottom, the lowest
// clustered zoom, the map shows that zoom's features, as SuperCluster's
// getClusters does (it clamps the zoom to minZoom); above top, the raw-point
// zoom, that zoom's. An empty range ([1, 0]) for a feature shown at none.
func vectorZooms(minZ, maxZ, bottom, top int) [2]int {
	if maxZ < bottom || minZ > top {
		return [2]int{1, 0}
	}
	if minZ <= bottom {
		minZ = 0
	}
	if maxZ >= top {
		maxZ = vectortiles.MaxZoom
	}
	return [2]int{minZ, maxZ}
}

// newVectorLayer is what a layer keeps for the vector tiles: the same features
// as the tile set files; clusters with the same properties but minzoom/maxzoom
// (a vector tile is already one zoom), points with a few properties (see
// below). The layer's features themselves (their rendered values, clusters and
// members) are not kept: every layer waits for the archive, and at 1M
// components they were a fifth of the bake's peak heap.
func newVectorLayer(name string, feats []feature, comps []*record.Component, withCats bool, bottom, top int) *vectortiles.Layer {
	l := &vectortiles.Layer{Name: name, Zooms: make([][2]int, len(feats)), Features: make([]*geojson.Feature, len(feats))}
	for i := range feats {
		f := &feats[i]
		l.Zooms[i] = vectorZooms(f.minZ, f.maxZ, bottom, top)
		var g *geojson.Feature
		if c := f.cluster; c != nil {
			g = &geojson.Feature{Type: "Feature", Geometry: c.Point, ID: vectortiles.ClusterID(c.ID)}
			g.Properties = geojson.Properties{
				"cluster": true, "cluster_id": c.ID, "point_count": c.Count, "components": int(c.Agg.components),
				"point_count_abbreviated": abbreviated(c.Count), "expansion_zoom": f.expansion, "mw": roundMW(c.Agg.mw),
			}
			if withCats {
				for k, cat := range record.Categories {
					if n := c.Agg.cats[k]; n > 0 {
						g.Properties[string(cat)] = int(n)
					}
				}
			}
		} else {
			c := comps[f.members[0]]
			g = &geojson.Feature{Type: "Feature", Geometry: orb.Point{c.Geo.Lng, c.Geo.Lat}, ID: vectortiles.PointID(c.ID)}
			// ids as their JSON text: how orb's MVT encoding stores a list (a
			// string value), the same bytes without marshalling a slice.
			ids := []byte{'['}
			mw := 0.0
			for k, m := range f.members {
				if k > 0 {
					ids = append(ids, ',')
				}
				ids = strconv.AppendInt(ids, comps[m].ID, 10)
				mw += derated(comps[m])
			}
			ids = append(ids, ']')
			// Only what a map style needs: colour (display_technology, the category the
			// app colours by; technology, the raw class, as in /api/map-data/), label
			// and the ids to fetch a popup (cmu/component_details). The other text
			// fields stay in the GeoJSON files; repeated in every vector tile at every
			// zoom they tripled the archive.
			g.Properties = geojson.Properties{
				"id": int(c.ID), "technology": rawTechnology(c), "display_technology": string(c.Category),
				"count": len(f.members), "ids": string(ids), "mw": roundMW(mw),
			}
		}
		l.Features[i] = g
	}
	return l
}

// writeVectorTiles bakes every layer into one PMTiles archive and registers it
// as the tile set vectortiles.AssetName.
func writeVectorTiles(w *writer.Writer, layers []*vectortiles.Layer, attribution string, o Options) (manifest.Asset, error) {
	vl := make([]vectortiles.Layer, len(layers))
	for i, l := range layers {
		vl[i] = *l
	}
	// From zoom 0 whatever the min zoom: below it MapLibre shows the min zoom's
	// clusters, as SuperCluster does, instead of nothing.
	vo := vectortiles.Options{
		MinZoom: 0, MaxZoom: o.MaxZoom + 1,
		Name: "prebake map layers",
		Description: "The /map/ page's opening view (residential DSR excluded, period future) as Mapbox Vector Tiles: " +
			"one marker per exact position of the Capacity Market components shown, clustered with SuperCluster's algorithm " +
			"(point_count counts markers, components the components), one layer per technology category and all",
		Attribution: attribution,
	}
	data, stats, err := vectortiles.Build(vl, vo)
	if err != nil {
		return manifest.Asset{}, err
	}
	asset, err := w.WriteAsset(vectortiles.AssetName, data, writer.Meta{ContentType: vectortiles.ContentType})
	if err != nil {
		return manifest.Asset{}, err
	}
	return asset, w.RegisterTileSet(vectortiles.AssetName, vectortiles.TileSetEntry(asset, stats, vo))
}
