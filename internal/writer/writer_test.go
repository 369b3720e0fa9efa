package writer_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/prebake/prebake/internal/verify"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

const epoch = "1767225600" // 2026-01-01T00:00:00Z

// bake runs sampleBake in this process and returns the manifest it committed.
func bake(t *testing.T, dir string, variant, scale int) *manifest.Manifest {
	t.Helper()
	mp := filepath.Join(dir, "manifest.json")
	if err := sampleBake(filepath.Join(dir, "output"), mp, variant, scale); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(mp)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustVerify(t *testing.T, m *manifest.Manifest, out string) {
	t.Helper()
	r := verify.Check(m, out, verify.Options{})
	for _, p := range r.Problems {
		t.Errorf("verify: %s", p)
	}
	if r.Files == 0 {
		t.Error("verify checked no files")
	}
}

func TestAssetLayout(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	dir := t.TempDir()
	m := bake(t, dir, 1, 1)
	out := filepath.Join(dir, "output")
	tests := []struct {
		name        string
		contentType string
		encodings   []string
	}{
		{"stats/part-00.json", "application/json", []string{"br", "gzip"}},
		{"cmu/cmus.csv", "text/csv; charset=utf-8", []string{"br", "gzip"}},
		{"cmu/components.parquet", "application/vnd.apache.parquet", nil},
		{"maptiles/all.pmtiles", "application/vnd.pmtiles", nil},
		{"meta/tiny.json", "application/json", nil}, // every variant would be larger
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := m.Asset(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(out, a.Path))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			h := hex.EncodeToString(sum[:])
			stem := strings.TrimSuffix(tt.name, filepath.Ext(tt.name))
			if want := stem + "." + h[:16] + filepath.Ext(tt.name); a.Path != want {
				t.Errorf("path %q, want %q", a.Path, want)
			}
			if a.SHA256 != h || a.Size != int64(len(data)) {
				t.Errorf("sha256 %s size %d, file has %s %d", a.SHA256, a.Size, h, len(data))
			}
			if a.URL != "https://cdn.example.org/prebake/"+a.Path {
				t.Errorf("url %q", a.URL)
			}
			if !strings.HasPrefix(a.Integrity, "sha384-") || a.ContentType != tt.contentType {
				t.Errorf("integrity %q content type %q, want sha384-… and %q", a.Integrity, a.ContentType, tt.contentType)
			}
			var got []string
			for enc, e := range a.Encodings {
				got = append(got, enc)
				z, err := os.ReadFile(filepath.Join(out, e.Path))
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(z)) != e.Size || len(z) >= len(data) {
					t.Errorf("%s: %d bytes, manifest says %d, original %d", enc, len(z), e.Size, len(data))
				}
				plain, err := writer.Decompress(enc, z)
				if err != nil || !bytes.Equal(plain, data) {
					t.Errorf("%s does not decode to the original: %v", enc, err)
				}
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.encodings, ",") {
				t.Errorf("encodings %v, want %v", got, tt.encodings)
			}
			for _, c := range writer.Codecs {
				_, listed := a.Encodings[c.Name]
				if _, err := os.Stat(filepath.Join(out, a.Path+c.Suffix)); (err == nil) != listed {
					t.Errorf("%s variant on disk: %v, listed: %v", c.Name, err == nil, listed)
				}
			}
		})
	}
	mustVerify(t, m, out)
}

func TestFileSets(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	dir := t.TempDir()
	m := bake(t, dir, 1, 4)
	out := filepath.Join(dir, "output")
	ts, err := m.TileSet("DSR")
	if err != nil {
		t.Fatal(err)
	}
	ss := m.ShardSets["outcodes"]
	for _, set := range []struct {
		kind, path, sum, index string
		files                  int
		bytes                  int64
		encodings              []string
	}{
		{"tileset", ts.Path, ts.SHA256, ts.Index, ts.Files, ts.Bytes, ts.Encodings},
		{"shardset", ss.Path, ss.SHA256, ss.Index, ss.Files, ss.Bytes, ss.Encodings},
	} {
		t.Run(set.kind, func(t *testing.T) {
			idx, err := os.ReadFile(filepath.Join(out, set.index))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(idx)
			if hex.EncodeToString(sum[:]) != set.sum || !strings.HasSuffix(set.path, "."+set.sum[:16]) || set.index != set.path+".sha256" {
				t.Errorf("set %s index %s sha256 %s: the directory is not named by the index hash %x", set.path, set.index, set.sum, sum)
			}
			lines := strings.Split(strings.TrimSuffix(string(idx), "\n"), "\n")
			if len(lines) != set.files {
				t.Errorf("index has %d lines, manifest says %d files", len(lines), set.files)
			}
			var total int64
			for _, l := range lines {
				fsum, rel, _ := strings.Cut(l, "  ")
				data, err := os.ReadFile(filepath.Join(out, set.path, rel))
				if err != nil {
					t.Fatal(err)
				}
				total += int64(len(data))
				if s := sha256.Sum256(data); hex.EncodeToString(s[:]) != fsum {
					t.Errorf("%s: sha256 differs from the index", rel)
				}
				// Every listed encoding sits beside every file, even where it is larger.
				for _, enc := range set.encodings {
					c, _ := writer.CodecByName(enc)
					if _, err := os.Stat(filepath.Join(out, set.path, rel+c.Suffix)); err != nil {
						t.Errorf("%s: %s variant: %v", rel, enc, err)
					}
				}
			}
			if total != set.bytes {
				t.Errorf("files total %d bytes, manifest says %d", total, set.bytes)
			}
			if strings.Join(set.encodings, ",") != "br" { // writer.SetCodecs
				t.Errorf("encodings %v, want br", set.encodings)
			}
		})
	}
	if ts.TileJSON.TileJSON != "3.0.0" || ts.TileJSON.Tiles[0] != "https://cdn.example.org/prebake/"+ts.Path+"/{z}/{x}/{y}.geojson" || ts.Format != "geojson" {
		t.Errorf("tilejson %+v format %q", ts.TileJSON, ts.Format)
	}
	if ss.URL != "https://cdn.example.org/prebake/"+ss.Path+"/{outcode}.json" {
		t.Errorf("shard url %q", ss.URL)
	}
	// Per-zoom statistics: zoom z holds min(4^z, 160) tiles.
	for z := range 5 {
		st := ts.PerZoom[strconv.Itoa(z)]
		if want := min(1<<(2*z), 160); st.Files != want || st.Bytes <= 0 {
			t.Errorf("zoom %d: %+v, want %d files", z, st, want)
		}
	}
	mustVerify(t, m, out)
}

// TestSetEncodingsCoverEveryFile checks the set-level rule: an encoding that
// pays for the set is written beside every file, even a file it makes larger.
func TestSetEncodingsCoverEveryFile(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	out := t.TempDir()
	w, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	set := w.NewFileSet("sets/mixed")
	big := bytes.Repeat([]byte(`{"type":"Feature","properties":{"technology":"DSR"}},`), 200)
	for _, f := range []struct {
		rel  string
		data []byte
	}{{"0/0/0.geojson", big}, {"1/0/0.geojson", []byte(`{}`)}} {
		if err := set.Add(f.rel, f.data); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := set.FinishTileSet("mixed", manifest.TileJSON{Tiles: []string{"{z}/{x}/{y}.geojson"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts.Encodings) != len(writer.SetCodecs) {
		t.Fatalf("encodings %v, want all of %v", ts.Encodings, writer.SetCodecs)
	}
	for _, c := range writer.SetCodecs {
		if _, err := os.Stat(filepath.Join(out, ts.Path, "1/0/0.geojson"+c.Suffix)); err != nil {
			t.Errorf("tiny file lacks its %s variant: %v", c.Name, err)
		}
	}
	// A set of files no encoding shrinks gets none.
	set = w.NewFileSet("sets/tiny")
	set.Add("a.json", []byte("1"))
	ss, err := set.FinishShardSet("tiny", "k", "{k}.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss.Encodings) != 0 {
		t.Errorf("encodings %v for files no codec shrinks", ss.Encodings)
	}
	entries, _ := os.ReadDir(filepath.Join(out, ss.Path))
	if len(entries) != 1 {
		t.Errorf("%d files in the tiny set's directory, want 1", len(entries))
	}
}

func TestCommitManifest(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	dir := t.TempDir()
	m := bake(t, dir, 1, 1)
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m.SchemaVersion != manifest.SchemaVersion || m.Created != "2026-01-01T00:00:00Z" || m.BaseURL != "https://cdn.example.org/prebake/" ||
		m.Generator != (manifest.Generator{Name: "prebake", Version: "test"}) || !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(m.BuildID) {
		t.Errorf("header: schema %d created %q base %q generator %+v build %q", m.SchemaVersion, m.Created, m.BaseURL, m.Generator, m.BuildID)
	}
	if m.BuildID != writer.BuildID(m) {
		t.Errorf("build_id %s is not the hash of the content (%s)", m.BuildID, writer.BuildID(m))
	}
	if len(m.Assets) != 7 || len(m.TileSets) != 2 || len(m.ShardSets) != 1 || len(m.Sources) != 1 {
		t.Errorf("%d assets, %d tile sets, %d shard sets, %d sources", len(m.Assets), len(m.TileSets), len(m.ShardSets), len(m.Sources))
	}
	// Stable form: what Marshal gives, two-space indent, trailing newline.
	again, err := writer.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, again) || !bytes.HasSuffix(raw, []byte("}\n")) || !bytes.Contains(raw, []byte("\n  \"schema_version\": 1,\n")) {
		t.Error("manifest.json is not in its stable, indented form")
	}
	// A copy in the history, named by commit order, creation time and build.
	hist, err := os.ReadFile(filepath.Join(writer.HistoryDir(filepath.Join(dir, "output")), "0000000001-20260101T000000Z-"+m.BuildID+".json"))
	if err != nil || !bytes.Equal(hist, raw) {
		t.Errorf("history copy: %v", err)
	}
	validate(t, raw)
	// No staging is left behind.
	if entries, _ := os.ReadDir(filepath.Join(dir, "output", writer.StateDir, "tmp")); len(entries) != 0 {
		t.Errorf("staging left behind: %v", entries)
	}
}

func TestCreatedFromSourceDateEpoch(t *testing.T) {
	tests := []struct {
		env, want string
		ok        bool
	}{
		{"0", "1970-01-01T00:00:00Z", true},
		{"1767225600", "2026-01-01T00:00:00Z", true},
		{"-5", "", false},
		{"yesterday", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv("SOURCE_DATE_EPOCH", tt.env)
			got, err := writer.Created()
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("Created() = %q, %v; want %q, ok %v", got, err, tt.want, tt.ok)
			}
		})
	}
	os.Unsetenv("SOURCE_DATE_EPOCH")
	if got, err := writer.Created(); err != nil || !regexp.MustCompile(`^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(got) {
		t.Errorf("without SOURCE_DATE_EPOCH: %q, %v", got, err)
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join(filepath.Dir(file), "..", "..", "manifest", "manifest.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return schema
}

func validate(t *testing.T, raw []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := compileSchema(t).Validate(doc); err != nil {
		t.Errorf("manifest does not match manifest.schema.json: %v", err)
	}
}

// TestSchemaRejects shows the schema has teeth: each broken manifest fails it.
func TestSchemaRejects(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	dir := t.TempDir()
	bake(t, dir, 1, 1)
	raw, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	schema := compileSchema(t)
	tests := []struct {
		name   string
		break_ func(m map[string]any)
	}{
		{"no build_id", func(m map[string]any) { delete(m, "build_id") }},
		{"escaping asset path", func(m map[string]any) { asset(m)["path"] = "../etc/passwd" }},
		{"absolute asset path", func(m map[string]any) { asset(m)["path"] = "/etc/passwd" }},
		{"short sha256", func(m map[string]any) { asset(m)["sha256"] = "abc" }},
		{"unknown encoding", func(m map[string]any) {
			asset(m)["encodings"] = map[string]any{"lzma": map[string]any{"path": "a.xz", "size": 1}}
		}},
		{"wrong tilejson version", func(m map[string]any) {
			m["tilesets"].(map[string]any)["DSR"].(map[string]any)["tilejson"].(map[string]any)["tilejson"] = "2.2.0"
		}},
		{"unknown field", func(m map[string]any) { m["extra"] = 1 }},
		{"created not UTC", func(m map[string]any) { m["created"] = "2026-01-01T00:00:00+01:00" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			json.Unmarshal(raw, &m)
			tt.break_(m)
			b, _ := json.Marshal(m)
			doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err := schema.Validate(doc); err == nil {
				t.Error("the schema accepts it")
			}
		})
	}
}

func asset(m map[string]any) map[string]any {
	return m["assets"].(map[string]any)["stats/part-00.json"].(map[string]any)
}

// TestRebuildRewritesNothing: a second build of the same inputs leaves every
// file as it was (same inode, same mtime) and writes the same manifest.
func TestRebuildRewritesNothing(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	dir := t.TempDir()
	bake(t, dir, 1, 2)
	before := tree(t, filepath.Join(dir, "output"))
	manifestBefore, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	mi, _ := os.Stat(filepath.Join(dir, "manifest.json"))

	w, err := writer.New(writer.Options{OutDir: filepath.Join(dir, "output"), BaseURL: "https://cdn.example.org/prebake/"})
	if err != nil {
		t.Fatal(err)
	}
	if err := bakeInto(w, filepath.Join(dir, "manifest.json"), 1, 2); err != nil {
		t.Fatal(err)
	}
	if n := w.Written(); n != 0 {
		t.Errorf("the rebuild wrote %d files", n)
	}
	after := tree(t, filepath.Join(dir, "output"))
	for p, st := range before {
		if after[p] != st {
			t.Errorf("%s changed: %+v -> %+v", p, st, after[p])
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d files before, %d after", len(before), len(after))
	}
	manifestAfter, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	mi2, _ := os.Stat(filepath.Join(dir, "manifest.json"))
	if !bytes.Equal(manifestBefore, manifestAfter) || !mi.ModTime().Equal(mi2.ModTime()) {
		t.Error("the manifest was rewritten")
	}
}

// TestDeterministicAcrossGOMAXPROCS bakes in two processes, GOMAXPROCS=1 and
// =2, and compares the trees byte for byte.
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	var trees []map[string]string
	for _, procs := range []string{"1", "2"} {
		dir := t.TempDir()
		cmd := helperBake(t, filepath.Join(dir, "output"), filepath.Join(dir, "manifest.json"), 7, 4, "GOMAXPROCS="+procs, "SOURCE_DATE_EPOCH="+epoch)
		if err := cmd.Run(); err != nil {
			t.Fatalf("GOMAXPROCS=%s: %v", procs, err)
		}
		tr := contents(t, filepath.Join(dir, "output"))
		m, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
		tr["<manifest.json>"] = string(m)
		trees = append(trees, tr)
	}
	a, b := trees[0], trees[1]
	if len(a) < 100 {
		t.Fatalf("only %d files baked", len(a))
	}
	for p, data := range a {
		if b[p] != data {
			t.Errorf("%s differs between GOMAXPROCS=1 and 2", p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			t.Errorf("%s only with GOMAXPROCS=2", p)
		}
	}
}

func TestUnsafeNames(t *testing.T) {
	tests := []struct {
		name string
		bad  string
	}{
		{"empty", ""},
		{"absolute", "/etc/passwd"},
		{"parent", "../escape.json"},
		{"parent inside", "a/../../escape.json"},
		{"bare parent", ".."},
		{"dot segment", "a/./b.json"},
		{"empty segment", "a//b.json"},
		{"trailing slash", "a/"},
		{"backslash", `a\..\..\b.json`},
		{"NUL", "a\x00b.json"},
		{"newline", "a\nb.json"},
		{"drive letter", "C:/x.json"},
		{"hidden", ".prebake/manifests/x.json"},
		{"hidden inside", "a/.git/config"},
		{"invalid UTF-8", "a\xff.json"},
		{"variant suffix", "a/b.json.gz"},
	}
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	w, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := w.WriteAsset(tt.bad, []byte("{}"), writer.Meta{}); err == nil {
				t.Errorf("WriteAsset(%q) succeeded", tt.bad)
			}
			if err := w.NewFileSet("sets/ok").Add(tt.bad, []byte("{}")); err == nil {
				t.Errorf("Add(%q) succeeded", tt.bad)
			}
			set := w.NewFileSet(tt.bad)
			set.Add("a.json", []byte("{}"))
			if _, err := set.FinishShardSet("s-"+tt.name, "k", "{k}.json", nil); err == nil {
				t.Errorf("a set named %q was written", tt.bad)
			}
		})
	}
	// Nothing was written anywhere: not outside the output directory, not inside.
	err = filepath.WalkDir(parent, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("unexpected file %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCompressDeterministic(t *testing.T) {
	a := bytes.Repeat([]byte(`{"id":1,"technology":"DSR","title":"Unit 4, Mill Lane"},`), 500)
	b := bytes.Repeat([]byte(`["Gas","Wind",12.5,null],`), 3000)
	for _, c := range writer.Codecs {
		first, err := writer.Compress(c.Name, a)
		if err != nil {
			t.Fatal(err)
		}
		// Compressing other data in between (reusing pooled encoders) changes nothing.
		writer.Compress(c.Name, b)
		again, _ := writer.Compress(c.Name, a)
		if !bytes.Equal(first, again) {
			t.Errorf("%s: output depends on what was compressed before", c.Name)
		}
		plain, err := writer.Decompress(c.Name, first)
		if err != nil || !bytes.Equal(plain, a) {
			t.Errorf("%s: round trip failed: %v", c.Name, err)
		}
		if c.Name == "gzip" && (first[4]|first[5]|first[6]|first[7]) != 0 || c.Name == "gzip" && first[3]&0x08 != 0 {
			t.Error("gzip header carries a time or a name")
		}
	}
}

func TestWriteAfterCommit(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	dir := t.TempDir()
	w, err := writer.New(writer.Options{OutDir: filepath.Join(dir, "output")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteAsset("a/b.json", []byte(`{"a":1}`), writer.Meta{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(filepath.Join(dir, "manifest.json"), manifest.Manifest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteAsset("a/c.json", []byte(`{"c":1}`), writer.Meta{}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("WriteAsset after Commit: %v, want an error saying the writer is closed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestRebuildIgnoresOlderPolicyVariants: a bake into an output directory that
// an older bake with another variant policy wrote (a .gz, and a useless .br,
// beside every original, as before sets became br only and variants had to save
// a tenth) commits the manifest a fresh bake commits, so the committed
// manifest.json does not depend on the history of the directory it was baked in.
func TestRebuildIgnoresOlderPolicyVariants(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	fresh := bake(t, t.TempDir(), 1, 2)

	dir := t.TempDir()
	bake(t, dir, 1, 2)
	out := filepath.Join(dir, "output")
	added := 0
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, ".prebake") {
			return err
		}
		ext := filepath.Ext(p)
		if ext == ".br" || ext == ".gz" || ext == ".sha256" {
			return nil
		}
		for _, suffix := range []string{".gz", ".br"} {
			if _, err := os.Stat(p + suffix); err == nil {
				continue
			}
			// Not smaller than the original: a variant no policy keeps now.
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.WriteFile(p+suffix, append(data, ' '), 0o644); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if added == 0 {
		t.Fatal("the test added no older-policy variant")
	}
	w, err := writer.New(writer.Options{OutDir: out, BaseURL: "https://cdn.example.org/prebake/"})
	if err != nil {
		t.Fatal(err)
	}
	if err := bakeInto(w, filepath.Join(dir, "manifest.json"), 1, 2); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := manifest.Load(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fresh.Assets, rebuilt.Assets) || !reflect.DeepEqual(fresh.TileSets, rebuilt.TileSets) || !reflect.DeepEqual(fresh.ShardSets, rebuilt.ShardSets) {
		t.Errorf("a rebuild over %d older-policy variants names other files than a fresh bake", added)
	}
}
