package verify_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/prebake/prebake/internal/verify"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// smallBake writes a JSON asset, a Parquet-like binary asset and a two-zoom tile
// set, and commits.
func smallBake(t *testing.T) (*manifest.Manifest, string) {
	t.Helper()
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	return bakeInto(t, t.TempDir())
}

// bakeInto is smallBake into dir/output, with dir/manifest.json.
func bakeInto(t *testing.T, dir string) (*manifest.Manifest, string) {
	t.Helper()
	out := filepath.Join(dir, "output")
	w, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	var doc bytes.Buffer
	doc.WriteString(`{"companies":[`)
	for i := range 300 {
		fmt.Fprintf(&doc, `{"name":"Company %d Ltd","cmu_ids":["CMU%05d","CMU%05d"],"years":[2024,2025]},`, i, i, i*7)
	}
	doc.WriteString(`{}]}`)
	if _, err := w.WriteAsset("cmu/companies.json", doc.Bytes(), writer.Meta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteAsset("cmu/components.parquet", bytes.Repeat([]byte{0x50, 0x41, 0x52, 0x31, 7}, 400), writer.Meta{}); err != nil {
		t.Fatal(err)
	}
	set := w.NewFileSet("maptiles/DSR")
	for _, rel := range []string{"0/0/0.geojson", "1/0/0.geojson", "1/1/0.geojson", "1/1/1.geojson"} {
		tile := strings.Repeat(`{"type":"Feature","geometry":{"type":"Point","coordinates":[-1.5,53.2]},"properties":{"count":3,"technology":"DSR"}},`, 20)
		if err := set.Add(rel, []byte(`{"type":"FeatureCollection","features":[`+rel+tile+`]}`)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := set.FinishTileSet("DSR", manifest.TileJSON{Tiles: []string{"{z}/{x}/{y}.geojson"}, MaxZoom: 1}, nil); err != nil {
		t.Fatal(err)
	}
	mp := filepath.Join(dir, "manifest.json")
	if err := w.Commit(mp, manifest.Manifest{}); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(mp)
	if err != nil {
		t.Fatal(err)
	}
	return m, out
}

func TestVerifyPassesOnAFreshBake(t *testing.T) {
	m, out := smallBake(t)
	r := verify.Check(m, out, verify.Options{})
	if !r.OK() {
		t.Fatalf("problems on a fresh bake: %v", r.Problems)
	}
	// 2 assets, 2 variants of the JSON one (br, gzip), the index, 4 tiles with
	// their br variants (a set gets br only: writer.SetCodecs).
	if r.Files != 2+2+1+4*2 {
		t.Errorf("checked %d files, want %d", r.Files, 2+2+1+4*2)
	}
}

// TestVerifyCatches damages a fresh bake in one way per case and checks that
// verify names the damage.
func TestVerifyCatches(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, m *manifest.Manifest, out string) string // returns the damaged path
		kind   string
	}{
		{"flipped byte in an asset", func(t *testing.T, m *manifest.Manifest, out string) string {
			return flipByte(t, out, m.Assets["cmu/components.parquet"].Path)
		}, verify.Corrupt},
		{"truncated asset", func(t *testing.T, m *manifest.Manifest, out string) string {
			p := m.Assets["cmu/companies.json"].Path
			os.Truncate(filepath.Join(out, p), 100)
			return p
		}, verify.Corrupt},
		{"missing asset", func(t *testing.T, m *manifest.Manifest, out string) string {
			p := m.Assets["cmu/companies.json"].Path
			os.Remove(filepath.Join(out, p))
			return p
		}, verify.Missing},
		{"missing variant", func(t *testing.T, m *manifest.Manifest, out string) string {
			p := m.Assets["cmu/companies.json"].Encodings["br"].Path
			os.Remove(filepath.Join(out, p))
			return p
		}, verify.Missing},
		{"variant of other content", func(t *testing.T, m *manifest.Manifest, out string) string {
			// A valid gzip stream of the right size, but not of the original.
			a := m.Assets["cmu/companies.json"]
			orig, _ := os.ReadFile(filepath.Join(out, a.Path))
			other := bytes.ToUpper(orig)
			z, _ := writer.Compress("gzip", other)
			if int64(len(z)) != a.Encodings["gzip"].Size {
				z, _ = writer.Compress("gzip", bytes.Replace(orig, []byte("Company 7 "), []byte("Company 8 "), 1))
			}
			os.WriteFile(filepath.Join(out, a.Encodings["gzip"].Path), z, 0o644)
			return a.Encodings["gzip"].Path
		}, verify.BadVariant},
		{"variant that does not decode", func(t *testing.T, m *manifest.Manifest, out string) string {
			return flipByte(t, out, m.Assets["cmu/companies.json"].Encodings["br"].Path)
		}, verify.BadVariant},
		{"flipped byte in a tile", func(t *testing.T, m *manifest.Manifest, out string) string {
			return flipByte(t, out, m.TileSets["DSR"].Path+"/1/1/0.geojson")
		}, verify.Corrupt},
		{"truncated tile variant", func(t *testing.T, m *manifest.Manifest, out string) string {
			p := m.TileSets["DSR"].Path + "/1/0/0.geojson.br"
			os.Truncate(filepath.Join(out, p), 10)
			return p
		}, verify.BadVariant},
		{"missing tile variant", func(t *testing.T, m *manifest.Manifest, out string) string {
			p := m.TileSets["DSR"].Path + "/0/0/0.geojson.br"
			os.Remove(filepath.Join(out, p))
			return p
		}, verify.Missing},
		{"unexpected file in a set", func(t *testing.T, m *manifest.Manifest, out string) string {
			p := m.TileSets["DSR"].Path + "/2/0/0.geojson"
			os.MkdirAll(filepath.Dir(filepath.Join(out, p)), 0o755)
			os.WriteFile(filepath.Join(out, p), []byte(`{}`), 0o644)
			return p
		}, verify.Unexpected},
		{"edited set index", func(t *testing.T, m *manifest.Manifest, out string) string {
			return flipByte(t, out, m.TileSets["DSR"].Index)
		}, verify.BadSet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, out := smallBake(t)
			path := tt.damage(t, m, out)
			r := verify.Check(m, out, verify.Options{})
			found := false
			for _, p := range r.Problems {
				if p.Kind == tt.kind && p.Path == path {
					found = true
				}
			}
			if !found {
				t.Errorf("want a %q problem at %s, got %v", tt.kind, path, r.Problems)
			}
		})
	}
}

func flipByte(t *testing.T, out, rel string) string {
	t.Helper()
	p := filepath.Join(out, rel)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x01
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return rel
}

// TestVerifyManifestProblems: a manifest that disagrees with the set, or names
// paths outside the output directory, is reported, never followed.
func TestVerifyManifestProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *manifest.Manifest)
		kind   string
	}{
		{"escaping path", func(m *manifest.Manifest) {
			a := m.Assets["cmu/components.parquet"]
			a.Path = "../../etc/passwd"
			m.Assets["cmu/components.parquet"] = a
		}, verify.Invalid},
		{"wrong file count", func(m *manifest.Manifest) {
			ts := m.TileSets["DSR"]
			ts.Files++
			m.TileSets["DSR"] = ts
		}, verify.BadSet},
		{"wrong total", func(m *manifest.Manifest) {
			ts := m.TileSets["DSR"]
			ts.Bytes--
			m.TileSets["DSR"] = ts
		}, verify.BadSet},
		{"wrong zoom stats", func(m *manifest.Manifest) {
			ts := m.TileSets["DSR"]
			ts.PerZoom["1"] = manifest.ZoomStat{Files: 2, Bytes: 5}
			m.TileSets["DSR"] = ts
		}, verify.BadSet},
		{"wrong size", func(m *manifest.Manifest) {
			a := m.Assets["cmu/companies.json"]
			a.Size++
			m.Assets["cmu/companies.json"] = a
		}, verify.Corrupt},
		{"wrong integrity", func(m *manifest.Manifest) {
			a := m.Assets["cmu/companies.json"]
			a.Integrity = "sha384-" + strings.Repeat("A", 64)
			m.Assets["cmu/companies.json"] = a
		}, verify.Corrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, out := smallBake(t)
			tt.change(m)
			r := verify.Check(m, out, verify.Options{})
			var kinds []string
			for _, p := range r.Problems {
				kinds = append(kinds, p.Kind)
			}
			if !strings.Contains(strings.Join(kinds, ","), tt.kind) {
				t.Errorf("want a %q problem, got %v", tt.kind, r.Problems)
			}
		})
	}
}

func TestVerifyReportJSON(t *testing.T) {
	m, out := smallBake(t)
	os.Remove(filepath.Join(out, m.Assets["cmu/companies.json"].Encodings["gzip"].Path))
	r := verify.Check(m, out, verify.Options{Workers: 1})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		BuildID  string `json:"build_id"`
		Problems []struct{ Kind, Path string }
	}
	json.Unmarshal(b, &back)
	if back.BuildID != m.BuildID || len(back.Problems) != 1 || back.Problems[0].Kind != "missing" {
		t.Errorf("report JSON %s", b)
	}
}

// TestUpgradeFromZstdBake reproduces the upgrade trap with the real writer: a
// bake made while zstd variants were written (writer.Codecs as it was), then the
// same bake after they were dropped into the same directory, which reuses the
// tile set's content-addressed directory whole, .zst files included. verify
// accepts them while a history manifest lists zstd for the set (counted as
// retained) and reports them once none does; prune removes them once no kept
// manifest lists zstd.
func TestUpgradeFromZstdBake(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	old, out := oldStyleBake(t, dir)
	if got := old.TileSets["DSR"].Encodings; !slices.Contains(got, "zstd") {
		t.Fatalf("old-style bake lists %v for the tile set, want zstd among them", got)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1767229200") // an hour later: the newer history entry
	m, _ := bakeInto(t, dir)
	if m.TileSets["DSR"].Path != old.TileSets["DSR"].Path {
		t.Fatalf("the tile set moved (%s -> %s); the trap needs the same directory", old.TileSets["DSR"].Path, m.TileSets["DSR"].Path)
	}
	if got := m.TileSets["DSR"].Encodings; slices.Contains(got, "zstd") {
		t.Fatalf("new bake lists %v", got)
	}
	zst, _ := filepath.Glob(filepath.Join(out, filepath.FromSlash(m.TileSets["DSR"].Path), "*", "*", "*.zst"))
	if len(zst) != 4 {
		t.Fatalf("reused set directory holds %d .zst files, want the old bake's 4", len(zst))
	}

	// The set's 4 .zst and 4 .gz files: sets are br only now.
	r := verify.Check(m, out, verify.Options{})
	if !r.OK() || r.Retained != 8 {
		t.Fatalf("with the old manifest in the history: %d retained, problems %v; want 8 retained, none", r.Retained, r.Problems)
	}

	// Keeping both manifests keeps the .zst files; keeping the newest removes them.
	mp := filepath.Join(dir, "manifest.json")
	res, err := writer.Prune(writer.PruneOptions{OutDir: out, ManifestPath: mp, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Removed {
		if strings.HasSuffix(p, ".zst") {
			t.Errorf("prune --keep 2 removed %s, which the kept old manifest names", p)
		}
	}
	res, err = writer.Prune(writer.PruneOptions{OutDir: out, ManifestPath: mp, Keep: 1})
	if err != nil {
		t.Fatal(err)
	}
	var removedZst, removedGz []string
	for _, p := range res.Removed {
		if strings.HasSuffix(p, ".zst") {
			removedZst = append(removedZst, p)
		}
		if strings.HasSuffix(p, ".gz") {
			removedGz = append(removedGz, p)
		}
	}
	// The 4 tile variants and the JSON asset's; the tiles' .gz (the asset keeps its own).
	if len(removedZst) != 5 || len(removedGz) != 4 {
		t.Errorf("prune --keep 1 removed .zst files %v and .gz files %v, want the 4 tiles' and the asset's .zst, the 4 tiles' .gz", removedZst, removedGz)
	}
	r = verify.Check(m, out, verify.Options{})
	if !r.OK() || r.Retained != 0 {
		t.Errorf("after prune --keep 1: %d retained, problems %v; want none", r.Retained, r.Problems)
	}
}

// TestZstdLeftWithoutHistory: the same reused directory after the old manifest
// has left the history (pruned before prune knew stale variants): verify reports
// each .zst file as unexpected, and prune leaves them, as it leaves every file
// no manifest of the history names, and lists them.
func TestZstdLeftWithoutHistory(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	_, out := oldStyleBake(t, dir)
	t.Setenv("SOURCE_DATE_EPOCH", "1767229200")
	m, _ := bakeInto(t, dir)
	hist, err := filepath.Glob(filepath.Join(writer.HistoryDir(out), "*-20260101T000000Z-*.json"))
	if err != nil || len(hist) != 1 {
		t.Fatalf("old history entry: %v %v", hist, err)
	}
	if err := os.Remove(hist[0]); err != nil {
		t.Fatal(err)
	}
	r := verify.Check(m, out, verify.Options{})
	unexpected := 0
	for _, p := range r.Problems {
		if p.Kind == verify.Unexpected && (strings.HasSuffix(p.Path, ".zst") || strings.HasSuffix(p.Path, ".gz")) {
			unexpected++
		}
	}
	if unexpected != 8 || len(r.Problems) != 8 {
		t.Fatalf("problems %v; want the 4 tiles' .zst and .gz unexpected", r.Problems)
	}
	res, err := writer.Prune(writer.PruneOptions{OutDir: out, ManifestPath: filepath.Join(dir, "manifest.json"), Keep: 3})
	if err != nil {
		t.Fatal(err)
	}
	// The tiles' 4 .zst and 4 .gz, and the asset's .zst.
	if len(res.Removed) != 0 || len(res.LeftAlone) != 9 {
		t.Errorf("prune removed %v, left alone %v; want nothing removed, the 9 variants left alone", res.Removed, res.LeftAlone)
	}
	if r := verify.Check(m, out, verify.Options{}); len(r.Problems) != 8 {
		t.Errorf("after prune: %v, want the 8 variants still reported", r.Problems)
	}
}

// oldStyleBake is bakeInto as bakes before the .zst drop made it: br, gzip and
// zstd beside every asset and set file. The writer encodes no zstd any more, so
// the bake is made with br and gzip everywhere and the zstd variants are added
// here, with the encoder and level those bakes used (klauspost/compress,
// SpeedBetterCompression) and the writer's rule that a variant must save a
// tenth, to the files, the manifest and its history entry.
func oldStyleBake(t *testing.T, dir string) (*manifest.Manifest, string) {
	t.Helper()
	codecs, setCodecs := writer.Codecs, writer.SetCodecs
	writer.Codecs, writer.SetCodecs = []writer.Codec{{Name: "br", Suffix: ".br"}, {Name: "gzip", Suffix: ".gz"}}, []writer.Codec{{Name: "br", Suffix: ".br"}, {Name: "gzip", Suffix: ".gz"}}
	m, out := bakeInto(t, dir)
	writer.Codecs, writer.SetCodecs = codecs, setCodecs

	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	addZst := func(rel string) (int64, bool) {
		p := filepath.Join(out, filepath.FromSlash(rel))
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		z := enc.EncodeAll(data, nil)
		if int64(len(z)) > int64(len(data))-int64(len(data))/10 {
			return 0, false
		}
		if err := os.WriteFile(p+".zst", z, 0o644); err != nil {
			t.Fatal(err)
		}
		return int64(len(z)), true
	}
	for name, a := range m.Assets {
		if len(a.Encodings) == 0 {
			continue // not compressible, or no variant paid
		}
		if size, ok := addZst(a.Path); ok {
			a.Encodings["zstd"] = manifest.Encoding{Path: a.Path + ".zst", Size: size}
			m.Assets[name] = a
		}
	}
	for name, ts := range m.TileSets {
		tiles, err := filepath.Glob(filepath.Join(out, filepath.FromSlash(ts.Path), "*", "*", "*.geojson"))
		if err != nil || len(tiles) == 0 {
			t.Fatalf("tile set %s: files %v, %v", name, tiles, err)
		}
		for _, p := range tiles {
			rel, _ := filepath.Rel(out, p)
			if _, ok := addZst(filepath.ToSlash(rel)); !ok {
				t.Fatalf("%s: zstd saves under a tenth; the test's tiles are meant to compress", rel)
			}
		}
		ts.Encodings = append(ts.Encodings, "zstd")
		m.TileSets[name] = ts
	}
	data, err := writer.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "manifest.json"), filepath.Join(writer.HistoryDir(out), writer.HistoryName(1, m))} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return m, out
}
