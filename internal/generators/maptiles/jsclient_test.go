package maptiles_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// TestJSClientNode runs the Node tests of the JS client (js/test/*.test.mjs,
// node's own test runner): failed fetches are retried, clearCache forgets the
// index, and the client's projection is bit-identical to package cluster's.
func TestJSClientNode(t *testing.T) {
	shareddata.Peers(t) // node and the peer tools: skipped outside CI when absent, failed in CI
	tests, err := filepath.Glob(filepath.Join(shareddata.Root(), "js", "test", "*.test.mjs"))
	if err != nil || len(tests) == 0 {
		t.Fatalf("no js/test/*.test.mjs: %v", err)
	}
	cmd := exec.Command("node", append([]string{"--test", "--test-reporter=dot"}, tests...)...)
	cmd.Env = append(os.Environ(), "PREBAKE_ROOT="+shareddata.Root())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
}
