package maptiles

import (
	"strconv"

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
// components they were a fifth of the bake's peak heap; nor are they made
// geojson features (a vectortiles.PointLayer takes them as they are made).
func newVectorLayer(name string, feats []feature, comps []*record.Component, withCats bool, bottom, top int) *vectortiles.Layer {
	l := vectortiles.NewPointLayer(name, len(feats))
	for i := range feats {
		f := &feats[i]
		zr := vectorZooms(f.minZ, f.maxZ, bottom, top)
		if c := f.cluster; c != nil {
			l.Point(c.Point[0], c.Point[1], vectortiles.ClusterID(c.ID), zr[0], zr[1])
			l.Bool("cluster", true)
			l.Int("cluster_id", c.ID)
			l.Int("point_count", c.Count)
			l.Int("components", int(c.Agg.components))
			if c.Count < 1000 {
				l.Int("point_count_abbreviated", c.Count)
			} else {
				l.String("point_count_abbreviated", abbreviated(c.Count))
			}
			l.Int("expansion_zoom", f.expansion)
			l.Float("mw", roundMW(c.Agg.mw))
			if withCats {
				for k, cat := range record.Categories {
					if n := c.Agg.cats[k]; n > 0 {
						l.Int(string(cat), int(n))
					}
				}
			}
			continue
		}
		c := comps[f.members[0]]
		l.Point(c.Geo.Lng, c.Geo.Lat, vectortiles.PointID(c.ID), zr[0], zr[1])
		// ids as their JSON text: how orb's MVT encoding stores a list (a
		// string value).
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
		l.Int("id", int(c.ID))
		l.String("technology", rawTechnology(c))
		l.String("display_technology", string(c.Category))
		l.Int("count", len(f.members))
		l.String("ids", string(ids))
		l.Float("mw", roundMW(mw))
	}
	vl := l.Layer()
	return &vl
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
