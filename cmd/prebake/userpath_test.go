package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/publish"
	"github.com/prebake/prebake/internal/testkit/realbake"
	"github.com/prebake/prebake/internal/testkit/s3test"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// BenchmarkUserPath times what a user of the wheel does on a deploy
// (scripts/bench-userpath.sh runs it; issue 31): the first deploy is a fresh
// venv (python3 -m venv), pip install of the linux x86_64 wheel of `make dist`
// from a --find-links directory, a bake of the real register in ../shared
// (realbake.Args) and `prebake publish` to a local S3 server (SeaweedFS); the
// second deploy, after 1% of the register's rows changed, is pip install in
// that venv again (already satisfied), a bake into a fresh directory (a deploy
// starts from a clean checkout) and a publish to the same prefix (which uploads
// only what changed). Metrics: first-s, second-s, and each step in seconds
// (wall), first-cpu-s and second-cpu-s (user+sys of the commands).
// Needs PREBAKE_USERPATH_DIST (the wheel's directory) and
// PREBAKE_USERPATH_SHARED2 (a shared/ whose register is the changed copy).
func BenchmarkUserPath(b *testing.B) {
	dist, shared2 := os.Getenv("PREBAKE_USERPATH_DIST"), os.Getenv("PREBAKE_USERPATH_SHARED2")
	if dist == "" || shared2 == "" {
		b.Skip("run by scripts/bench-userpath.sh (make bench), which builds the wheel and the changed register")
	}
	shared := filepath.Dir(filepath.Dir(shareddata.Path(b, realbake.RegisterDir)))
	v, err := os.ReadFile("VERSION")
	if err != nil {
		b.Fatal(err)
	}
	version := strings.TrimSpace(string(v))
	srv := s3test.Start(b)
	srv.CreateBucket(b, "userpath")
	for i := range b.N {
		dir := b.TempDir()
		venv := filepath.Join(dir, "venv")
		// The venv's bin first and no Go: the PATH of a deploy that has only the wheel.
		env := append(os.Environ(), "PATH="+filepath.Join(venv, "bin")+":/usr/bin:/bin", "SOURCE_DATE_EPOCH="+realbake.SourceDateEpoch,
			"AWS_ENDPOINT_URL_S3="+srv.Endpoint)
		env = append(env, s3test.Env()...)
		cpu := map[string]float64{}
		step := func(name string, args ...string) float64 {
			b.Helper()
			start := time.Now()
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env, cmd.Dir = env, dir
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				b.Fatalf("%s: %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
			}
			s := time.Since(start).Seconds()
			b.ReportMetric(s, name+"-s")
			// CPU time (user+sys, with the children it waited for): wall
			// time on a shared machine lies.
			cpu[strings.SplitN(name, "-", 2)[0]] += (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
			return s
		}
		prefix := fmt.Sprintf("deploy%d", i)
		to := "s3://userpath/" + prefix
		deploy := func(tag, sharedDir string, fresh bool) float64 {
			total := 0.0
			if fresh {
				total += step(tag+"-venv", "python3", "-m", "venv", venv)
			}
			total += step(tag+"-pip", filepath.Join(venv, "bin", "pip"), "install", "--quiet", "--disable-pip-version-check", "--no-index",
				"--find-links", dist, "prebake=="+version)
			out := filepath.Join(dir, tag)
			total += step(tag+"-bake", append([]string{filepath.Join(venv, "bin", "prebake")}, realbake.Args(sharedDir, out)...)...)
			total += step(tag+"-publish", filepath.Join(venv, "bin", "prebake"), "publish", "--quiet", "--to", to,
				"--out", filepath.Join(out, realbake.OutName), "--manifest", filepath.Join(out, realbake.ManifestName))
			return total
		}
		first := deploy("first", shared, true)
		second := deploy("second", shared2, false)
		b.ReportMetric(first, "first-s")
		b.ReportMetric(second, "second-s")
		b.ReportMetric(cpu["first"], "first-cpu-s")
		b.ReportMetric(cpu["second"], "second-cpu-s")
		// The second deploy changed the bake, and the bucket serves it.
		id1, id2 := manifestBuildID(b, readFile(b, filepath.Join(dir, "first", realbake.ManifestName)), "first"),
			manifestBuildID(b, readFile(b, filepath.Join(dir, "second", realbake.ManifestName)), "second")
		served := manifestBuildID(b, srv.Get(b, "userpath", prefix+"/"+publish.ManifestKey), "the bucket's")
		if id1 == id2 || served != id2 {
			b.Fatalf("build ids: first %s, second %s, served %s", id1, id2, served)
		}
	}
}

func readFile(b *testing.B, path string) []byte {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// manifestBuildID is the build_id of the manifest data.
func manifestBuildID(b *testing.B, data []byte, what string) string {
	b.Helper()
	var m struct {
		BuildID string `json:"build_id"`
	}
	if err := json.Unmarshal(data, &m); err != nil || m.BuildID == "" {
		b.Fatalf("%s manifest has no build_id (%v)", what, err)
	}
	return m.BuildID
}
