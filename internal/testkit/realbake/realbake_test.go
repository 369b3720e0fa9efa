package realbake

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// TestInputKey: the key changes with the executable's bytes and with any input
// file's bytes, and with nothing else.
func TestInputKey(t *testing.T) {
	shared := t.TempDir()
	exe := filepath.Join(t.TempDir(), "prebake")
	files := map[string]string{
		exe: "executable",
		filepath.Join(shared, RegisterDir, "components_0.json"):      "{}",
		filepath.Join(shared, RegisterDir, "components_1.json"):      "{}",
		filepath.Join(shared, RegisterDir, "cmu_register_rows.json"): "[]",
		filepath.Join(shared, filepath.FromSlash(Postcodes)):         "postcodes",
		filepath.Join(shared, filepath.FromSlash(Boundaries)):        "boundaries",
		filepath.Join(shared, RegisterDir, "not_an_input.csv"):       "ignored",
		filepath.Join(shared, "data/postcodes/onspd-sample.csv"):     "ignored",
	}
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, s := range files {
		write(p, s)
	}
	key := func() string {
		t.Helper()
		k, err := inputKey(exe, shared)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k0 := key()
	if key() != k0 {
		t.Fatal("the key of unchanged inputs changed")
	}
	for p, s := range files {
		write(p, s+" changed")
		got := key()
		if changes := !strings.Contains(s, "ignored"); (got != k0) != changes {
			t.Errorf("changing %s: key changed %v, want %v", p, got != k0, changes)
		}
		write(p, s)
	}
	if key() != k0 {
		t.Error("restoring every file did not restore the key")
	}
}

// TestOneBakeAcrossProcesses starts three processes at once that each need the
// real bake, as the packages of `go test ./...` do: all get the same finished
// bake, at most one of them bakes it (none when it is already cached), and under
// `make test` it is the bake the Makefile made ($PREBAKE_REALBAKE).
func TestOneBakeAcrossProcesses(t *testing.T) {
	if child(t) {
		return
	}
	if testing.Short() {
		t.Skip("may bake the real data")
	}
	for _, rel := range []string{RegisterDir, Postcodes, Boundaries} {
		shareddata.Path(t, rel)
	}
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, Env+"=") {
			env = append(env, e)
		}
	}
	got := spawn(t, "TestOneBakeAcrossProcesses", env)
	baked := 0
	for _, r := range got {
		if r.Dir != got[0].Dir || r.BuildID != got[0].BuildID || r.BuildID == "" {
			t.Errorf("processes got different bakes: %+v", got)
		}
		if r.Baked {
			baked++
		}
	}
	if baked > 1 {
		t.Errorf("%d processes baked; one bake is shared", baked)
	}
	if d := os.Getenv(Env); d != "" && d != got[0].Dir {
		t.Errorf("the processes found %s, not the bake %s=%s the Makefile made from the same code", got[0].Dir, Env, d)
	}
	t.Logf("3 processes, %d baked, bake %s (build %s)", baked, got[0].Dir, got[0].BuildID)
}

// result is what a child process reports.
type result struct {
	Dir     string `json:"dir"`
	Baked   bool   `json:"baked"`
	BuildID string `json:"build_id"`
}

// child runs the child side of a cross-process test: it obtains the bake (with
// REALBAKE_FAKE_EXE, bakeOnce with that executable into REALBAKE_FAKE_DIR) and
// prints a result line. It reports whether this process is a child.
func child(t *testing.T) bool {
	if os.Getenv("REALBAKE_CHILD") == "" {
		return false
	}
	var b *Bake
	var err error
	if exe := os.Getenv("REALBAKE_FAKE_EXE"); exe != "" {
		b, err = bakeOnce(os.Getenv("REALBAKE_FAKE_DIR"), exe, "/shared", os.Stderr)
	} else {
		b, err = Obtain(os.Stderr)
	}
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(result{Dir: b.Dir, Baked: b.Baked, BuildID: b.Manifest.BuildID})
	os.Stdout.Write(append(append([]byte("realbake-child "), out...), '\n'))
	return true
}

// spawn starts three children of test at once with env and returns their results.
func spawn(t *testing.T, test string, env []string) []result {
	t.Helper()
	env = append(env, "REALBAKE_CHILD=1")
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	var got []result
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i])
		}
		sc := bufio.NewScanner(outs[i])
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "realbake-child "); ok {
				var r result
				if err := json.Unmarshal([]byte(line), &r); err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
		}
	}
	if len(got) != 3 {
		t.Fatalf("%d of 3 processes reported a bake: %+v", len(got), got)
	}
	return got
}

// TestBakeOnceLocking runs the locking protocol with a stand-in for prebake (a
// script that takes a second and copies the committed manifest): three
// processes started together run it exactly once and all get its bake; three
// more reuse it without running it; a stale bake nobody holds is removed, one a
// process holds is kept.
func TestBakeOnceLocking(t *testing.T) {
	if child(t) {
		return
	}
	cache := t.TempDir()
	calls := filepath.Join(cache, "calls")
	exe := filepath.Join(cache, "bin", "prebake-fake")
	script := "#!/bin/sh\necho run >> " + calls + "\nsleep 1\n" +
		"while [ $# -gt 0 ]; do [ \"$1\" = --manifest ] && cp " + shareddata.SampleManifest() + " \"$2\"; shift; done\n" +
		"echo '{\"components\": 1}'\n"
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"stale", "held"} {
		if err := os.MkdirAll(filepath.Join(cache, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	held, err := lock(filepath.Join(cache, "held.lock"), syscall.LOCK_SH)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	env := append(os.Environ(), "REALBAKE_FAKE_EXE="+exe, "REALBAKE_FAKE_DIR="+filepath.Join(cache, "key"))
	for round, wantBaked := range []int{1, 0} {
		got := spawn(t, "TestBakeOnceLocking", env)
		baked := 0
		for _, r := range got {
			if r.Dir != filepath.Join(cache, "key") || r.BuildID == "" || r.BuildID != got[0].BuildID {
				t.Errorf("round %d: %+v", round, got)
			}
			if r.Baked {
				baked++
			}
		}
		runs, _ := os.ReadFile(calls)
		if baked != wantBaked || strings.Count(string(runs), "run") != 1 {
			t.Errorf("round %d: %d processes baked (want %d), prebake ran %d times in all (want 1)", round, baked, wantBaked, strings.Count(string(runs), "run"))
		}
	}
	if _, err := os.Stat(filepath.Join(cache, "stale")); !os.IsNotExist(err) {
		t.Errorf("the stale bake nobody holds is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache, "held")); err != nil {
		t.Errorf("the bake a process holds was removed: %v", err)
	}
	if summary, err := os.ReadFile(filepath.Join(cache, "key", SummaryName)); err != nil || string(summary) != "{\"components\": 1}\n" {
		t.Errorf("summary.json %q, %v: want the build's stdout", summary, err)
	}
}
