package maptiles

import (
	"encoding/json"
	"fmt"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// StyleAsset is the logical name of the MapLibre style written beside the
// archive: a page shows the bake with
//
//	new maplibregl.Map({container, style: manifestURL("maptiles/style.json")})
//
// after registering the pmtiles protocol (maplibregl.addProtocol("pmtiles",
// new pmtiles.Protocol().tile)).
const StyleAsset = "maptiles/style.json"

// AppColors are the /map/ page's marker colours by category (the app's
// techColors, checker/templates/checker/map.html; it names Gas "OCGT"), and
// its colour for anything else ("default") and for clusters of the all view.
var AppColors = map[record.Category]string{
	record.Gas: "#ff5252", record.DSR: "#f57c00", record.Nuclear: "#8d6e63", record.CHP: "#5c6bc0",
	record.Solar: "#fdd835", record.Wind: "#29b6f6", record.Battery: "#4caf50", record.Biomass: "#8bc34a",
	record.Hydro: "#0097a7", record.Interconnector: "#9c27b0", record.Coal: "#424242",
}

const (
	appDefaultColor = "#757575" // techColors.default: Other, Unknown
	appClusterColor = "#007bff" // the cluster colour of the "All" view
)

// Band is one DNO boundary file for the style's overlay: shown from MinZoom to
// MaxZoom (the last band also above), at URL.
type Band struct {
	MinZoom, MaxZoom int
	URL              string
}

// WriteStyle writes StyleAsset: a MapLibre style (version 8) over the
// archive (source "prebake", {type: vector, url: "pmtiles://" + archive URL},
// with the attribution) drawing the AllLayer's opening view: a layer
// "clusters" (circles sized by point_count, the markers a cluster holds: 14 px
// up to 9, 18 up to 99, 24 up to 999, 30 above) and a layer per category
// ("points-<layer>", one per record.Categories, coloured as AppColors,
// filtered on display_technology), and, when dno holds bands, the DNO
// boundaries (a GeoJSON source per band, "dno-<min>-<max>", drawn as lines in
// its zoom range). It writes nothing when archive is nil (no archive baked).
// No text layers: labels need a glyph server, which the bake does not ship.
// Relative URLs (no --base-url) resolve against the page, like any fetch.
func WriteStyle(w *writer.Writer, archive *manifest.Asset, attribution string, dno []Band) (*manifest.Asset, error) {
	if archive == nil {
		return nil, nil
	}
	src := map[string]any{"type": "vector", "url": "pmtiles://" + archive.URL}
	if attribution != "" {
		src["attribution"] = attribution
	}
	sources := map[string]any{"prebake": src}
	layers := []any{
		map[string]any{"id": "background", "type": "background", "paint": map[string]any{"background-color": "#f3efe6"}},
	}
	for i, b := range dno {
		id := fmt.Sprintf("dno-%d-%d", b.MinZoom, b.MaxZoom)
		sources[id] = map[string]any{"type": "geojson", "data": b.URL}
		l := map[string]any{"id": id, "type": "line", "source": id, "minzoom": b.MinZoom,
			"paint": map[string]any{"line-color": "#b03a2e", "line-width": 1.2, "line-opacity": 0.8}}
		if i < len(dno)-1 {
			l["maxzoom"] = b.MaxZoom + 1 // MapLibre's maxzoom is exclusive
		}
		layers = append(layers, l)
	}
	isCluster := []any{"==", []any{"get", "cluster"}, true}
	layers = append(layers, map[string]any{
		"id": "clusters", "type": "circle", "source": "prebake", "source-layer": AllLayer, "filter": isCluster,
		"paint": map[string]any{
			"circle-color":        appClusterColor,
			"circle-radius":       []any{"step", []any{"get", "point_count"}, 14, 10, 18, 100, 24, 1000, 30},
			"circle-stroke-color": "#ffffff", "circle-stroke-width": 3,
		},
	})
	for _, c := range record.Categories {
		color, ok := AppColors[c]
		if !ok {
			color = appDefaultColor
		}
		layers = append(layers, map[string]any{
			"id": "points-" + LayerName(string(c)), "type": "circle", "source": "prebake", "source-layer": AllLayer,
			"filter": []any{"all", []any{"!", isCluster}, []any{"==", []any{"get", "display_technology"}, string(c)}},
			"paint":  map[string]any{"circle-color": color, "circle-radius": 8, "circle-stroke-color": "#ffffff", "circle-stroke-width": 2.5},
		})
	}
	style := map[string]any{
		"version": 8,
		"name":    "prebake: the /map/ page's opening view",
		"center":  []float64{-2.5, 54.5},
		"zoom":    5,
		"sources": sources,
		"layers":  layers,
	}
	data, err := json.Marshal(style) // map keys sorted: deterministic
	if err != nil {
		return nil, err
	}
	a, err := w.WriteAsset(StyleAsset, data, writer.Meta{ContentType: "application/json"})
	if err != nil {
		return nil, err
	}
	return &a, nil
}
