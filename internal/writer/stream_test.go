package writer_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// streamInputs are assets on both sides of every size where the writer changes
// path (a tile-sized input, brotli's small size, BrotliBigSize) and of the
// variants' worth-it rule (random bytes compress by nothing).
func streamInputs() map[string][]byte {
	r := rand.New(rand.NewPCG(5, 6))
	text := func(n int) []byte {
		var b strings.Builder
		for b.Len() < n {
			fmt.Fprintf(&b, `{"id":%d,"name":"unit %d","mw":%.3f},`, r.IntN(1e6), r.IntN(500), r.Float64()*100)
		}
		return []byte(b.String()[:n])
	}
	noise := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	return map[string][]byte{
		"a/empty.json":     {},
		"a/tiny.json":      []byte(`{"a":1}`),
		"a/small.json":     text(writer.BrotliSmallSize - 1),
		"a/mid.json":       text(300000),
		"a/below.json":     text(writer.BrotliBigSize - 1),
		"a/big.json":       text(writer.BrotliBigSize),
		"a/bigger.geojson": text(3*writer.BrotliBigSize + 12345),
		"a/noise.json":     noise(writer.BrotliBigSize + 999),
		"b/table.parquet":  noise(2*writer.BrotliBigSize + 1),
		"b/small.arrow":    noise(5000),
	}
}

// writeStreamed writes data through CreateAsset in pieces of varying size.
func writeStreamed(t *testing.T, w *writer.Writer, name string, data []byte, seed uint64) manifest.Asset {
	t.Helper()
	aw, err := w.CreateAsset(name, writer.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 1+r.IntN(200000))
		if _, err := aw.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	a, err := aw.Close()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCreateAssetEqualsWriteAsset writes the same assets with WriteAsset into
// one directory and with CreateAsset, in pieces, into another: the manifest
// entries and every file must be the same, and writing them again through
// CreateAsset into either directory must write nothing and give the same
// entries.
func TestCreateAssetEqualsWriteAsset(t *testing.T) {
	dir := t.TempDir()
	whole, streamed := filepath.Join(dir, "whole"), filepath.Join(dir, "streamed")
	inputs := streamInputs()
	want := map[string]manifest.Asset{}
	ww, err := writer.New(writer.Options{OutDir: whole})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range inputs {
		if want[name], err = ww.WriteAsset(name, data, writer.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	ww.Close()
	sw, err := writer.New(writer.Options{OutDir: streamed})
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(0)
	for name, data := range inputs {
		seed++
		got := writeStreamed(t, sw, name, data, seed)
		if !reflect.DeepEqual(got, want[name]) {
			t.Errorf("%s: CreateAsset's entry\n%+v\nWriteAsset's\n%+v", name, got, want[name])
		}
	}
	if n := sw.Written(); n == 0 {
		t.Error("the streamed writer wrote nothing")
	}
	sw.Close()
	a, b := tree(t, whole), tree(t, streamed)
	if len(a) != len(b) {
		t.Errorf("%d files written whole, %d streamed", len(a), len(b))
	}
	for p := range a {
		x, _ := os.ReadFile(filepath.Join(whole, p))
		y, err := os.ReadFile(filepath.Join(streamed, p))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs (%v)", p, err)
		}
	}
	// Again into each directory: nothing is written, the entries are the same,
	// and the staging directory is left empty.
	for _, out := range []string{whole, streamed} {
		before := tree(t, out)
		w, err := writer.New(writer.Options{OutDir: out})
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range inputs {
			seed++
			if got := writeStreamed(t, w, name, data, seed); !reflect.DeepEqual(got, want[name]) {
				t.Errorf("%s again into %s: entry\n%+v\nwant\n%+v", name, filepath.Base(out), got, want[name])
			}
		}
		if n := w.Written(); n != 0 {
			t.Errorf("writing the same assets again into %s wrote %d files", filepath.Base(out), n)
		}
		if left := stagingFiles(t, out); len(left) != 0 {
			t.Errorf("staging files left behind in %s: %v", filepath.Base(out), left)
		}
		w.Close()
		after := tree(t, out)
		if !reflect.DeepEqual(before, after) {
			t.Errorf("writing the same assets again changed %s", filepath.Base(out))
		}
	}
}

// TestCreateAssetReplacesDamagedFiles: an original on disk under the asset's
// name but with other bytes (truncated, or changed within its size) is
// replaced, with its variants, as WriteAsset replaces it
// (TestDamagedVariantReplaced: a variant damaged beside an intact original).
func TestCreateAssetReplacesDamagedFiles(t *testing.T) {
	data := streamInputs()["a/bigger.geojson"]
	out := t.TempDir()
	w, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	want := writeStreamed(t, w, "a/bigger.geojson", data, 1)
	w.Close()
	if len(want.Encodings) != 2 {
		t.Fatalf("encodings %v, want br and gzip", want.Encodings)
	}
	orig := filepath.Join(out, filepath.FromSlash(want.Path))
	br := filepath.Join(out, filepath.FromSlash(want.Encodings["br"].Path))
	brBytes, _ := os.ReadFile(br)
	for _, damage := range []struct {
		name string
		do   func()
	}{
		{"truncated original", func() { os.Truncate(orig, 100) }},
		{"original of the same size, other bytes", func() {
			b := bytes.Clone(data)
			b[len(b)/2] ^= 1
			os.WriteFile(orig, b, 0o644)
		}},
		{"truncated variant and original", func() { os.Truncate(br, 10); os.Truncate(orig, 10) }},
	} {
		damage.do()
		w, err := writer.New(writer.Options{OutDir: out})
		if err != nil {
			t.Fatal(err)
		}
		got := writeStreamed(t, w, "a/bigger.geojson", data, 2)
		w.Close()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: entry %+v, want %+v", damage.name, got, want)
		}
		if b, _ := os.ReadFile(orig); !bytes.Equal(b, data) {
			t.Errorf("%s: the original was not restored", damage.name)
		}
		if b, _ := os.ReadFile(br); !bytes.Equal(b, brBytes) {
			t.Errorf("%s: the .br variant is %d bytes, want %d", damage.name, len(b), len(brBytes))
		}
	}
}

// TestCreateAssetAbort: an aborted asset places nothing, is not in the
// manifest, and its name can then be written; a name already written is refused.
func TestCreateAssetAbort(t *testing.T) {
	out := t.TempDir()
	w, err := writer.New(writer.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	aw, err := w.CreateAsset("x/big.json", writer.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	aw.Write(bytes.Repeat([]byte(`{"a":1},`), writer.BrotliBigSize))
	aw.Abort()
	if _, err := aw.Write([]byte("more")); err == nil {
		t.Error("a write after Abort succeeded")
	}
	if _, err := aw.Close(); err == nil {
		t.Error("Close after Abort succeeded")
	}
	if len(w.Outputs().Assets) != 0 {
		t.Errorf("an aborted asset is in the outputs: %v", w.Outputs().Assets)
	}
	if n := w.Written(); n != 0 {
		t.Errorf("an aborted asset wrote %d files", n)
	}
	if left := stagingFiles(t, out); len(left) != 0 {
		t.Errorf("staging files left behind: %v", left)
	}
	writeStreamed(t, w, "x/big.json", []byte(`{"a":2}`), 1)
	if _, err := w.CreateAsset("x/big.json", writer.Meta{}); err == nil || !strings.Contains(err.Error(), "written twice") {
		t.Errorf("a second CreateAsset of a written name: %v, want written twice", err)
	}
	if _, err := w.CreateAsset("../escape.json", writer.Meta{}); err == nil {
		t.Error("CreateAsset took an unsafe name")
	}
}

// stagingFiles lists the files in out's staging directories.
func stagingFiles(t *testing.T, out string) []string {
	t.Helper()
	var files []string
	filepath.Walk(filepath.Join(out, writer.StateDir, "tmp"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}

// TestServerOnlyAssets: an asset marked ServerOnly gets a .gz and no .br,
// written whole or streamed, small or big; a rebuild into a directory where an
// earlier policy left a .br beside it names the .gz only, as a fresh bake does.
func TestServerOnlyAssets(t *testing.T) {
	inputs := streamInputs()
	for _, name := range []string{"a/mid.json", "a/bigger.geojson"} {
		data := inputs[name]
		for _, streamed := range []bool{false, true} {
			out := t.TempDir()
			// An earlier bake, every variant.
			w, err := writer.New(writer.Options{OutDir: out})
			if err != nil {
				t.Fatal(err)
			}
			old, err := w.WriteAsset(name, data, writer.Meta{})
			w.Close()
			if err != nil || old.Encodings["br"].Path == "" {
				t.Fatalf("%s: the earlier bake has no .br (%v)", name, err)
			}
			for _, dir := range []string{t.TempDir(), out} {
				w, err := writer.New(writer.Options{OutDir: dir})
				if err != nil {
					t.Fatal(err)
				}
				var a manifest.Asset
				if streamed {
					aw, err := w.CreateAsset(name, writer.Meta{ServerOnly: true})
					if err != nil {
						t.Fatal(err)
					}
					aw.Write(data)
					a, err = aw.Close()
					if err != nil {
						t.Fatal(err)
					}
				} else if a, err = w.WriteAsset(name, data, writer.Meta{ServerOnly: true}); err != nil {
					t.Fatal(err)
				}
				w.Close()
				if _, ok := a.Encodings["gzip"]; !ok || len(a.Encodings) != 1 {
					t.Errorf("%s (streamed %v, into %s): encodings %v, want gzip only", name, streamed, dir, a.Encodings)
				}
				if a.Encodings["gzip"] != old.Encodings["gzip"] {
					t.Errorf("%s: the .gz differs from the earlier bake's: %+v, %+v", name, a.Encodings["gzip"], old.Encodings["gzip"])
				}
				_, err = os.Stat(filepath.Join(dir, filepath.FromSlash(a.Path)+".br"))
				if dir != out && err == nil {
					t.Errorf("%s (streamed %v): a .br was written", name, streamed)
				}
			}
		}
	}
}

// TestDamagedVariantReplaced: a variant under its content-addressed name that
// is truncated, corrupt, deleted or a directory beside an intact original is
// written again, as docs/manifest.md promises for any damaged file under a
// content-addressed name, so that the manifest names what a fresh bake names
// and every variant it names decodes to the original (prebake verify). Whole
// and streamed, small and big assets, each codec.
func TestDamagedVariantReplaced(t *testing.T) {
	inputs := streamInputs()
	for _, name := range []string{"a/mid.json", "a/bigger.geojson"} {
		data := inputs[name]
		for _, streamed := range []bool{false, true} {
			out := t.TempDir()
			write := func() manifest.Asset {
				w, err := writer.New(writer.Options{OutDir: out})
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				if streamed {
					return writeStreamed(t, w, name, data, 3)
				}
				a, err := w.WriteAsset(name, data, writer.Meta{})
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			want := write()
			if len(want.Encodings) != 2 {
				t.Fatalf("%s: encodings %v, want br and gzip", name, want.Encodings)
			}
			for _, enc := range []string{"br", "gzip"} {
				p := filepath.Join(out, filepath.FromSlash(want.Encodings[enc].Path))
				good, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				for _, damage := range []struct {
					name string
					do   func() error
				}{
					{"truncated", func() error { return os.Truncate(p, int64(len(good)/2)) }},
					{"corrupt, same size", func() error {
						b := bytes.Clone(good)
						for i := len(b) / 3; i < len(b)/3+64 && i < len(b); i++ {
							b[i] ^= 0x55
						}
						return os.WriteFile(p, b, 0o644)
					}},
					{"deleted", func() error { return os.Remove(p) }},
				} {
					if err := damage.do(); err != nil {
						t.Fatal(err)
					}
					got := write()
					what := fmt.Sprintf("%s (streamed %v), %s variant %s", name, streamed, enc, damage.name)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s: entry\n%+v\nwant\n%+v", what, got.Encodings, want.Encodings)
					}
					if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, good) {
						t.Errorf("%s: not written again (%d bytes, want %d; %v)", what, len(b), len(good), err)
						os.WriteFile(p, good, 0o644) // for the next case
					}
				}
			}
			if left := stagingFiles(t, out); len(left) != 0 {
				t.Errorf("%s: staging files left behind: %v", name, left)
			}
		}
	}
}
