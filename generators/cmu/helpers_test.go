package cmu

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/prebake/prebake/manifest"
	"github.com/prebake/prebake/record"
	"github.com/prebake/prebake/writer"
)

// bake runs Generate into a fresh directory and commits a manifest there.
func bake(t testing.TB, ds *record.Dataset, opts Options) (string, *manifest.Manifest) {
	t.Helper()
	return bakeInto(t, t.TempDir(), ds, opts)
}

// bakeInto runs Generate into dir/output and commits dir/manifest.json.
func bakeInto(t testing.TB, dir string, ds *record.Dataset, opts Options) (string, *manifest.Manifest) {
	t.Helper()
	out := filepath.Join(dir, "output")
	w, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if err := Generate(ds, w, opts); err != nil {
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
	return out, m
}

func newWriter(t testing.TB) *writer.Writer {
	t.Helper()
	w, err := writer.New(writer.Options{OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// assetPath is the file of a logical asset name.
func assetPath(t testing.TB, out string, m *manifest.Manifest, name string) string {
	t.Helper()
	a, ok := m.Assets[name]
	if !ok {
		t.Fatalf("asset %q not in the manifest", name)
	}
	return filepath.Join(out, filepath.FromSlash(a.Path))
}

// readAsset decodes a JSON asset into v.
func readAsset(t testing.TB, out string, m *manifest.Manifest, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(assetPath(t, out, m, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// readShard decodes file key of a shard set into v.
func readShard(t testing.TB, out string, m *manifest.Manifest, set, key string, v any) {
	t.Helper()
	ss, ok := m.ShardSets[set]
	if !ok {
		t.Fatalf("shard set %q not in the manifest", set)
	}
	rel := strings.TrimPrefix(strings.ReplaceAll(ss.URL, "{"+ss.Key+"}", key), "")
	// URLs are relative to the output directory when the base URL is empty.
	data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s %s: %v", set, key, err)
	}
}

// outputFiles returns every file under dir with its content, compressed
// variants (.br, .gz, .zst) decoded.
func outputFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var r io.Reader
		switch filepath.Ext(p) {
		case ".br":
			r = brotli.NewReader(bytes.NewReader(data))
		case ".gz":
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return err
			}
			r = zr
		case ".zst":
			zr, err := zstd.NewReader(bytes.NewReader(data))
			if err != nil {
				return err
			}
			defer zr.Close()
			r = zr
		}
		if r != nil {
			if data, err = io.ReadAll(r); err != nil {
				return err
			}
		}
		files[p] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func f64(x float64) *float64 { return &x }
