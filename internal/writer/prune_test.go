package writer_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// named lists every file a manifest names, set members included.
func named(t *testing.T, m *manifest.Manifest, out string) []string {
	t.Helper()
	var files []string
	for _, a := range m.Assets {
		files = append(files, a.Path)
		for _, e := range a.Encodings {
			files = append(files, e.Path)
		}
	}
	for _, s := range []struct{ dir, index string }{{m.TileSets["DSR"].Path, m.TileSets["DSR"].Index}, {m.ShardSets["outcodes"].Path, m.ShardSets["outcodes"].Index}} {
		files = append(files, s.index)
		for rel := range tree(t, filepath.Join(out, s.dir)) {
			files = append(files, s.dir+"/"+rel)
		}
	}
	return files
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	out, mp := filepath.Join(dir, "output"), filepath.Join(dir, "manifest.json")
	var ms []*manifest.Manifest
	for i := range 3 {
		t.Setenv("SOURCE_DATE_EPOCH", strconv.Itoa(1000+i))
		if err := sampleBake(out, mp, i, 1); err != nil {
			t.Fatal(err)
		}
		m, err := manifest.Load(mp)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	old := named(t, ms[0], out)
	// A file prebake did not write, and the leftovers of a dead build's staging.
	os.WriteFile(filepath.Join(out, "robots.txt"), []byte("User-agent: *\n"), 0o644)
	os.MkdirAll(filepath.Join(out, writer.StateDir, "tmp", "999999999-dead"), 0o755)

	dry, err := writer.Prune(writer.PruneOptions{OutDir: out, ManifestPath: mp, Keep: 2, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range old {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Fatalf("the dry run removed %s", p)
		}
	}
	res, err := writer.Prune(writer.PruneOptions{OutDir: out, ManifestPath: mp, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(dry.Removed, ",") != strings.Join(res.Removed, ",") {
		t.Error("the dry run and the prune disagree")
	}
	// The first build's files are gone, except those a later build also names
	// (the pmtiles asset of variant 0 is not shared; nothing is).
	keep := map[string]bool{}
	for _, m := range ms[1:] {
		for _, p := range named(t, m, out) {
			keep[p] = true
		}
	}
	removed := 0
	for _, p := range old {
		_, err := os.Stat(filepath.Join(out, p))
		if keep[p] != (err == nil) {
			t.Errorf("%s: exists %v, named by a kept manifest %v", p, err == nil, keep[p])
		}
		if err != nil {
			removed++
		}
	}
	if removed == 0 || removed != len(res.Removed) {
		t.Errorf("removed %d of the first build's files, prune reports %d", removed, len(res.Removed))
	}
	if _, err := os.Stat(filepath.Join(out, ms[0].TileSets["DSR"].Path)); err == nil {
		t.Error("the first build's tile set directory is still there")
	}
	for _, m := range ms[1:] {
		mustVerify(t, m, out)
	}
	if _, err := os.Stat(filepath.Join(out, "robots.txt")); err != nil || strings.Join(res.LeftAlone, ",") != "robots.txt" {
		t.Errorf("robots.txt: %v, left alone: %v", err, res.LeftAlone)
	}
	if len(res.KeptManifests) != 2 || len(res.RemovedManifests) != 1 || !strings.HasPrefix(res.RemovedManifests[0], "19700101T001640Z-") {
		t.Errorf("kept %v, removed %v", res.KeptManifests, res.RemovedManifests)
	}
	if _, err := os.Stat(filepath.Join(out, writer.StateDir, "tmp", "999999999-dead")); err == nil {
		t.Error("a dead build's staging is still there")
	}
	// Keep 1 now drops the second build too, but never the live manifest's files.
	if _, err := writer.Prune(writer.PruneOptions{OutDir: out, ManifestPath: mp, Keep: 1}); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, ms[2], out)
	if _, err := os.Stat(filepath.Join(out, ms[1].TileSets["DSR"].Path)); err == nil {
		t.Error("the second build's tile set directory survived --keep 1")
	}
	if _, err := writer.Prune(writer.PruneOptions{OutDir: out, Keep: 0}); err == nil {
		t.Error("--keep 0 accepted")
	}
}
