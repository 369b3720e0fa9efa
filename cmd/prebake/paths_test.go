package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/bake"
)

// TestBuildRefusesOutputsOnInputs: an output path (--report, --manifest,
// --django-staticfiles, the failed build's report, the profiles) that resolves
// to an input (a source as its glob expands, the postcode table, the
// boundaries), to another output, or to a bake file's place in --out is
// refused with exit status 2 before anything is written, naming both (issue
// 24): relative and absolute spellings, ./ and .., a symlink to the file or to
// its directory, a hard link.
func TestBuildRefusesOutputsOnInputs(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	run(t, dir, nil, bin, "sample", "--out", "s", "--components", "150")
	src, pc := "s/synthetic_components_0.json", "s/synthetic_postcodes.csv"
	if _, err := os.Stat(filepath.Join(dir, src)); err != nil {
		t.Fatal(err)
	}
	bounds := filepath.Join(dir, "dno.geojson")
	os.WriteFile(bounds, []byte(`{"type":"FeatureCollection","features":[]}`), 0o644)
	os.Symlink(pc, filepath.Join(dir, "pc-link.csv"))
	os.Symlink("s", filepath.Join(dir, "s-link"))
	if err := os.Link(filepath.Join(dir, src), filepath.Join(dir, "hard.json")); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "adir"), 0o755)
	base := []string{"build", "--quiet", "--allow-shrink", "--source", "s/synthetic_*.json", "--postcodes", pc, "--out", "out"}
	inputs := map[string][]byte{}
	for _, f := range []string{src, pc, bounds} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			b, err = os.ReadFile(f)
		}
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = b
	}
	for _, tc := range []struct {
		name  string
		args  []string
		names []string // in stderr
	}{
		{"report is the postcode table", []string{"--report", pc}, []string{"--report " + pc, "--postcodes " + pc}},
		{"report is the postcode table, absolute", []string{"--report", filepath.Join(dir, pc)}, []string{"--postcodes " + pc}},
		{"report is the postcode table via ./ and ..", []string{"--report", "./s/../s/synthetic_postcodes.csv"}, []string{"--postcodes " + pc}},
		{"report is a symlink to the postcode table", []string{"--report", "pc-link.csv"}, []string{"--report pc-link.csv", "--postcodes " + pc}},
		{"report through a symlinked directory", []string{"--report", "s-link/synthetic_postcodes.csv"}, []string{"--postcodes " + pc}},
		{"report is a hard link to a source", []string{"--report", "hard.json"}, []string{"--report hard.json", "--source " + src}},
		{"staticfiles is a file the source glob matches", []string{"--django-staticfiles", src}, []string{"--django-staticfiles " + src, "--source " + src}},
		{"manifest is a source", []string{"--manifest", "./" + src}, []string{"--manifest ./" + src}},
		{"manifest is the boundaries", []string{"--boundaries", bounds, "--manifest", bounds}, []string{"--boundaries " + bounds}},
		{"report is the manifest", []string{"--manifest", "m.json", "--report", "m.json"}, []string{"--report m.json", "--manifest m.json"}},
		{"staticfiles is the report", []string{"--report", "r.jsonl", "--django-staticfiles", "./r.jsonl"}, []string{"--django-staticfiles ./r.jsonl", "--report r.jsonl"}},
		{"the failed report is the manifest", []string{"--manifest", "m.failed.json", "--report", "m.json"}, []string{"m.failed.json"}},
		{"report where the bake writes its files", []string{"--report", "out/cmu/cmus.0123456789abcdef.json"}, []string{"out/cmu/cmus.0123456789abcdef.json", "--out out"}},
		{"report in prebake's state", []string{"--report", "out/.prebake/last-build.json"}, []string{"out/.prebake/last-build.json"}},
		{"manifest is the output directory", []string{"--manifest", "out/", "--out", "out"}, []string{"--manifest out/"}},
		{"manifest is a directory", []string{"--manifest", "adir"}, []string{"--manifest adir", "is a directory"}},
		{"out is the postcode table", []string{"--out", pc}, []string{"--out " + pc, "--postcodes " + pc}},
		{"cpu profile is a source", []string{"--cpuprofile", src}, []string{"--cpuprofile " + src, "--source " + src}},
		{"memory profile is the report", []string{"--report", "r.jsonl", "--memprofile", "r.jsonl"}, []string{"--memprofile r.jsonl", "--report r.jsonl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "manifest is the output directory" {
				os.MkdirAll(filepath.Join(dir, "out"), 0o755)
				defer os.RemoveAll(filepath.Join(dir, "out"))
			}
			cmd := exec.Command(bin, append(append([]string{}, base...), tc.args...)...)
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("exit %v, want status 2; stderr %s", err, stderr.String())
			}
			for _, n := range tc.names {
				if !strings.Contains(stderr.String(), n) {
					t.Errorf("stderr %q does not name %q", stderr.String(), n)
				}
			}
			for f, want := range inputs {
				p := f
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, f)
				}
				if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, want) {
					t.Errorf("input %s changed: %v", f, err)
				}
			}
			for _, f := range []string{"manifest.json", "m.json", "m.failed.json", "r.jsonl", "prebake-report.jsonl"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
					t.Errorf("%s was written", f)
				}
			}
			if tc.name != "manifest is the output directory" {
				if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
					t.Error("the output directory was created")
				}
			}
		})
	}
	// The package refuses the same, with a *bake.PathError.
	_, err := bake.Run(bake.Config{Sources: []string{filepath.Join(dir, "s", "synthetic_*.json")}, Postcodes: []string{filepath.Join(dir, pc)},
		OutDir: filepath.Join(dir, "out"), ManifestPath: filepath.Join(dir, "m.json"), ReportPath: filepath.Join(dir, "s-link", "synthetic_components_0.json")})
	var pe *bake.PathError
	if !errors.As(err, &pe) || pe.Other == nil || pe.Other.Flag != "--source" {
		t.Errorf("bake.Run: %v, want a PathError naming the source", err)
	}
	// And a build whose paths are all distinct runs.
	run(t, dir, nil, bin, append(base, "--report", "r.jsonl", "--django-staticfiles", "out/staticfiles.json")...)
}
