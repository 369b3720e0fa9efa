package bake

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/sample"
)

// TestRebuildSkipsUnchangedInputs bakes a small synthetic register, then checks
// each way a rebuild can go: unchanged inputs skip the bake and write nothing;
// --force bakes again (and still rewrites nothing); a changed input byte, a
// changed option, a missing output file and a replaced manifest each bake again.
func TestRebuildSkipsUnchangedInputs(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	if _, err := sample.Write(filepath.Join(dir, "in"), sample.Options{Components: 1500}); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Sources:      []string{filepath.Join(dir, "in", "synthetic_*.json")},
		Postcodes:    []string{filepath.Join(dir, "in", "synthetic_postcodes.csv")},
		OutDir:       filepath.Join(dir, "out"),
		ManifestPath: filepath.Join(dir, "manifest.json"),
		ReportPath:   filepath.Join(dir, "report.jsonl"),
	}
	cfg.Maptiles.MaxZoom, cfg.Maptiles.Radius, cfg.Maptiles.Extent, cfg.Maptiles.MinPoints = 8, 60, 512, 2
	bakeOnce := func(t *testing.T, c Config) *Summary {
		t.Helper()
		s, err := Run(c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := bakeOnce(t, cfg)
	if first.Unchanged {
		t.Fatal("the first bake into an empty directory says its inputs are unchanged")
	}
	before := fileTimes(t, dir)

	again := bakeOnce(t, cfg)
	if !again.Unchanged || again.BuildID != first.BuildID || again.Components != first.Components || again.Located != first.Located {
		t.Fatalf("rebuild: unchanged=%v build %s (first %s), %d components (first %d)", again.Unchanged, again.BuildID, first.BuildID, again.Components, first.Components)
	}
	if len(again.Stages) != 1 || again.Stages[0].Name != "inputs unchanged" {
		t.Errorf("stages of a skipped bake: %+v", again.Stages)
	}
	sameTimes(t, before, fileTimes(t, dir), "skipped rebuild")

	forced := cfg
	forced.Force = true
	if s := bakeOnce(t, forced); s.Unchanged || s.BuildID != first.BuildID {
		t.Fatalf("--force: unchanged=%v build %s, want a full bake of %s", s.Unchanged, s.BuildID, first.BuildID)
	}
	// A forced bake commits its manifest again, but rewrites no output file.
	sameTimes(t, outputTimes(before, cfg.OutDir), outputTimes(fileTimes(t, dir), cfg.OutDir), "forced rebuild of the same inputs")

	cases := []struct {
		name   string
		change func(t *testing.T) Config
	}{
		{"an output file removed", func(t *testing.T) Config {
			files, _ := filepath.Glob(filepath.Join(cfg.OutDir, "cmu", "*.json"))
			if len(files) == 0 {
				t.Fatal("no cmu/*.json in the bake")
			}
			if err := os.Remove(files[0]); err != nil {
				t.Fatal(err)
			}
			return cfg
		}},
		{"the manifest replaced", func(t *testing.T) Config {
			if err := os.WriteFile(cfg.ManifestPath, []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
			// The shrink guard cannot read "{}" as the bake in force; replacing
			// it is the operator's call, so this bake says so.
			c := cfg
			c.AllowShrink = true
			return c
		}},
		{"a source byte", func(t *testing.T) Config {
			p := filepath.Join(dir, "in", "synthetic_postcodes.csv")
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, append(data, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			return cfg
		}},
		{"an option", func(t *testing.T) Config { c := cfg; c.IncludeContacts = true; return c }},
	}
	// Each case starts from a bake of cfg; its change must bake, and the same
	// bake again must be skipped.
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.change(t)
			if s := bakeOnce(t, c); s.Unchanged {
				t.Fatalf("after %s the bake was skipped", tc.name)
			}
			if s := bakeOnce(t, c); !s.Unchanged {
				t.Fatalf("the bake after the one that followed %s was not skipped", tc.name)
			}
		})
	}
}

func fileTimes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			out[p] = fi.ModTime().UnixNano()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// outputTimes keeps the files of the output directory outside prebake's state.
func outputTimes(times map[string]int64, outDir string) map[string]int64 {
	out := map[string]int64{}
	state := filepath.Join(outDir, ".prebake") + string(filepath.Separator)
	for p, mt := range times {
		if strings.HasPrefix(p, outDir+string(filepath.Separator)) && !strings.HasPrefix(p, state) {
			out[p] = mt
		}
	}
	return out
}

func sameTimes(t *testing.T, before, after map[string]int64, what string) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("%s: %d files before, %d after", what, len(before), len(after))
	}
	for p, mt := range before {
		if after[p] != mt {
			t.Errorf("%s rewrote %s", what, p)
		}
	}
}

// TestRebuildSeesSourcesAsTheBakeReadsThem checks that the input key hashes
// the files the bake reads: a source named with glob characters is that file
// (not the files its name matches as a pattern), and a file that a pattern
// starts to match is a change.
func TestRebuildSeesSourcesAsTheBakeReadsThem(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	in := filepath.Join(dir, "in")
	if _, err := sample.Write(in, sample.Options{Components: 600}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(in, "synthetic_components_*.json"))
	if len(files) < 2 {
		t.Fatalf("the sample wrote %d component files, want 2 or more", len(files))
	}
	// "reg[1].json" as a pattern matches "reg1.json", a different file.
	literal, decoy := filepath.Join(in, "reg[1].json"), filepath.Join(in, "reg1.json")
	for src, dst := range map[string]string{files[0]: literal, files[1]: decoy} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Config{
		Sources:      []string{literal},
		Postcodes:    []string{filepath.Join(in, "synthetic_postcodes.csv")},
		OutDir:       filepath.Join(dir, "out"),
		ManifestPath: filepath.Join(dir, "manifest.json"),
		ReportPath:   filepath.Join(dir, "report.jsonl"),
	}
	cfg.Maptiles.MaxZoom, cfg.Maptiles.Radius, cfg.Maptiles.Extent, cfg.Maptiles.MinPoints = 6, 60, 512, 2
	bake := func(what string) bool {
		t.Helper()
		s, err := Run(cfg)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return s.Unchanged
	}
	bake("first bake")
	if !bake("same inputs") {
		t.Fatal("a rebuild of the same inputs was not skipped")
	}
	if err := os.WriteFile(literal, append(mustRead(t, literal), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	if bake("literal source changed") {
		t.Error("a change to the source named reg[1].json was not seen (the key hashed what the name matches as a pattern)")
	}
	cfg.Sources = []string{filepath.Join(in, "synthetic_*.json")}
	bake("glob")
	extra := filepath.Join(in, "synthetic_zz.json")
	if err := os.WriteFile(extra, mustRead(t, literal), 0o644); err != nil {
		t.Fatal(err)
	}
	if bake("a file the glob now matches") {
		t.Error("a new file matching the source pattern was not seen")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestRebuildChecksTheFilesItWouldName: a rebuild whose inputs are the last
// bake's is skipped only when every file the manifest names is as that bake
// wrote it. Each damage below (a hand's, or a prune that died half-way) makes
// it bake instead, and the bake equals a --force bake from the same damaged
// state, byte for byte, so the files are all in place again.
func TestRebuildChecksTheFilesItWouldName(t *testing.T) {
	setFile := func(t *testing.T, out, glob string) string {
		t.Helper()
		ps, _ := filepath.Glob(filepath.Join(out, glob))
		slices.Sort(ps)
		if len(ps) == 0 {
			t.Fatalf("nothing matches %s", glob)
		}
		return ps[0]
	}
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, out string)
	}{
		{"a file of a tile set removed", func(t *testing.T, out string) {
			if err := os.Remove(setFile(t, out, "maptiles/default/DSR.*/0/0/0.json")); err != nil {
				t.Fatal(err)
			}
		}},
		{"a variant of a shard set's file removed", func(t *testing.T, out string) {
			if err := os.Remove(setFile(t, out, "locations/postcodes.*/*.json.br")); err != nil {
				t.Fatal(err)
			}
		}},
		{"a set index cut after its first line", func(t *testing.T, out string) {
			p := setFile(t, out, "locations/postcodes.*.sha256")
			first, _, _ := bytes.Cut(readFile(t, p), []byte("\n"))
			if err := os.WriteFile(p, append(first, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"an asset's bytes replaced, same size", func(t *testing.T, out string) {
			p := setFile(t, out, "cmu/companies.*.json")
			b := readFile(t, p)
			b[len(b)/2] ^= 1
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cfg := reuseFixture(t)
			first, err := Run(cfg)
			if err != nil {
				t.Fatal(err)
			}
			tc.damage(t, cfg.OutDir)
			got, twin := rebake(t, cfg, "the rebuild was skipped: the manifest in force names a file that is not as the bake wrote it")
			if got.BuildID != first.BuildID {
				t.Errorf("build %s, first %s", got.BuildID, first.BuildID)
			}
			sameAsForced(t, cfg, twin)
		})
	}
}
