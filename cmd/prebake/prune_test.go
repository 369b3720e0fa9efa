package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// TestPruneCLICommitOrder: six builds of different registers sharing one
// SOURCE_DATE_EPOCH (the Makefile's default), then `prebake prune --keep 2`
// keeps the last two deploys' files and `--keep 1` the last one's (issue 24:
// the random build id used to decide), and another tool's file with a hex
// run in its name is left alone, not listed as removed by the dry run.
func TestPruneCLICommitOrder(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	env := []string{"SOURCE_DATE_EPOCH=1767225600"}
	var ms []*manifest.Manifest
	for i := range 6 {
		s := fmt.Sprintf("sample%d", i)
		run(t, dir, env, bin, "sample", "--out", s, "--seed", fmt.Sprint(100+i), "--components", "150")
		run(t, dir, env, bin, "build", "--quiet", "--allow-shrink", "--source", s+"/synthetic_*.json",
			"--postcodes", s+"/synthetic_postcodes.csv", "--out", "output", "--manifest", "manifest.json")
		m, err := manifest.Load(filepath.Join(dir, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	out := filepath.Join(dir, "output")
	foreign := "app.0123456789abcdef0123.js"
	if err := os.WriteFile(filepath.Join(out, foreign), []byte("console.log(1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := func(m *manifest.Manifest) []string {
		var fs []string
		for _, a := range m.Assets {
			fs = append(fs, a.Path)
			for _, e := range a.Encodings {
				fs = append(fs, e.Path)
			}
		}
		for _, ts := range m.TileSets {
			fs = append(fs, cmp.Or(ts.Index, ts.Path))
		}
		for _, ss := range m.ShardSets {
			fs = append(fs, cmp.Or(ss.Index, ss.Path))
		}
		return fs
	}
	for _, keep := range []int{2, 1} {
		var dry writer.PruneResult
		if err := json.Unmarshal([]byte(run(t, dir, nil, bin, "prune", "--keep", fmt.Sprint(keep), "--dry-run", "--json")), &dry); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(dry.Removed, foreign) || !slices.Contains(dry.LeftAlone, foreign) {
			t.Errorf("--keep %d dry run: removes %s %v, leaves it %v", keep, foreign, slices.Contains(dry.Removed, foreign), slices.Contains(dry.LeftAlone, foreign))
		}
		// Without the live manifest's protection, so the history alone decides.
		text := run(t, dir, nil, bin, "prune", "--keep", fmt.Sprint(keep), "--manifest", "")
		if !strings.Contains(text, "left alone (no manifest of the history named it): "+foreign) {
			t.Errorf("prune output does not name %s as left alone:\n%s", foreign, text)
		}
		kept := ms[len(ms)-keep:]
		live := map[string]bool{}
		for _, m := range kept {
			if err := writer.CheckPresent(m, out); err != nil {
				t.Errorf("--keep %d: build %s: %v", keep, m.BuildID, err)
			}
			for _, f := range files(m) {
				live[f] = true
			}
		}
		for _, m := range ms[:len(ms)-keep] {
			for _, f := range files(m) {
				if _, err := os.Stat(filepath.Join(out, f)); (err == nil) != live[f] {
					t.Errorf("--keep %d: %s of the older build %s: exists %v, named by a kept build %v", keep, f, m.BuildID, err == nil, live[f])
				}
			}
		}
		if _, err := os.Stat(filepath.Join(out, foreign)); err != nil {
			t.Errorf("--keep %d removed %s", keep, foreign)
		}
	}
}
