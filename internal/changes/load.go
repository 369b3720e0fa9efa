package changes

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/prebake/prebake/manifest"
)

// Asset names a bake's changelog is read from and written to.
const (
	// ComponentsAsset is the table a changelog reads: every compared field and
	// the position of each component, as Arrow IPC (Feather v2), which arrow-go
	// reads batch by batch with no row decoding beyond the columns used.
	ComponentsAsset = "cmu/components.arrow"
	// BoundariesIndex lists the DNO boundary bands (internal/generators/maptiles/boundaries).
	BoundariesIndex = "maptiles/boundaries/dno.json"
	// LatestAsset is the changelog every bake writes against the manifest it replaces.
	LatestAsset = "changes/latest.json"
)

// MaxRegionVertices bounds the detail of the DNO band regions are read from:
// the finest band with at most this many vertices (the real areas' z9-11 band
// has 38,368), so that a changelog of every component stays well under a
// second; a band that coarse moves a boundary by at most tens of metres.
const MaxRegionVertices = 50_000

// ReadFunc reads a bake's file by its path relative to the output directory.
type ReadFunc func(rel string) ([]byte, error)

// DirReader reads a bake's files from an output directory on disk.
func DirReader(outDir string) ReadFunc {
	return func(rel string) ([]byte, error) {
		return os.ReadFile(filepath.Join(outDir, filepath.FromSlash(rel)))
	}
}

// Load reads the snapshot of the bake m from its output directory outDir: its
// components table and, when it baked the DNO boundaries, its regions.
func Load(m *manifest.Manifest, outDir string) (*Snapshot, error) {
	a, ok := m.Assets[ComponentsAsset]
	if !ok {
		return nil, fmt.Errorf("bake %s has no %s: no components to compare (a bake older than the table?)", m.BuildID, ComponentsAsset)
	}
	p := filepath.Join(outDir, filepath.FromSlash(a.Path))
	comps, err := ReadComponentsFile(p)
	if err != nil {
		return nil, fmt.Errorf("bake %s: %w", m.BuildID, err)
	}
	s := &Snapshot{BuildID: m.BuildID, Components: comps}
	s.Regions, err = LoadRegions(m, DirReader(outDir))
	if err != nil {
		return nil, fmt.Errorf("bake %s: %w", m.BuildID, err)
	}
	return s, nil
}

// LoadRegions reads the DNO areas of the bake m (nil when it has none) through read.
func LoadRegions(m *manifest.Manifest, read ReadFunc) (*Regions, error) {
	idx, ok := m.Assets[BoundariesIndex]
	if !ok {
		return nil, nil
	}
	data, err := read(idx.Path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", idx.Path, err)
	}
	var index struct {
		Bands []struct {
			Asset    string `json:"asset"`
			Vertices int    `json:"vertices"`
		} `json:"bands"`
	}
	if err := json.Unmarshal(data, &index); err != nil || len(index.Bands) == 0 {
		return nil, fmt.Errorf("%s: not a boundaries index (%v)", idx.Path, err)
	}
	best := index.Bands[0]
	for _, b := range index.Bands {
		if b.Vertices <= MaxRegionVertices && b.Vertices > best.Vertices {
			best = b
		}
	}
	a, ok := m.Assets[best.Asset]
	if !ok {
		return nil, fmt.Errorf("%s names %s, which the manifest lacks", idx.Path, best.Asset)
	}
	data, err = read(a.Path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.Path, err)
	}
	r, err := NewRegions(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.Path, err)
	}
	return r, nil
}

// Columns of cmu/components the changelog reads.
var readColumns = []string{"id", "component_id", "cmu_id", "company_name", "technology", "category",
	"delivery_year", "auction_name", "auction_type", "derated_capacity_mw", "connection_capacity_mw",
	"location", "postcode", "outcode", "os_grid_ref", "lat", "lng", "located", "geocode_source", "geocode_precision"}

// ReadComponentsFile reads the components of an Arrow IPC file with
// cmu/components' columns (see ReadComponents).
func ReadComponentsFile(path string) ([]Component, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	comps, err := ReadComponents(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return comps, nil
}

// ReadComponents reads every row of a cmu/components Arrow IPC file, sorted by
// id. Record batches are read one at a time and released, so memory holds
// the components (their strings copied out) and one batch. A missing column
// or one of another type is an error naming it; so is a repeated id.
func ReadComponents(r ipc.ReadAtSeeker) ([]Component, error) {
	fr, err := ipc.NewFileReader(r, ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		return nil, fmt.Errorf("not an Arrow IPC file: %w", err)
	}
	defer fr.Close()
	schema := fr.Schema()
	idx := map[string]int{}
	for _, name := range readColumns {
		is := schema.FieldIndices(name)
		if len(is) != 1 {
			return nil, fmt.Errorf("column %q: %d in the table, want 1", name, len(is))
		}
		idx[name] = is[0]
	}
	var comps []Component
	// Text repeats across rows (companies, auctions, categories): one copy each.
	intern := map[string]string{}
	for b := 0; b < fr.NumRecords(); b++ {
		rec, err := fr.RecordBatch(b)
		if err != nil {
			return nil, fmt.Errorf("record batch %d: %w", b, err)
		}
		if err := appendBatch(&comps, rec, idx, intern); err != nil {
			return nil, fmt.Errorf("record batch %d: %w", b, err)
		}
	}
	sort.SliceStable(comps, func(i, j int) bool { return comps[i].ID < comps[j].ID })
	for i := 1; i < len(comps); i++ {
		if comps[i].ID == comps[i-1].ID {
			return nil, fmt.Errorf("id %d appears twice", comps[i].ID)
		}
	}
	return comps, nil
}

func appendBatch(comps *[]Component, rec arrow.RecordBatch, idx map[string]int, intern map[string]string) error {
	var err error
	strCol := func(name string) *array.String {
		c, ok := rec.Column(idx[name]).(*array.String)
		if !ok && err == nil {
			err = fmt.Errorf("column %q is %s, want utf8", name, rec.Column(idx[name]).DataType())
		}
		return c
	}
	intCol := func(name string) *array.Int64 {
		c, ok := rec.Column(idx[name]).(*array.Int64)
		if !ok && err == nil {
			err = fmt.Errorf("column %q is %s, want int64", name, rec.Column(idx[name]).DataType())
		}
		return c
	}
	floatCol := func(name string) *array.Float64 {
		c, ok := rec.Column(idx[name]).(*array.Float64)
		if !ok && err == nil {
			err = fmt.Errorf("column %q is %s, want float64", name, rec.Column(idx[name]).DataType())
		}
		return c
	}
	id, year := intCol("id"), intCol("delivery_year")
	componentID, cmuID, company, tech, category := strCol("component_id"), strCol("cmu_id"), strCol("company_name"), strCol("technology"), strCol("category")
	auction, auctionType, location, postcode, outcode := strCol("auction_name"), strCol("auction_type"), strCol("location"), strCol("postcode"), strCol("outcode")
	grid, source, precision := strCol("os_grid_ref"), strCol("geocode_source"), strCol("geocode_precision")
	derated, connection, lat, lng := floatCol("derated_capacity_mw"), floatCol("connection_capacity_mw"), floatCol("lat"), floatCol("lng")
	located, ok := rec.Column(idx["located"]).(*array.Boolean)
	if !ok && err == nil {
		err = fmt.Errorf("column %q is %s, want bool", "located", rec.Column(idx["located"]).DataType())
	}
	if err != nil {
		return err
	}
	s := func(c *array.String, i int) string {
		if c.IsNull(i) {
			return ""
		}
		v := c.Value(i)
		if x, ok := intern[v]; ok {
			return x
		}
		v = strings.Clone(v) // the batch's buffers are released after this batch
		intern[v] = v
		return v
	}
	f := func(c *array.Float64, i int) *float64 {
		if c.IsNull(i) {
			return nil
		}
		v := c.Value(i)
		return &v
	}
	n := int(rec.NumRows())
	*comps = slices.Grow(*comps, n)
	for i := 0; i < n; i++ {
		if id.IsNull(i) {
			return fmt.Errorf("row %d: id is null", i)
		}
		c := Component{ID: id.Value(i), ComponentID: s(componentID, i), CMUID: s(cmuID, i), Company: s(company, i),
			Technology: s(tech, i), Category: s(category, i), AuctionName: s(auction, i), AuctionType: s(auctionType, i),
			DeratedMW: f(derated, i), ConnectionMW: f(connection, i), Location: s(location, i), Postcode: s(postcode, i),
			Outcode: s(outcode, i), GridRef: s(grid, i)}
		if !year.IsNull(i) {
			c.DeliveryYear = year.Value(i)
		}
		if !located.IsNull(i) && located.Value(i) && !lat.IsNull(i) && !lng.IsNull(i) {
			c.Located, c.Lat, c.Lng = true, lat.Value(i), lng.Value(i)
			c.GeoSource, c.GeoPrecision = s(source, i), s(precision, i)
		}
		*comps = append(*comps, c)
	}
	return nil
}

// Resolve finds the manifest and the output directory of a bake named on the
// command line: a manifest file (its output directory is the one beside it
// holding its components table: the manifest's own directory, its output/ or
// out/, or for a copy in an output directory's .prebake/manifests, that output
// directory), or an output directory (with the manifest.json inside it, else
// the newest manifest of its history, .prebake/manifests).
//
// outDir, when not empty, is the output directory, and path must be a manifest.
func Resolve(path, outDir string) (*manifest.Manifest, string, error) {
	if outDir != "" {
		m, err := manifest.Load(path)
		if err != nil {
			return nil, "", err
		}
		return m, outDir, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, "", err
	}
	var mpath string
	var dirs []string
	if fi.IsDir() {
		mpath = filepath.Join(path, "manifest.json")
		if _, err := os.Stat(mpath); err == nil {
			dirs = []string{path, filepath.Join(path, "output"), filepath.Join(path, "out")}
		} else {
			hist := filepath.Join(path, ".prebake", "manifests")
			entries, err := os.ReadDir(hist)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil, "", fmt.Errorf("%s: neither a manifest.json nor a manifest history (.prebake/manifests) in it", path)
				}
				return nil, "", err
			}
			var names []string
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".json") {
					names = append(names, e.Name())
				}
			}
			if len(names) == 0 {
				return nil, "", fmt.Errorf("%s: its manifest history %s is empty", path, hist)
			}
			slices.Sort(names)
			mpath, dirs = filepath.Join(hist, names[len(names)-1]), []string{path}
		}
	} else {
		mpath = path
		d := filepath.Dir(path)
		dirs = []string{d, filepath.Join(d, "output"), filepath.Join(d, "out")}
		if filepath.Base(d) == "manifests" && filepath.Base(filepath.Dir(d)) == ".prebake" {
			dirs = append([]string{filepath.Dir(filepath.Dir(d))}, dirs...)
		}
	}
	m, err := manifest.Load(mpath)
	if err != nil {
		return nil, "", err
	}
	a, ok := m.Assets[ComponentsAsset]
	if !ok {
		return nil, "", fmt.Errorf("%s (build %s) has no %s: no components to compare", mpath, m.BuildID, ComponentsAsset)
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, filepath.FromSlash(a.Path))); err == nil {
			return m, d, nil
		}
	}
	return nil, "", fmt.Errorf("%s (build %s): its %s (%s) is in none of %s (name its output directory with --old-out or --new-out)", mpath, m.BuildID, ComponentsAsset, a.Path, strings.Join(dirs, ", "))
}
