package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestVersion: the version comes from cmd/prebake/VERSION, the commit from
// -ldflags -X main.commit (as make build and scripts/dist.sh stamp it), and
// `prebake --version` and `prebake version` print the same line.
func TestVersion(t *testing.T) {
	want, err := os.ReadFile("VERSION")
	if err != nil {
		t.Fatal(err)
	}
	wantVersion := strings.TrimSpace(string(want))
	if wantVersion == "" || strings.ContainsAny(wantVersion, " \t\n") {
		t.Fatalf("VERSION holds %q, not one version", want)
	}
	const sha = "0123456789abcdef0123456789abcdef01234567"
	bin := filepath.Join(t.TempDir(), "prebake")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.commit="+sha, "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var got VersionInfo
	if err := json.Unmarshal([]byte(run(t, ".", nil, bin, "version", "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if wantInfo := (VersionInfo{wantVersion, sha, runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}); got != wantInfo {
		t.Errorf("version --json = %+v, want %+v", got, wantInfo)
	}
	line := run(t, ".", nil, bin, "--version")
	if line != run(t, ".", nil, bin, "version") || line != got.String()+"\n" {
		t.Errorf("--version printed %q, version %q, want %q", line, run(t, ".", nil, bin, "version"), got.String())
	}
	if !strings.HasPrefix(line, "prebake "+wantVersion+" (commit "+sha) {
		t.Errorf("--version printed %q", line)
	}
}
