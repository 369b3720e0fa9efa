package writer_test

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// scopedBake writes an asset, a tile set and a shard set through two scopes of
// one Writer at once, and commits.
func scopedBake(t *testing.T, out, manifestPath string) (a, b writer.Outputs) {
	t.Helper()
	w, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	sa, sb := w.Scope(), w.Scope()
	done := make(chan error, 2)
	go func() {
		_, err := sa.WriteAsset("x/a.json", bytes.Repeat([]byte(`{"a":1},`), 500), writer.Meta{})
		if err == nil {
			fs := sa.NewFileSet("x/tiles")
			for _, rel := range []string{"0/0/0.json", "1/0/0.json"} {
				if err = fs.Add(rel, bytes.Repeat([]byte(rel), 300)); err != nil {
					break
				}
			}
			if err == nil {
				_, err = fs.FinishTileSet("x/tiles", manifest.TileJSON{Tiles: []string{"{z}/{x}/{y}.json"}}, nil)
			}
		}
		done <- err
	}()
	go func() {
		fs := sb.NewFileSet("y/shards")
		err := fs.Add("AB1.json", bytes.Repeat([]byte("AB1 "), 400))
		if err == nil {
			_, err = fs.FinishShardSet("y/shards", "outcode", "{outcode}.json", nil)
		}
		if err == nil {
			_, err = sb.WriteAsset("y/b.txt", []byte("b"), writer.Meta{})
		}
		done <- err
	}()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if err := sa.Close(); err != nil { // a scope's Close leaves w's staging alone
		t.Fatal(err)
	}
	if err := w.Commit(manifestPath, manifest.Manifest{}); err != nil {
		t.Fatal(err)
	}
	return sa.Outputs(), sb.Outputs()
}

// TestScopesRecordTheirOwnOutputs: each scope's Outputs are what it wrote,
// exactly as the manifest names them, and the manifest holds both scopes'.
func TestScopesRecordTheirOwnOutputs(t *testing.T) {
	dir := t.TempDir()
	a, b := scopedBake(t, filepath.Join(dir, "out"), filepath.Join(dir, "manifest.json"))
	m, err := manifest.Load(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(a.Assets)); !slices.Equal(got, []string{"x/a.json"}) || len(a.TileSets) != 1 || len(a.ShardSets) != 0 {
		t.Errorf("scope a recorded %v assets, %d tile sets, %d shard sets", got, len(a.TileSets), len(a.ShardSets))
	}
	if got := slices.Sorted(maps.Keys(b.Assets)); !slices.Equal(got, []string{"y/b.txt"}) || len(b.TileSets) != 0 || len(b.ShardSets) != 1 {
		t.Errorf("scope b recorded %v assets, %d tile sets, %d shard sets", got, len(b.TileSets), len(b.ShardSets))
	}
	for _, o := range []writer.Outputs{a, b} {
		for n, x := range o.Assets {
			if !reflect.DeepEqual(m.Assets[n], x) {
				t.Errorf("asset %s: recorded %+v, manifest %+v", n, x, m.Assets[n])
			}
		}
		for n, x := range o.ShardSets {
			if !reflect.DeepEqual(m.ShardSets[n], x) {
				t.Errorf("shard set %s differs from the manifest's", n)
			}
		}
		for n := range o.TileSets {
			if m.TileSets[n].SHA256 != o.TileSets[n].SHA256 || m.TileSets[n].Path != o.TileSets[n].Path {
				t.Errorf("tile set %s differs from the manifest's", n)
			}
		}
	}
	if len(m.Assets) != 2 || len(m.TileSets) != 1 || len(m.ShardSets) != 1 {
		t.Errorf("manifest: %d assets, %d tile sets, %d shard sets", len(m.Assets), len(m.TileSets), len(m.ShardSets))
	}
	if _, err := os.Stat(filepath.Join(dir, "out", ".prebake", "tmp")); err == nil {
		entries, _ := os.ReadDir(filepath.Join(dir, "out", ".prebake", "tmp"))
		if len(entries) > 0 {
			t.Errorf("staging left behind: %v", entries)
		}
	}
}

// TestScopesShareNames: a name written by one scope cannot be written by
// another, nor by the Writer itself.
func TestScopesShareNames(t *testing.T) {
	w, err := writer.New(writer.Options{OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	s1, s2 := w.Scope(), w.Scope()
	if _, err := s1.WriteAsset("a.txt", []byte("1"), writer.Meta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.WriteAsset("a.txt", []byte("2"), writer.Meta{}); err == nil || !strings.Contains(err.Error(), "written twice") {
		t.Errorf("a second scope wrote the same name: %v", err)
	}
	if _, err := w.WriteAsset("a.txt", []byte("3"), writer.Meta{}); err == nil {
		t.Error("the Writer wrote a name a scope had written")
	}
	if got := s2.Outputs(); len(got.Assets) != 0 {
		t.Errorf("the refused write was recorded: %+v", got.Assets)
	}
}

// TestReuseNamesTheSameFiles: a later Writer that reuses the outputs writes
// nothing and commits the same manifest; outputs with a file missing are
// refused and nothing of them is added.
func TestReuseNamesTheSameFiles(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	a, b := scopedBake(t, out, filepath.Join(dir, "first.json"))

	w, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, o := range []writer.Outputs{a, b} {
		if err := w.Scope().Reuse(o); err != nil {
			t.Fatal(err)
		}
	}
	if n := w.Written(); n != 0 {
		t.Errorf("reuse wrote %d files", n)
	}
	if err := w.Commit(filepath.Join(dir, "second.json"), manifest.Manifest{}); err != nil {
		t.Fatal(err)
	}
	first, second := readBytes(t, filepath.Join(dir, "first.json")), readBytes(t, filepath.Join(dir, "second.json"))
	if !bytes.Equal(first, second) {
		t.Error("the manifest of the reusing Writer differs")
	}

	// A file of the tile set gone: refused, nothing added.
	ts := a.TileSets["x/tiles"]
	if err := os.Remove(filepath.Join(out, filepath.FromSlash(ts.Path), "1", "0", "0.json")); err != nil {
		t.Fatal(err)
	}
	w2, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if err := w2.Reuse(a); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("reuse with a file missing: %v", err)
	}
	if p := w2.Pending(); len(p.Assets)+len(p.TileSets)+len(p.ShardSets) != 0 {
		t.Errorf("a refused reuse added %d assets, %d tile sets", len(p.Assets), len(p.TileSets))
	}
}

func readBytes(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReuseRefusesDamagedOutputs: outputs whose files are not the ones the
// earlier bake wrote are refused, and nothing of them is added, whatever the
// damage: a fresh bake would write those files again (an asset whose bytes are
// not its SHA-256, a set index that does not hash to the set's SHA-256), so
// reusing them as they are would not be the fresh bake's output. Names the
// Writer already holds are refused before anything is added too.
func TestReuseRefusesDamagedOutputs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, out string, a writer.Outputs, w *writer.Writer)
		want   string // in the error
	}{
		{"an asset's bytes replaced, same size", func(t *testing.T, out string, a writer.Outputs, _ *writer.Writer) {
			p := filepath.Join(out, filepath.FromSlash(a.Assets["x/a.json"].Path))
			b := readBytes(t, p)
			b[len(b)/2] ^= 1
			writeBytes(t, p, b)
		}, "x/a.json"},
		{"an asset's variant removed", func(t *testing.T, out string, a writer.Outputs, _ *writer.Writer) {
			for _, e := range a.Assets["x/a.json"].Encodings {
				if err := os.Remove(filepath.Join(out, filepath.FromSlash(e.Path))); err != nil {
					t.Fatal(err)
				}
				return
			}
			t.Fatal("x/a.json has no variant")
		}, "missing"},
		{"a set index cut after its first line", func(t *testing.T, out string, a writer.Outputs, _ *writer.Writer) {
			p := filepath.Join(out, filepath.FromSlash(a.TileSets["x/tiles"].Index))
			first, _, _ := bytes.Cut(readBytes(t, p), []byte("\n"))
			writeBytes(t, p, append(first, '\n'))
		}, "index"},
		{"a set index emptied", func(t *testing.T, out string, a writer.Outputs, _ *writer.Writer) {
			writeBytes(t, filepath.Join(out, filepath.FromSlash(a.TileSets["x/tiles"].Index)), nil)
		}, "index"},
		{"a set index of another set", func(t *testing.T, out string, a writer.Outputs, _ *writer.Writer) {
			writeBytes(t, filepath.Join(out, filepath.FromSlash(a.TileSets["x/tiles"].Index)),
				[]byte(strings.Repeat("0", 64)+"  0/0/0.json\n"))
		}, "index"},
		{"a set file removed", func(t *testing.T, out string, a writer.Outputs, _ *writer.Writer) {
			if err := os.Remove(filepath.Join(out, filepath.FromSlash(a.TileSets["x/tiles"].Path), "0", "0", "0.json")); err != nil {
				t.Fatal(err)
			}
		}, "missing"},
		{"a name the Writer already holds", func(t *testing.T, out string, a writer.Outputs, w *writer.Writer) {
			// A tile set: Reuse would add the outputs' asset before it.
			if err := w.RegisterTileSet("x/tiles", manifest.TileSet{Path: "elsewhere.pmtiles"}); err != nil {
				t.Fatal(err)
			}
		}, "x/tiles"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			a, _ := scopedBake(t, out, filepath.Join(dir, "manifest.json"))
			w, err := writer.New(writer.Options{OutDir: out})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			tc.damage(t, out, a, w)
			before := w.Pending()
			s := w.Scope()
			if err := s.Reuse(a); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("reuse: %v, want an error naming %q", err, tc.want)
			} else if strings.Contains(err.Error(), "during the build") {
				t.Errorf("reuse: %v: the files were changed before this bake, not during it", err)
			}
			if got := s.Outputs(); len(got.Assets)+len(got.TileSets)+len(got.ShardSets) != 0 {
				t.Errorf("the refused reuse added to the scope: %+v", got)
			}
			if after := w.Pending(); !reflect.DeepEqual(before, after) {
				t.Errorf("the refused reuse changed the Writer: %d assets, %d tile sets before; %d, %d after",
					len(before.Assets), len(before.TileSets), len(after.Assets), len(after.TileSets))
			}
		})
	}
}

func writeBytes(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
