package maptiles_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/generators/maptiles/vectortiles"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/manifest"
	"github.com/prebake/prebake/pmtiles"
)

const ogl = "Contains OS data © Crown copyright and database right; Contains Royal Mail data © Royal Mail copyright and database right; Contains National Statistics data © Crown copyright and database right"

// tileJSONSchema compiles the official TileJSON 3.0.0 schema (testdata/tilejson-spec).
func tileJSONSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	s, err := jsonschema.NewCompiler().Compile(filepath.Join("testdata", "tilejson-spec", "schema-3.0.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkTileJSONs validates every tile set's tilejson, as the manifest file
// holds it, against the TileJSON 3.0.0 schema, and checks the attribution of
// the tile sets and of the PMTiles archive's metadata.
func checkTileJSONs(t *testing.T, out string, m *manifest.Manifest, wantAttribution string) {
	t.Helper()
	schema := tileJSONSchema(t)
	raw, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TileSets map[string]struct {
			TileJSON json.RawMessage `json:"tilejson"`
		} `json:"tilesets"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.TileSets) < 2 {
		t.Fatalf("only %d tile sets", len(doc.TileSets))
	}
	for name, ts := range doc.TileSets {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(ts.TileJSON))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(v); err != nil {
			t.Errorf("%s: tilejson fails the TileJSON 3.0.0 schema: %v", name, err)
		}
		tj := m.TileSets[name].TileJSON
		if tj.Attribution != wantAttribution {
			t.Errorf("%s: attribution %q, want %q", name, tj.Attribution, wantAttribution)
		}
		if !strings.Contains(tj.Description, "point_count counts markers") {
			t.Errorf("%s: description does not say what point_count counts: %q", name, tj.Description)
		}
	}
	ts, ok := m.TileSets[vectortiles.AssetName]
	if !ok {
		t.Fatalf("no %s", vectortiles.AssetName)
	}
	data, err := os.ReadFile(filepath.Join(out, ts.Path))
	if err != nil {
		t.Fatal(err)
	}
	r, err := pmtiles.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	metaRaw, err := r.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	if err := json.Unmarshal(metaRaw, &meta); err != nil {
		t.Fatal(err)
	}
	if got, _ := meta["attribution"].(string); got != wantAttribution {
		t.Errorf("archive metadata attribution %q, want %q", got, wantAttribution)
	}
}

// TestTileJSONSchemaAndAttribution: every tilejson a bake writes passes the
// official TileJSON 3.0.0 schema; the tile sets and the archive carry the
// postcode data's OGL statement exactly when a map position came from a
// postcode, and no attribution when every position came from the register's own
// grid references.
func TestTileJSONSchemaAndAttribution(t *testing.T) {
	pts := []orb.Point{{-1.5, 53.8}, {-1.6, 53.9}, {-0.1, 51.5}, {-3.2, 55.9}, {-2.2, 53.5}}
	for _, tt := range []struct {
		name     string
		postcode int // index of the component located by postcode, -1 for none
		want     string
	}{
		{"grid references only", -1, ""},
		{"one position from a postcode", 3, ogl},
	} {
		t.Run(tt.name, func(t *testing.T) {
			comps := componentsAt(pts, []record.Category{record.DSR, record.Battery})
			for i := range comps {
				comps[i].Geo.Source = record.GeoGridRef
			}
			if tt.postcode >= 0 {
				comps[tt.postcode].Geo.Source = record.GeoPostcode
			}
			ds := &record.Dataset{Components: comps, PostcodeAttribution: ogl}
			out, m, _ := bake(t, ds, maptiles.Options{})
			checkTileJSONs(t, out, m, tt.want)
		})
	}
}

// TestRealTileJSONSchema: the same on the shared real-data bake (Code-Point
// Open postcodes: the OGL statement).
func TestRealTileJSONSchema(t *testing.T) {
	out, m := realBake(t)
	checkTileJSONs(t, out, m, ogl)
}
