package bake_test

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/prebake/prebake/internal/bake"
	"github.com/prebake/prebake/internal/sample"
	"github.com/prebake/prebake/internal/testkit/treetest"
)

// TestConcurrentStagesDeterministic bakes one small synthetic register with
// GOMAXPROCS 1, 2 and 8: the generators run at once and share the writer's
// workers, so the order files are written in differs between runs, yet every
// file and the manifest must be byte-identical. (TestBakeReproducible in
// cmd/prebake does the same for the production-sized sample at 1 and 2.)
func TestConcurrentStagesDeterministic(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	src := t.TempDir()
	if _, err := sample.Write(src, sample.Options{Components: 1500}); err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first map[string]string
	for _, procs := range []int{1, 2, 8} {
		runtime.GOMAXPROCS(procs)
		dir := t.TempDir()
		cfg := config(dir, filepath.Join(src, sample.ComponentsPrefix+"*.json"), filepath.Join(src, sample.CMURowsFile))
		cfg.Postcodes = []string{filepath.Join(src, sample.PostcodesFile)}
		s, err := bake.Run(cfg)
		if err != nil {
			t.Fatalf("GOMAXPROCS=%d: %v", procs, err)
		}
		checkStages(t, s.Stages)
		// Every file the bake wrote (output, manifest, report), outside the
		// writer's own state directory.
		got := treetest.Hashes(t, dir, ".prebake")
		if len(got) < 10 {
			t.Fatalf("GOMAXPROCS=%d: the bake wrote %d files", procs, len(got))
		}
		if first == nil {
			first = got
			continue
		}
		if diffs := treetest.Diff(first, got); len(diffs) > 0 {
			t.Fatalf("GOMAXPROCS=%d: %d files differ from GOMAXPROCS=1, e.g. %v", procs, len(diffs), diffs[:min(5, len(diffs))])
		}
	}
}

// checkStages: every stage is reported once, in the documented order, with
// the generators' overlap ("generators") no longer than their sum.
func checkStages(t *testing.T, stages []bake.Stage) {
	t.Helper()
	want := []string{"read sources", "load postcodes", "geocode", "postcodes", "map tiles", "cmu tables", "locations", "cmu details", "generators", "changelog", "manifest"}
	var names []string
	sum := map[string]float64{}
	for _, s := range stages {
		names = append(names, s.Name)
		sum[s.Name] = s.Seconds
	}
	if len(names) != len(want) {
		t.Fatalf("stages %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("stages %v, want %v", names, want)
		}
	}
	if all, longest := sum["generators"], max(sum["postcodes"], sum["map tiles"], sum["cmu tables"], sum["locations"], sum["cmu details"]); all < longest {
		t.Errorf("generators took %.3fs together, less than the longest of them (%.3fs)", all, longest)
	}
}
