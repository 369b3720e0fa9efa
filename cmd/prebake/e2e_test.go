package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/prebake/prebake/internal/testkit/realbake"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/internal/testkit/treetest"
	"github.com/prebake/prebake/internal/writer"
)

// buildBinary compiles prebake once for the end-to-end tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "prebake")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func run(t *testing.T, dir string, env []string, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("prebake %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// bakeSample writes the default sample into dir/.cache/sample and bakes it the way
// `make run` does, with relative paths, so the manifest is comparable with the
// committed one.
func bakeSample(t *testing.T, bin, dir string, env []string) {
	t.Helper()
	run(t, dir, env, bin, "sample", "--out", ".cache/sample")
	run(t, dir, env, bin, "build", "--quiet", "--source", ".cache/sample/synthetic_*.json",
		"--postcodes", ".cache/sample/synthetic_postcodes.csv", "--out", "output", "--manifest", "manifest.json")
}

// TestBakeReproducible bakes the bundled sample twice, with GOMAXPROCS=1 and
// GOMAXPROCS=2, and requires byte-identical trees and manifests, equal to the
// committed cmd/prebake/testdata/sample-manifest.json (`make golden` rewrites it).
func TestBakeReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("bakes the production-sized sample twice")
	}
	bin := buildBinary(t)
	a, b := t.TempDir(), t.TempDir()
	env := []string{"SOURCE_DATE_EPOCH=1767225600"}
	bakeSample(t, bin, a, append(env, "GOMAXPROCS=1"))
	bakeSample(t, bin, b, append(env, "GOMAXPROCS=2"))

	ha, hb := treetest.Hashes(t, filepath.Join(a, "output")), treetest.Hashes(t, filepath.Join(b, "output"))
	if len(ha) == 0 {
		t.Fatal("the bake wrote no files")
	}
	if diffs := treetest.Diff(ha, hb); len(diffs) > 0 {
		t.Fatalf("GOMAXPROCS=1 and =2 trees differ in %d files, e.g. %v", len(diffs), diffs[:min(5, len(diffs))])
	}
	ma, _ := os.ReadFile(filepath.Join(a, "manifest.json"))
	mb, _ := os.ReadFile(filepath.Join(b, "manifest.json"))
	if !bytes.Equal(ma, mb) {
		t.Fatal("manifests differ between GOMAXPROCS=1 and =2")
	}
	validateManifest(t, filepath.Join(a, "manifest.json"))
	if len(ma) > 200*1024 {
		t.Errorf("manifest.json is %d bytes for the production-sized sample, want under 200 KB", len(ma))
	}
	committed, err := os.ReadFile(shareddata.SampleManifest())
	if err != nil {
		t.Fatalf("the committed sample manifest: %v", err)
	}
	if !bytes.Equal(ma, committed) {
		t.Fatal("rebuilding the bundled sample does not reproduce the committed " + shareddata.SampleManifest() + ": run `make golden` and commit it, or find the nondeterminism")
	}

	// verify passes on the fresh bake; a rebuild with unchanged inputs is skipped
	// and writes nothing at all; a forced one bakes but rewrites no output file.
	run(t, a, env, bin, "verify", "--manifest", "manifest.json", "--out", "output")
	before := modTimes(t, a)
	args := []string{"build", "--json", "--source", ".cache/sample/synthetic_*.json",
		"--postcodes", ".cache/sample/synthetic_postcodes.csv", "--out", "output", "--manifest", "manifest.json"}
	var s struct {
		Unchanged bool   `json:"unchanged"`
		BuildID   string `json:"build_id"`
	}
	if err := json.Unmarshal([]byte(run(t, a, env, bin, args...)), &s); err != nil || !s.Unchanged {
		t.Errorf("rebuild with unchanged inputs: unchanged=%v (%v), want a skipped bake", s.Unchanged, err)
	}
	afterSkip := modTimes(t, a)
	for p, mt := range before {
		if afterSkip[p] != mt {
			t.Errorf("skipped rebuild with unchanged inputs wrote %s", p)
		}
	}
	if len(afterSkip) != len(before) {
		t.Errorf("skipped rebuild: %d files before, %d after", len(before), len(afterSkip))
	}
	before = modTimes(t, filepath.Join(a, "output"))
	if err := json.Unmarshal([]byte(run(t, a, env, bin, append(args, "--force")...)), &s); err != nil || s.Unchanged {
		t.Errorf("--force rebuild: unchanged=%v (%v), want a full bake", s.Unchanged, err)
	}
	after := modTimes(t, filepath.Join(a, "output"))
	for p, mt := range before {
		if after[p] != mt && !strings.Contains(filepath.ToSlash(p), "/.prebake/") {
			t.Errorf("forced rebuild with unchanged inputs rewrote %s", p)
		}
	}
}

func modTimes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				out[p] = fi.ModTime().UnixNano()
			}
		}
		return nil
	})
	return out
}

// TestBuildErrors checks that bad invocations fail with a message on stderr and a
// non-zero exit code.
func TestBuildErrors(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "truncated.json"), []byte(`{"A1": [{"_id": 1, "CMU ID": "A1"`), 0o644)
	os.WriteFile(filepath.Join(dir, "empty.json"), []byte(`{}`), 0o644)
	os.WriteFile(filepath.Join(dir, "rejected.json"), []byte(`[{"_id": "1,000", "CMU ID": "A1"}]`), 0o644)
	os.WriteFile(filepath.Join(dir, "page.json"), []byte(`{"success": true, "result": {"records": [{"_id": 1, "CMU ID": "A1"}], "limit": 1, "total": 27078, "_links": {"next": "/api/3/action/datastore_search?offset=1"}}}`), 0o644)
	tests := []struct {
		name string
		args []string
		want string // in stderr
		code int    // 2: the command line is wrong; 1: the bake failed
	}{
		{"no source", []string{"build"}, "no --source", 2},
		{"missing file", []string{"build", "--source", "nope.json"}, "nope.json", 1},
		{"truncated json", []string{"build", "--source", "truncated.json"}, "truncated.json", 1},
		// (the other flag errors, map options and --max-shrink out of range:
		// TestBuildCmd, in-process)
		{"an empty object", []string{"build", "--source", "empty.json"}, "no rows", 1},
		{"every row rejected", []string{"build", "--source", "rejected.json"}, "--allow-shrink", 1},
		{"a first CKAN page", []string{"build", "--source", "page.json", "--allow-shrink"}, "total 27078", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, tt.args...)
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if err == nil {
				t.Fatalf("prebake %v succeeded, want failure", tt.args)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q does not mention %q", stderr.String(), tt.want)
			}
			if got := cmd.ProcessState.ExitCode(); got != tt.code {
				t.Errorf("exit code %d, want %d", got, tt.code)
			}
			if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
				t.Error("a failed build wrote manifest.json")
			}
		})
	}
	// While a build holds the output directory, prune (another process) fails
	// naming it, and removes nothing.
	release, err := writer.Lock(filepath.Join(dir, "out"), "build")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	cmd := exec.Command(bin, "prune", "--out", "out", "--keep", "1")
	cmd.Dir = dir
	msg, err := cmd.CombinedOutput()
	if want := fmt.Sprintf("in use by pid %d", os.Getpid()); err == nil || !strings.Contains(string(msg), want) {
		t.Errorf("prune during a build: %v %s, want an error saying %q", err, msg, want)
	}
}

// TestBuildRealRegister bakes the real register from ../shared and checks the
// accounting: 18,879 distinct components, read = used + duplicate + rejected per
// source file, and at least 99% of the components that carry a usable grid
// reference or a known postcode on the map.
func TestBuildRealRegister(t *testing.T) {
	if testing.Short() {
		t.Skip("bakes the real register")
	}
	// The run's shared real bake (internal/testkit/realbake): this very build command
	// (register, postcode table, boundaries, --django-staticfiles, --json), run
	// once for every package and pytest; its --json summary is rb.Summary.
	rb := realbake.Get(t)
	bin := buildBinary(t)
	dir := rb.Dir
	out := string(rb.Summary)
	var s struct {
		Components int `json:"components"`
		Located    int `json:"located"`
		Sources    []struct {
			Path   string `json:"path"`
			Kind   string `json:"kind"`
			Counts struct {
				Read, Used, Duplicate, Rejected int
				Unlocated                       map[string]int
			} `json:"counts"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if s.Components != 18879 {
		t.Errorf("components = %d, want 18879", s.Components)
	}
	// Unlocated for lack of any usable location do not count against the 99%.
	noLocation := 0
	for _, src := range s.Sources {
		c := src.Counts
		if c.Read != c.Used+c.Duplicate+c.Rejected {
			t.Errorf("%s: read %d != used %d + duplicate %d + rejected %d", src.Path, c.Read, c.Used, c.Duplicate, c.Rejected)
		}
		if c.Read == 0 {
			t.Errorf("%s: read no rows", src.Path)
		}
		noLocation += c.Unlocated["no_location"] + c.Unlocated["bad_grid_ref"] + c.Unlocated["unknown_postcode"]
	}
	locatable := s.Components - noLocation
	if float64(s.Located) < 0.99*float64(locatable) {
		t.Errorf("located %d of %d components with a grid reference or postcode (%.2f%%), want >= 99%%", s.Located, locatable, 100*float64(s.Located)/float64(locatable))
	}
	t.Logf("located %d of %d components (%d without a usable location)", s.Located, s.Components, noLocation)
	run(t, dir, nil, bin, "verify", "--manifest", rb.ManifestPath, "--out", rb.Out)
	validateManifest(t, rb.ManifestPath)
	if _, err := os.Stat(rb.Staticfiles); err != nil {
		t.Errorf("--django-staticfiles: %v", err)
	}
	report, err := os.ReadFile(rb.Report)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	// Grid references the geocoder did not use are listed for the operator
	// (issue #9): the real register has both kinds, e.g. "NJ 865 311" for the
	// Farlington works, 728 km from its sector PO6 1, and "EN 321 691".
	gridIssues := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(report)), "\n") {
		var l struct{ Status, Field, Reason, Detail string }
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("report line %q: %v", line, err)
		}
		if l.Status == "grid_ref" {
			gridIssues[l.Reason]++
			if l.Field != "OS Grid Reference" || l.Detail == "" {
				t.Errorf("grid_ref report line lacks field or detail: %q", line)
			}
			if strings.Contains(l.Detail, "NJ 865 311") && l.Reason != "grid_ref_contradicted" {
				t.Errorf("NJ 865 311 reported as %s", l.Reason)
			}
		}
	}
	if gridIssues["grid_ref_contradicted"] == 0 || gridIssues["grid_ref_unparseable"] == 0 {
		t.Errorf("report lists grid references %v; want contradicted and unparseable ones", gridIssues)
	}
	t.Logf("grid references listed in the report: %v", gridIssues)
}

// TestBuildStrictAndReport bakes a small sample, which carries malformed rows on
// purpose: the default build reports them (stdout summary, --json counts and the
// JSON Lines report), and --strict refuses to publish.
func TestBuildStrictAndReport(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	run(t, dir, nil, bin, "sample", "--out", "s", "--components", "2000")
	args := []string{"build", "--source", "s/synthetic_*.json", "--postcodes", "s/synthetic_postcodes.csv", "--out", "out", "--manifest", "m.json"}

	cmd := exec.Command(bin, append(args, "--strict")...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil {
		t.Fatal("--strict build of a source with malformed rows succeeded")
	}
	if !strings.Contains(stderr.String(), "--strict") || !strings.Contains(stderr.String(), "synthetic_components_") {
		t.Errorf("--strict error does not name the flag and the file: %q", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "m.json")); err == nil {
		t.Fatal("--strict build wrote a manifest")
	}

	out := run(t, dir, nil, bin, append(args, "--json")...)
	var s struct {
		Report  string `json:"report"`
		Sources []struct {
			Counts struct {
				Read, Used, Duplicate, Rejected int
				RejectedBy                      map[string]int `json:"rejected_by"`
			} `json:"counts"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	rejected := 0
	for _, src := range s.Sources {
		rejected += src.Counts.Rejected
		by := 0
		for _, n := range src.Counts.RejectedBy {
			by += n
		}
		if by != src.Counts.Rejected {
			t.Errorf("rejected %d but rejected_by sums to %d", src.Counts.Rejected, by)
		}
	}
	if rejected != 3 {
		t.Errorf("rejected %d rows, want the sample's 3 deliberate ones", rejected)
	}
	report, err := os.ReadFile(filepath.Join(dir, s.Report))
	if err != nil {
		t.Fatal(err)
	}
	var inReport int
	for _, line := range strings.Split(strings.TrimSpace(string(report)), "\n") {
		var l struct {
			File, Status, Reason string
			Row                  int
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("report line %q: %v", line, err)
		}
		if l.File == "" || l.Row == 0 || l.Reason == "" {
			t.Errorf("report line lacks file, row or reason: %q", line)
		}
		if l.Status == "rejected" {
			inReport++
		}
	}
	if inReport != rejected {
		t.Errorf("report lists %d rejected rows, counts say %d", inReport, rejected)
	}
}

// TestBuildSurvivesSIGKILL kills real `prebake build` processes with SIGKILL at
// spread-out moments, each time changing the input so that the killed build would
// write new files, and requires that the manifest in place always verifies and
// that the next build completes.
func TestBuildSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs many builds")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	build := func(seed int) *exec.Cmd {
		run(t, dir, nil, bin, "sample", "--out", "s", "--components", "3000", "--seed", fmt.Sprint(seed))
		cmd := exec.Command(bin, "build", "--quiet", "--source", "s/synthetic_*.json", "--postcodes", "s/synthetic_postcodes.csv", "--out", "out", "--manifest", "manifest.json")
		cmd.Dir = dir
		return cmd
	}
	// A first complete build, timed, so kills can be spread across a build's life.
	first := build(1)
	started := time.Now()
	if out, err := first.CombinedOutput(); err != nil {
		t.Fatalf("first build: %v\n%s", err, out)
	}
	full := time.Since(started)
	kills := 12
	for i := 0; i < kills; i++ {
		cmd := build(i + 2)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(full * time.Duration(i+1) / time.Duration(kills))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		run(t, dir, nil, bin, "verify", "--manifest", "manifest.json", "--out", "out")
	}
	final := build(100)
	if out, err := final.CombinedOutput(); err != nil {
		t.Fatalf("build after the kills: %v\n%s", err, out)
	}
	run(t, dir, nil, bin, "verify", "--manifest", "manifest.json", "--out", "out")
}

// validateManifest checks a bake's manifest against manifest.schema.json.
func validateManifest(t *testing.T, path string) {
	t.Helper()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join(shareddata.Root(), "manifest", "manifest.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Errorf("%s does not match manifest.schema.json: %v", path, err)
	}
}
