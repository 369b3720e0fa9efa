package writer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// TestCommitRechecksFiles: a file removed between being placed and the commit
// (a prune that ignored the lock, a hand) fails the commit, and the manifest in
// force stays. Each kind of named file is removed in turn.
func TestCommitRechecksFiles(t *testing.T) {
	remove := []struct {
		name string
		path func(a manifest.Asset, set string) string
	}{
		{"an asset", func(a manifest.Asset, _ string) string { return a.Path }},
		{"an asset's variant", func(a manifest.Asset, _ string) string { return a.Encodings["gzip"].Path }},
		{"a set member", func(_ manifest.Asset, set string) string { return set + "/a/b.json" }},
		{"a set member's variant", func(_ manifest.Asset, set string) string { return set + "/a/b.json.br" }},
		{"a set's index", func(_ manifest.Asset, set string) string { return set + ".sha256" }},
	}
	for _, tc := range remove {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, mp := filepath.Join(dir, "output"), filepath.Join(dir, "manifest.json")
			os.WriteFile(mp, []byte("the manifest in force\n"), 0o644)
			w, err := writer.New(writer.Options{OutDir: out})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			text := []byte(strings.Repeat("compressible text ", 200))
			a, err := w.WriteAsset("cmu/a.json", text, writer.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			fs := w.NewFileSet("lookups")
			if err := fs.Add("a/b.json", text); err != nil {
				t.Fatal(err)
			}
			ss, err := fs.FinishShardSet("lookups", "k", "a/{k}.json", nil)
			if err != nil {
				t.Fatal(err)
			}
			victim := tc.path(a, ss.Path)
			if err := os.Remove(filepath.Join(out, filepath.FromSlash(victim))); err != nil {
				t.Fatal(err)
			}
			err = w.Commit(mp, manifest.Manifest{})
			if err == nil || !strings.Contains(err.Error(), victim) {
				t.Fatalf("commit with %s removed: %v", victim, err)
			}
			if got, _ := os.ReadFile(mp); string(got) != "the manifest in force\n" {
				t.Error("the failed commit replaced the manifest")
			}
		})
	}
}

// TestLockExcludes: the output directory's lock is exclusive, names its holder,
// and is free again once released.
func TestLockExcludes(t *testing.T) {
	out := t.TempDir()
	release, err := writer.Lock(out, "build")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Lock(out, "prune"); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("in use by pid %d", os.Getpid())) {
		t.Errorf("second lock: %v", err)
	}
	// A dry run changes nothing, so it does not need the lock.
	if _, err := writer.Prune(writer.PruneOptions{OutDir: out, Keep: 1, DryRun: true}); err != nil && strings.Contains(err.Error(), "in use") {
		t.Errorf("dry-run prune refused: %v", err)
	}
	release()
	again, err := writer.Lock(out, "prune")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}
