package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/prebake/prebake/internal/publish"
	"github.com/prebake/prebake/internal/testkit/s3test"
	"github.com/prebake/prebake/internal/writer"
)

// TestPublishCLI runs `prebake publish` against a real S3 server with
// credentials in the usual AWS variables: --dry-run, --json, a second run that
// uploads nothing, and a run killed with SIGKILL half-way (the live manifest
// stays whole, and a re-run completes).
func TestPublishCLI(t *testing.T) {
	s3test.Weed(t)
	s3test.AWSPath(t)
	srv := s3test.Start(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	env := append(s3test.Env(), "SOURCE_DATE_EPOCH=1767225600")
	bakeSmall := func(seed, out string) {
		run(t, dir, env, bin, "sample", "--components", "150", "--seed", seed, "--out", "sample-"+seed)
		run(t, dir, env, bin, "build", "--quiet", "--source", "sample-"+seed+"/synthetic_*.json",
			"--postcodes", "sample-"+seed+"/synthetic_postcodes.csv", "--out", out, "--manifest", out+".json")
	}
	bakeSmall("1", "a")
	bakeSmall("2", "b")
	srv.CreateBucket(t, "cli")
	pub := func(out string, args ...string) publish.Result {
		t.Helper()
		stdout := run(t, dir, env, bin, append([]string{"publish", "--to", "s3://cli/prebake", "--endpoint", srv.Endpoint,
			"--out", out, "--manifest", out + ".json", "--json"}, args...)...)
		var res publish.Result
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatalf("publish --json printed %q: %v", stdout, err)
		}
		return res
	}
	files := func(out string) int { return len(treeSizes(t, filepath.Join(dir, out))) }

	if res := pub("a", "--dry-run"); !res.DryRun || res.Uploaded != files("a") || len(res.UploadedKeys) != res.Uploaded {
		t.Fatalf("dry run: %+v, want %d objects listed", res, files("a"))
	}
	if got := srv.Objects(t, "cli", ""); len(got) != 0 {
		t.Fatalf("a dry run wrote %d objects", len(got))
	}
	if res := pub("a"); res.Uploaded != files("a") || res.Manifest != "uploaded" {
		t.Fatalf("first publish: %+v", res)
	}
	if res := pub("a"); res.Uploaded != 0 || res.Manifest != "unchanged" {
		t.Fatalf("second publish: %+v", res)
	}

	// Kill the publisher of the second bake part-way, one upload at a time:
	// once its progress line (stderr on a pseudo-terminal, CI unset for it)
	// says its first object is up. (A fixed sleep let a fast publish finish
	// before the kill.)
	cmd := exec.Command(bin, "publish", "--to", "s3://cli/prebake", "--endpoint", srv.Endpoint, "--out", "b", "--manifest", "b.json", "--jobs", "1")
	cmd.Dir, cmd.Env = dir, slices.DeleteFunc(append(os.Environ(), env...), func(kv string) bool { return strings.HasPrefix(kv, "CI=") })
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("a pseudo-terminal for the publisher's progress: %v", err)
	}
	defer ptmx.Close()
	cmd.Stderr = tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	firstUp := make(chan bool, 1)
	go func() {
		var seen []byte
		buf := make([]byte, 256)
		for {
			n, err := ptmx.Read(buf)
			seen = append(seen, buf[:n]...)
			if bytes.Contains(seen, []byte("uploaded ")) {
				firstUp <- true
				return
			}
			if err != nil {
				firstUp <- false
				return
			}
		}
	}()
	select {
	case ok := <-firstUp:
		if !ok {
			t.Fatal("the publisher ended without reporting an upload")
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("no upload reported in 2 minutes")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// The live manifest is a whole bake's, and every file of that bake is in the bucket.
	live := srv.Get(t, "cli", "prebake/manifest.json")
	var liveOut string
	for _, out := range []string{"a", "b"} {
		if raw, _ := os.ReadFile(filepath.Join(dir, out+".json")); bytes.Equal(raw, live) {
			liveOut = out
		}
	}
	if liveOut == "" {
		t.Fatalf("the live manifest after a killed publish is neither bake's: %.200q", live)
	}
	if liveOut != "a" {
		t.Fatal("killed after its first upload, the publish of b had put its manifest up (the manifest goes last)")
	}
	objs := srv.Objects(t, "cli", "prebake/")
	for rel, size := range treeSizes(t, filepath.Join(dir, liveOut)) {
		if got, ok := objs["prebake/"+rel]; !ok || got != size {
			t.Errorf("the live manifest is bake %s's, whose %s (%d bytes) is not in the bucket", liveOut, rel, size)
		}
	}
	res := pub("b")
	if res.Manifest != "uploaded" || res.Uploaded+res.Present != files("b") {
		t.Fatalf("re-run after the kill: %+v", res)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "b.json"))
	if got := srv.Get(t, "cli", "prebake/manifest.json"); !bytes.Equal(got, b) {
		t.Fatal("manifest.json is not the second bake's after the re-run")
	}
}

// treeSizes maps every file below dir, but for prebake's state, to its size.
func treeSizes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == writer.StateDir {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = fi.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
