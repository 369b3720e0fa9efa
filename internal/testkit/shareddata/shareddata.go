// Package shareddata finds the read-only reference data in ../shared and the peer
// tools installed from it, for tests. Outside CI a test that needs them is skipped
// with a message saying what is missing; in CI (CI=true) it fails instead, because
// CI always has them.
package shareddata

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Root is the repository root, found from this file's location.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// SampleManifest is the committed manifest of the bundled sample's bake, the
// golden file `make run` reproduces byte for byte (cmd/prebake's
// TestBakeReproducible checks it; `make golden` rewrites it).
func SampleManifest() string {
	return filepath.Join(Root(), "cmd", "prebake", "testdata", "sample-manifest.json")
}

// Dir returns the shared/ directory: $PREBAKE_SHARED, else ../shared beside the repository.
func Dir() string {
	if d := os.Getenv("PREBAKE_SHARED"); d != "" {
		return d
	}
	return filepath.Join(Root(), "..", "shared")
}

// Path returns shared/rel, skipping (or in CI failing) t when it is absent.
func Path(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Dir(), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		missing(t, "shared data "+p+" is absent (set PREBAKE_SHARED or check out ../shared)")
	}
	return p
}

// Peers returns the directory holding the peer tools' node_modules (installed by
// scripts/setup-peers.sh): $PREBAKE_PEERS, else .cache/peers in the repository.
// It skips (or in CI fails) t when they are not installed or node is missing.
func Peers(t testing.TB) string {
	t.Helper()
	d := os.Getenv("PREBAKE_PEERS")
	if d == "" {
		d = filepath.Join(Root(), ".cache", "peers")
	}
	if _, err := os.Stat(filepath.Join(d, "node_modules")); err != nil {
		missing(t, "peer tools are not installed in "+d+" (run scripts/setup-peers.sh)")
	}
	return d
}

func missing(t testing.TB, msg string) { t.Helper(); Missing(t, msg) }

// Missing skips t with msg outside CI, and fails it in CI (CI set), where every
// tool the project's setup scripts install and all of ../shared are present.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// NodeJSON runs a Node script of the project's tests, with the peer tools'
// directory in PREBAKE_PEERS, and decodes the JSON it prints into v. Node's stderr goes to the test's stderr, and a
// failing script fails t.
func NodeJSON(t testing.TB, v any, script string, args ...string) {
	t.Helper()
	peers := Peers(t)
	cmd := exec.Command("node", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "PREBAKE_PEERS="+peers)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v", script, err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("node %s printed %.200q: %v", script, out, err)
	}
}

// Tool returns the path of an installed program (scripts/setup-debian.sh
// installs them), skipping (or in CI failing) t when it is not on PATH.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, name+" is not installed (run scripts/setup-peers.sh)")
	}
	return p
}

// Python returns the interpreter of the pinned venv .cache/venv (built by
// scripts/setup-python.sh at the app's versions), skipping (or in CI failing) t
// when it is absent.
func Python(t testing.TB) string {
	t.Helper()
	p := filepath.Join(Root(), ".cache", "venv", "bin", "python")
	if _, err := os.Stat(p); err != nil {
		missing(t, "the Python venv "+p+" is absent (run scripts/setup-python.sh)")
	}
	return p
}
