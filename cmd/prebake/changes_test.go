package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/changes"
	"github.com/prebake/prebake/internal/testkit/s3test"
)

// runCode runs prebake and returns its exit status, stdout and stderr.
func runCode(t *testing.T, dir string, env []string, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("prebake %s: %v", strings.Join(args, " "), err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// copyDir copies the regular files of src into dst (one level).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(dst, 0o755)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDiffDataAndMaxChanges: `diff --data` on two small sample bakes that
// differ by one renamed row exits 1 and lists exactly it (text and JSON), 0
// for a bake against itself, 2 for a missing bake; each bake's
// changes/latest.json is against the manifest it replaced; and publish
// --max-changes against a real S3 server (SeaweedFS) refuses with exit 3 and
// uploads nothing above the limit, passes below it, and --allow-changes lets
// a larger change through.
func TestDiffDataAndMaxChanges(t *testing.T) {
	s3test.Weed(t)
	s3test.AWSPath(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	env := append(s3test.Env(), "SOURCE_DATE_EPOCH=1767225600")
	run(t, dir, env, bin, "sample", "--components", "150", "--seed", "1", "--out", "s1")
	run(t, dir, env, bin, "sample", "--components", "150", "--seed", "2", "--out", "s2")
	copyDir(t, filepath.Join(dir, "s1"), filepath.Join(dir, "s1e"))
	p := filepath.Join(dir, "s1e", "synthetic_components_0.json")
	raw, _ := os.ReadFile(p)
	const from, to = `"_id": 500090, `, `"Company Name": "BIRCH POWER LLP (synthetic)"`
	i := bytes.Index(raw, []byte(from))
	j := bytes.Index(raw[i:], []byte(to))
	if i < 0 || j < 0 {
		t.Fatalf("the sample no longer has row 500090 of BIRCH POWER LLP in %s", p)
	}
	edited := slicesConcat(raw[:i+j], []byte(`"Company Name": "BIRCH POWER RENAMED LLP (synthetic)"`), raw[i+j+len(to):])
	os.WriteFile(p, edited, 0o644)
	bake := func(sample, out string) {
		run(t, dir, env, bin, "build", "--quiet", "--force", "--source", sample+"/synthetic_*.json",
			"--postcodes", sample+"/synthetic_postcodes.csv", "--out", out, "--manifest", out+".json")
	}
	readLog := func(out string) changes.Changelog {
		var m struct {
			BuildID string `json:"build_id"`
			Assets  map[string]struct {
				Path string `json:"path"`
			} `json:"assets"`
		}
		data, _ := os.ReadFile(filepath.Join(dir, out+".json"))
		json.Unmarshal(data, &m)
		var c changes.Changelog
		data, err := os.ReadFile(filepath.Join(dir, out, m.Assets[changes.LatestAsset].Path))
		if err != nil || json.Unmarshal(data, &c) != nil || c.NewBuildID != m.BuildID {
			t.Fatalf("%s: changes/latest.json unreadable or of another build (%v): %.300s", out, err, data)
		}
		return c
	}
	bake("s1", "a")
	first := readLog("a")
	if !first.AgainstNothing || first.OldBuildID != nil || !first.Empty() {
		t.Errorf("a first bake's changelog: against nothing %v, old %v, empty %v", first.AgainstNothing, first.OldBuildID, first.Empty())
	}
	// A second bake of other data into the same place: against the first.
	// (over a copy of a's output and manifest, so that a stays as it was)
	os.WriteFile(filepath.Join(dir, "ae.json"), mustRead(t, filepath.Join(dir, "a.json")), 0o644)
	if err := os.CopyFS(filepath.Join(dir, "ae"), os.DirFS(filepath.Join(dir, "a"))); err != nil {
		t.Fatal(err)
	}
	bake("s1e", "ae")
	second := readLog("ae")
	if second.AgainstNothing || second.OldBuildID == nil || *second.OldBuildID != buildID(t, filepath.Join(dir, "a.json")) ||
		second.Summary.Changed != 1 || second.Summary.Touched != 1 {
		t.Errorf("the second bake's changelog: %+v", second.Summary)
	}
	// A rebake of the same data keeps its build_id and its changelog: the manifest is byte-identical.
	before := mustRead(t, filepath.Join(dir, "ae.json"))
	bake("s1e", "ae")
	if !bytes.Equal(before, mustRead(t, filepath.Join(dir, "ae.json"))) {
		t.Error("rebaking the same data changed the manifest")
	}

	code, out, _ := runCode(t, dir, env, bin, "diff", "--data", "--json", "a.json", "--old-out", "a", "ae.json", "--new-out", "ae")
	var c changes.Changelog
	if err := json.Unmarshal([]byte(out), &c); code != 1 || err != nil {
		t.Fatalf("diff --data a ae: exit %d (%v), want 1", code, err)
	}
	if c.Summary.Touched != 1 || len(c.Components.Changed) != 1 || c.Components.Changed[0].ID != 500090 ||
		fmt.Sprint(c.Components.Changed[0].Fields) != fmt.Sprint([]changes.FieldChange{{Field: "company_name", Old: "BIRCH POWER LLP (synthetic)", New: "BIRCH POWER RENAMED LLP (synthetic)"}}) {
		t.Errorf("diff --data a ae: %+v %+v", c.Summary, c.Components.Changed)
	}
	if code, out, _ := runCode(t, dir, env, bin, "diff", "--data", "a", "ae.json", "--new-out", "ae"); code != 1 || !strings.Contains(out, `~ component 500090 `) {
		t.Errorf("diff --data text: exit %d\n%s", code, out)
	}
	if code, out, _ := runCode(t, dir, env, bin, "diff", "--data", "a", "a.json", "--new-out", "a"); code != 0 || !strings.Contains(out, "0 touched") {
		t.Errorf("diff --data of a bake against itself: exit %d\n%s", code, out)
	}
	if code, _, stderr := runCode(t, dir, env, bin, "diff", "--data", "a", "nowhere"); code != 2 || !strings.Contains(stderr, "nowhere") {
		t.Errorf("diff --data with a missing bake: exit %d, %s", code, stderr)
	}
	if code, _, _ := runCode(t, dir, env, bin, "diff", "--data", "a"); code != 2 {
		t.Errorf("diff --data with one argument: exit %d, want 2", code)
	}

	// publish --max-changes against SeaweedFS.
	bake("s2", "b")
	srv := s3test.Start(t)
	srv.CreateBucket(t, "chg")
	pub := func(out string, args ...string) (int, string) {
		code, _, stderr := runCode(t, dir, env, bin, append([]string{"publish", "--quiet", "--to", "s3://chg/p", "--endpoint", srv.Endpoint,
			"--out", out, "--manifest", out + ".json"}, args...)...)
		return code, stderr
	}
	if code, stderr := pub("a", "--max-changes", "1%"); code != 0 {
		t.Fatalf("first publish (no manifest in the bucket): exit %d: %s", code, stderr)
	}
	frac := 100 * c.Summary.TouchedFraction // one of the bake's components
	objects := srv.Objects(t, "chg", "")
	live := srv.Get(t, "chg", "p/manifest.json")
	code, stderr := pub("ae", "--max-changes", fmt.Sprintf("%.3f%%", frac/2))
	if code != 3 || !strings.Contains(stderr, "--allow-changes") || !strings.Contains(stderr, "changes 1 of the") {
		t.Errorf("a change above --max-changes: exit %d, %s", code, stderr)
	}
	if got := srv.Objects(t, "chg", ""); !maps.Equal(got, objects) || !bytes.Equal(srv.Get(t, "chg", "p/manifest.json"), live) {
		t.Errorf("a refused publish changed the bucket: %d objects before, %d after", len(objects), len(got))
	}
	if code, stderr := pub("ae", "--max-changes", fmt.Sprintf("%.3f%%", frac*2)); code != 0 {
		t.Errorf("a change under --max-changes: exit %d: %s", code, stderr)
	}
	if code, stderr := pub("b", "--max-changes", "50%"); code != 3 || !strings.Contains(stderr, "more than the 50.00% allowed") {
		t.Errorf("another register under --max-changes 50%%: exit %d, %s", code, stderr)
	}
	if code, stderr := pub("b", "--max-changes", "50%", "--allow-changes"); code != 0 {
		t.Errorf("--allow-changes: exit %d: %s", code, stderr)
	}
	if !bytes.Equal(srv.Get(t, "chg", "p/manifest.json"), mustRead(t, filepath.Join(dir, "b.json"))) {
		t.Error("after --allow-changes the live manifest is not b's")
	}
	if code, stderr := pub("a", "--max-changes", "lots"); code != 2 || !strings.Contains(stderr, "--max-changes") {
		t.Errorf("--max-changes lots: exit %d, %s", code, stderr)
	}
}

func slicesConcat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func buildID(t *testing.T, p string) string {
	var m struct {
		BuildID string `json:"build_id"`
	}
	json.Unmarshal(mustRead(t, p), &m)
	return m.BuildID
}
