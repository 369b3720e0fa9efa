package audit

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/apprules"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/manifest"
)

// The key format is Django's default_key_func, "%s:%s:%s" % (key_prefix,
// version, key) (django/core/cache/backends/base.py); the seeded-Redis test
// checks it against keys Django itself wrote.
func TestDjangoKey(t *testing.T) {
	for _, c := range []struct {
		key, prefix string
		version     int
		body        string
		ok          bool
	}{
		{":1:cmu_dataframe_v1", "", 1, "cmu_dataframe_v1", true},
		{":2:cmu_to_company_mapping", "", 2, "cmu_to_company_mapping", true},
		{":1:map_data_v2.1:0123", "", 1, "map_data_v2.1:0123", true}, // the body keeps its own colons
		{":1:", "", 1, "", true},
		{"cmr:1:filter:companies:v2", "cmr", 1, "filter:companies:v2", true},
		{":1:filter:companies:v2", "cmr", 0, "", false}, // another KEY_PREFIX
		{"cmr:1:x", "", 0, "", false},
		{"cmu_dataframe_v1", "", 0, "", false}, // a raw key
		{"::cmu_dataframe_v1", "", 0, "", false},
		{":v1:cmu_dataframe_v1", "", 0, "", false},
		{":12345678901:x", "", 0, "", false}, // not a version Django could write
		// str(int) writes no leading zero and no sign: these only look like Django's
		{":001:cmu_dataframe_v1", "", 0, "", false},
		{":01:component_detail_5", "", 0, "", false},
		{":00:x", "", 0, "", false},
		{":+1:x", "", 0, "", false},
		{":-1:x", "", 0, "", false},
		{": 1:x", "", 0, "", false},
		{":1 :x", "", 0, "", false},
		{":١:x", "", 0, "", false}, // an Arabic-Indic digit one
		{":0:x", "", 0, "x", true},
		{":10:x", "", 10, "x", true},
		{"cmr:001:x", "cmr", 0, "", false},
		{"celery-task-meta-1", "", 0, "", false},
		{"", "", 0, "", false},
	} {
		v, body, ok := DjangoKey(c.key, c.prefix)
		if v != c.version || body != c.body || ok != c.ok {
			t.Errorf("DjangoKey(%q, %q) = %d, %q, %v; want %d, %q, %v", c.key, c.prefix, v, body, ok, c.version, c.body, c.ok)
		}
	}
}

func TestFamilyOf(t *testing.T) {
	md5 := "0cc175b9c0f1b6a831c399e269772661" // md5("a")
	for _, c := range []struct{ body, want string }{
		{"cmu_dataframe_v1", "cmu_dataframe_v1"},
		{"cmu_to_company_mapping", "cmu_to_company_mapping"},
		{"map_data_" + md5, "map_data_<md5>"},
		{"map_data_v2.1:" + md5, "map_data_v2.1:<md5>"},
		{"component_detail_308538", "component_detail_<id>"},
		{"map_detail:42", "map_detail:<id>"},
		{"map_cluster:z7_58.70_50.00_1.80_-8.20_Wind", "map_cluster:*"},
		{"geojson_static:empty", "geojson_static:<params>"},
		{"geojson_static:tech=Battery&limit=200", "geojson_static:<params>"},
		{"tech_map_Battery", "tech_map_<category>"},
		{"company_list_capacity_desc", "company_list_<sort>_<order>"},
		{"technology_list_v3_components_asc", "technology_list_v3_<sort>_<order>"},
		{"filter:complete_options:v2", "filter:*"},
		{"company_index_v1", "company_index_v1"},
		{"company_index_last_updated", "company_index_last_updated"},
		{"statistics_page_data", "statistics_page_data"},
		{"location_to_postcodes_mapping", "location_to_postcodes_mapping"},
		{"views.decorators.cache.cache_page.cmr.GET.a.b.en-us.UTC", "django cache_page"},
		{"views.decorators.cache.cache_header.cmr.a.en-us.UTC", "django cache_header"},
		{"django.contrib.sessions.cachekmjt5ebnuhua9a1pih8t2ykdx0b1ndk3", "django sessions"},
		// near misses stay unknown
		{"map_data_" + strings.ToUpper(md5), ""},
		{"map_data_sw11_5712345", ""},
		{"map_data_v2.1:" + md5[:31], ""},
		{"component_detail_", ""},
		{"component_detail_12a", ""},
		{"map_detail:", ""},
		{"cmu_dataframe_v2", ""},
		{"statistics_count_desc_count_desc", ""},
		{"", ""},
	} {
		got := ""
		if i := family(c.body); i >= 0 {
			got = Families[i].Name
		}
		if got != c.want {
			t.Errorf("family(%q) = %q, want %q", c.body, got, c.want)
		}
	}
}

func TestShape(t *testing.T) {
	for _, c := range []struct{ key, want string }{
		{"celery-task-meta-d5b0c6f2-1c5e-4f0a-9a51-2b1e2c3d4e5f", "celery-task-meta-<uuid>"},
		{"search_results_battery_per10_sortrelevance_desc", "search_results_battery_per<n>_sortrelevance_desc"},
		{"derated_capacity_list_p12_sdesc_pp50", "derated_capacity_list_p<n>_sdesc_pp<n>"},
		{"views.decorators.cache.cache_page.cmr.GET.7f45e22a205dd3eebfef475ee05e4d0a.en-us.UTC", "views.decorators.cache.cache_page.cmr.GET.<hex>.en-us.UTC"},
		{"map_data_sw11_5712345", "map_data_sw<n>_<n>"},
		{"auction_components:edfenergy:2024:T-4", "auction_components:edfenergy:<n>:T-<n>"},
		{"cafe:face:dead", "cafe:face:dead"}, // hex letters without a digit are words
		{"a1b2:12ab", "<hex>:<hex>"},
		{"ab1", "ab<n>"}, // too short to be an id
		{"_kombu.binding.celery", "_kombu.binding.celery"},
		{"unacked", "unacked"},
		{"", ""},
		{"key with spaces 42", "key with spaces <n>"},
		{"d5b0c6f2-1c5e-4f0a-9a51-2b1e2c3d4e5fx", "<hex>-<hex>-<hex>-<hex>-<n>b<n>e<n>c<n>d<n>e<n>fx"}, // not a UUID: a letter follows
		// control bytes and invalid UTF-8 are escaped, so a family name is
		// one printable line and survives JSON; valid UTF-8 stays as it is
		{"tab\there\nnl\x00\x7f", `tab\x09here\x0anl\x00\x7f`},
		{"bin\xff\xfekey", `bin\xff\xfekey`},
		{"café_été", "café_été"},
		// characters a terminal would act on, not show: bidi overrides and
		// isolates, zero-width, line separators, C1 controls
		{"evil\u202egpj.exe", `evil\u{202e}gpj.exe`},
		{"a\u2066b\u2069c\u200fd", `a\u{2066}b\u{2069}c\u{200f}d`},
		{"zero\u200bwidth\ufeff", `zero\u{200b}width\u{feff}`},
		{"line\u2028sep\u0085", `line\u{2028}sep\u{0085}`},
		// a huge key's shape is cut, so one key cannot make a 100 KB family name
		{strings.Repeat("k", 100000), strings.Repeat("k", MaxShape) + "…"},
		{strings.Repeat("ab:", 50) + "12", strings.Repeat("ab:", 50)[:MaxShape] + "…"},
	} {
		if got := Shape(c.key); got != c.want {
			t.Errorf("Shape(%.200q) = %.200q, want %.200q", c.key, got, c.want)
		}
	}
}

// TestFamiliesTable checks the table's own consistency: unique names, one way
// of matching each, manifest sections that exist, and no prefix shadowed by an
// earlier one that would take all its keys.
func TestFamiliesTable(t *testing.T) {
	names := map[string]bool{}
	empty := &manifest.Manifest{}
	for j, f := range Families {
		if names[f.Name] {
			t.Errorf("family %q twice", f.Name)
		}
		names[f.Name] = true
		if (f.Exact == "") == (f.Prefix == "") || (f.Exact != "" && f.Rest != nil) {
			t.Errorf("family %q: set Exact, or Prefix with an optional Rest", f.Name)
		}
		if f.Source == "" {
			t.Errorf("family %q: no Source", f.Name)
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("family %q: %v", f.Name, p)
				}
			}()
			f.Outputs(empty)
		}()
		for _, i := range Families[:j] {
			if f.Prefix != "" && i.Prefix != "" && i.Rest == nil && strings.HasPrefix(f.Prefix, i.Prefix) {
				t.Errorf("family %q is shadowed by the earlier %q", f.Name, i.Name)
			}
		}
	}
}

// TestOutputsOfTheBake ties the table to what a bake writes: the committed
// manifest of the bundled sample (every generator ran) has an output for every
// family the table says a bake replaces, and none for the others.
func TestOutputsOfTheBake(t *testing.T) {
	m, err := manifest.Load(shareddata.SampleManifest())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Families {
		found, n := f.Outputs(m)
		if len(f.ReplacedBy) > 0 && (len(found) == 0 || n == 0) {
			t.Errorf("family %q: none of %v is in the committed manifest", f.Name, f.ReplacedBy)
		}
		if len(f.ReplacedBy) == 0 && len(found) > 0 {
			t.Errorf("family %q: replaced by %v though the table names nothing", f.Name, found)
		}
	}
	maps, n := Families[family("map_data_0cc175b9c0f1b6a831c399e269772661")].Outputs(m)
	if !slices.Equal(maps, []string{"tilesets:maptiles/*"}) || n != len(m.TileSets) {
		t.Errorf("map_data_<md5> outputs %v (%d names), want every one of the %d tile sets", maps, n, len(m.TileSets))
	}
	partial := *m
	partial.TileSets = nil
	if found, _ := Families[family("map_cluster:z1")].Outputs(&partial); found != nil {
		t.Errorf("a manifest without tile sets replaces map_cluster:* by %v", found)
	}
	if found, _ := Families[0].Outputs(nil); found != nil {
		t.Errorf("no manifest replaces %v", found)
	}
}

func TestSpread(t *testing.T) {
	for _, c := range []struct {
		ttls     []int64
		noExpiry int64
		want     TTLSpread
	}{
		{nil, 3, TTLSpread{NoExpiry: 3}},
		{[]int64{60}, 0, TTLSpread{Expiring: 1, Min: 60, P50: 60, P90: 60, Max: 60}},
		// nearest rank: p50 of 4 is the 2nd, p90 the 4th
		{[]int64{40, 10, 30, 20}, 1, TTLSpread{NoExpiry: 1, Expiring: 4, Min: 10, P50: 20, P90: 40, Max: 40}},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0, TTLSpread{Expiring: 10, Min: 1, P50: 5, P90: 9, Max: 10}},
	} {
		if got := spread(slices.Clone(c.ttls), c.noExpiry); got != c.want {
			t.Errorf("spread(%v, %d) = %+v, want %+v", c.ttls, c.noExpiry, got, c.want)
		}
	}
}

func TestAddTop(t *testing.T) {
	var top []Key
	for _, k := range []Key{{Key: "b", Bytes: 5}, {Key: "a", Bytes: 9}, {Key: "c", Bytes: 5}, {Key: "a2", Bytes: 5}, {Key: "d", Bytes: 1}, {Key: "e", Bytes: 12}} {
		top = addTop(top, k, 4)
	}
	var got []string
	for _, k := range top {
		got = append(got, k.Key)
	}
	if want := []string{"e", "a", "a2", "b"}; !slices.Equal(got, want) {
		t.Errorf("top = %v, want %v (largest first, ties by name)", got, want)
	}
}

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"redis://localhost:6379/0", "redis://localhost:6379/0"},
		{"redis://:s3cret@cache:6379/1", "redis://:xxxxx@cache:6379/1"},
		{"rediss://user:s3cret@cache:6380/0", "rediss://user:xxxxx@cache:6380/0"},
		{"redis://:pa ss@[bad", "redis://xxxxx@[bad"}, // does not parse
		{"redis://:pa ss@[bad?password=s3cret", "redis://xxxxx@[bad?xxxxx"},
		{"redis://cache:6379/0?password=s3cret", "redis://cache:6379/0?password=xxxxx"},
		{"redis://cache:6379/0?protocol=3&Password=s3cret&db=2", "redis://cache:6379/0?Password=xxxxx&db=2&protocol=3"},
		{"rediss://u:s3cret@cache/0?auth_token=s3cret&client_name=x", "rediss://u:xxxxx@cache/0?auth_token=xxxxx&client_name=x"},
		{"redis://cache/0?PWD=s3cret", "redis://cache/0?PWD=xxxxx"},
		{"redis://cache/0?access_key=s3cret&secret=s3cret", "redis://cache/0?access_key=xxxxx&secret=xxxxx"},
		{"redis://cache/0?pass=%zzs3cret", "redis://cache/0?xxxxx"}, // a query that does not parse
		{"redis://cache/0#s3cret", "redis://cache/0#xxxxx"},
	} {
		if got := RedactURL(c.in); got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, u := range []string{"redis://:s3cret@[bad/0", "redis://:s3cret@host:6379/x", "http://:s3cret@host/0",
		"redis://127.0.0.1:1/0?password=s3cret", "redis://127.0.0.1:1/x?password=s3cret", "redis://127.0.0.1:1/0?db=x&token=s3cret",
		"redis://[bad/0?password=s3cret", "redis://127.0.0.1:1/0?password=%zzs3cret", "redis://127.0.0.1:1/0#s3cret"} {
		if _, err := Connect(t.Context(), u); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Connect(%q): %v, want an error without the password", u, err)
		}
	}
}

// TestNegativeOptions: a negative count is refused, not replaced by the
// default (0 is the default), before any command reaches the server.
func TestNegativeOptions(t *testing.T) {
	for _, o := range []Options{{ScanCount: -1}, {Top: -1}} {
		if _, err := Run(context.Background(), nil, o); err == nil || !strings.Contains(err.Error(), "must not be negative") {
			t.Errorf("Run(%+v): %v, want an error", o, err)
		}
	}
	r := &Report{Manifest: &ManifestRef{}}
	if _, err := DeleteReplaced(context.Background(), nil, r, DeleteOptions{Execute: true, Batch: -1}); err == nil || !strings.Contains(err.Error(), "Batch -1") {
		t.Errorf("DeleteReplaced(Batch -1): %v, want an error", err)
	}
}

// TestKeyJSON: a key that is not UTF-8 round-trips through JSON by its
// key_base64; a UTF-8 key (control bytes included) has none.
func TestKeyJSON(t *testing.T) {
	for _, c := range []struct {
		key, b64 string
	}{
		{":1:map_data_0cc1", ""},
		{":1:tab\there\nnl\x00", ""},
		{":1:caf\u00e9", ""},
		{":1:bin\xff\x00key", "OjE6Ymlu/wBrZXk="}, // base64 -w0 of the bytes
		{"\xc3", "ww=="},                          // a cut UTF-8 sequence
	} {
		b, err := json.Marshal(Key{Key: c.key, Bytes: 9, TTL: -1, Type: "string"})
		if err != nil {
			t.Fatal(err)
		}
		var j map[string]any
		if err := json.Unmarshal(b, &j); err != nil {
			t.Fatal(err)
		}
		if got, _ := j["key_base64"].(string); got != c.b64 {
			t.Errorf("%q: key_base64 %q, want %q (%s)", c.key, got, c.b64, b)
		}
		var back Key
		if err := json.Unmarshal(b, &back); err != nil || back != (Key{Key: c.key, Bytes: 9, TTL: -1, Type: "string"}) {
			t.Errorf("%q: read back %+v, %v", c.key, back, err)
		}
	}
}

// TestFamiliesAreAppRules: Families is internal/apprules/cache_families.json,
// row for row (the table the Django backend reads), and each row's rest rule
// accepts and refuses what the file's rule names.
func TestFamiliesAreAppRules(t *testing.T) {
	table, err := apprules.CacheFamilies()
	if err != nil {
		t.Fatal(err)
	}
	if len(table) != len(Families) {
		t.Fatalf("%d families, the file has %d", len(Families), len(table))
	}
	for i, row := range table {
		f := Families[i]
		if f.Name != row.Name || f.Exact != row.Exact || f.Prefix != row.Prefix || f.Source != row.Source || f.Note != row.Note || !slices.Equal(f.ReplacedBy, row.ReplacedBy) {
			t.Errorf("family %d: %+v, the file says %+v", i, f, row)
		}
		probe := map[string][2]string{ // rest -> an accepted tail, a refused one
			apprules.RestMD5:    {"0cc175b9c0f1b6a831c399e269772661", "0CC175B9C0F1B6A831C399E269772661"},
			apprules.RestDigits: {"308538", "12a"},
		}[row.Rest]
		if row.Rest == apprules.RestAny {
			if f.Rest != nil {
				t.Errorf("family %q: a rest rule the file does not name", f.Name)
			}
			continue
		}
		if f.Rest == nil || !f.Rest(probe[0]) || f.Rest(probe[1]) {
			t.Errorf("family %q: rest is not the file's %q", f.Name, row.Rest)
		}
	}
}
