package bake

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestGoBuildIDMatchesGoTool: the build ID read from this test executable's
// note is what `go tool buildid` (the go command's own reader) prints, and
// exeIdentity names it; a file that is not ELF is named by its SHA-256.
func TestGoBuildIDMatchesGoTool(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the note is read from ELF executables; elsewhere the executable is hashed (the other half of this test)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Fatalf("go tool buildid: %v", err)
	}
	want := strings.TrimSpace(string(out))
	got, err := goBuildID(exe)
	if err != nil || got != want || want == "" {
		t.Fatalf("goBuildID = %q, %v; go tool buildid says %q", got, err, want)
	}
	id, err := (fileSums{}).exeIdentity(exe)
	if err != nil || id != "go-buildid:"+want {
		t.Errorf("exeIdentity = %q, %v", id, err)
	}
}

func TestExeIdentityHashesOtherFiles(t *testing.T) {
	p := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho prebake\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	id, err := (fileSums{}).exeIdentity(p)
	// sha256 of the bytes above, by `printf '#!/bin/sh\necho prebake\n' | sha256sum`.
	if err != nil || id != "sha256:8dcb1f8e39f2b293c3323984e04d3bbb9d6364b7c2b5118c65cf7ba43d6df769" {
		t.Fatalf("exeIdentity = %q, %v", id, err)
	}
	other := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(other, []byte("#!/bin/sh\necho prebake!\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if id2, _ := (fileSums{}).exeIdentity(other); id2 == id {
		t.Error("two different files have one identity")
	}
}
