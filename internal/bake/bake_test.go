package bake_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/bake"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// components writes n component rows (ids from..from+n-1) as a JSON array.
func components(t *testing.T, dir, name string, from, n int, synthetic bool) string {
	t.Helper()
	var rows []string
	for i := from; i < from+n; i++ {
		rows = append(rows, fmt.Sprintf(`{"_id": %d, "CMU ID": "CMU%d", "Component ID": "C%d", "Company Name": "Co %d", "Delivery Year": 2025, "Generating Technology Class": "DSR", "De-Rated Capacity": "1.5", "Location and Post Code": "1 Mill Lane, Knottingley, WF11 8DX", "Synthetic": %v}`, i, i%7, i, i%5, synthetic))
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("["+strings.Join(rows, ",\n")+"]"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func postcodes(t *testing.T, dir, header, suffix string) string {
	t.Helper()
	p := filepath.Join(dir, "postcodes.csv")
	body := header + "\nWF11 8DX,53.7046,-1.2427" + suffix + "\nWF10 1AA,53.7250,-1.3550" + suffix + "\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func config(dir string, sources ...string) bake.Config {
	return bake.Config{
		Sources: sources, OutDir: filepath.Join(dir, "output"),
		ManifestPath: filepath.Join(dir, "manifest.json"), ReportPath: filepath.Join(dir, "prebake-report.jsonl"),
	}
}

func read(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestShrinkGuard: a bake that yields nothing, or loses more than MaxShrink of
// a kind against the manifest in force, fails and leaves the live manifest and
// its report as they were, unless AllowShrink.
func TestShrinkGuard(t *testing.T) {
	dir := t.TempDir()
	in := t.TempDir()
	pc := postcodes(t, in, "postcode,lat,lng", "")
	good := config(dir, components(t, in, "c20.json", 1, 20, false))
	good.Postcodes = []string{pc}
	if _, err := bake.Run(good); err != nil {
		t.Fatal(err)
	}
	liveManifest, liveReport := read(t, good.ManifestPath), read(t, good.ReportPath)

	empty := filepath.Join(in, "empty.json")
	os.WriteFile(empty, []byte("{}"), 0o644)
	rejected := filepath.Join(in, "rejected.json")
	os.WriteFile(rejected, []byte(`[{"_id": "1e3", "CMU ID": "A"}, {"_id": 1.5, "CMU ID": "B"}]`), 0o644)

	cases := []struct {
		name    string
		sources []string
		max     float64
		allow   bool
		wantErr []string // "" parts: must succeed
	}{
		{"an empty object", []string{empty}, 0, false, []string{"empty.json", "no rows"}},
		{"every row rejected", []string{rejected}, 0, false, []string{"no components"}},
		{"one source of two yields nothing", []string{components(t, in, "c20b.json", 1, 20, false), rejected}, 0, false, []string{"rejected.json yields no row", "bad_value 2", "--allow-shrink"}},
		{"15% fewer components", []string{components(t, in, "c17.json", 1, 17, false)}, 0, false, []string{"components drop from 20 to 17", "-15.0%", "10%", "--allow-shrink"}},
		{"15% fewer, a 20% limit", []string{components(t, in, "c17b.json", 1, 17, false)}, 0.2, false, nil},
		{"then 5% fewer", []string{components(t, in, "c16.json", 1, 16, false)}, 0, false, nil},
		{"down to one, allowed", []string{components(t, in, "c1.json", 1, 1, false)}, 0, true, nil},
		{"a first CKAN page", []string{writeCKANPage(t, in)}, 0, true, []string{"total 27078"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(dir, tc.sources...)
			cfg.Postcodes = []string{pc}
			cfg.MaxShrink, cfg.AllowShrink = tc.max, tc.allow
			_, err := bake.Run(cfg)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				liveManifest, liveReport = read(t, cfg.ManifestPath), read(t, cfg.ReportPath)
				if _, err := os.Stat(bake.FailedReportPath(cfg.ReportPath)); err == nil {
					t.Error("a successful bake left the failed build's report")
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if !bytes.Equal(read(t, cfg.ManifestPath), liveManifest) || !bytes.Equal(read(t, cfg.ReportPath), liveReport) {
				t.Error("a failed bake changed the live manifest or its report")
			}
		})
	}
}

// TestShrinkGuardLikeWithLike: the guard compares a kind of row only with
// the same kind of data in the manifest in force. The real register baked
// where the synthetic sample was (make run, then a real bake into the same
// --out) is another data set and passes, and so does the sample over a real
// bake; a loss within real data, or of a postcode table that stayed real while
// the components switched, is still refused.
func TestShrinkGuardLikeWithLike(t *testing.T) {
	dir, in := t.TempDir(), t.TempDir()
	synPC := postcodes(t, t.TempDir(), "postcode,lat,lng,synthetic", ",true")
	realPC := postcodes(t, t.TempDir(), "postcode,lat,lng", "")
	onePC := filepath.Join(in, "one-postcode.csv")
	os.WriteFile(onePC, []byte("postcode,lat,lng\nWF11 8DX,53.7046,-1.2427\n"), 0o644)
	steps := []struct {
		name      string
		src       string
		pc        string
		wantErr   string // "": must succeed
		synthetic bool   // the manifest's flag after a successful bake
	}{
		{"the sample", components(t, in, "syn40.json", 1, 40, true), synPC, "", true},
		{"the real register, a tenth the size", components(t, in, "real4.json", 1, 4, false), realPC, "", false},
		{"real, fewer", components(t, in, "real3.json", 1, 3, false), realPC, "components drop from 4 to 3", false},
		{"the sample again", components(t, in, "syn40b.json", 1, 40, true), synPC, "", true},
		{"real components, real postcodes", components(t, in, "real4b.json", 1, 4, false), realPC, "", false},
		{"synthetic components, half the real postcodes", components(t, in, "syn40c.json", 1, 40, true), onePC, "postcodes drop from 2 to 1", false},
	}
	for _, st := range steps {
		cfg := config(dir, st.src)
		cfg.Postcodes = []string{st.pc}
		_, err := bake.Run(cfg)
		if st.wantErr == "" {
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), st.wantErr) {
			t.Fatalf("%s: error %v, want one saying %q", st.name, err, st.wantErr)
		}
		m, lerr := manifest.Load(cfg.ManifestPath)
		if lerr != nil {
			t.Fatal(lerr)
		}
		if m.Synthetic != st.synthetic {
			t.Errorf("%s: the manifest in force has synthetic %v, want %v", st.name, m.Synthetic, st.synthetic)
		}
	}
}

func writeCKANPage(t *testing.T, dir string) string {
	p := filepath.Join(dir, "ckan.json")
	rows := `{"_id": 1, "CMU ID": "A"}, {"_id": 2, "CMU ID": "B"}, {"_id": 3, "CMU ID": "C"}`
	os.WriteFile(p, []byte(`{"help": "h", "success": true, "result": {"records": [`+rows+`], "limit": 3, "_links": {"next": "/api/3/action/datastore_search?offset=3"}, "total": 27078}}`), 0o644)
	return p
}

// TestReportBesideManifest: the report names the build of the manifest it
// describes; a failed build (here --strict) writes its own report and leaves
// the live one.
func TestReportBesideManifest(t *testing.T) {
	dir, in := t.TempDir(), t.TempDir()
	src := components(t, in, "c.json", 1, 5, false)
	bad := filepath.Join(in, "bad.json")
	os.WriteFile(bad, []byte(`[{"_id": 9, "CMU ID": "X", "De-Rated Capacity": "0,5"}]`), 0o644)
	cfg := config(dir, src)
	s, err := bake.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	live := read(t, cfg.ReportPath)
	for _, line := range bytes.Split(bytes.TrimSpace(live), []byte("\n")) {
		var l struct {
			BuildID string `json:"build_id"`
		}
		if err := json.Unmarshal(line, &l); err != nil || l.BuildID != s.BuildID {
			t.Fatalf("report line %s: build_id %q, want %q (%v)", line, l.BuildID, s.BuildID, err)
		}
	}
	if len(live) == 0 {
		t.Fatal("the report is empty: no unlocated rows to check")
	}
	strict := config(dir, src, bad)
	strict.Strict, strict.AllowShrink = true, true
	_, err = bake.Run(strict)
	failed := bake.FailedReportPath(cfg.ReportPath)
	if err == nil || !strings.Contains(err.Error(), failed) {
		t.Fatalf("error %v does not name the failed build's report %s", err, failed)
	}
	if !bytes.Equal(read(t, cfg.ReportPath), live) {
		t.Error("the failed build replaced the report of the bake in force")
	}
	if f := read(t, failed); !bytes.Contains(f, []byte(`"reason":"bad_value"`)) || !bytes.Contains(f, []byte("bad.json")) {
		t.Errorf("failed report lacks the rejected row: %s", f)
	}
}

// TestBuildAndPruneExclude: while a build holds the output directory, prune
// fails naming it, and a build fails while prune (or another build) holds it.
func TestBuildAndPruneExclude(t *testing.T) {
	dir, in := t.TempDir(), t.TempDir()
	cfg := config(dir, components(t, in, "c.json", 1, 5, false))
	if _, err := bake.Run(cfg); err != nil {
		t.Fatal(err)
	}
	release, err := writer.Lock(cfg.OutDir, "build")
	if err != nil {
		t.Fatal(err)
	}
	_, err = writer.Prune(writer.PruneOptions{OutDir: cfg.OutDir, ManifestPath: cfg.ManifestPath, Keep: 1})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("in use by pid %d", os.Getpid())) {
		t.Errorf("prune during a build: %v", err)
	}
	if _, err := bake.Run(cfg); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("build during a build: %v", err)
	}
	release()
	if _, err := writer.Prune(writer.PruneOptions{OutDir: cfg.OutDir, ManifestPath: cfg.ManifestPath, Keep: 1}); err != nil {
		t.Errorf("prune after the build: %v", err)
	}
	if _, err := bake.Run(cfg); err != nil {
		t.Errorf("build after prune: %v", err)
	}
}

// TestAttributionPerInput: synthetic component rows over a real postcode table
// leave the postcodes their OGL attribution; a synthetic postcode table is
// labelled synthetic whatever the component rows are.
func TestAttributionPerInput(t *testing.T) {
	cases := []struct {
		name                  string
		compSynthetic         bool
		pcHeader, pcSuffix    string
		wantPCSynthetic       bool
		wantShard, notInShard string
	}{
		{"synthetic components, real postcodes", true, "postcode,lat,lng", "", false, "Contains OS data", "SYNTHETIC"},
		{"real components, synthetic postcodes", false, "postcode,lat,lng,synthetic", ",true", true, "SYNTHETIC", "Crown"},
		{"both synthetic", true, "postcode,lat,lng,synthetic", ",true", true, "SYNTHETIC", "Crown"},
		{"both real", false, "postcode,lat,lng", "", false, "Contains OS data", "SYNTHETIC"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, in := t.TempDir(), t.TempDir()
			cfg := config(dir, components(t, in, "c.json", 1, 5, tc.compSynthetic))
			cfg.Postcodes = []string{postcodes(t, in, tc.pcHeader, tc.pcSuffix)}
			if _, err := bake.Run(cfg); err != nil {
				t.Fatal(err)
			}
			m, err := manifest.Load(cfg.ManifestPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range m.Sources {
				want := tc.compSynthetic
				if s.Kind == "postcodes" {
					want = tc.wantPCSynthetic
					if s.Attribution == "" {
						t.Errorf("postcode source %s has no attribution", s.Path)
					}
				}
				if s.Synthetic != want {
					t.Errorf("source %s (%s) synthetic %v, want %v", s.Path, s.Kind, s.Synthetic, want)
				}
			}
			if m.Synthetic != (tc.compSynthetic || tc.wantPCSynthetic) {
				t.Errorf("manifest synthetic %v", m.Synthetic)
			}
			ss, err := m.ShardSet("postcodes")
			if err != nil {
				t.Fatal(err)
			}
			got, _ := ss.Params["attribution"].(string)
			if !strings.Contains(got, tc.wantShard) || strings.Contains(got, tc.notInShard) {
				t.Errorf("postcode shards' attribution %q, want %q and not %q", got, tc.wantShard, tc.notInShard)
			}
		})
	}
}

// TestHugeCapacityNamesInputRow: capacities that would overflow a total
// (1e308 twice) are rejected on their input rows, named by file, row and field,
// and the bake of the other rows goes on (with --strict it fails naming the
// first of them).
func TestHugeCapacityNamesInputRow(t *testing.T) {
	dir, in := t.TempDir(), t.TempDir()
	good := components(t, in, "good.json", 1, 5, false)
	huge := filepath.Join(in, "huge.json")
	os.WriteFile(huge, []byte(`[{"_id": 100, "CMU ID": "H", "De-Rated Capacity": 1e308}, {"_id": 101, "CMU ID": "H", "De-Rated Capacity": "1e308"}, {"_id": 102, "CMU ID": "H", "De-Rated Capacity": 3}]`), 0o644)
	cfg := config(dir, good, huge)
	s, err := bake.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Components != 6 {
		t.Errorf("%d components, want 6 (5 good, 1 of 3 in huge.json)", s.Components)
	}
	var rejected []string
	for _, line := range bytes.Split(bytes.TrimSpace(read(t, cfg.ReportPath)), []byte("\n")) {
		var l struct {
			File, Status, Field, Reason string
			Row                         int
		}
		json.Unmarshal(line, &l)
		if l.Status == "rejected" {
			rejected = append(rejected, fmt.Sprintf("%s:%d:%s:%s", filepath.Base(l.File), l.Row, l.Field, l.Reason))
		}
	}
	if want := "huge.json:1:De-Rated Capacity:bad_value huge.json:2:De-Rated Capacity:bad_value"; strings.Join(rejected, " ") != want {
		t.Errorf("rejected %v, want %s", rejected, want)
	}
	cfg.Strict = true
	if _, err := bake.Run(cfg); err == nil || !strings.Contains(err.Error(), "huge.json record 1 field \"De-Rated Capacity\"") {
		t.Errorf("--strict: %v", err)
	}
}
