package boundaries

import (
	"encoding/json"
	"fmt"

	"github.com/prebake/prebake/internal/writer"
)

// Options configure Simplify and Generate.
type Options struct {
	Bands       []Band  // ascending, non-overlapping; nil means DefaultBands
	TolerancePx float64 // 0 means DefaultTolerancePx
	MinAreaPx   float64 // 0 means DefaultMinAreaPx
	// Name is the logical asset name stem; band files are
	// Name + "-z<min>-<max>.geojson". "" means "maptiles/boundaries/dno".
	Name string
}

// ContentType of the band files.
const ContentType = "application/geo+json"

func (o Options) withDefaults() Options {
	if o.Bands == nil {
		o.Bands = DefaultBands
	}
	if o.TolerancePx == 0 {
		o.TolerancePx = DefaultTolerancePx
	}
	if o.MinAreaPx == 0 {
		o.MinAreaPx = DefaultMinAreaPx
	}
	if o.Name == "" {
		o.Name = "maptiles/boundaries/dno"
	}
	return o
}

func (o Options) check() error {
	if len(o.Bands) == 0 {
		return fmt.Errorf("boundaries: no zoom bands")
	}
	for i, b := range o.Bands {
		if b.MinZoom < 0 || b.MaxZoom > 24 || b.MinZoom > b.MaxZoom || (i > 0 && b.MinZoom <= o.Bands[i-1].MaxZoom) {
			return fmt.Errorf("boundaries: zoom band %d-%d is not within 0-24, ascending and apart from the others", b.MinZoom, b.MaxZoom)
		}
	}
	if o.TolerancePx < 0 || o.MinAreaPx < 0 {
		return fmt.Errorf("boundaries: negative tolerance or minimum area")
	}
	return nil
}

// AssetName is the logical name of band b's file.
func (o Options) AssetName(b Band) string {
	return fmt.Sprintf("%s-z%d-%d.geojson", o.withDefaults().Name, b.MinZoom, b.MaxZoom)
}

// Bake loads the polygon GeoJSON at path (EPSG:27700 or WGS84) and returns it
// simplified for each band.
func Bake(path string, opts Options) ([]Level, error) {
	fc, _, err := Load(path)
	if err != nil {
		return nil, err
	}
	levels, err := Simplify(fc, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return levels, nil
}

// IndexEntry is one band in the index asset.
type IndexEntry struct {
	MinZoom  int    `json:"minzoom"`
	MaxZoom  int    `json:"maxzoom"` // the last band also serves every deeper zoom
	Asset    string `json:"asset"`   // logical name, a key of the manifest's assets
	URL      string `json:"url"`
	Size     int64  `json:"size"`
	Vertices int    `json:"vertices"`
}

// Generate bakes the file at path and writes one content-hashed GeoJSON asset
// per band, named by Options.AssetName (by default
// "maptiles/boundaries/dno-z0-5.geojson" and so on), then an index asset
// Name + ".json" listing the bands with their URLs, so a client can pick the
// file for its zoom from one small document.
// It returns the index's entries.
func Generate(path string, w *writer.Writer, opts Options) ([]IndexEntry, error) {
	levels, err := Bake(path, opts)
	if err != nil {
		return nil, err
	}
	var index []IndexEntry
	for _, lv := range levels {
		data, err := lv.Collection.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s: band %d-%d: %w", path, lv.MinZoom, lv.MaxZoom, err)
		}
		name := opts.AssetName(lv.Band)
		a, err := w.WriteAsset(name, data, writer.Meta{ContentType: ContentType})
		if err != nil {
			return nil, err
		}
		index = append(index, IndexEntry{MinZoom: lv.MinZoom, MaxZoom: lv.MaxZoom, Asset: name, URL: a.URL, Size: a.Size, Vertices: lv.Vertices})
	}
	data, err := json.Marshal(map[string]any{"bands": index})
	if err != nil {
		return nil, err
	}
	_, err = w.WriteAsset(opts.withDefaults().Name+".json", data, writer.Meta{ContentType: "application/json"})
	return index, err
}
