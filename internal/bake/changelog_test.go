package bake

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/changes"
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
	editComponentFile(t, in, func(data map[string][]map[string]any) {
		for _, rows := range data {
			for _, r := range rows {
				if name, ok := r["Company Name"].(string); ok {
					r["Company Name"] = name + " (renamed)"
				}
			}
		}
	})
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

// TestChangelogInForceFileWrittenAgain: a file of the bake in force that is
// missing or damaged in the output directory, and that the bake writes again
// under the same name (same bytes), is read after the generators, as the
// changelog always read it: the changelog compares with the bake in force, and
// is byte for byte what the after-the-generators path gives. A FIFO at the
// table's path does not block the bake. (Found by a breaker at d350bdb: the
// early read reported such a bake as against nothing.)
func TestChangelogInForceFileWrittenAgain(t *testing.T) {
	defer func(n int64) { prefetchMaxBytes = n }(prefetchMaxBytes)
	for _, tc := range []struct {
		name   string
		asset  string
		damage func(p string) error
	}{
		{"components table removed", changes.ComponentsAsset, os.Remove},
		{"components table truncated", changes.ComponentsAsset, func(p string) error { return os.Truncate(p, 1000) }},
		{"components table a byte changed", changes.ComponentsAsset, func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 1
			return os.WriteFile(p, b, 0o644)
		}},
		{"components table a FIFO", changes.ComponentsAsset, func(p string) error {
			if err := os.Remove(p); err != nil {
				return err
			}
			return syscall.Mkfifo(p, 0o644)
		}},
		{"boundaries index removed", changes.BoundariesIndex, os.Remove},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, cfg := reuseFixture(t)
			prefetchMaxBytes = 32 << 20
			if _, err := Run(cfg); err != nil {
				t.Fatal(err)
			}
			first, err := manifest.Load(cfg.ManifestPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.damage(filepath.Join(cfg.OutDir, filepath.FromSlash(first.Assets[tc.asset].Path))); err != nil {
				t.Fatal(err)
			}
			// The same state, to bake again with the bake in force read after
			// the generators (os.CopyFS copies no FIFO: not for that case).
			fifo := tc.name == "components table a FIFO"
			after := cfg
			after.OutDir, after.ManifestPath, after.ReportPath = filepath.Join(dir, "after"), filepath.Join(dir, "after.json"), ""
			if !fifo {
				if err := os.CopyFS(after.OutDir, os.DirFS(cfg.OutDir)); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(after.ManifestPath, readFile(t, cfg.ManifestPath), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// Other map tiles, so a new build; the damaged file's stage is baked again.
			cfg.Maptiles.Radius, after.Maptiles.Radius = 50, 50
			done := make(chan error, 1)
			go func() { _, err := Run(cfg); done <- err }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(2 * time.Minute):
				t.Fatal("the bake did not finish")
			}
			c, early := latestChangelog(t, cfg)
			if c.AgainstNothing || c.OldBuildID == nil || *c.OldBuildID != first.BuildID || c.Summary.OldComponents == 0 || c.Summary.OldComponents != c.Summary.NewComponents {
				t.Fatalf("changelog: against nothing %v (%s), old %v (want %s), %d -> %d components",
					c.AgainstNothing, c.Note, c.OldBuildID, first.BuildID, c.Summary.OldComponents, c.Summary.NewComponents)
			}
			if fifo {
				return
			}
			prefetchMaxBytes = 0
			if _, err := Run(after); err != nil {
				t.Fatal(err)
			}
			if _, late := latestChangelog(t, after); string(late) != string(early) {
				t.Errorf("the changelog read early differs from the one read after the generators:\n%s\nagainst\n%s", early, late)
			}
		})
	}
}
