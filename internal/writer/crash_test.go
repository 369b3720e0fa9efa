package writer_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/verify"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// TestSIGKILLLeavesAValidManifest kills bakes of new content at many points and
// checks, after each, that the manifest in place (the previous one, or the new
// one if the kill came after the commit) verifies, and that the next bake runs to
// completion and verifies.
func TestSIGKILLLeavesAValidManifest(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a dozen bakes")
	}
	dir := t.TempDir()
	out, mp := filepath.Join(dir, "output"), filepath.Join(dir, "manifest.json")
	const scale = 4
	// A first, complete bake, timed to spread the kills across a whole bake.
	start := time.Now()
	if err := helperBake(t, out, mp, 0, scale, "SOURCE_DATE_EPOCH=1000").Run(); err != nil {
		t.Fatal(err)
	}
	full := time.Since(start)
	t.Logf("a full bake takes %v", full)

	check := func(step string) *manifest.Manifest {
		t.Helper()
		m, err := manifest.Load(mp)
		if err != nil {
			t.Fatalf("%s: the manifest in place does not load: %v", step, err)
		}
		r := verify.Check(m, out, verify.Options{})
		for _, p := range r.Problems {
			t.Errorf("%s: %s", step, p)
		}
		return m
	}
	check("first bake")

	const kills = 12
	outcomes := map[bool]int{} // manifest replaced?
	for i := range kills {
		before, _ := os.ReadFile(mp)
		// New content each time, so each bake has everything to write; delays from
		// ~0 to past a full bake's duration.
		cmd := helperBake(t, out, mp, i+1, scale, "SOURCE_DATE_EPOCH="+strconv.Itoa(1000+i+1))
		cmd.Stderr = nil
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(full * time.Duration(i) / (kills - 4))
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()
		after, _ := os.ReadFile(mp)
		outcomes[!bytes.Equal(before, after)]++
		check("after kill " + strconv.Itoa(i))
	}
	t.Logf("kills before the commit: %d, after: %d", outcomes[false], outcomes[true])
	if outcomes[false] == 0 {
		t.Error("no kill landed before the commit: the test proves nothing")
	}

	// The next bake completes, and verifies.
	if err := helperBake(t, out, mp, 100, scale, "SOURCE_DATE_EPOCH=2000").Run(); err != nil {
		t.Fatalf("the bake after the kills: %v", err)
	}
	m := check("final bake")
	if m.Created != "1970-01-01T00:33:20Z" {
		t.Errorf("the final manifest is not the final bake's: created %s", m.Created)
	}
	// Staging left by the killed bakes is gone once a later bake has started.
	if entries, _ := os.ReadDir(filepath.Join(out, writer.StateDir, "tmp")); len(entries) != 0 {
		t.Errorf("%d staging directories left after a completed bake", len(entries))
	}
}
