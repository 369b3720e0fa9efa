// Package manifest defines prebake's manifest.json, the contract between a bake and
// the app that serves it, and reads it for Go programs: Load a manifest, then
// resolve a logical asset name to its URL. It imports nothing but the standard
// library, so an app can depend on it cheaply.
package manifest

// SchemaVersion is the version of the manifest layout this package reads and writes.
const SchemaVersion = 1

// Manifest is the whole manifest.json.
type Manifest struct {
	SchemaVersion int       `json:"schema_version"`
	Generator     Generator `json:"generator"`
	BuildID       string    `json:"build_id"` // hash over every asset, tile set and shard set
	Created       string    `json:"created"`  // RFC 3339; from SOURCE_DATE_EPOCH when set
	BaseURL       string    `json:"base_url"`
	Synthetic     bool      `json:"synthetic,omitempty"` // some input is prebake's synthetic sample (each source says which)

	Sources   []Source            `json:"sources"`
	Assets    map[string]Asset    `json:"assets"`
	TileSets  map[string]TileSet  `json:"tilesets"`
	ShardSets map[string]ShardSet `json:"shardsets"`
}

// Generator names the program that wrote the manifest.
type Generator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Source is one input file and what became of its rows. A database source
// (Format "postgres") has as Path the database without credentials,
// "postgresql://HOST:PORT/DB#checker_component", and as SHA256 a digest of
// every column of every row read, in id order.
type Source struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Format string `json:"format"` // detected or forced input format
	Kind   string `json:"kind"`   // "components", "cmus" or "postcodes"
	// Synthetic: every row used from this input is prebake's synthetic sample.
	// Attribution: what this input's licence requires beside data derived from it
	// (the OGL statement of Code-Point Open or the ONS Postcode Directory). Both
	// belong to the input: a bake mixing synthetic components with real postcodes
	// labels only the former synthetic.
	Synthetic   bool         `json:"synthetic,omitempty"`
	Attribution string       `json:"attribution,omitempty"`
	Counts      SourceCounts `json:"counts"`
}

// SourceCounts accounts for every row of a source: Read = Used + Duplicate + Rejected.
type SourceCounts struct {
	Read       int            `json:"read"`
	Used       int            `json:"used"`
	Duplicate  int            `json:"duplicate"`
	Rejected   int            `json:"rejected"`
	RejectedBy map[string]int `json:"rejected_by,omitempty"` // reason -> rows
	Geocoded   map[string]int `json:"geocoded,omitempty"`    // geocode source -> used rows located by it
	Unlocated  map[string]int `json:"unlocated,omitempty"`   // reason -> used rows left off the map
}

// Asset is one content-hashed file.
type Asset struct {
	Path        string              `json:"path"` // relative to the output directory, forward slashes
	URL         string              `json:"url"`  // base_url + path
	SHA256      string              `json:"sha256"`
	Integrity   string              `json:"integrity"` // SRI, "sha384-..."
	Size        int64               `json:"size"`
	ContentType string              `json:"content_type"`
	Encodings   map[string]Encoding `json:"encodings,omitempty"` // "br", "gzip", "zstd"
	Rows        *int64              `json:"rows,omitempty"`      // tables only
	Columns     []Column            `json:"columns,omitempty"`   // tables only
}

// Encoding is a pre-compressed variant of an asset or of every file in a set.
type Encoding struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// Column describes one column of a table asset.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // int64, float64, bool, string, ...
	Nullable bool   `json:"nullable"`
}

// TileSet is one map layer: a directory of tiles content-addressed as a whole.
type TileSet struct {
	TileJSON  TileJSON            `json:"tilejson"`
	Path      string              `json:"path"`   // directory relative to the output directory
	Format    string              `json:"format"` // "geojson" or "pmtiles"
	Files     int                 `json:"files"`
	Bytes     int64               `json:"bytes"`
	Encodings []string            `json:"encodings,omitempty"` // variants written beside every file
	PerZoom   map[string]ZoomStat `json:"per_zoom,omitempty"`  // zoom -> files and bytes
	Layout    map[string]any      `json:"layout,omitempty"`    // what a client needs to find the file for z/x/y
	SHA256    string              `json:"sha256,omitempty"`    // SHA-256 of the set's index file; the directory is named by its first 16 hex digits
	Index     string              `json:"index,omitempty"`     // the set's index (sha256sum format: "<sha256>  <file>" per line), relative to the output directory
}

// ZoomStat counts the files of one zoom level.
type ZoomStat struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// TileJSON is a TileJSON 3.0.0 document.
type TileJSON struct {
	TileJSON     string            `json:"tilejson"` // "3.0.0"
	Name         string            `json:"name,omitempty"`
	Description  string            `json:"description,omitempty"`
	Attribution  string            `json:"attribution,omitempty"`
	Scheme       string            `json:"scheme,omitempty"`
	Tiles        []string          `json:"tiles"`
	MinZoom      int               `json:"minzoom"`
	MaxZoom      int               `json:"maxzoom"`
	Bounds       []float64         `json:"bounds,omitempty"` // west, south, east, north
	Center       []float64         `json:"center,omitempty"` // lng, lat, zoom
	Fields       map[string]string `json:"fields,omitempty"`
	VectorLayers []VectorLayer     `json:"vector_layers,omitempty"`
}

// VectorLayer describes one layer of a tile set (TileJSON 3.0.0 vector_layers).
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description,omitempty"`
	Fields      map[string]string `json:"fields"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
}

// ShardSet is a set of small JSON files keyed by a stable function of a lookup key
// (component id, outcode), content-addressed as a whole.
type ShardSet struct {
	Path      string         `json:"path"` // directory relative to the output directory
	URL       string         `json:"url"`  // URL template with the key placeholder, e.g. ".../{outcode}.json"
	Key       string         `json:"key"`  // placeholder name, e.g. "outcode" or "shard"
	Files     int            `json:"files"`
	Bytes     int64          `json:"bytes"`
	Encodings []string       `json:"encodings,omitempty"`
	Params    map[string]any `json:"params,omitempty"` // the shard function's parameters
	SHA256    string         `json:"sha256,omitempty"` // SHA-256 of the set's index file; the directory is named by its first 16 hex digits
	Index     string         `json:"index,omitempty"`  // the set's index (sha256sum format), relative to the output directory
}
