package manifest_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/manifest"
)

var sum = strings.Repeat("ab", 32)

func sample() *manifest.Manifest {
	return &manifest.Manifest{
		SchemaVersion: manifest.SchemaVersion, BuildID: "0123456789abcdef", Created: "2026-01-01T00:00:00Z",
		BaseURL: "https://cdn.example.org/p",
		Assets: map[string]manifest.Asset{
			"cmu/components.parquet": {Path: "cmu/components.abababababababab.parquet", URL: "https://cdn.example.org/p/cmu/components.abababababababab.parquet", SHA256: sum, Size: 10},
			"cmu/companies.json": {Path: "cmu/companies.abababababababab.json", URL: "https://cdn.example.org/p/cmu/companies.abababababababab.json", SHA256: sum, Size: 20,
				Encodings: map[string]manifest.Encoding{"br": {Path: "cmu/companies.abababababababab.json.br", Size: 5}}},
		},
		TileSets: map[string]manifest.TileSet{"DSR": {Path: "maptiles/DSR." + sum[:16], SHA256: sum, Index: "maptiles/DSR." + sum[:16] + ".sha256", Files: 3, Bytes: 300,
			TileJSON: manifest.TileJSON{TileJSON: "3.0.0", Tiles: []string{"https://cdn.example.org/p/maptiles/DSR." + sum[:16] + "/{z}/{x}/{y}.geojson"}}}},
		ShardSets: map[string]manifest.ShardSet{"outcodes": {Path: "locations/outcodes." + sum[:16], URL: "https://cdn.example.org/p/locations/outcodes." + sum[:16] + "/{outcode}.json",
			Key: "outcode", SHA256: sum, Index: "locations/outcodes." + sum[:16] + ".sha256", Files: 2, Bytes: 40}},
	}
}

func TestLoadAndResolve(t *testing.T) {
	data, _ := json.Marshal(sample())
	p := filepath.Join(t.TempDir(), "manifest.json")
	os.WriteFile(p, data, 0o644)
	m, err := manifest.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		resolve func() (string, error)
		want    string // URL, or a fragment of the error
		ok      bool
	}{
		{"asset url", func() (string, error) { return m.URL("cmu/components.parquet") }, "https://cdn.example.org/p/cmu/components.abababababababab.parquet", true},
		{"unknown asset", func() (string, error) { return m.URL("cmu/component.parquet") }, `no asset "cmu/component.parquet"; nearest: cmu/components.parquet`, false},
		{"shard", func() (string, error) { return m.ShardURL("outcodes", "SW1A") }, "https://cdn.example.org/p/locations/outcodes." + sum[:16] + "/SW1A.json", true},
		{"shard key escaped", func() (string, error) { return m.ShardURL("outcodes", "A B") }, "/A%20B.json", true},
		{"shard key with slash", func() (string, error) { return m.ShardURL("outcodes", "../x") }, "is not a shard name", false},
		{"empty shard key", func() (string, error) { return m.ShardURL("outcodes", "") }, "is not a shard name", false},
		{"unknown shard set", func() (string, error) { return m.ShardURL("postcodes", "SW1A") }, `no shard set "postcodes"; nearest: outcodes`, false},
		{"tile set", func() (string, error) {
			ts, err := m.TileSet("DSR")
			return strings.Join(ts.TileJSON.Tiles, ""), err
		}, "/{z}/{x}/{y}.geojson", true},
		{"unknown tile set", func() (string, error) { _, err := m.TileSet("Wind"); return "", err }, `no tile set "Wind"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.resolve()
			if tt.ok {
				if err != nil || !strings.HasSuffix(got, tt.want) {
					t.Errorf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
	a, err := m.Asset("cmu/companies.json")
	if err != nil || a.Encodings["br"].Size != 5 {
		t.Errorf("Asset: %+v, %v", a, err)
	}
}

func TestParseErrors(t *testing.T) {
	valid, _ := json.Marshal(sample())
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(valid, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	assets := func(m map[string]any) map[string]any {
		return m["assets"].(map[string]any)["cmu/components.parquet"].(map[string]any)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not JSON", []byte(`{"schema_version": 1,`), "not valid JSON"},
		{"wrong shape", []byte(`[1, 2]`), "not a prebake manifest"},
		{"newer schema", edit(func(m map[string]any) { m["schema_version"] = 2 }), "schema_version is 2, this reader understands 1"},
		{"no build id", edit(func(m map[string]any) { delete(m, "build_id") }), "build_id is empty"},
		{"escaping path", edit(func(m map[string]any) { assets(m)["path"] = "../../etc/passwd" }), `asset "cmu/components.parquet": path: "../../etc/passwd" has a ".." segment`},
		{"absolute path", edit(func(m map[string]any) { assets(m)["path"] = "/etc/passwd" }), "is absolute"},
		{"bad hash", edit(func(m map[string]any) { assets(m)["sha256"] = "xyz" }), "is not 64 lower-case hex digits"},
		{"set not named by its hash", edit(func(m map[string]any) {
			m["tilesets"].(map[string]any)["DSR"].(map[string]any)["path"] = "maptiles/DSR.0000000000000000"
		}), "is not named by its sha256"},
		{"shard url without key", edit(func(m map[string]any) {
			m["shardsets"].(map[string]any)["outcodes"].(map[string]any)["url"] = "https://x/{key}.json"
		}), "does not hold the key placeholder {outcode}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := manifest.Parse(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
	if _, err := manifest.Load(filepath.Join(t.TempDir(), "absent.json")); err == nil || !strings.Contains(err.Error(), "absent.json") {
		t.Errorf("Load of a missing file: %v", err)
	}
	// Fields a newer prebake adds do not break an older reader.
	if _, err := manifest.Parse(edit(func(m map[string]any) { m["future_field"] = true })); err != nil {
		t.Errorf("unknown field: %v", err)
	}
}

// TestCheckPath runs the cases of testdata/checkpath.json, which the Python
// package's check_path runs too (python/tests/test_paths.py), so the two
// cannot disagree on which paths and keys stay inside a bake.
func TestCheckPath(t *testing.T) {
	for _, c := range checkPathCases(t) {
		err := manifest.CheckPath(c.path)
		if (err == nil) != c.OK {
			t.Errorf("%s: CheckPath(%.60q) = %v, want ok %v", c.Note, c.path, err, c.OK)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), c.Reason) {
			t.Errorf("%s: CheckPath(%.60q) = %v, want the reason %q", c.Note, c.path, err, c.Reason)
		}
	}
}

type checkPathCase struct {
	Path   string `json:"path"`
	Times  int    `json:"times"`
	Suffix string `json:"suffix"`
	Hex    string `json:"hex"`
	OK     bool   `json:"ok"`
	Reason string `json:"reason"`
	Note   string `json:"note"`
	path   string
}

func checkPathCases(t *testing.T) []checkPathCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "checkpath.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []checkPathCase }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 50 {
		t.Fatalf("testdata/checkpath.json has %d cases", len(doc.Cases))
	}
	for i := range doc.Cases {
		c := &doc.Cases[i]
		if c.Hex != "" {
			b, err := hex.DecodeString(c.Hex)
			if err != nil {
				t.Fatal(err)
			}
			c.path = string(b)
			continue
		}
		c.path = strings.Repeat(c.Path, max(c.Times, 1)) + c.Suffix
	}
	return doc.Cases
}

func TestDiff(t *testing.T) {
	old, nw := sample(), sample()
	nw.Assets = map[string]manifest.Asset{}
	for k, v := range old.Assets {
		nw.Assets[k] = v
	}
	delete(nw.Assets, "cmu/companies.json")
	c := nw.Assets["cmu/components.parquet"]
	c.SHA256, c.Path, c.Size = strings.Repeat("cd", 32), "cmu/components.cdcdcdcdcdcdcdcd.parquet", 25
	nw.Assets["cmu/components.parquet"] = c
	nw.Assets["stats/statistics.json"] = manifest.Asset{Path: "stats/statistics.abababababababab.json", SHA256: sum, Size: 7}
	nw.TileSets = map[string]manifest.TileSet{"DSR": old.TileSets["DSR"]} // unchanged
	nw.ShardSets = map[string]manifest.ShardSet{}
	got := manifest.Diff(old, nw)
	want := []string{
		"asset cmu/companies.json removed 20->0 (-20)",
		"asset cmu/components.parquet changed 10->25 (+15)",
		"asset stats/statistics.json added 0->7 (+7)",
		"shardset outcodes removed 40->0 (-40)",
	}
	var lines []string
	for _, c := range got {
		lines = append(lines, c.Kind+" "+c.Name+" "+c.Change+" "+itoa(c.OldSize)+"->"+itoa(c.NewSize)+" ("+signed(c.Delta)+")")
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("diff:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if d := manifest.Diff(old, old); len(d) != 0 {
		t.Errorf("a manifest differs from itself: %v", d)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func signed(n int64) string {
	if n > 0 {
		return "+" + itoa(n)
	}
	return itoa(n)
}
