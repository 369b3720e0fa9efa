package publish_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/publish"
	"github.com/prebake/prebake/internal/writer"
)

// series bakes n registers (seeds from 41), the i-th with SOURCE_DATE_EPOCH
// epoch(i).
func series(t *testing.T, n int, epoch func(i int) int64) []*fixture {
	var fs []*fixture
	for i := range n {
		fs = append(fs, bakeAt(t, int64(41+i), 150, epoch(i)))
	}
	return fs
}

// assertPruned checks that the prefix holds every file of the kept bakes, no
// other file of the gone ones, and a history of exactly the kept builds.
func assertPruned(t *testing.T, got map[string]int64, prefix string, kept, gone []*fixture) {
	t.Helper()
	live := map[string]bool{}
	for _, f := range kept {
		for rel, n := range f.files {
			live[rel] = true
			if got[prefix+rel] != n {
				t.Errorf("%s of kept build %s: %d bytes in the bucket, want %d", rel, f.m.BuildID, got[prefix+rel], n)
			}
		}
	}
	for _, f := range gone {
		for rel := range f.files {
			if _, ok := got[prefix+rel]; ok && !live[rel] {
				t.Errorf("%s of pruned build %s is still in the bucket", rel, f.m.BuildID)
			}
		}
	}
	var hist []string
	for k := range got {
		if n, ok := strings.CutPrefix(k, prefix+publish.HistoryPrefix); ok {
			e, _ := writer.ParseHistoryName(n)
			hist = append(hist, e.BuildID)
		}
	}
	var want []string
	for _, f := range kept {
		want = append(want, f.m.BuildID)
	}
	slices.Sort(hist)
	slices.Sort(want)
	if !slices.Equal(hist, want) {
		t.Errorf("history holds builds %v, want %v", hist, want)
	}
}

// TestPublishPruneOrder: `publish --prune` keeps the builds published last
// (issue 24), whatever their created time: six bakes sharing one
// SOURCE_DATE_EPOCH, bakes of decreasing SOURCE_DATE_EPOCH, and an old bake
// published again (a roll-back), with --keep 2 and 1.
func TestPublishPruneOrder(t *testing.T) {
	srv := sharedServer(t)
	c := client(t, srv.Endpoint, 2)
	const bucket = "order"
	srv.CreateBucket(t, bucket)
	sameEpoch := series(t, 6, func(int) int64 { return 1767225600 })
	decreasing := series(t, 6, func(i int) int64 { return 1767225600 - int64(i)*3600 })
	for _, tc := range []struct {
		name  string
		order []*fixture // published in this order; the last with --prune
		keep  int
		kept  []*fixture
	}{
		{"same epoch keep 2", sameEpoch, 2, sameEpoch[4:]},
		{"same epoch keep 1", sameEpoch, 1, sameEpoch[5:]},
		{"decreasing epoch keep 2", decreasing, 2, decreasing[4:]},
		{"decreasing epoch keep 1", decreasing, 1, decreasing[5:]},
		{"old bake again keep 2", []*fixture{sameEpoch[0], sameEpoch[1], sameEpoch[2], sameEpoch[0]}, 2, []*fixture{sameEpoch[2], sameEpoch[0]}},
		{"old bake again keep 1", []*fixture{sameEpoch[0], sameEpoch[1], sameEpoch[2], sameEpoch[0]}, 1, []*fixture{sameEpoch[0]}},
		{"older commit again keep 2", []*fixture{decreasing[0], decreasing[1], decreasing[5], decreasing[1]}, 2, []*fixture{decreasing[5], decreasing[1]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := strings.ReplaceAll(tc.name, " ", "-") + "/"
			for i, f := range tc.order {
				o := opts(f, bucket, prefix)
				if i == len(tc.order)-1 {
					o.Prune, o.Keep = true, tc.keep
					dry := o
					dry.DryRun, dry.List = true, true
					res := mustPublish(t, c, dry)
					if res.Prune == nil || res.Prune.Removed == 0 {
						t.Fatalf("dry run: %+v, want objects to remove", res.Prune)
					}
				}
				mustPublish(t, c, o)
			}
			var gone []*fixture
			for _, f := range tc.order {
				if !slices.Contains(tc.kept, f) {
					gone = append(gone, f)
				}
			}
			assertPruned(t, srv.Objects(t, bucket, prefix), prefix, tc.kept, gone)
		})
	}
}

// TestPublishPruneLeavesForeign: objects no manifest of the bucket's history
// named stay, whatever their names (issue 24), and a dry run does not list them.
func TestPublishPruneLeavesForeign(t *testing.T) {
	srv := sharedServer(t)
	c := client(t, srv.Endpoint, 2)
	const bucket, prefix = "foreign", "site/"
	srv.CreateBucket(t, bucket)
	a, b := bakeOf(t, 1), bakeOf(t, 2)
	mustPublish(t, c, opts(a, bucket, prefix))
	dsrA, dsrB := a.m.TileSets["maptiles/default/DSR"], b.m.TileSets["maptiles/default/DSR"]
	foreign := []string{
		"app.0123456789abcdef0123.js",
		"static/app.0123456789abcdef0123456789abcdef.css",
		"cmu/cmus.0123456789abcdef.json",
		"cmu/cmus.0123456789abcdef.json.br",
		".hidden.0123456789abcdef",
		".well-known/security.txt",
		dsrA.Path + "/9/9/9.0123456789abcdef.json", // in the set directory prune empties
		dsrB.Path + "/extra.json",                  // in a live set directory
		dsrA.Path + "/0/0/0.json.gz",               // a variant no manifest lists
		"maptiles/default/DSR.ffffffffffffffff/0/0/0.json",
		"maptiles/default/DSR.ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff.sha256",
		dsrA.Index + ".bak",
		".prebake/notes.txt",
	}
	for _, k := range foreign {
		srv.AWS(t, "s3", "cp", "--quiet", "-", "s3://"+bucket+"/"+prefix+k)
	}
	o := opts(b, bucket, prefix)
	o.Prune, o.Keep, o.List = true, 1, true
	dry := o
	dry.DryRun = true
	dr := mustPublish(t, c, dry)
	res := mustPublish(t, c, o)
	if dr.Prune.Removed == 0 || dr.Prune.Removed != res.Prune.Removed {
		t.Fatalf("dry run removes %d, the prune %d", dr.Prune.Removed, res.Prune.Removed)
	}
	got := srv.Objects(t, bucket, prefix)
	for _, k := range foreign {
		if _, ok := got[prefix+k]; !ok {
			t.Errorf("prune deleted %s, which no manifest named", k)
		}
		if slices.Contains(dr.Prune.RemovedKeys, prefix+k) || slices.Contains(dr.Prune.RemovedKeys, k) {
			t.Errorf("the dry run lists %s", k)
		}
		if !strings.HasPrefix(k, ".prebake/") && !slices.Contains(res.Prune.LeftAlone, k) {
			t.Errorf("%s is not listed as left alone", k)
		}
	}
	for _, k := range foreign {
		delete(got, prefix+k)
	}
	assertPruned(t, got, prefix, []*fixture{b}, []*fixture{a})
}
