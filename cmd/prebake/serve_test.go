package main

import (
	"bufio"
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
)

// TestServeCommand runs `prebake serve --addr 127.0.0.1:0` on a small bake: it
// prints the address it listens on, serves the manifest, the preview and the
// report, and exits 0 on SIGINT.
func TestServeCommand(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	run(t, dir, nil, bin, "sample", "--out", "s", "--components", "300")
	run(t, dir, nil, bin, "build", "--quiet", "--source", "s/synthetic_*.json", "--postcodes", "s/synthetic_postcodes.csv")

	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no address printed: %v", err)
	}
	m := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/ `).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("printed %q, want the address", line)
	}
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
