package maptiles

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/prebake/prebake/internal/generators/locations"
	"github.com/prebake/prebake/internal/generators/maptiles/vectortiles"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// Options configure the clustering (SuperCluster's options) and the files.
//
// The clustering fields (Radius, Extent, MinPoints, MinZoom, MaxZoom) are taken
// as given and checked by Check: a zero radius is an error, MaxZoom 0 clusters
// zoom 0 alone. Only when all five are zero (an Options that sets none of them)
// are they the app's settings of DefaultOptions. A zero MaxFileBytes is 64 KiB.
type Options struct {
	Radius    float64 // cluster radius in pixels (60); > 0
	Extent    int     // tile extent the radius is relative to (512); > 0
	MinPoints int     // fewest points that form a cluster (2); >= 2
	MinZoom   int     // lowest zoom clustered (0); vector tiles below it show its clusters
	MaxZoom   int     // highest zoom clustered (16), at most MaxMaxZoom; raw points above it

	// MaxFileBytes caps each tile set file, uncompressed (64 KiB), so that every
	// file is at most that size compressed too.
	MaxFileBytes int

	// Layers, when not empty, restricts the bake to these layer names (e.g.
	// "DSR", "all"); benchmarks use it to time one layer.
	Layers []string
	// SkipVectorTiles leaves out the PMTiles archive of the same layers.
	SkipVectorTiles bool
}

// MaxMaxZoom is the deepest MaxZoom: raw points are baked at MaxZoom+1, and the
// vector tiles stop at vectortiles.MaxZoom.
const MaxMaxZoom = vectortiles.MaxZoom - 1

// DefaultOptions are the app map's settings.
func DefaultOptions() Options {
	return Options{Radius: 60, Extent: 512, MinPoints: 2, MinZoom: 0, MaxZoom: 16, MaxFileBytes: 64 << 10}
}

// Check returns an error naming the first option out of range, taking every
// field as given (no defaults); MaxFileBytes 0 passes (it means 64 KiB).
func (o Options) Check() error {
	switch {
	case !(o.Radius > 0) || math.IsInf(o.Radius, 0):
		return fmt.Errorf("radius %v: want a positive number of pixels", o.Radius)
	case o.Extent <= 0:
		return fmt.Errorf("extent %d: want a positive number of pixels", o.Extent)
	case o.MinPoints < 2:
		// SuperCluster accepts 0 and 1 but treats them as 2 (a cluster merges a
		// point with at least one neighbour); say so rather than bake a layout
		// that claims another value.
		return fmt.Errorf("min points %d: want 2 or more (a cluster holds at least 2 points)", o.MinPoints)
	case o.MaxZoom < 0 || o.MaxZoom > MaxMaxZoom:
		return fmt.Errorf("max zoom %d: want 0 to %d (raw points go one zoom deeper, and vector tiles stop at zoom %d)", o.MaxZoom, MaxMaxZoom, vectortiles.MaxZoom)
	case o.MinZoom < 0 || o.MinZoom > o.MaxZoom:
		return fmt.Errorf("zooms %d..%d: want 0 <= min zoom <= max zoom", o.MinZoom, o.MaxZoom)
	case o.MaxFileBytes != 0 && o.MaxFileBytes < 1024:
		return fmt.Errorf("max file bytes %d: want at least 1024", o.MaxFileBytes)
	}
	return nil
}

func (o Options) withDefaults() (Options, error) {
	d := DefaultOptions()
	if o.Radius == 0 && o.Extent == 0 && o.MinPoints == 0 && o.MinZoom == 0 && o.MaxZoom == 0 {
		o.Radius, o.Extent, o.MinPoints, o.MinZoom, o.MaxZoom = d.Radius, d.Extent, d.MinPoints, d.MinZoom, d.MaxZoom
	}
	if o.MaxFileBytes == 0 {
		o.MaxFileBytes = d.MaxFileBytes
	}
	return o, o.Check()
}

// AllLayer is the layer with every category.
const AllLayer = "all"

// Scheme names the file layout in each tile set's layout, for clients.
const Scheme = "prebake-cluster-tree/3"

// Summary is what Generate wrote.
type Summary struct {
	Layers []LayerSummary // in legend order, AllLayer last
	// Archive is the PMTiles archive written (nil when none was) and
	// Attribution what the map outputs carry (see Attribution): WriteStyle's
	// inputs.
	Archive     *manifest.Asset
	Attribution string
}

// LayerSummary describes one layer: its attribute file and the tile set of its
// default view.
type LayerSummary struct {
	Name       string // layer name, a safe path segment
	TileSet    string // tile set name in the manifest: DefaultViewPrefix + Name
	Components int    // located components on the layer (rows of its attribute file)
	Shown      int    // of those, the components the default view shows (clustered in the tile set)
	Features   int    // distinct clusters and point features over every zoom
	Files      int
	Bytes      int64 // uncompressed
	Largest    int   // bytes of the largest file
	Nodes      int   // nodes in the layer's index
	AttrsBytes int   // bytes of the layer's attribute file
}

// DefaultViewPrefix starts the names of the tile sets: the default view of
// layer <layer> is the tile set "maptiles/default/<layer>".
const DefaultViewPrefix = "maptiles/default/"

// DefaultView reports whether a component is shown by the /map/ page's
// default filters (app-integration.md, Map points): no company chosen, so
// residential DSR (ResidentialCompanies) is excluded, and period "future", so
// only components whose location group is active.
func DefaultView(c *record.Component, active map[string]bool) bool {
	return defaultView(c, active[c.LocationText])
}

// defaultView is DefaultView of a component whose location group is active or not.
func defaultView(c *record.Component, active bool) bool {
	return active && !isResidential(c.Company)
}

// Generate writes, for each category with located components and for all of
// them (AllLayer), the layer's attribute file "maptiles/<layer>.attrs.json" and
// the tile set "maptiles/default/<layer>" of the clusters of the components
// the /map/ page's default view shows, laid out as the package documentation
// describes, (unless SkipVectorTiles) the same default views as vector
// tiles in one PMTiles archive, and (unless Layers restricts the layers)
// MapDataAsset, every component for a server's /api/map-data/.
func Generate(ds *record.Dataset, w *writer.Writer, opts Options) (Summary, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return Summary{}, fmt.Errorf("maptiles: %w", err)
	}
	catIndex := make(map[record.Category]int, len(record.Categories))
	for i, c := range record.Categories {
		catIndex[c] = i
	}
	comps, err := located(ds, catIndex)
	if err != nil {
		return Summary{}, fmt.Errorf("maptiles: %w", err)
	}
	active := locations.ActiveTexts(ds.Components)
	attribution := Attribution(ds, comps)

	type job struct {
		name     string
		comps    []*record.Component // the layer's, for its attribute file
		active   []bool              // parallel to comps: is the component's location group active
		view     []*record.Component // those the default view shows, for its tile set
		withCats bool
	}
	// Whether each component's location group is active, looked up once: the
	// lookup hashes the whole location text, and every component is in two
	// layers.
	isActive := make([]bool, len(comps))
	for i, c := range comps {
		isActive[i] = active[c.LocationText]
	}
	var jobs []job
	byCat := make([]job, len(record.Categories))
	for i, c := range comps {
		k := catIndex[c.Category]
		byCat[k].comps = append(byCat[k].comps, c)
		byCat[k].active = append(byCat[k].active, isActive[i])
	}
	wanted := func(name string) bool {
		if len(o.Layers) == 0 {
			return true
		}
		for _, l := range o.Layers {
			if l == name {
				return true
			}
		}
		return false
	}
	for k, cat := range record.Categories {
		if name := LayerName(string(cat)); len(byCat[k].comps) > 0 && wanted(name) {
			jobs = append(jobs, job{name: name, comps: byCat[k].comps, active: byCat[k].active})
		}
	}
	if len(comps) > 0 && wanted(AllLayer) {
		jobs = append(jobs, job{name: AllLayer, comps: comps, active: isActive, withCats: true})
	}
	for i := range jobs {
		for k, c := range jobs[i].comps {
			if defaultView(c, jobs[i].active[k]) {
				jobs[i].view = append(jobs[i].view, c)
			}
		}
	}

	// Layers are independent: bake them in parallel, biggest first, and
	// MapDataAsset (which depends on no layer) last, on the same workers:
	// run beside them, its columns and the layers' features were live at
	// once, the 1M bake's peak. The writer makes the result independent of
	// the order they finish in.
	sums := make([]LayerSummary, len(jobs))
	vls := make([]*vectortiles.Layer, len(jobs))
	errs := make([]error, len(jobs))
	mapData := len(jobs) // the job number of MapDataAsset
	var mapDataErr error
	order := make(chan int, len(jobs)+1)
	for _, i := range bySizeDesc(len(jobs), func(i int) int { return len(jobs[i].comps) }) {
		order <- i
	}
	if len(o.Layers) == 0 {
		order <- mapData
	}
	close(order)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range order {
				if i == mapData {
					mapDataErr = writeMapData(w, ds.Components, active)
					continue
				}
				j := jobs[i]
				sums[i], vls[i], errs[i] = writeLayer(w, j.name, j.comps, j.active, j.view, catIndex, j.withCats, attribution, o)
			}
		}()
	}
	wg.Wait()
	if mapDataErr != nil {
		return Summary{}, fmt.Errorf("maptiles: %w", mapDataErr)
	}
	for i, err := range errs {
		if err != nil {
			return Summary{}, fmt.Errorf("maptiles: layer %s: %w", jobs[i].name, err)
		}
	}
	shown := 0
	for _, s := range sums {
		shown += s.Shown
	}
	// An archive without tiles is not a valid PMTiles archive (go-pmtiles
	// verify): none is written when no default view shows a component.
	var archive *manifest.Asset
	if !o.SkipVectorTiles && shown > 0 {
		a, err := writeVectorTiles(w, vls, attribution, o)
		if err != nil {
			return Summary{}, fmt.Errorf("maptiles: vector tiles: %w", err)
		}
		archive = &a
	}
	return Summary{Layers: sums, Archive: archive, Attribution: attribution}, nil
}

func bySizeDesc(n int, size func(int) int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	// insertion sort: a handful of layers
	for i := 1; i < n; i++ {
		for j := i; j > 0 && size(idx[j]) > size(idx[j-1]); j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	return idx
}

// LayerName makes a category name safe as one path segment: letters, digits, "-"
// and "_" stay, anything else becomes "_".
func LayerName(category string) string {
	b := []byte(category)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

// inlineIndexMax is the largest index (JSON bytes) kept in the manifest; bigger
// ones become a content-hashed asset so the manifest stays small.
const inlineIndexMax = 2048

// writeLayer bakes one layer: the attribute file of comps (the layer's located
// components; active, parallel to it, says whether each one's location group
// is active) and the tile set of view (those the default view shows).
func writeLayer(w *writer.Writer, name string, comps []*record.Component, active []bool, view []*record.Component, catIndex map[record.Category]int, withCats bool, attribution string, o Options) (LayerSummary, *vectortiles.Layer, error) {
	feats, strs, err := layerFeatures(view, catIndex, withCats, o)
	if err != nil {
		return LayerSummary{}, nil, err
	}
	t := newTreeBuilder(feats, strs, withCats, o)
	ids := make([]int32, len(feats))
	for i := range ids {
		ids[i] = int32(i)
	}
	root := t.build(0, 0, 0, o.MinZoom, ids)
	if root == nil {
		// The default view shows none of the layer's components: one empty file
		// for every zoom, so that the tile set (which names the attribute file)
		// is an ordinary one.
		root = &node{band: [2]int{o.MinZoom, o.MaxZoom + 1}, file: t.enc.encode(nil, 0)}
		t.nodes, t.files, t.largest = 1, 1, len(root.file)
	}

	tileSet := DefaultViewPrefix + name
	set := w.NewFileSet(tileSet)
	if err := addFiles(root, set.Add); err != nil {
		return LayerSummary{}, nil, err
	}
	index := encodeIndex(root)
	layout := map[string]any{
		"scheme":      Scheme,
		"min_zoom":    o.MinZoom,
		"points_zoom": o.MaxZoom + 1,
		"radius":      o.Radius,
		"extent":      o.Extent,
		"min_points":  o.MinPoints,
		"index_nodes": len(index),
		"view":        map[string]any{"residential": false, "cm_period": "future"},
	}
	if withCats {
		cats := make([]string, len(record.Categories))
		for i, c := range record.Categories {
			cats[i] = string(c)
		}
		layout["categories"] = cats
	}
	indexJSON, _ := json.Marshal(index)
	if len(indexJSON) <= inlineIndexMax {
		if index == nil {
			index = []int{}
		}
		layout["index"] = index
	} else {
		a, err := w.WriteAsset("maptiles/"+name+".index.json", indexJSON, writer.Meta{ContentType: "application/json"})
		if err != nil {
			return LayerSummary{}, nil, err
		}
		layout["index_url"] = a.URL
		layout["index_path"] = a.Path
		layout["index_integrity"] = a.Integrity
	}

	// Streamed: the layer of every component is tens of MB at a million.
	aw, err := w.CreateAsset("maptiles/"+name+".attrs.json", writer.Meta{ContentType: "application/json"})
	if err != nil {
		return LayerSummary{}, nil, err
	}
	data, err := encodeAttrs(comps, active, aw.Spill)
	if err == nil {
		_, err = aw.Write(data)
	}
	if err != nil {
		aw.Abort()
		return LayerSummary{}, nil, err
	}
	a, err := aw.Close()
	if err != nil {
		return LayerSummary{}, nil, err
	}
	layout["attributes_scheme"] = AttrsScheme
	layout["attributes_url"] = a.URL
	layout["attributes_path"] = a.Path
	layout["attributes_integrity"] = a.Integrity

	bounded := view
	if len(bounded) == 0 {
		bounded = comps
	}
	west, south, east, north := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range bounded {
		west, east = math.Min(west, c.Geo.Lng), math.Max(east, c.Geo.Lng)
		south, north = math.Min(south, c.Geo.Lat), math.Max(north, c.Geo.Lat)
	}
	tj := manifest.TileJSON{
		TileJSON:    "3.0.0",
		Name:        name,
		Description: tileSetDescription(name),
		Attribution: attribution,
		Scheme:      "xyz",
		Tiles:       []string{"{z}/{x}/{y}.json"},
		MinZoom:     o.MinZoom,
		MaxZoom:     o.MaxZoom + 1,
		Bounds:      []float64{west, south, east, north},
		Center:      []float64{(west + east) / 2, (south + north) / 2, float64(min(max(o.MinZoom, 5), o.MaxZoom))},
		Fields:      fields(withCats),
		// One layer, so that the document passes the TileJSON 3.0.0 schema (which
		// requires vector_layers) and names the features' fields where tools look.
		VectorLayers: []manifest.VectorLayer{{ID: name, Description: "clusters and markers as GeoJSON Point features once decoded (" + Scheme + ")",
			Fields: fields(withCats), MinZoom: o.MinZoom, MaxZoom: o.MaxZoom + 1}},
	}
	if _, err := set.FinishTileSet(tileSet, tj, layout); err != nil {
		return LayerSummary{}, nil, err
	}
	var bytes int64
	var countFiles func(n *node)
	countFiles = func(n *node) {
		if n == nil {
			return
		}
		bytes += int64(len(n.file))
		for _, c := range n.children {
			countFiles(c)
		}
	}
	countFiles(root)
	var vl *vectortiles.Layer
	if !o.SkipVectorTiles {
		vl = newVectorLayer(name, feats, view, withCats, o.MinZoom, o.MaxZoom+1)
	}
	return LayerSummary{Name: name, TileSet: tileSet, Components: len(comps), Shown: len(view), Features: len(feats),
		Files: t.files, Bytes: bytes, Largest: t.largest, Nodes: t.nodes, AttrsBytes: len(data)}, vl, nil
}

// tileSetDescription says what tile set "maptiles/default/<name>" is, for the
// TileJSON and the CLI's help.
func tileSetDescription(name string) string {
	return "The /map/ page's opening view of the " + name + " layer (residential DSR excluded, period future): " +
		"one marker per exact position of the Capacity Market components shown (as the app's /api/map-data/ gives them), " +
		"clustered with SuperCluster's algorithm (point_count counts markers, components the components). " +
		"Not image or vector tiles: files in prebake's own columnar JSON format (layout.scheme " + Scheme + "), " +
		"decoded to GeoJSON features by the JS client (@prebake/client, the asset js/prebake-client.mjs). {z}/{x}/{y} addresses a Web Mercator quadtree tile whose file " +
		"holds the features inside it for a band of display zooms given by the layout's index, so not every tile exists; " +
		"other filters cluster the layout's attribute file."
}

// Attribution is what the map outputs of comps (the located components) must
// carry: the postcode inputs' statement (record.Dataset.PostcodeAttribution,
// the OGL statement of Code-Point Open / ONSPD) when one of them was located
// by its postcode, else "" (a position from the register's own OS grid
// reference derives from no licensed data set).
func Attribution(ds *record.Dataset, comps []*record.Component) string {
	for _, c := range comps {
		if c.Geo.Source == record.GeoPostcode {
			return ds.PostcodeAttribution
		}
	}
	return ""
}

func fields(withCats bool) map[string]string {
	f := map[string]string{
		"cluster":                 "true on clusters",
		"cluster_id":              "SuperCluster's cluster id",
		"point_count":             "markers (exact positions) in the cluster, as the app's page counts",
		"components":              "components at the cluster's markers",
		"point_count_abbreviated": "point_count as SuperCluster abbreviates it",
		"expansion_zoom":          "zoom at which the cluster splits",
		"mw":                      "summed de-rated capacity of the components, MW",
		"minzoom":                 "lowest zoom the feature is shown at",
		"maxzoom":                 "highest zoom the feature is shown at (the raw-point zoom means every zoom above too)",
		"id":                      "register id (_id) of the representative: the first of ids",
		"ids":                     "register ids of the components at this exact position, delivery_year DESC (ties: ascending id)",
		"count":                   "components at this exact position",
		"cmu_id":                  "CMU ID",
		"title":                   "location text verbatim, or Unknown Location",
		"technology":              "raw Generating Technology Class, or Unknown",
		"display_technology":      "category (the app's get_simplified_technology)",
		"company":                 "company name",
		"description":             "component description, full text",
		"delivery_year":           "delivery year, a string (\"2024\")",
		"auction_name":            "auction name",
		"detailUrl":               "the app's page: /location/by-name/<quote(location, safe='')>/, or /component/by-id/<_id>/ without location text",
	}
	if withCats {
		for _, c := range record.Categories {
			f[string(c)] = "components of this category in the cluster"
		}
	}
	return f
}
