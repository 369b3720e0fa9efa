package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/shareddata"
)

// buildBinary compiles prebake once for the end-to-end tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "prebake")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func run(t *testing.T, dir string, env []string, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("prebake %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// treeHashes maps every file below dir to its SHA-256.
func treeHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = fmt.Sprintf("%x", sha256.Sum256(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// bakeSample writes the default sample into dir/.cache/sample and bakes it the way
// `make run` does, with relative paths, so the manifest is comparable with the
// committed one.
func bakeSample(t *testing.T, bin, dir string, env []string) {
	t.Helper()
	run(t, dir, env, bin, "sample", "--out", ".cache/sample")
	run(t, dir, env, bin, "build", "--quiet", "--source", ".cache/sample/synthetic_*.json",
		"--postcodes", ".cache/sample/synthetic_postcodes.csv", "--out", "output", "--manifest", "manifest.json")
}

// TestBakeReproducible bakes the bundled sample twice, with GOMAXPROCS=1 and
// GOMAXPROCS=2, and requires byte-identical trees and manifests, equal to the
// committed manifest.json (which `make run` regenerates).
func TestBakeReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("bakes the production-sized sample twice")
	}
	bin := buildBinary(t)
	a, b := t.TempDir(), t.TempDir()
	env := []string{"SOURCE_DATE_EPOCH=1767225600"}
	bakeSample(t, bin, a, append(env, "GOMAXPROCS=1"))
	bakeSample(t, bin, b, append(env, "GOMAXPROCS=2"))

	ha, hb := treeHashes(t, filepath.Join(a, "output")), treeHashes(t, filepath.Join(b, "output"))
	if len(ha) == 0 {
		t.Fatal("the bake wrote no files")
	}
	var diffs []string
	for p, h := range ha {
		if hb[p] != h {
			diffs = append(diffs, p)
		}
	}
	for p := range hb {
		if _, ok := ha[p]; !ok {
			diffs = append(diffs, p)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Fatalf("GOMAXPROCS=1 and =2 trees differ in %d files, e.g. %v", len(diffs), diffs[:min(5, len(diffs))])
	}
	ma, _ := os.ReadFile(filepath.Join(a, "manifest.json"))
	mb, _ := os.ReadFile(filepath.Join(b, "manifest.json"))
	if !bytes.Equal(ma, mb) {
		t.Fatal("manifests differ between GOMAXPROCS=1 and =2")
	}
	committed, err := os.ReadFile(filepath.Join(shareddata.Root(), "manifest.json"))
	if err != nil {
		t.Fatalf("the committed manifest.json: %v", err)
	}
	if !bytes.Equal(ma, committed) {
		t.Fatal("rebuilding the bundled sample does not reproduce the committed manifest.json: run `make run` and commit it, or find the nondeterminism")
	}

	// verify passes on the fresh bake, and a rebuild rewrites nothing.
	run(t, a, env, bin, "verify", "--manifest", "manifest.json", "--out", "output")
	before := modTimes(t, filepath.Join(a, "output"))
	run(t, a, env, bin, "build", "--quiet", "--source", ".cache/sample/synthetic_*.json",
		"--postcodes", ".cache/sample/synthetic_postcodes.csv", "--out", "output", "--manifest", "manifest.json")
	after := modTimes(t, filepath.Join(a, "output"))
	for p, mt := range before {
		if after[p] != mt {
			t.Errorf("rebuild with unchanged inputs rewrote %s", p)
		}
	}
}

func modTimes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				out[p] = fi.ModTime().UnixNano()
			}
		}
		return nil
	})
	return out
}

// TestBuildErrors checks that bad invocations fail with a message on stderr and a
// non-zero exit code.
func TestBuildErrors(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "truncated.json"), []byte(`{"A1": [{"_id": 1, "CMU ID": "A1"`), 0o644)
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no source", []string{"build"}, "no --source"},
		{"missing file", []string{"build", "--source", "nope.json"}, "nope.json"},
		{"truncated json", []string{"build", "--source", "truncated.json"}, "truncated.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, tt.args...)
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if err == nil {
				t.Fatalf("prebake %v succeeded, want failure", tt.args)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q does not mention %q", stderr.String(), tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
				t.Error("a failed build wrote manifest.json")
			}
		})
	}
}
