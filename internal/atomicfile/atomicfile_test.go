package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "manifest.json")
	for _, data := range []string{"first\n", "second, longer\n", ""} {
		if err := Write(p, []byte(data)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != data {
			t.Fatalf("after Write(%q): %q, %v", data, got, err)
		}
		fi, _ := os.Stat(p)
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("mode %v, want 0644", fi.Mode().Perm())
		}
		es, _ := os.ReadDir(filepath.Dir(p))
		if len(es) != 1 {
			t.Errorf("directory holds %d entries after Write, want only the file (no temporary left)", len(es))
		}
	}
}

// A failed Write leaves the old file whole and no temporary file, and its
// error names the file.
func TestWriteFailureLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.jsonl")
	if err := Write(p, []byte("old")); err != nil {
		t.Fatal(err)
	}
	// A directory where the file should go: the rename fails.
	target := filepath.Join(dir, "taken")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := Write(target, []byte("new"))
	if err == nil || !strings.Contains(err.Error(), target) {
		t.Fatalf("Write over a non-empty directory: %v, want an error naming %s", err, target)
	}
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("unrelated file changed: %q", got)
	}
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestPrepareCommitDiscard: a prepared file leaves its final path as it was
// until Commit, which puts it in place whole; Discard leaves nothing; a
// failing writer leaves nothing; a second Commit is an error.
func TestPrepareCommitDiscard(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "table.bin")
	if err := Write(p, []byte("old")); err != nil {
		t.Fatal(err)
	}
	entries := func() int { es, _ := os.ReadDir(dir); return len(es) }
	writeString := func(s string) func(w io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	pf, err := Prepare(p, writeString("new"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "old" || entries() != 2 {
		t.Fatalf("prepared: %q with %d entries, want the old file and the temporary", got, entries())
	}
	if err := pf.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "new" || entries() != 1 {
		t.Fatalf("committed: %q with %d entries", got, entries())
	}
	if err := pf.Commit(); err == nil {
		t.Error("a second Commit succeeded")
	}
	pf.Discard() // after Commit: nothing to do
	if got, _ := os.ReadFile(p); string(got) != "new" {
		t.Fatalf("Discard after Commit changed the file: %q", got)
	}

	pf, err = Prepare(p, writeString("discarded"))
	if err != nil {
		t.Fatal(err)
	}
	pf.Discard()
	pf.Discard()
	if got, _ := os.ReadFile(p); string(got) != "new" || entries() != 1 {
		t.Fatalf("discarded: %q with %d entries", got, entries())
	}

	if _, err := Prepare(p, func(io.Writer) error { return errors.New("boom") }); err == nil || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), p) {
		t.Errorf("failing writer: %v", err)
	}
	if entries() != 1 {
		t.Errorf("a failed Prepare left %d entries", entries())
	}
}
