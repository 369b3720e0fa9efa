package cmu

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
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

// popup is component id's popup rebuilt from the two shard sets, as the JSON
// value the app's /api/component-map-detail/<id>/ returns.
func popup(t testing.TB, out string, m *manifest.Manifest, id int64) map[string]any {
	t.Helper()
	shard := func(set string, key int64) string {
		return fmt.Sprint(DetailShard(key, int(m.ShardSets[set].Params["n"].(float64))))
	}
	var refs map[string][2]int
	readShard(t, out, m, "cmu/component_details", shard("cmu/component_details", id), &refs)
	at, ok := refs[fmt.Sprint(id)]
	if !ok {
		t.Fatalf("component %d not in its cmu/component_details shard", id)
	}
	var f PopupFile
	readShard(t, out, m, "cmu/components_at_location", fmt.Sprint(at[0]), &f)
	d, err := RebuildDetail(&f, at[1], id)
	if err != nil {
		t.Fatalf("component %d: %v", id, err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// readTableRows reads table name ("cmu/cmus") as rows of JSON values (numbers
// as float64, null as nil): from name.json, pandas' split orientation, when the
// bake wrote one, else from name.parquet.
func readTableRows(t testing.TB, out string, m *manifest.Manifest, name string) []map[string]any {
	t.Helper()
	if _, ok := m.Assets[name+".json"]; ok {
		var split struct {
			Columns []string `json:"columns"`
			Data    [][]any  `json:"data"`
		}
		readAsset(t, out, m, name+".json", &split)
		rows := make([]map[string]any, len(split.Data))
		for i, d := range split.Data {
			if len(d) != len(split.Columns) {
				t.Fatalf("%s.json row %d: %d values for %d columns", name, i, len(d), len(split.Columns))
			}
			rows[i] = map[string]any{}
			for j, c := range split.Columns {
				rows[i][c] = d[j]
			}
		}
		return rows
	}
	return readParquetRows(t, assetPath(t, out, m, name+".parquet"))
}

// readParquetRows reads a flat Parquet file (parquet-go) as rows of JSON
// values: int64 and double as float64, boolean, byte arrays as strings, null
// as nil.
func readParquetRows(t testing.TB, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var names []string
	for _, c := range f.Schema().Columns() {
		names = append(names, strings.Join(c, "."))
	}
	var out []map[string]any
	parquetRows(t, path, f, func(row parquet.Row) {
		r := map[string]any{}
		for _, v := range row {
			name := names[v.Column()]
			switch {
			case v.IsNull():
				r[name] = nil
			case v.Kind() == parquet.Int64:
				r[name] = float64(v.Int64())
			case v.Kind() == parquet.Double:
				r[name] = v.Double()
			case v.Kind() == parquet.Boolean:
				r[name] = v.Boolean()
			default:
				r[name] = string(v.ByteArray())
			}
		}
		out = append(out, r)
	})
	return out
}

// parquetRows calls fn with every row of f, row group by row group.
func parquetRows(t testing.TB, what string, f *parquet.File, fn func(parquet.Row)) {
	t.Helper()
	buf := make([]parquet.Row, 256)
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				fn(row)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		rows.Close()
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
