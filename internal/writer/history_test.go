package writer_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// bakeSeries bakes the sample's variants into one output directory in order,
// the i-th with SOURCE_DATE_EPOCH epochs[i], and returns their manifests.
func bakeSeries(t *testing.T, out, mp string, variants []int, epochs []int) []*manifest.Manifest {
	t.Helper()
	var ms []*manifest.Manifest
	for i, v := range variants {
		t.Setenv("SOURCE_DATE_EPOCH", strconv.Itoa(epochs[i]))
		if err := sampleBake(out, mp, v, 1); err != nil {
			t.Fatal(err)
		}
		m, err := manifest.Load(mp)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}

// assertKept checks, after a prune, that every file of the kept manifests is
// there (and verifies) and that every other file of the gone ones is not.
func assertKept(t *testing.T, out string, kept, gone []*manifest.Manifest) {
	t.Helper()
	keep := map[string]bool{}
	for _, m := range kept {
		mustVerify(t, m, out)
		for _, p := range named(t, m, out) {
			keep[p] = true
		}
		for _, ts := range m.TileSets {
			keep[ts.Path] = true
		}
		for _, ss := range m.ShardSets {
			keep[ss.Path] = true
		}
	}
	for _, m := range gone {
		for _, a := range m.Assets {
			if _, err := os.Stat(filepath.Join(out, a.Path)); keep[a.Path] != (err == nil) {
				t.Errorf("build %s: %s exists %v, named by a kept build %v", m.BuildID, a.Path, err == nil, keep[a.Path])
			}
		}
		var sets []string
		for _, ts := range m.TileSets {
			sets = append(sets, ts.Index, ts.Path)
		}
		for _, ss := range m.ShardSets {
			sets = append(sets, ss.Index, ss.Path)
		}
		for _, p := range sets {
			if p == "" {
				continue
			}
			if _, err := os.Stat(filepath.Join(out, p)); keep[p] != (err == nil) {
				t.Errorf("build %s: set %s exists %v, named by a kept build %v", m.BuildID, p, err == nil, keep[p])
			}
		}
	}
}

func same(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// TestPruneCommitOrder: prune keeps the builds committed last, whatever their
// created time (issue 24): six bakes sharing one SOURCE_DATE_EPOCH (the random
// build id used to decide), bakes of decreasing SOURCE_DATE_EPOCH (a rebuild of
// an older commit is the newest deploy), and an old bake committed again.
func TestPruneCommitOrder(t *testing.T) {
	six := []int{0, 1, 2, 3, 4, 5}
	for _, tc := range []struct {
		name     string
		variants []int
		epochs   []int
		keep     int
		kept     []int // indexes into variants
	}{
		{"same epoch keep 2", six, same(6, 1767225600), 2, []int{4, 5}},
		{"same epoch keep 1", six, same(6, 1767225600), 1, []int{5}},
		{"decreasing epoch keep 2", six, []int{1600, 1500, 1400, 1300, 1200, 1100}, 2, []int{4, 5}},
		{"decreasing epoch keep 1", six, []int{1600, 1500, 1400, 1300, 1200, 1100}, 1, []int{5}},
		// variant 0 again after 1 and 2: it is the newest deploy, 2 the one before.
		{"rebuild of an old bake keep 2", []int{0, 1, 2, 0}, same(4, 1767225600), 2, []int{2, 3}},
		{"rebuild of an old bake keep 1", []int{0, 1, 2, 0}, same(4, 1767225600), 1, []int{3}},
		// The same, the old bake with its own older epoch.
		{"rebuild of an older commit keep 2", []int{0, 1, 2, 0}, []int{1000, 2000, 3000, 1000}, 2, []int{2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, mp := filepath.Join(dir, "output"), filepath.Join(dir, "manifest.json")
			ms := bakeSeries(t, out, mp, tc.variants, tc.epochs)
			var kept, gone []*manifest.Manifest
			for i, m := range ms {
				if slices.Contains(tc.kept, i) {
					kept = append(kept, m)
				} else {
					gone = append(gone, m)
				}
			}
			// Without the live manifest, only the history decides.
			dry, err := writer.Prune(writer.PruneOptions{OutDir: out, Keep: tc.keep, DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			res, err := writer.Prune(writer.PruneOptions{OutDir: out, Keep: tc.keep})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dry.Removed, res.Removed) || len(res.Removed) == 0 {
				t.Errorf("dry run removed %d, prune %d", len(dry.Removed), len(res.Removed))
			}
			assertKept(t, out, kept, gone)
			var keptIDs []string
			for _, n := range res.KeptManifests {
				e, _ := writer.ParseHistoryName(n)
				keptIDs = append(keptIDs, e.BuildID)
			}
			var want []string
			for i := len(tc.kept) - 1; i >= 0; i-- {
				want = append(want, ms[tc.kept[i]].BuildID)
			}
			if !slices.Equal(keptIDs, want) {
				t.Errorf("kept history %v, want the builds %v", res.KeptManifests, want)
			}
			left, err := writer.ReadHistory(out)
			if err != nil || len(left) != len(tc.kept) {
				t.Errorf("history after prune: %v %v, want %d entries", left, err, len(tc.kept))
			}
		})
	}
}

// TestHistoryLegacyNames: entries named before prebake recorded the commit
// order ("<created>-<build_id>.json") are older than every numbered one, and
// ordered among themselves by name as they were; the numbering continues.
func TestHistoryLegacyNames(t *testing.T) {
	dir := t.TempDir()
	out, mp := filepath.Join(dir, "output"), filepath.Join(dir, "manifest.json")
	ms := bakeSeries(t, out, mp, []int{0, 1}, []int{3000, 2000})
	hist := writer.HistoryDir(out)
	es, err := writer.ReadHistory(out)
	if err != nil || len(es) != 2 {
		t.Fatal(es, err)
	}
	// Rename both entries as an older prebake named them.
	for _, e := range es {
		legacy := e.Created + "-" + e.BuildID + ".json"
		if err := os.Rename(filepath.Join(hist, e.Name), filepath.Join(hist, legacy)); err != nil {
			t.Fatal(err)
		}
	}
	// A bake with the oldest epoch of all, committed last.
	ms = append(ms, bakeSeries(t, out, mp, []int{2}, []int{1000})...)
	es, err = writer.ReadHistory(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name)
	}
	want := []string{
		"0000000001-19700101T001640Z-" + ms[2].BuildID + ".json",
		"19700101T005000Z-" + ms[0].BuildID + ".json", // by name, as before
		"19700101T003320Z-" + ms[1].BuildID + ".json",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("history %v, want %v", names, want)
	}
	if _, err := writer.Prune(writer.PruneOptions{OutDir: out, Keep: 1}); err != nil {
		t.Fatal(err)
	}
	assertKept(t, out, ms[2:], ms[:2])

	for _, tc := range []struct {
		name string
		ok   bool
		seq  int64
	}{
		{"0000000012-20260101T000000Z-0123456789abcdef.json", true, 12},
		{"20260101T000000Z-0123456789abcdef.json", true, 0},
		{"0000000000-20260101T000000Z-0123456789abcdef.json", false, 0}, // sequences start at 1
		{"notes.json", false, 0},
		{"0000000001-20260101T000000Z-0123456789abcdef.json.tmp", false, 0},
	} {
		e, ok := writer.ParseHistoryName(tc.name)
		if ok != tc.ok || e.Seq != tc.seq {
			t.Errorf("ParseHistoryName(%q) = %+v, %v; want seq %d, %v", tc.name, e, ok, tc.seq, tc.ok)
		}
	}
}

// TestCommitSameBakeAgain: committing the newest bake again adds no entry (a
// rebuild with nothing changed), committing an older one again adds one.
func TestCommitSameBakeAgain(t *testing.T) {
	dir := t.TempDir()
	out, mp := filepath.Join(dir, "output"), filepath.Join(dir, "manifest.json")
	bakeSeries(t, out, mp, []int{0, 1, 1, 0, 0}, same(5, 1767225600))
	es, err := writer.ReadHistory(out)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []string
	for _, e := range es {
		seqs = append(seqs, strconv.FormatInt(e.Seq, 10))
	}
	if strings.Join(seqs, ",") != "3,2,1" || es[0].BuildID != es[2].BuildID {
		t.Errorf("history %v, want entries 3 (variant 0 again), 2, 1", es)
	}
}
