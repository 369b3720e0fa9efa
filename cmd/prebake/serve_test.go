package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/sample"
)

// TestServeCommand runs `prebake serve --addr 127.0.0.1:0` on a small bake: it
// prints the address it listens on, serves the manifest, the preview and the
// report, and exits 0 on SIGINT.
func TestServeCommand(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	run(t, dir, nil, bin, "sample", "--out", "s", "--components", "300")
	run(t, dir, nil, bin, "build", "--quiet", "--source", "s/synthetic_*.json", "--postcodes", "s/synthetic_postcodes.csv")

	cmd, base := startServe(t, bin, dir)
	m := []string{"", base}
	manifest, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	for path, want := range map[string]string{
		"/manifest.json":    string(manifest),
		"/":                 "prebake preview",
		"/_prebake/report":  "Bake report",
		"/_prebake/pmtiles": "404",
	} {
		res, err := http.Get(m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want == "404" {
			if res.StatusCode != 404 {
				t.Errorf("%s: %d, want 404", path, res.StatusCode)
			}
			continue
		}
		if res.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d, body lacks %q", path, res.StatusCode, want)
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGINT: %v, want exit 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("serve did not stop on SIGINT")
	}
}

// startServe starts `prebake serve --addr 127.0.0.1:0 args...` in dir and
// returns it with the base URL it printed; it is killed when the test ends.
func startServe(t *testing.T, bin, dir string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no address printed: %v", err)
	}
	m := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/ `).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("printed %q, want the address", line)
	}
	return cmd, m[1]
}

// TestServeReportBesideManifest: serve reads the bake report where build
// writes it, beside --manifest (issue 24: it looked beside --out), and lists
// its rejected rows since it is of the manifest's build.
func TestServeReportBesideManifest(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	run(t, dir, nil, bin, "sample", "--out", "s", "--components", "300")
	run(t, dir, nil, bin, "build", "--quiet", "--source", "s/synthetic_*.json", "--postcodes", "s/synthetic_postcodes.csv",
		"--out", "site/output", "--manifest", "meta/manifest.json")
	_, base := startServe(t, bin, dir, "--out", "site/output", "--manifest", "meta/manifest.json")
	res, err := http.Get(base + "/_prebake/report.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r struct {
		ReportFile    string   `json:"report_file"`
		RejectedTotal int      `json:"rejected_total"`
		Notes         []string `json:"notes"`
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if r.ReportFile != filepath.Join("meta", "prebake-report.jsonl") || r.RejectedTotal != sample.DeliberateRejects {
		t.Errorf("report %q with %d rejected rows (notes %q); want meta/prebake-report.jsonl with %d", r.ReportFile, r.RejectedTotal, r.Notes, sample.DeliberateRejects)
	}
}
