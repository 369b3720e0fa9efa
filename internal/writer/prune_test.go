package writer_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
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
	if len(res.KeptManifests) != 2 || len(res.RemovedManifests) != 1 || !strings.HasPrefix(res.RemovedManifests[0], "0000000001-19700101T001640Z-") {
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

// TestPruneOnlyWhatTheHistoryNamed: prune removes only files some manifest
// of the history named (issue 24): another tool's files of every shape — hex
// runs like prebake's, inside prebake's own set directories, hidden, a fake
// set index, a variant suffix no manifest lists — stay, are listed as left
// alone, and are not in the dry run's list.
func TestPruneOnlyWhatTheHistoryNamed(t *testing.T) {
	dir := t.TempDir()
	out, mp := filepath.Join(dir, "output"), filepath.Join(dir, "manifest.json")
	ms := bakeSeries(t, out, mp, []int{0, 1, 2}, same(3, 1767225600))
	gone, live := ms[0], ms[2]
	goneDSR, liveDSR := gone.TileSets["DSR"], live.TileSets["DSR"]
	firstTile := func(m *manifest.Manifest) string {
		data, err := os.ReadFile(filepath.Join(out, m.TileSets["DSR"].Index))
		if err != nil {
			t.Fatal(err)
		}
		es, err := manifest.ParseIndex(data)
		if err != nil || len(es) == 0 {
			t.Fatal(es, err)
		}
		return m.TileSets["DSR"].Path + "/" + es[0].Path
	}
	goneFiles := named(t, gone, out)
	foreign := []string{
		"app.0123456789abcdef0123.js",
		"static/app.0123456789abcdef0123456789abcdef.css",
		"cmu/components.0123456789abcdef.parquet",
		"cmu/components.0123456789abcdef.json.br",
		".hidden.0123456789abcdef",
		".well-known/security.txt",
		goneDSR.Path + "/9/9/9.0123456789abcdef.json", // in a set directory prune empties
		liveDSR.Path + "/extra.json",                  // in a live set directory
		firstTile(live) + ".zst",                      // a variant no manifest lists
		firstTile(gone) + ".gz",
		"maptiles/DSR.ffffffffffffffff/0/0/0.json",
		"maptiles/DSR.ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff.sha256",
		strings.TrimSuffix(goneDSR.Index, ".sha256") + ".sha256.bak",
	}
	for _, f := range foreign {
		p := filepath.Join(out, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("not prebake's\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dry, err := writer.Prune(writer.PruneOptions{OutDir: out, ManifestPath: mp, Keep: 2, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := writer.Prune(writer.PruneOptions{OutDir: out, ManifestPath: mp, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) == 0 || strings.Join(dry.Removed, ",") != strings.Join(res.Removed, ",") {
		t.Fatalf("removed %d, the dry run %d", len(res.Removed), len(dry.Removed))
	}
	for _, f := range foreign {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(f))); err != nil {
			t.Errorf("prune removed %s, which no manifest named", f)
		}
		if slices.Contains(dry.Removed, f) {
			t.Errorf("the dry run lists %s", f)
		}
		if !slices.Contains(res.LeftAlone, f) {
			t.Errorf("%s is not listed as left alone", f)
		}
	}
	keep := map[string]bool{}
	for _, m := range ms[1:] {
		for _, p := range named(t, m, out) {
			keep[p] = true
		}
	}
	for _, p := range goneFiles {
		if _, err := os.Stat(filepath.Join(out, p)); keep[p] != (err == nil) {
			t.Errorf("%s of the removed build: exists %v, named by a kept one %v", p, err == nil, keep[p])
		}
	}
	for _, f := range foreign {
		if strings.HasPrefix(f, liveDSR.Path+"/") {
			os.Remove(filepath.Join(out, filepath.FromSlash(f)))
		}
	}
	for _, m := range ms[1:] {
		mustVerify(t, m, out)
	}
	// The removed build baked again: its set directory, which the foreign
	// file kept, is filled in, not taken as complete.
	if m := bakeSeries(t, out, mp, []int{0}, []int{1767225600})[0]; m.BuildID != gone.BuildID {
		t.Fatalf("the same bake has another build id %s", m.BuildID)
	}
	for _, f := range foreign {
		if strings.HasPrefix(f, goneDSR.Path+"/") {
			os.Remove(filepath.Join(out, filepath.FromSlash(f)))
		}
	}
	mustVerify(t, gone, out)
	// A FIFO where a removed manifest named a file is left alone, and prune
	// does not hang on it.
	again := bakeSeries(t, out, mp, []int{0}, []int{1767225600})[0]
	fifo := again.Assets["cmu/components.parquet"].Path
	os.Remove(filepath.Join(out, fifo))
	if err := syscall.Mkfifo(filepath.Join(out, fifo), 0o644); err != nil {
		t.Fatal(err)
	}
	bakeSeries(t, out, mp, []int{1}, []int{1767225600})
	res, err = writer.Prune(writer.PruneOptions{OutDir: out, ManifestPath: mp, Keep: 1})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(out, fifo)); err != nil || fi.Mode().Type() != os.ModeNamedPipe || !slices.Contains(res.LeftAlone, fifo) {
		t.Errorf("the FIFO at %s: %v, left alone %v", fifo, err, slices.Contains(res.LeftAlone, fifo))
	}
}
