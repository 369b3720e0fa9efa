package writer_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestDocsPythonSnippet runs the Python block of docs/manifest.md, as written
// there, on a generated manifest and checks that it resolves every asset, a
// shard and a tile layer to the same URLs as the Go package, and that an unknown
// name fails with a message naming it.
func TestDocsPythonSnippet(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	_, file, _, _ := runtime.Caller(0)
	doc, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "docs", "manifest.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```python\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) != 1 {
		t.Fatalf("docs/manifest.md has %d python blocks, want 1", len(blocks))
	}
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	dir := t.TempDir()
	m := bake(t, dir, 3, 1)

	var want, calls []string
	for _, name := range slices.Sorted(maps.Keys(m.Assets)) {
		u, err := m.URL(name)
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, "print(asset_url("+pyQuote(name)+"))")
		want = append(want, u)
	}
	for _, key := range []string{"SW1A", "A B"} {
		u, err := m.ShardURL("outcodes", key)
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, "print(shard_url('outcodes', "+pyQuote(key)+"))")
		want = append(want, u)
	}
	ts, _ := m.TileSet("DSR")
	calls = append(calls, "print(tiles_url('DSR'))")
	want = append(want, ts.TileJSON.Tiles[0])
	calls = append(calls, `
try:
    asset_url("cmu/nope.parquet")
except KeyError as e:
    print("error:", e.args[0])`)
	want = append(want, "error: 'cmu/nope.parquet' is not in manifest.json (build "+m.BuildID+")")

	script := string(blocks[0][1]) + "\n" + strings.Join(calls, "\n") + "\n"
	cmd := exec.Command(py, "-c", script)
	cmd.Env = append(os.Environ(), "PREBAKE_MANIFEST="+filepath.Join(dir, "manifest.json"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("python resolves:\n%s\nGo resolves:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func pyQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
