// Package treetest compares directory trees byte for byte, for the tests that
// check a bake is reproducible (across GOMAXPROCS, workers or input order).
package treetest

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Hashes maps every file below dir, by its slash-separated path relative to
// dir, to the hex SHA-256 of its bytes. Directories named in skipDirs (at any
// depth) are left out. It fails t on any error reading the tree.
func Hashes(t testing.TB, dir string, skipDirs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && slices.Contains(skipDirs, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Diff is the sorted list of paths whose hashes differ between a and b,
// including those only one of them has.
func Diff(a, b map[string]string) []string {
	var diffs []string
	for p, h := range a {
		if hb, ok := b[p]; !ok || hb != h {
			diffs = append(diffs, p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			diffs = append(diffs, p)
		}
	}
	slices.Sort(diffs)
	return diffs
}
