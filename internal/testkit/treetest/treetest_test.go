package treetest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestHashesAndDiff(t *testing.T) {
	write := func(dir string, files map[string]string) {
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	a, b := t.TempDir(), t.TempDir()
	write(a, map[string]string{"x.json": "1", "d/y.json": "2", "d/z.json": "3", ".state/s": "a"})
	write(b, map[string]string{"x.json": "1", "d/y.json": "changed", "w.json": "4", ".state/s": "b"})
	ha, hb := Hashes(t, a, ".state"), Hashes(t, b, ".state")
	if len(ha) != 3 || ha["x.json"] != "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b" {
		t.Errorf("hashes of a: %v (want 3 files, x.json the SHA-256 of \"1\")", ha)
	}
	if got, want := Diff(ha, hb), []string{"d/y.json", "d/z.json", "w.json"}; !slices.Equal(got, want) {
		t.Errorf("Diff = %v, want %v", got, want)
	}
	if d := Diff(ha, ha); len(d) != 0 {
		t.Errorf("a tree differs from itself: %v", d)
	}
	if _, ok := Hashes(t, a)[".state/s"]; !ok {
		t.Errorf("without skipDirs, .state/s is missing")
	}
}
