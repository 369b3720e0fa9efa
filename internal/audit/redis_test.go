package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/prebake/prebake/internal/testkit/redistest"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/manifest"
)

// seeded is what testdata/seed_app_cache.py wrote.
type seeded struct {
	Families  map[string][]string `json:"families"` // family name -> Redis keys
	Unrelated []string            `json:"unrelated"`
	DB1       []string            `json:"db1"`
}

// seedApp starts a redis-server and fills database 0 the way the app does:
// Django's cache API with django-redis 5.4.0 in the pinned venv, values built
// from the real register rows.
func seedApp(t *testing.T) (*redistest.Server, seeded) {
	t.Helper()
	register := shareddata.Path(t, "data/register")
	python := shareddata.Python(t)
	srv := redistest.Start(t)
	cmd := exec.Command(python, filepath.Join("testdata", "seed_app_cache.py"), "--url", srv.URL(0), "--register", register)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("seed_app_cache.py: %v\n%s", err, stderr)
	}
	var s seeded
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("seed_app_cache.py printed %.200q: %v", out, err)
	}
	return srv, s
}

func committedManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(shareddata.SampleManifest())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func byFamily(r *Report) map[string]FamilyReport {
	out := map[string]FamilyReport{}
	for _, f := range r.Families {
		out[f.Kind+" "+f.Family] = f
	}
	return out
}

// TestAuditOfAppSeededRedis audits a Redis the app's own code path filled and
// compares every family's keys and bytes with MEMORY USAGE read independently
// by redis-cli; then a dry run of --delete-replaced removes nothing, and a real
// one with a partial manifest removes exactly the families it replaces.
func TestAuditOfAppSeededRedis(t *testing.T) {
	srv, seed := seedApp(t)
	ctx := context.Background()
	rdb, err := Connect(ctx, srv.URL(0))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	m := committedManifest(t)
	// A small COUNT makes the audit take many SCAN round trips.
	r, err := Run(ctx, rdb, Options{Manifest: m, ManifestPath: "manifest.json", KeepReplacedKeys: true, ScanCount: 25, Top: 3})
	if err != nil {
		t.Fatal(err)
	}

	all := srv.Keys(t, 0)
	usage := srv.MemoryUsage(t, 0, all)
	var total int64
	for _, n := range usage {
		total += n
	}
	if r.Keys != int64(len(all)) || r.Bytes != total || r.Vanished != 0 {
		t.Errorf("audit read %d keys, %d bytes (%d vanished); redis-cli: %d keys, %d bytes", r.Keys, r.Bytes, r.Vanished, len(all), total)
	}
	if r.Server.DBSize != int64(len(all)) || r.Server.Version == "" || r.Server.Memory.UsedMemory < total {
		t.Errorf("server %+v: want DBSIZE %d, a version, used_memory >= %d", r.Server, len(all), total)
	}

	fams := byFamily(r)
	var replacedKeys, replacedBytes int64
	for name, keys := range seed.Families {
		f, ok := fams[KindApp+" "+name]
		if !ok {
			t.Errorf("family %s (%d keys seeded) not in the report", name, len(keys))
			continue
		}
		var want int64
		for _, k := range keys {
			want += usage[k]
		}
		if f.Keys != int64(len(keys)) || f.Bytes != want {
			t.Errorf("%s: audit %d keys, %d bytes; seeded %d keys, redis-cli MEMORY USAGE %d bytes", name, f.Keys, f.Bytes, len(keys), want)
		}
		fam := Families[slices.IndexFunc(Families, func(x Family) bool { return x.Name == name })]
		if replaced := len(fam.ReplacedBy) > 0; replaced != (len(f.ReplacedBy) > 0) || replaced != (f.Freed == f.Bytes) {
			t.Errorf("%s: replaced by %v, freed %d of %d; the table says %v", name, f.ReplacedBy, f.Freed, f.Bytes, fam.ReplacedBy)
		}
		if len(fam.ReplacedBy) > 0 {
			replacedKeys += f.Keys
			replacedBytes += f.Bytes
		}
		for _, k := range f.Largest {
			if usage[k.Key] != k.Bytes || !slices.Contains(keys, k.Key) {
				t.Errorf("%s: largest key %q of %d bytes; redis-cli says %d, seeded in family: %v", name, k.Key, k.Bytes, usage[k.Key], slices.Contains(keys, k.Key))
			}
		}
	}
	if r.Replaced.Keys != replacedKeys || r.Replaced.Bytes != replacedBytes {
		t.Errorf("replaced %+v, want %d keys, %d bytes", r.Replaced, replacedKeys, replacedBytes)
	}
	// What the app's code says of versions and TTLs.
	if v := fams[KindApp+" cmu_to_company_mapping"].Versions; !slices.Equal(v, []int{1}) {
		t.Errorf("cmu_to_company_mapping versions %v, want [1] (the app's VERSION)", v)
	}
	if ttl := fams[KindApp+" component_detail_<id>"].TTL; ttl.NoExpiry != 0 || ttl.Max > 1800 || ttl.Min < 1700 {
		t.Errorf("component_detail_<id> TTL %+v, want 30 min", ttl)
	}
	if ttl := fams[KindApp+" location_to_postcodes_mapping"].TTL; ttl.NoExpiry != 1 || ttl.Expiring != 0 {
		t.Errorf("location_to_postcodes_mapping TTL %+v, want no expiry", ttl)
	}
	// Unrelated keys are in families nothing replaces, grouped by shape.
	for _, want := range []struct {
		kind, family string
		keys         int64
	}{
		{KindOther, "celery-task-meta-<uuid>", 5},
		{KindOther, "cmu_dataframe_v<n>", 1}, // a raw key with the app's name is not the app's cache entry
		{KindOther, "otherapp:<n>:map_data_<n>", 1},
		// Another VERSION is Django's but not the app's; a version Django
		// never writes (zero-padded, signed) is not even Django's.
		{KindDjango, ":<n>:cmu_to_company_mapping", 1},
		{KindOther, ":<n>:cmu_dataframe_v<n>", 1},
		{KindOther, ":<n>:component_detail_<n>", 1},
		{KindOther, ":+<n>:map_data_<n>", 1},
		{KindOther, ":<n>:statistics_page_data", 1},
		{KindDjango, "derated_capacity_list_p<n>_sdesc_pp<n>", 2},
		{KindApp, "django sessions", 5},
		{KindApp, "django cache_page", 3},
		{KindApp, "django cache_header", 3},
	} {
		if f := fams[want.kind+" "+want.family]; f.Keys != want.keys || f.Freed != 0 || f.ReplacedBy != nil {
			t.Errorf("%s %s: %d keys, replaced by %v; want %d keys, not replaced", want.kind, want.family, f.Keys, f.ReplacedBy, want.keys)
		}
	}
	if types := fams[KindOther+" unacked_index"].Types; !maps.Equal(types, map[string]int64{"zset": 1}) {
		t.Errorf("unacked_index types %v", types)
	}

	d, err := DeleteReplaced(ctx, rdb, r, DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.DryRun || d.Unlinked != 0 || d.Keys != replacedKeys || d.Bytes != replacedBytes || d.Memory != nil {
		t.Errorf("dry run %+v, want %d keys, %d bytes, nothing unlinked", d, replacedKeys, replacedBytes)
	}
	if after := srv.Keys(t, 0); !slices.Equal(sorted(after), sorted(all)) {
		t.Errorf("a dry run changed the keys: %d before, %d after", len(all), len(after))
	}

	deletePartial(t, srv, rdb, seed)
}

// deletePartial deletes with a manifest that lacks the map tile sets and
// statistics: exactly the other replaced families' keys go, in batches; map
// entries, statistics, unrelated keys and database 1 stay.
func deletePartial(t *testing.T, srv *redistest.Server, rdb *redis.Client, seed seeded) {
	ctx := context.Background()
	m := committedManifest(t)
	m.TileSets = nil
	delete(m.Assets, "cmu/statistics.json")
	before, before1 := srv.Keys(t, 0), srv.Keys(t, 1)

	r, err := Run(ctx, rdb, Options{Manifest: m, ManifestPath: "partial.json", KeepReplacedKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	var progress []int64
	d, err := DeleteReplaced(ctx, rdb, r, DeleteOptions{Execute: true, Batch: 7, Progress: func(done, _ int64) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}

	gone := map[string]bool{}
	kept := []string{"map_data_<md5>", "map_data_v2.1:<md5>", "map_cluster:*", "tech_map_<category>", "statistics_page_data"}
	for name, keys := range seed.Families {
		if !slices.Contains(kept, name) {
			for _, k := range keys {
				gone[k] = true
			}
		}
	}
	var want []string
	for _, k := range before {
		if !gone[k] {
			want = append(want, k)
		}
	}
	if after := srv.Keys(t, 0); !slices.Equal(sorted(after), sorted(want)) {
		t.Errorf("after deletion %d keys, want %d (%d of %d removed)", len(after), len(want), len(before)-len(after), len(gone))
	}
	for _, k := range seed.Unrelated {
		if gone[k] {
			t.Errorf("unrelated key %q was in a replaced family", k)
		}
	}
	if after1 := srv.Keys(t, 1); !slices.Equal(sorted(after1), sorted(before1)) || len(before1) != len(seed.DB1) {
		t.Errorf("database 1 changed: %v -> %v", before1, after1)
	}
	if d.DryRun || d.Unlinked != int64(len(gone)) || d.Keys != int64(len(gone)) || d.Memory == nil {
		t.Errorf("deletion %+v, want %d keys unlinked", d, len(gone))
	}
	if want := (len(gone) + 6) / 7; len(progress) < want || progress[len(progress)-1] != int64(len(gone)) {
		t.Errorf("progress %v: want at least %d batches of 7 ending at %d", progress, want, len(gone))
	}
	for _, f := range d.Families {
		if slices.Contains(kept, f.Family) {
			t.Errorf("family %s deleted though the manifest does not replace it", f.Family)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestKeysVanishingMidAudit deletes every key while the audit runs: the keys
// the pending SCAN already returned are counted as vanished, not as members
// of a family, and the audit ends without error. It also reads a KEY_PREFIX.
func TestKeysVanishingMidAudit(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	rdb, err := Connect(ctx, srv.URL(0))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	for i := range 200 {
		rdb.Set(ctx, fmt.Sprintf("cmr:1:component_detail_%d", i), "{}", time.Hour)
	}
	flushed := false
	r, err := Run(ctx, rdb, Options{KeyPrefix: "cmr", ScanCount: 20, Progress: func(read, total int64) {
		if !flushed {
			flushed = true
			if err := rdb.FlushDB(ctx).Err(); err != nil {
				t.Error(err)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Keys == 0 || r.Vanished == 0 || r.Keys+r.Vanished > 200 || r.Server.DBSize != 200 {
		t.Errorf("read %d keys, %d vanished of %d", r.Keys, r.Vanished, r.Server.DBSize)
	}
	if len(r.Families) != 1 || r.Families[0].Family != "component_detail_<id>" || r.Families[0].Keys != r.Keys {
		t.Errorf("families %+v, want component_detail_<id> with %d keys", r.Families, r.Keys)
	}
	if _, err := DeleteReplaced(ctx, rdb, r, DeleteOptions{}); err == nil {
		t.Error("DeleteReplaced without a manifest: want an error")
	}
}
