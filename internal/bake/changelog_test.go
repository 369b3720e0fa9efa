package bake

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/changes"
	"github.com/prebake/prebake/internal/sample"
	"github.com/prebake/prebake/manifest"
)

// latestChangelog is changes/latest.json of the bake whose manifest is at path.
func latestChangelog(t *testing.T, cfg Config) (*changes.Changelog, []byte) {
	t.Helper()
	m, err := manifest.Load(cfg.ManifestPath)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := m.Assets[changes.LatestAsset]
	if !ok {
		t.Fatalf("the manifest names no %s", changes.LatestAsset)
	}
	data := readFile(t, filepath.Join(cfg.OutDir, filepath.FromSlash(a.Path)))
	var c changes.Changelog
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return &c, data
}

// renameCompany appends to the company name of every component row of the
// first component file that has one: a field the changelog compares.
func renameCompany(t *testing.T, in string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(in, sample.ComponentsPrefix+"*.json"))
	slices.Sort(files)
	var data map[string][]map[string]any
	if err := json.Unmarshal(readFile(t, files[0]), &data); err != nil {
		t.Fatal(err)
	}
	for _, rows := range data {
		for _, r := range rows {
			if name, ok := r["Company Name"].(string); ok {
				r["Company Name"] = name + " (renamed)"
			}
		}
	}
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestChangelogAgainstTheBakeInForce: the changelog compares a bake with the
// one it replaces, whose table is read while the generators run (or after
// them, when it is larger than prefetchMaxBytes: the same bytes either way);
// a first bake, and a bake in force whose components table is gone, give a
// changelog against nothing that says why; a failed bake leaves the bake in
// force and its changelog as they were.
func TestChangelogAgainstTheBakeInForce(t *testing.T) {
	dir, cfg := reuseFixture(t)
	in := filepath.Join(dir, "in")
	if _, err := Run(cfg); err != nil {
		t.Fatal(err)
	}
	first, _ := latestChangelog(t, cfg)
	if !first.AgainstNothing || first.OldBuildID != nil || !strings.Contains(first.Note, "the first bake") {
		t.Fatalf("first bake's changelog: against nothing %v, old %v, note %q", first.AgainstNothing, first.OldBuildID, first.Note)
	}
	inForce, err := manifest.Load(cfg.ManifestPath)
	if err != nil {
		t.Fatal(err)
	}

	// The same change (a company renamed) baked twice from the same state: the bake in force's
	// table read beside the generators, then after them.
	renameCompany(t, in)
	after := cfg
	after.OutDir, after.ManifestPath, after.ReportPath = filepath.Join(dir, "out2"), filepath.Join(dir, "manifest2.json"), ""
	copyTree(t, cfg.OutDir, after.OutDir)
	if err := os.WriteFile(after.ManifestPath, readFile(t, cfg.ManifestPath), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(cfg); err != nil {
		t.Fatal(err)
	}
	second, beside := latestChangelog(t, cfg)
	if second.AgainstNothing || second.OldBuildID == nil || *second.OldBuildID != inForce.BuildID ||
		second.Summary.Changed == 0 || second.Summary.Touched != second.Summary.Changed {
		t.Fatalf("second bake's changelog: against nothing %v (%s), old %v (want %s), changed %d, touched %d",
			second.AgainstNothing, second.Note, second.OldBuildID, inForce.BuildID, second.Summary.Changed, second.Summary.Touched)
	}
	defer func(n int64) { prefetchMaxBytes = n }(prefetchMaxBytes)
	prefetchMaxBytes = 0
	if _, err := Run(after); err != nil {
		t.Fatal(err)
	}
	if _, read := latestChangelog(t, after); string(read) != string(beside) {
		t.Errorf("the changelog differs when the bake in force is read after the generators:\n%s\nagainst\n%s", read, beside)
	}

	// The bake in force's table pruned: against nothing, saying why.
	m, err := manifest.Load(cfg.ManifestPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int64{32 << 20, 0} {
		prefetchMaxBytes = n
		out := filepath.Join(dir, "pruned")
		os.RemoveAll(out)
		copyTree(t, cfg.OutDir, out)
		if err := os.Remove(filepath.Join(out, filepath.FromSlash(m.Assets[changes.ComponentsAsset].Path))); err != nil {
			t.Fatal(err)
		}
		pruned := cfg
		pruned.OutDir, pruned.ManifestPath, pruned.ReportPath = out, filepath.Join(dir, "pruned.json"), ""
		if err := os.WriteFile(pruned.ManifestPath, readFile(t, cfg.ManifestPath), 0o644); err != nil {
			t.Fatal(err)
		}
		editRegister(t, in)
		if _, err := Run(pruned); err != nil {
			t.Fatal(err)
		}
		c, _ := latestChangelog(t, pruned)
		if !c.AgainstNothing || c.OldBuildID != nil || !strings.Contains(c.Note, "cannot be read from the output directory") {
			t.Errorf("prefetch up to %d bytes: changelog against a pruned table: against nothing %v, old %v, note %q", n, c.AgainstNothing, c.OldBuildID, c.Note)
		}
	}

	// A bake that fails in a generator (a boundary file that is not GeoJSON),
	// while the bake in force is being read, leaves the manifest in force as
	// it was.
	prefetchMaxBytes = 32 << 20
	before := readFile(t, cfg.ManifestPath)
	if err := os.WriteFile(cfg.Boundaries, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(cfg); err == nil || !strings.Contains(err.Error(), "boundaries") {
		t.Fatalf("a bake with a broken boundary file: %v, want the boundaries stage's error", err)
	}
	if string(readFile(t, cfg.ManifestPath)) != string(before) {
		t.Error("a failed bake changed the manifest in force")
	}
}
