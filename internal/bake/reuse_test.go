package bake

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/sample"
	"github.com/prebake/prebake/internal/testkit/treetest"
)

// reuseFixture is a small synthetic register with CMU rows, its postcode table
// and a two-area boundary file, and a Config that bakes them with every stage.
func reuseFixture(t *testing.T) (dir string, cfg Config) {
	t.Helper()
	dir = t.TempDir()
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	in := filepath.Join(dir, "in")
	if _, err := sample.Write(in, sample.Options{Components: 1500}); err != nil {
		t.Fatal(err)
	}
	bd := filepath.Join(in, "boundaries.geojson")
	if err := os.WriteFile(bd, []byte(boundaryFile(0)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg = Config{
		Sources:      []string{filepath.Join(in, sample.ComponentsPrefix+"*.json"), filepath.Join(in, sample.CMURowsFile)},
		Postcodes:    []string{filepath.Join(in, sample.PostcodesFile)},
		Boundaries:   bd,
		OutDir:       filepath.Join(dir, "out"),
		ManifestPath: filepath.Join(dir, "manifest.json"),
		ReportPath:   filepath.Join(dir, "report.jsonl"),
	}
	cfg.Maptiles.MaxZoom, cfg.Maptiles.Radius, cfg.Maptiles.Extent, cfg.Maptiles.MinPoints = 8, 60, 512, 2
	return dir, cfg
}

// boundaryFile is two WGS84 areas in England; shift moves the second one east.
func boundaryFile(shift float64) string {
	sq := func(x, y float64) string {
		b, _ := json.Marshal([][][2]float64{{{x, y}, {x + 1, y}, {x + 1, y + 1}, {x, y + 1}, {x, y}}})
		return string(b)
	}
	f := func(name, coords string) string {
		return `{"type":"Feature","properties":{"Name":"` + name + `"},"geometry":{"type":"Polygon","coordinates":` + coords + `}}`
	}
	return `{"type":"FeatureCollection","features":[` + f("_A", sq(-2, 52)) + `,` + f("_B", sq(-1+shift, 52)) + `]}`
}

var allStages = []string{"load postcodes", "postcodes", "map tiles", "cmu tables", "locations", "cmu details", "boundaries"}

// TestReuseFollowsEachStageInputs bakes, then changes one input at a time and
// bakes again into the same directory. For every change, each stage that
// reads the changed input is baked afresh, with the input named as the reason,
// and every other stage is reused; and the bake equals, byte for byte (the
// manifest and every output file), a bake of the same inputs with --force into
// a copy of the directory as it was before (the same earlier bake, so the same
// changelog).
func TestReuseFollowsEachStageInputs(t *testing.T) {
	dir, cfg := reuseFixture(t)
	in := filepath.Join(dir, "in")
	steps := []struct {
		name   string
		change func(t *testing.T, cfg *Config)
		input  string   // the input named in the reason of the stages baked afresh
		rerun  []string // the stages baked afresh; the others are reused
	}{
		{"a register row edited", func(t *testing.T, cfg *Config) { editRegister(t, in) }, inputRegister,
			[]string{"map tiles", "cmu tables", "locations", "cmu details"}},
		{"a postcode added where the register has none", func(t *testing.T, cfg *Config) { addPostcode(t, in) }, inputPostcodes,
			[]string{"load postcodes", "postcodes", "locations"}},
		{"the boundaries edited", func(t *testing.T, cfg *Config) {
			if err := os.WriteFile(cfg.Boundaries, []byte(boundaryFile(0.25)), 0o644); err != nil {
				t.Fatal(err)
			}
		}, inputBoundaries, []string{"boundaries"}},
		{"a map tile option", func(t *testing.T, cfg *Config) { cfg.Maptiles.Radius = 50 }, inputOptions, []string{"map tiles"}},
		{"the contact columns included", func(t *testing.T, cfg *Config) { cfg.IncludeContacts = true }, inputOptions, []string{"cmu tables", "cmu details"}},
		{"the base URL", func(t *testing.T, cfg *Config) { cfg.BaseURL = "https://cdn.example/bake/" }, inputBaseURL,
			[]string{"postcodes", "map tiles", "cmu tables", "locations", "cmu details", "boundaries"}},
	}
	first, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkReuse(t, "first bake", first.Reuse, allStages, "no earlier bake")
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			twin := copyBake(t, dir, cfg)
			st.change(t, &cfg)
			twin.Force = true
			twin.IncludeContacts, twin.BaseURL, twin.Maptiles = cfg.IncludeContacts, cfg.BaseURL, cfg.Maptiles
			got, err := Run(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got.Unchanged {
				t.Fatal("the whole bake was skipped")
			}
			checkReuse(t, st.name, got.Reuse, st.rerun, "changed: "+st.input)
			fresh, err := Run(twin)
			if err != nil {
				t.Fatal(err)
			}
			checkReuse(t, st.name+", --force", fresh.Reuse, allStages, "forced")
			if got.BuildID != fresh.BuildID {
				t.Errorf("build %s, --force bake %s", got.BuildID, fresh.BuildID)
			}
			if a, b := readFile(t, cfg.ManifestPath), readFile(t, twin.ManifestPath); !bytes.Equal(a, b) {
				t.Errorf("the manifest differs from the --force bake's")
			}
			if d := treetest.Diff(treetest.Hashes(t, cfg.OutDir, ".prebake"), treetest.Hashes(t, twin.OutDir, ".prebake")); len(d) > 0 {
				t.Errorf("output files differ from the --force bake's: %v", d[:min(5, len(d))])
			}
		})
	}
}

// TestReuseChecksTheEarlierFiles: a reused stage whose files are not all in
// place any more (one removed from a shard set), or whose kept postcode table
// is damaged, is baked afresh, with the reason, and the bake is still exact.
func TestReuseChecksTheEarlierFiles(t *testing.T) {
	dir, cfg := reuseFixture(t)
	if _, err := Run(cfg); err != nil {
		t.Fatal(err)
	}
	editRegister(t, filepath.Join(dir, "in")) // so the whole bake is not skipped
	// One postcode shard gone (nothing a prebake command does; a hand did).
	shards, err := filepath.Glob(filepath.Join(cfg.OutDir, "locations", "postcodes.*", "*.json"))
	if err != nil || len(shards) == 0 {
		t.Fatalf("no postcode shards to remove (%v)", err)
	}
	if err := os.Remove(shards[0]); err != nil {
		t.Fatal(err)
	}
	// The kept table damaged: one byte of its body flipped.
	tp := postcodeTableFile(cfg.OutDir)
	tb := readFile(t, tp)
	tb[len(tb)/2] ^= 1
	if err := os.WriteFile(tp, tb, 0o644); err != nil {
		t.Fatal(err)
	}
	twin := copyBake(t, dir, cfg)
	twin.Force = true
	got, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got.Reuse {
		switch r.Stage {
		case "postcodes":
			if r.Reused || !strings.Contains(r.Reason, "cannot be used") || !strings.Contains(r.Reason, "missing") {
				t.Errorf("postcodes with a shard removed: %+v", r)
			}
		case "load postcodes":
			if r.Reused || !strings.Contains(r.Reason, "checksum") {
				t.Errorf("load postcodes with a damaged table: %+v", r)
			}
		case "boundaries":
			if !r.Reused {
				t.Errorf("boundaries: %+v", r)
			}
		}
	}
	if _, err := Run(twin); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, cfg.ManifestPath), readFile(t, twin.ManifestPath)) {
		t.Error("the manifest differs from the --force bake's")
	}
	if _, err := os.Stat(shards[0]); err != nil {
		t.Errorf("the removed shard was not written again: %v", err)
	}
}

// TestRegisterDigestSeesEveryField changes each field of a component (its
// geocode and app position included) and of a CMU, one at a time, and each of
// the dataset's flags, and checks that the register digest changes: a field it
// missed would let a generator be reused with stale output.
func TestRegisterDigestSeesEveryField(t *testing.T) {
	base := func() *record.Dataset {
		mw := func(v float64) *float64 { return &v }
		return &record.Dataset{
			Components: []record.Component{{ID: 1, DeratedMW: mw(5), ConnectionMW: mw(6), App: &record.Position{Lat: 1, Lng: 1}}},
			CMUs:       []record.CMU{{ID: 2, Contacts: map[string]string{"a": "b"}, ConnectionMW: mw(7), DeratedMW: mw(8), AnticipatedDeratedMW: mw(9)}},
		}
	}
	// leaves calls fn with every field below v that holds a value, by path.
	var leaves func(path string, v reflect.Value, fn func(string, reflect.Value))
	leaves = func(path string, v reflect.Value, fn func(string, reflect.Value)) {
		switch {
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if !f.IsExported() {
					t.Errorf("%s.%s is not exported: the digest (JSON) cannot see it", path, f.Name)
					continue
				}
				leaves(path+"."+f.Name, v.Field(i), fn)
			}
		case v.Kind() == reflect.Pointer:
			leaves(path, v.Elem(), fn)
		default:
			fn(path, v)
		}
	}
	all := func(ds *record.Dataset, fn func(string, reflect.Value)) {
		leaves("Component", reflect.ValueOf(&ds.Components[0]).Elem(), fn)
		leaves("CMU", reflect.ValueOf(&ds.CMUs[0]).Elem(), fn)
	}
	var paths []string
	all(base(), func(p string, _ reflect.Value) { paths = append(paths, p) })
	if len(paths) < 40 {
		t.Fatalf("only %d fields found: %v", len(paths), paths)
	}
	want := registerDigest(base())
	for _, target := range paths {
		ds := base()
		all(ds, func(p string, v reflect.Value) {
			if p != target {
				return
			}
			switch v.Kind() {
			case reflect.String:
				v.SetString(v.String() + "x")
			case reflect.Int, reflect.Int64:
				v.SetInt(v.Int() + 1)
			case reflect.Float64:
				v.SetFloat(v.Float() + 0.5)
			case reflect.Bool:
				v.SetBool(!v.Bool())
			case reflect.Map:
				v.SetMapIndex(reflect.ValueOf("c"), reflect.ValueOf("d"))
			default:
				t.Errorf("%s: a %s the test cannot change", p, v.Kind())
			}
		})
		if registerDigest(ds) == want {
			t.Errorf("changing %s leaves the register digest as it was", target)
		}
	}
	for name, flag := range map[string]func(*record.Dataset){
		"Synthetic":           func(d *record.Dataset) { d.Synthetic = true },
		"PostcodesSynthetic":  func(d *record.Dataset) { d.PostcodesSynthetic = true },
		"PostcodeAttribution": func(d *record.Dataset) { d.PostcodeAttribution = "x" },
	} {
		ds := base()
		flag(ds)
		if registerDigest(ds) == want {
			t.Errorf("changing the dataset's %s leaves the register digest as it was", name)
		}
	}
}

// checkReuse checks that exactly the stages in rerun were baked afresh, each
// with reason, and every other stage was reused.
func checkReuse(t *testing.T, what string, got []Reuse, rerun []string, reason string) {
	t.Helper()
	var names []string
	for _, r := range got {
		names = append(names, r.Stage)
		afresh := slices.Contains(rerun, r.Stage)
		switch {
		case afresh && (r.Reused || r.Reason != reason):
			t.Errorf("%s: %s: reused=%v %q, want baked afresh: %q", what, r.Stage, r.Reused, r.Reason, reason)
		case !afresh && (!r.Reused || r.Reason != "inputs unchanged"):
			t.Errorf("%s: %s: reused=%v %q, want reused", what, r.Stage, r.Reused, r.Reason)
		}
	}
	if !slices.Equal(names, allStages) {
		t.Errorf("%s: stages %v, want %v", what, names, allStages)
	}
}

// rebake copies cfg's bake to a twin that bakes with --force (sameAsForced),
// then bakes cfg, which must not be skipped (fatal with why).
func rebake(t *testing.T, cfg Config, why string) (*Summary, Config) {
	t.Helper()
	twin := copyBake(t, "", cfg)
	twin.Force = true
	got, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got.Unchanged {
		t.Fatal(why)
	}
	return got, twin
}

// sameAsForced bakes twin (a --force bake of cfg's inputs into a copy of
// cfg's earlier state) and checks that cfg's bake equals it byte for byte:
// the manifest and every output file.
func sameAsForced(t *testing.T, cfg, twin Config) {
	t.Helper()
	if _, err := Run(twin); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, cfg.ManifestPath), readFile(t, twin.ManifestPath)) {
		t.Error("the manifest differs from the --force bake's")
	}
	if d := treetest.Diff(treetest.Hashes(t, cfg.OutDir, ".prebake"), treetest.Hashes(t, twin.OutDir, ".prebake")); len(d) > 0 {
		t.Errorf("output files differ from the --force bake's: %v", d[:min(5, len(d))])
	}
}

// copyBake copies the bake in dir (output directory with its state, manifest,
// report) to a twin directory and returns cfg pointed at it.
func copyBake(t *testing.T, dir string, cfg Config) Config {
	t.Helper()
	twin := t.TempDir()
	copyTree(t, cfg.OutDir, filepath.Join(twin, "out"))
	for _, p := range []string{cfg.ManifestPath, cfg.ReportPath} {
		if err := os.WriteFile(filepath.Join(twin, filepath.Base(p)), readFile(t, p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := cfg
	c.OutDir, c.ManifestPath, c.ReportPath = filepath.Join(twin, "out"), filepath.Join(twin, filepath.Base(cfg.ManifestPath)), filepath.Join(twin, filepath.Base(cfg.ReportPath))
	return c
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// editRegister appends to the description of the first component row of the
// first component file.
func editRegister(t *testing.T, in string) {
	t.Helper()
	editComponentFile(t, in, func(data map[string][]map[string]any) {
		for _, rows := range data {
			rows[0]["Description of CMU Components"] = rows[0]["Description of CMU Components"].(string) + " (revised)"
			break
		}
	})
}

// editComponentFile rewrites the first component file (in name order) of the
// sample in in, as edit changes its rows (keyed by CMU).
func editComponentFile(t *testing.T, in string, edit func(data map[string][]map[string]any)) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(in, sample.ComponentsPrefix+"*.json"))
	slices.Sort(files)
	var data map[string][]map[string]any
	if err := json.Unmarshal(readFile(t, files[0]), &data); err != nil {
		t.Fatal(err)
	}
	edit(data)
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// addPostcode adds a unit in a district neither the table nor the register
// mentions, so that no component's position can change.
func addPostcode(t *testing.T, in string) {
	t.Helper()
	p := filepath.Join(in, sample.PostcodesFile)
	b := readFile(t, p)
	files, _ := filepath.Glob(filepath.Join(in, "*.json"))
	for _, f := range append(files, p) {
		if bytes.Contains(readFile(t, f), []byte("ZE2")) {
			t.Fatalf("%s mentions ZE2: pick a district the sample does not have", f)
		}
	}
	if err := os.WriteFile(p, append(b, []byte("ZE2 9ZZ,60.3,-1.3,true\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReuseRefusesDamagedState damages, one at a time, what a reusing bake
// reads of the last bake (its records, its kept postcode table, the files of
// a stage) as an operator's hand might, and bakes the same inputs again: the
// stage damaged is baked afresh with a reason that says what is wrong, every
// other stage is reused, and the bake equals a --force bake from the same
// damaged state, byte for byte.
func TestReuseRefusesDamagedState(t *testing.T) {
	dir, cfg := reuseFixture(t)
	if _, err := Run(cfg); err != nil {
		t.Fatal(err)
	}
	// A table the same code loads from other postcode files: another bake's.
	other := filepath.Join(t.TempDir(), "postcodes.csv")
	if err := os.WriteFile(other, append(readFile(t, cfg.Postcodes[0]), []byte("ZE2 9ZZ,60.3,-1.3,true\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	otherTable, _, err := postcode.Load([]string{other})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, out string)
		stage  string // the stage baked afresh
		reason string // in its reason
	}{
		{"a record of another stage", func(t *testing.T, out string) {
			if err := os.WriteFile(recordPath(out, "cmu details"), readFile(t, recordPath(out, "cmu tables")), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "cmu details", "another stage's"},
		{"a record cut short", func(t *testing.T, out string) {
			p := recordPath(out, "map tiles")
			if err := os.WriteFile(p, readFile(t, p)[:40], 0o644); err != nil {
				t.Fatal(err)
			}
		}, "map tiles", "unreadable"},
		{"the kept table cut short", func(t *testing.T, out string) {
			p := postcodeTableFile(out)
			b := readFile(t, p)
			if err := os.WriteFile(p, b[:len(b)/2], 0o644); err != nil {
				t.Fatal(err)
			}
		}, "load postcodes", "checksum"},
		{"the kept table another bake's", func(t *testing.T, out string) {
			f, err := os.Create(postcodeTableFile(out))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := otherTable.WriteBinary(f); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}, "load postcodes", "another bake's"},
		{"an asset's bytes replaced, same size", func(t *testing.T, out string) {
			ps, _ := filepath.Glob(filepath.Join(out, "cmu", "companies.*.json"))
			if len(ps) != 1 {
				t.Fatalf("cmu/companies.*.json: %v", ps)
			}
			b := readFile(t, ps[0])
			b[len(b)/2] ^= 1
			if err := os.WriteFile(ps[0], b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "cmu tables", "does not hold the bytes"},
		{"a shard set's index cut after a line", func(t *testing.T, out string) {
			ps, _ := filepath.Glob(filepath.Join(out, "locations", "postcodes.*.sha256"))
			if len(ps) != 1 {
				t.Fatalf("locations/postcodes.*.sha256: %v", ps)
			}
			first, _, _ := bytes.Cut(readFile(t, ps[0]), []byte("\n"))
			if err := os.WriteFile(ps[0], append(first, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "postcodes", "index"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := copyBake(t, dir, cfg)
			tc.damage(t, c.OutDir)
			got, twin := rebake(t, c, "the whole bake was skipped")
			for _, r := range got.Reuse {
				if r.Stage == tc.stage {
					if r.Reused || !strings.Contains(r.Reason, tc.reason) {
						t.Errorf("%s: reused=%v %q, want baked afresh: %q", r.Stage, r.Reused, r.Reason, tc.reason)
					}
				} else if !r.Reused {
					t.Errorf("%s: baked afresh (%s), want reused", r.Stage, r.Reason)
				}
			}
			sameAsForced(t, c, twin)
		})
	}
}

// TestInputReplacedDuringABake: an input file replaced while a bake runs,
// between the hashing of the inputs (before anything is read) and the stage
// that reads it, must not leave a record pairing the hashed bytes with
// outputs made from other bytes. The bake hashes the file as it is changed
// (Y) but reads it as it was (X); then a bake of Y must bake what reads it
// afresh (not skip, not reuse X's outputs) and equal a --force bake of Y from
// the same state.
func TestInputReplacedDuringABake(t *testing.T) {
	for _, tc := range []struct {
		name  string
		file  func(cfg Config) string
		at    string // the stage whose start puts X back
		stage string // a stage that reads the file, not to be reused afterwards
	}{
		{"the boundary file", func(cfg Config) string { return cfg.Boundaries }, "geocode", "boundaries"},
		{"a postcode file", func(cfg Config) string { return cfg.Postcodes[0] }, "load postcodes", "load postcodes"},
		{"a register file", func(cfg Config) string {
			files, _ := filepath.Glob(filepath.Join(filepath.Dir(cfg.Postcodes[0]), sample.ComponentsPrefix+"*.json"))
			slices.Sort(files)
			return files[0]
		}, "read sources", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cfg := reuseFixture(t)
			if _, err := Run(cfg); err != nil {
				t.Fatal(err)
			}
			p := tc.file(cfg)
			x := readFile(t, p)
			// Y: X with one more byte of white space where JSON and CSV allow
			// it, so that what the bake reads of it (the rows) differs only
			// where a stage reads its bytes.
			y := append(bytes.Clone(x), '\n')
			if tc.stage == "boundaries" {
				y = []byte(boundaryFile(0.25))
			} else if tc.stage == "load postcodes" {
				y = append(bytes.Clone(x), []byte("ZE2 9ZZ,60.3,-1.3,true\n")...)
			}
			if err := os.WriteFile(p, y, 0o644); err != nil {
				t.Fatal(err)
			}
			during := cfg
			during.StageStarted = func(stage string) {
				if stage == tc.at {
					if err := os.WriteFile(p, x, 0o644); err != nil {
						t.Error(err)
					}
				}
			}
			if _, err := Run(during); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, y, 0o644); err != nil {
				t.Fatal(err)
			}
			got, twin := rebake(t, cfg, "the bake of Y was skipped: the last bake hashed Y but read X")
			for _, r := range got.Reuse {
				if r.Stage == tc.stage && r.Reused {
					t.Errorf("%s reused: the last bake hashed Y but read X", r.Stage)
				}
			}
			sameAsForced(t, cfg, twin)
		})
	}
}

// TestUnencodableInputsNeverMatch: an input JSON cannot hold (a NaN) has no
// digest; two such inputs must not be taken for the same, whatever else they
// held.
func TestUnencodableInputsNeverMatch(t *testing.T) {
	out := t.TempDir()
	a, b := digest(map[string]float64{"radius": math.NaN(), "zoom": 1}), digest(map[string]float64{"radius": math.NaN(), "zoom": 2})
	if err := os.MkdirAll(reuseDir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(stageRecord{Stage: "map tiles", Inputs: map[string]string{inputOptions: a}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(recordPath(out, "map tiles"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := &reuser{outDir: out}
	for _, in := range []string{a, b} {
		if rec, reason := r.earlier("map tiles", map[string]string{inputOptions: in}); rec != nil || !strings.Contains(reason, inputOptions) {
			t.Errorf("inputs with a NaN: record %v, reason %q; want none, naming the input", rec, reason)
		}
	}
}
