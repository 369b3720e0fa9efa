// Package locations bakes every location lookup the app needs as static files:
// the app's three location files (outward_locations, location_counts,
// search_index) regenerated from the register, location groups as GeoJSON, the
// whole postcode table as per-outcode shards, district and sector centroids and a
// Parquet table, and the component ids found in each outcode.
package locations

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// Logical names of everything Generate writes.
const (
	OutwardLocationsName  = "locations/outward_locations.json"
	LocationCountsName    = "locations/location_counts.json"
	SearchIndexName       = "locations/search_index.json"
	GroupsDir             = "locations/groups" // all.geojson
	OutcodeCentroidsName  = "locations/outcode_centroids.json"
	SectorCentroidsName   = "locations/sector_centroids.json"
	PostcodesParquetName  = "locations/postcodes.parquet"
	OutcodeComponentsName = "locations/outcode_components.json"

	// PostcodeShardSet is the manifest name of the per-outcode postcode shards,
	// stored under PostcodeShardDir.<hash>/ and addressed by PostcodeShardURL.
	PostcodeShardSet = "postcodes"
	PostcodeShardDir = "locations/postcodes"
	PostcodeShardKey = "outcode"
	PostcodeShardURL = "{outcode}.json"
)

// Options tune Generate. The zero value is the default.
type Options struct {
	// Workers encode postcode shards in parallel (default GOMAXPROCS). The output
	// does not depend on it.
	Workers int
	// NearestPostcodeMetres: a located component is filed under the outcode of its
	// nearest postcode when one lies within this distance (default 10000);
	// otherwise under the outcode written in its location text.
	NearestPostcodeMetres float64
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.NearestPostcodeMetres <= 0 {
		o.NearestPostcodeMetres = 10000
	}
	return o
}

// Summary says what Generate wrote.
type Summary struct {
	Outcodes  int // keys of outward_locations.json
	Locations int // keys of location_counts.json
	Prefixes  int // keys of search_index.json

	Groups          int // features of all.geojson
	GroupComponents int // sum of all.geojson counts: components with a group text whose group has a position
	GroupsUnlocated int // groups (location texts) none of whose components is located: not in the GeoJSON

	Postcodes          int    // distinct postcodes in the shards
	DuplicatePostcodes int    // repeated postcodes dropped (the first one kept)
	PostcodeShards     int    // shard files
	ShardBytes         int64  // raw bytes of all shards
	LargestShard       string // outcode of the largest shard
	LargestShardBytes  int64
	Sectors            int
	ParquetBytes       int64

	OutcodeComponents  int    // components filed under an outcode
	ByNearestPostcode  int    // ... by the nearest postcode to their position
	ByLocationOutcode  int    // ... by the outcode in their location text
	WithoutOutcode     int    // located or not, no outcode could be given
	OutcodesWithComps  int    // keys of outcode_components.json
	PostcodeShardsPath string // the shard set's directory, relative to the output directory
}

// Generate writes every location file for ds through w: GenerateRegister's
// and GeneratePostcodes', in one Summary.
func Generate(ds *record.Dataset, w *writer.Writer, opts Options) (Summary, error) {
	if ds == nil {
		return Summary{}, fmt.Errorf("locations: no dataset")
	}
	pc := NewPostcodes(ds.Postcodes)
	s, err := GenerateRegister(ds, pc, w, opts)
	if err != nil {
		return s, err
	}
	p, err := GeneratePostcodes(ds, pc, w, opts)
	s.PostcodeShards, s.ShardBytes, s.LargestShard, s.LargestShardBytes = p.PostcodeShards, p.ShardBytes, p.LargestShard, p.LargestShardBytes
	s.Sectors, s.ParquetBytes, s.PostcodeShardsPath = p.Sectors, p.ParquetBytes, p.PostcodeShardsPath
	return s, err
}

// Postcodes is the postcode table GenerateRegister and GeneratePostcodes
// read, checked, sorted and cut into outcodes once for both, when the first of
// them asks (a bake that reuses the postcode files never builds it for them).
// Safe for concurrent use.
type Postcodes struct {
	once sync.Once
	pts  []record.PostcodePoint
	t    *postcodeTable
	err  error
}

// NewPostcodes returns the table of pts (record.Dataset.Postcodes), built on
// first use.
func NewPostcodes(pts []record.PostcodePoint) *Postcodes { return &Postcodes{pts: pts} }

func (p *Postcodes) table() (*postcodeTable, error) {
	p.once.Do(func() { p.t, p.err = newPostcodeTable(p.pts) })
	return p.t, p.err
}

// GenerateRegister writes the location files that follow the register: the
// app's three files, the location groups and the components of each outcode
// (which reads the postcode table pc to file a component under its nearest
// postcode's outcode). A bake runs it apart from GeneratePostcodes so that a
// register change leaves the postcode files to be reused.
func GenerateRegister(ds *record.Dataset, pc *Postcodes, w *writer.Writer, opts Options) (Summary, error) {
	opts = opts.withDefaults()
	var s Summary
	if ds == nil {
		return s, fmt.Errorf("locations: no dataset")
	}
	if err := checkComponents(ds.Components); err != nil {
		return s, err
	}
	if err := writeAppFiles(ds.Components, w, &s); err != nil {
		return s, err
	}
	if err := writeGroups(ds.Components, w, &s); err != nil {
		return s, err
	}
	table, err := pc.table()
	if err != nil {
		return s, err
	}
	s.Postcodes = len(table.points)
	s.DuplicatePostcodes = table.duplicates
	if err := writeOutcodeComponents(ds.Components, table, w, opts, &s); err != nil {
		return s, err
	}
	return s, nil
}

// GeneratePostcodes writes the location files that follow the postcode table
// pc alone (with ds.PostcodesSynthetic and ds.PostcodeAttribution, which come
// from the same files): the per-outcode shards, the district and sector
// centroids and the Parquet table.
func GeneratePostcodes(ds *record.Dataset, pc *Postcodes, w *writer.Writer, opts Options) (Summary, error) {
	opts = opts.withDefaults()
	var s Summary
	if ds == nil {
		return s, fmt.Errorf("locations: no dataset")
	}
	table, err := pc.table()
	if err != nil {
		return s, err
	}
	s.Postcodes = len(table.points)
	s.DuplicatePostcodes = table.duplicates
	if err := writePostcodes(table, w, opts, ds.PostcodesSynthetic, ds.PostcodeAttribution, &s); err != nil {
		return s, err
	}
	return s, nil
}

// checkComponents refuses a located component whose position is not a WGS84
// position (NaN would otherwise surface as an anonymous JSON encoding error).
func checkComponents(comps []record.Component) error {
	for i := range comps {
		c := &comps[i]
		g := c.Geo
		if g.Located && (math.IsNaN(g.Lat) || math.IsNaN(g.Lng) || g.Lat < -90 || g.Lat > 90 || g.Lng < -180 || g.Lng > 180) {
			return fmt.Errorf("locations: %s record %d (component id %d): field Geo: located at (%v, %v), not a WGS84 position", c.SourceFile, c.SourceRow, c.ID, g.Lat, g.Lng)
		}
	}
	return nil
}
