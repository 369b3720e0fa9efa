package audit

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/testkit/redistest"
	"github.com/prebake/prebake/manifest"
)

// keptByTable says whether the family table keeps a family whatever a bake
// holds: no output of prebake replaces it.
func keptByTable(f Family) bool { return len(f.ReplacedBy) == 0 }

// sampleBody is a key body of family f.
func sampleBody(f Family) string {
	if f.Exact != "" {
		return f.Exact
	}
	for _, rest := range []string{"0cc175b9c0f1b6a831c399e269772661", "42", "x"} {
		if f.Rest == nil || f.Rest(rest) {
			return f.Prefix + rest
		}
	}
	panic("no sample body for " + f.Name)
}

// everyOutput is a manifest holding every output any family names, so that
// every family the table lets a bake replace is replaced.
func everyOutput() *manifest.Manifest {
	m := &manifest.Manifest{BuildID: "0123456789abcdef", Assets: map[string]manifest.Asset{},
		TileSets: map[string]manifest.TileSet{}, ShardSets: map[string]manifest.ShardSet{}}
	for _, f := range Families {
		for _, o := range f.ReplacedBy {
			section, name, _ := strings.Cut(o, ":")
			name = strings.Replace(name, "*", "x", 1)
			switch section {
			case "assets":
				m.Assets[name] = manifest.Asset{}
			case "tilesets":
				m.TileSets[name] = manifest.TileSet{}
			case "shardsets":
				m.ShardSets[name] = manifest.ShardSet{}
			}
		}
	}
	return m
}

// TestDeleteOnlyTheAppsReplacedKeys: with a manifest that replaces every
// family it can, --delete-replaced unlinks exactly "<KEY_PREFIX>:<VERSION>:<body>"
// of each family the table lets a bake replace. It keeps every family the
// table keeps, and every key that only looks like the app's (issue 24): a
// zero-padded or signed version, another VERSION, another KEY_PREFIX, no
// prefix. Then the same with the app's VERSION set to 2 and a KEY_PREFIX.
func TestDeleteOnlyTheAppsReplacedKeys(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	for _, tc := range []struct {
		prefix  string
		version int
		app     string // "<prefix>:<version>:" the app writes
	}{
		{"", 0, ":1:"},
		{"cmr", 2, "cmr:2:"},
	} {
		var cmds, doomed, all []string
		set := func(k string) {
			cmds = append(cmds, "SET "+strconvQuote(k)+" v")
			all = append(all, k)
		}
		for _, f := range Families {
			body := sampleBody(f)
			set(tc.app + body)
			if !keptByTable(f) {
				doomed = append(doomed, tc.app+body)
			}
			for _, look := range []string{
				tc.prefix + ":001:", tc.prefix + ":01:", tc.prefix + ":+1:", tc.prefix + ":-1:", tc.prefix + ": 1:",
				tc.prefix + ":0" + strings.Split(tc.app, ":")[1] + ":", // the app's version, zero-padded
				tc.prefix + ":3:",                 // another version
				"other" + tc.app[len(tc.prefix):], // another KEY_PREFIX
				"",                                // no prefix at all
			} {
				set(look + body)
			}
		}
		srv.CLI(t, 0, "FLUSHDB\n"+strings.Join(cmds, "\n")+"\n")
		rdb, err := Connect(ctx, srv.URL(0))
		if err != nil {
			t.Fatal(err)
		}
		r, err := Run(ctx, rdb, Options{KeyPrefix: tc.prefix, Version: tc.version, Manifest: everyOutput(), KeepReplacedKeys: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Families {
			if f.Kind == KindApp && f.Keys != 1 {
				t.Errorf("%s: family %s has %d keys, want only the app's 1", tc.app, f.Family, f.Keys)
			}
		}
		if _, err := DeleteReplaced(ctx, rdb, r, DeleteOptions{Execute: true}); err != nil {
			t.Fatal(err)
		}
		rdb.Close()
		var want []string
		for _, k := range all {
			if !slices.Contains(doomed, k) {
				want = append(want, k)
			}
		}
		want = slices.Compact(sorted(want))
		if got := srv.Keys(t, 0); !slices.Equal(sorted(got), want) {
			var wronglyGone, wronglyKept []string
			for _, k := range want {
				if !slices.Contains(got, k) {
					wronglyGone = append(wronglyGone, k)
				}
			}
			for _, k := range doomed {
				if slices.Contains(got, k) {
					wronglyKept = append(wronglyKept, k)
				}
			}
			t.Errorf("%s: deleted though kept or not the app's: %q; not deleted: %q", tc.app, wronglyGone, wronglyKept)
		}
		if len(doomed) == 0 || len(doomed) == len(Families) {
			t.Fatalf("the table replaces %d of %d families: both kinds must be exercised", len(doomed), len(Families))
		}
	}
}

// strconvQuote quotes a key for redis-cli's stdin.
func strconvQuote(k string) string { return `"` + strings.ReplaceAll(k, `"`, `\"`) + `"` }

// TestRedissToPlainServer: rediss:// (TLS) to a server without TLS fails at
// once, saying so, without the password (issue 24; it used to wait 25 s
// through the dial retries and say "context deadline exceeded").
func TestRedissToPlainServer(t *testing.T) {
	srv := redistest.Start(t)
	u := strings.Replace(srv.URL(0), "redis://", "rediss://:topsecret@", 1)
	start := time.Now()
	_, err := Connect(context.Background(), u)
	if err == nil || !strings.Contains(err.Error(), "TLS") || !strings.Contains(err.Error(), "redis://") || strings.Contains(err.Error(), "topsecret") {
		t.Errorf("Connect(rediss:// to a plain server): %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s, want a fast failure", d)
	}
	// The plain URL still works.
	rdb, err := Connect(context.Background(), srv.URL(0))
	if err != nil {
		t.Fatal(err)
	}
	rdb.Close()
}
